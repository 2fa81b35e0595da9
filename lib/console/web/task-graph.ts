/**
 * @module lib/console/web/task-graph
 * A goal's tasks drawn as a graph: columns by dependency depth, an edge from each dependency,
 * each node coloured by its state; redrawn as states change.
 */
import { h, s, short } from "./dom.ts";
import type { TaskJson } from "./wire.ts";

const W = 210;
const H = 72;
const GAP_X = 50;
const GAP_Y = 16;

export function taskGraph(tasks: TaskJson[]): HTMLElement {
  const wrap = h("div", { class: "graph", id: "task-graph" });
  if (!tasks.length) {
    wrap.append(h("p", { class: "muted" }, "planning…"));
    return wrap;
  }
  const byId = new Map(tasks.map((t) => [t.id ?? "", t]));
  const depth = new Map<string, number>();
  const depthOf = (id: string, seen = new Set<string>()): number => {
    if (depth.has(id)) return depth.get(id)!;
    if (seen.has(id)) return 0;
    seen.add(id);
    const deps = (byId.get(id)?.dependsOn ?? []).filter((d) => byId.has(d));
    const d = deps.length ? 1 + Math.max(...deps.map((x) => depthOf(x, seen))) : 0;
    depth.set(id, d);
    return d;
  };
  const columns: TaskJson[][] = [];
  for (const t of tasks) (columns[depthOf(t.id ?? "")] ??= []).push(t);
  const pos = new Map<string, { x: number; y: number }>();
  columns.forEach((col, c) => col.forEach((t, r) => pos.set(t.id ?? "", { x: 10 + c * (W + GAP_X), y: 10 + r * (H + GAP_Y) })));
  const width = 20 + columns.length * (W + GAP_X) - GAP_X;
  const height = 20 + Math.max(...columns.map((c) => c.length)) * (H + GAP_Y) - GAP_Y;
  const svg = s("svg", { viewBox: `0 0 ${width} ${height}`, width, height, role: "img", "aria-label": "task graph" });
  for (const t of tasks) {
    for (const d of t.dependsOn ?? []) {
      const a = pos.get(d);
      const b = pos.get(t.id ?? "");
      if (!a || !b) continue;
      svg.append(s("path", { class: "edge", d: `M${a.x + W},${a.y + H / 2} C${a.x + W + GAP_X / 2},${a.y + H / 2} ${b.x - GAP_X / 2},${b.y + H / 2} ${b.x},${b.y + H / 2}` }));
    }
  }
  for (const t of tasks) svg.append(taskNode(t, pos.get(t.id ?? "")!));
  wrap.append(svg);
  return wrap;
}

function taskNode(t: TaskJson, at: { x: number; y: number }): SVGGElement {
  const state = short(t.state, "TASK_STATE_");
  const g = s("g", { class: `node ${state}`, "data-task": t.id ?? "", "data-state": state, transform: `translate(${at.x},${at.y})` });
  const title = s("title");
  title.textContent = `${t.id} [${t.agent}] ${t.description}\n${state}${t.stateReason ? `: ${t.stateReason}` : ""}`;
  const label = s("text", { x: 10, y: 20 });
  label.textContent = `${t.id} · ${t.agent}`.slice(0, 28);
  const what = s("text", { x: 10, y: 40, class: "what" });
  const description = t.description ?? "";
  what.textContent = description.length > 30 ? `${description.slice(0, 29)}…` : description;
  const sub = s("text", { x: 10, y: 60, class: "sub" });
  sub.textContent = `${state.replace("_", " ")}${(t.attempts ?? 0) > 1 ? ` (try ${t.attempts})` : ""}`;
  g.append(title, s("rect", { width: W, height: H, rx: 8 }), label, what, sub);
  return g;
}
