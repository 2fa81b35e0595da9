/**
 * @module lib/console/web/dom
 * The page's building blocks: elements made with every piece of text from the machine (goal
 * text, tool output, logs) as a text node, never as markup; state badges; numbers and times in
 * words; the toast that reports an error.
 */
import type { ServiceJson } from "./wire.ts";

export const $ = <T extends Element = HTMLElement>(id: string) => document.getElementById(id) as unknown as T;
const SVG = "http://www.w3.org/2000/svg";

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props: Record<string, string> = {}, ...children: (Node | string | null | undefined)[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === "class") el.className = v;
    else el.setAttribute(k, v);
  }
  for (const c of children) if (c !== null && c !== undefined) el.append(typeof c === "string" ? document.createTextNode(c) : c);
  return el;
}

export function s<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number> = {}): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  return el;
}

/** An enum's JSON name without its prefix: "GOAL_STATE_WAITING_APPROVAL" → "waiting_approval". */
export const short = (value: string | undefined, prefix: string) =>
  String(value ?? `${prefix}UNSPECIFIED`)
    .replace(prefix, "")
    .toLowerCase();
export const stateBadge = (state: string, look = state) => h("span", { class: `state ${look}` }, state.replace("_", " "));
export const serviceBadge = (svc: ServiceJson) => {
  const state = short(svc.state, "SERVICE_STATE_");
  return stateBadge(state, state === "running" ? "ok" : state === "failed" || state === "backoff" ? "failed" : "pending");
};
export const duration = (ms: number) =>
  ms >= 86_400_000 ? `${Math.floor(ms / 86_400_000)} d` : ms >= 3_600_000 ? `${Math.floor(ms / 3_600_000)} h` : ms >= 60_000 ? `${Math.floor(ms / 60_000)} min` : `${Math.floor(ms / 1000)} s`;
export const time = (iso?: string) => (iso ? new Date(iso).toLocaleTimeString() : "");
export const bytes = (n: number) => (n >= 1 << 30 ? `${(n / (1 << 30)).toFixed(1)} GiB` : `${Math.round(n / (1 << 20))} MiB`);

let toastTimer = 0;
export function toast(text: string) {
  const el = $("toast");
  el.textContent = text;
  el.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = window.setTimeout(() => (el.hidden = true), 5000);
}
export const report = (error: unknown) => toast(error instanceof Error ? error.message : String(error));
