/**
 * Test support: aios-console in a test stack (its service file on a free loopback port), and an
 * HTTP client that behaves like a browser (keeps the session cookie, sends Origin) or like an
 * API client (bearer token).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";

/** The console's service file for a stack, listening on the given port. */
export const consoleService = (port: number) =>
  `description = "the HTTP console"\ncommand = "/usr/bin/aios-console"\nafter = ["orchestrator"]\ncritical = true\n[readiness]\nkind = "tcp"\nport = ${port}\n[restart]\npolicy = "always"\n`;

/**
 * The [console] section for a stack on this port, plain HTTP: these stacks test what the
 * console does; test/console-tls.test.ts tests how it is reached over HTTPS.
 */
export const consoleConfig = (port: number, extra = "") => `[console]\nlisten = "127.0.0.1"\nport = ${port}\ntls = "off"\n${extra}\n`;

export const adminToken = (root: string) => readFileSync(join(root, "var/lib/aios/console/admin-token"), "utf8").trim();

export interface HttpResult {
  status: number;
  headers: Headers;
  body: any;
}

export class ConsoleClient {
  cookie = "";

  constructor(
    readonly base: string,
    private readonly auth: { bearer?: string; origin?: string | null /** The console's certificate, pinned (HTTPS). */; ca?: string } = {},
  ) {}

  async request(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<HttpResult> {
    const h: Record<string, string> = {};
    if (this.auth.bearer) h.authorization = `Bearer ${this.auth.bearer}`;
    if (this.cookie) h.cookie = this.cookie;
    if (this.auth.origin !== null) h.origin = this.auth.origin ?? this.base;
    if (body !== undefined) h["content-type"] = "application/json";
    Object.assign(h, headers);
    const response = await fetch(this.base + path, {
      method,
      headers: h,
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
      ...(this.auth.ca ? { tls: { ca: this.auth.ca } } : {}),
    });
    const setCookie = response.headers.get("set-cookie");
    if (setCookie) this.cookie = setCookie.split(";")[0]!;
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON: keep the text
    }
    return { status: response.status, headers: response.headers, body: parsed };
  }

  get = (path: string) => this.request("GET", path);
  post = (path: string, body: unknown = {}) => this.request("POST", path, body);
}

export interface SseEvent {
  id: string;
  event: string;
  data: any;
}

/** Reads Server-Sent Events until `stop` says so or the stream ends. */
export async function readSse(url: string, headers: Record<string, string>, stop: (event: SseEvent, all: SseEvent[]) => boolean): Promise<SseEvent[]> {
  const controller = new AbortController();
  const response = await fetch(url, { headers, signal: controller.signal });
  if (response.status !== 200) throw new Error(`SSE ${url}: ${response.status} ${await response.text()}`);
  const events: SseEvent[] = [];
  const decoder = new TextDecoder();
  let buffer = "";
  try {
    for await (const chunk of response.body!) {
      buffer += decoder.decode(chunk, { stream: true });
      let end: number;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event: SseEvent = { id: "", event: "message", data: null };
        let data = "";
        for (const line of block.split("\n")) {
          if (line.startsWith("id: ")) event.id = line.slice(4);
          else if (line.startsWith("event: ")) event.event = line.slice(7);
          else if (line.startsWith("data: ")) data += line.slice(6);
        }
        if (!data) continue;
        event.data = JSON.parse(data);
        events.push(event);
        if (stop(event, events)) return events;
      }
    }
    return events;
  } finally {
    controller.abort();
  }
}
