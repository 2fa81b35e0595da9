/**
 * aios-console's API through a real HTTP client, in the whole stack under `aios init --root`
 * (compiled binary, real gRPC to every component, no model): sign-in and sessions, auth on
 * every route but health and sign-in, cross-site changes refused, bad bodies rejected with
 * the field, goals followed over Server-Sent Events (and resumed), approvals, services and
 * logs, audit verification, memory, usage, autonomy, emergency stop, schedules, lockout.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { run } from "./support/binary.ts";
import { QUIET, type Stack, startStack } from "./support/stack.ts";
import { freePort } from "../rootfs/qemu.ts";
import { adminToken, ConsoleClient, consoleConfig, consoleService, readSse } from "./support/console.ts";
import { dfUsePercent } from "./support/df.ts";
import { waitFor } from "./support/wait.ts";

const dir = mkdtempSync(join(tmpdir(), "aios-console-"));
let stack: Stack;
let base: string;
let token: string;
let api: ConsoleClient; // bearer
let browser: ConsoleClient; // cookie + Origin, like the web page

const SLEEPER = `description = "web, a stand-in service"\ncommand = "/bin/sh"\nargs = ["-c", "echo web says hello; exec sleep 100000"]\n[restart]\npolicy = "always"\n`;

beforeAll(async () => {
  const port = await freePort();
  stack = await startStack(join(dir, "root"), {
    config: `${QUIET}[memory]\nembedder = "hashing"\n\n[orchestrator]\nmonitor_interval_ms = 0\n\n[gateway]\nmodels = []\n\n${consoleConfig(port, "max_failures = 3\nlockout_ms = 600000")}`,
    services: { console: consoleService(port), web: SLEEPER },
  });
  base = `http://127.0.0.1:${port}`;
  token = adminToken(stack.root);
  api = new ConsoleClient(base, { bearer: token, origin: null });
  browser = new ConsoleClient(base);
});

afterAll(async () => {
  await stack?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const goalDone = async (client: ConsoleClient, id: string) => {
  let goal: any;
  await waitFor(
    async () => {
      goal = (await client.get(`/api/goals/${id}`)).body.goal;
      return ["GOAL_STATE_SUCCEEDED", "GOAL_STATE_FAILED", "GOAL_STATE_CANCELLED"].includes(goal.state);
    },
    () => `goal ${id} to end: ${JSON.stringify(goal)}`,
  );
  return goal;
};

describe("sign-in", () => {
  test("the admin token is made at first start, readable only by root", () => {
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(statSync(join(stack.root, "var/lib/aios/console/admin-token")).mode & 0o777).toBe(0o600);
    // Shown only on the system console; under --root only its path is said, and the console's
    // log (which monitor.logs reads) never holds it.
    expect(stack.init.output()).not.toContain(token);
    const log = readFileSync(join(stack.root, "var/log/aios/console.log"), "utf8");
    expect(log).toContain("var/lib/aios/console/admin-token (mode 0600)");
    expect(log).toContain(`(port ${new URL(base).port})`);
    expect(log).not.toContain(token);
  });

  test("every route but health and sign-in needs a session or the bearer token", async () => {
    const anonymous = new ConsoleClient(base);
    expect((await anonymous.get("/api/health")).status).toBe(200);
    expect((await anonymous.get("/api/sign-in")).body).toEqual({ signInWith: "token" });
    const spec = (await anonymous.get("/api/openapi.json")).body;
    const routes = Object.entries(spec.paths as Record<string, Record<string, unknown>>).flatMap(([path, methods]) =>
      Object.keys(methods).map((m) => [m.toUpperCase(), path.replace(/\{[^}]+\}/g, "x1")] as const),
    );
    expect(routes.length).toBeGreaterThan(25);
    const open = new Set(["GET /api/health", "GET /api/sign-in", "POST /api/session"]);
    for (const [method, path] of routes) {
      if (open.has(`${method} ${path}`)) continue;
      const r = await anonymous.request(method, path, method === "GET" || method === "DELETE" ? undefined : {});
      expect(`${method} ${path} ${r.status}`).toBe(`${method} ${path} 401`);
      expect(r.body.error).toContain("sign in");
    }
    expect((await anonymous.request("GET", "/api/status", undefined, { authorization: "Bearer not-the-token" })).status).toBe(401);
  });

  test("a wrong secret is refused; the right one sets an HttpOnly, SameSite=Strict session cookie", async () => {
    const wrong = await browser.post("/api/session", { secret: "guess" });
    expect(wrong.status).toBe(401);
    expect(browser.cookie).toBe("");
    const right = await browser.post("/api/session", { secret: token });
    expect(right.status).toBe(200);
    const cookie = right.headers.get("set-cookie")!;
    expect(cookie).toMatch(/^aios_session=[A-Za-z0-9_-]{43};/);
    expect(cookie).toContain("HttpOnly");
    expect(cookie).toContain("SameSite=Strict");
    expect((await browser.get("/api/status")).status).toBe(200);
  });

  test("a session survives the console being killed (sessions are in SQLite)", async () => {
    const before = (await stack.initClient.getService({ name: "console" })).service!.pid;
    process.kill(before, "SIGKILL");
    await waitFor(
      async () => {
        const s = (await stack.initClient.getService({ name: "console" })).service!;
        return (
          s.pid !== before &&
          s.pid > 0 &&
          (await fetch(`${base}/api/health`).then(
            (r) => r.ok,
            () => false,
          ))
        );
      },
      () => "the console to come back",
    );
    expect((await browser.get("/api/status")).status).toBe(200);
  });

  test("a second console cannot take the port of a running one: it exits 69 and says why", async () => {
    const port = new URL(base).port;
    const second = await run([join(stack.root, "usr/bin/aios-console"), "--root", stack.root, "--port", port], stack.root);
    expect(second.code).toBe(69);
    expect(second.stderr).toContain(`cannot listen on 127.0.0.1:${port}`);
    expect((await api.get("/api/health")).status).toBe(200);
  });

  test("signing out ends the session", async () => {
    const other = new ConsoleClient(base);
    await other.post("/api/session", { secret: token });
    const cookie = other.cookie;
    expect((await other.request("DELETE", "/api/session")).status).toBe(200);
    const replay = new ConsoleClient(base);
    replay.cookie = cookie;
    expect((await replay.get("/api/status")).status).toBe(401);
  });
});

describe("changes from other sites are refused", () => {
  test("a cookie-borne change needs the console's own Origin; nothing is created otherwise", async () => {
    const count = async () => (await api.get("/api/goals?limit=500")).body.goals.length;
    const before = await count();
    const evil = await browser.request("POST", "/api/goals", { text: "disk usage" }, { origin: "http://evil.example" });
    expect(evil.status).toBe(403);
    expect(evil.body.error).toContain("cross-site");
    const fetchSite = new ConsoleClient(base, { origin: null });
    fetchSite.cookie = browser.cookie;
    expect((await fetchSite.request("POST", "/api/goals", { text: "disk usage" }, { "sec-fetch-site": "cross-site" })).status).toBe(403);
    expect((await fetchSite.request("POST", "/api/goals", { text: "disk usage" })).status).toBe(403);
    // A form post (not JSON) is refused even from the right origin.
    expect((await browser.request("POST", "/api/goals", "text=disk+usage", { "content-type": "application/x-www-form-urlencoded" })).status).toBe(415);
    // A login from another site is refused too.
    expect((await new ConsoleClient(base, { origin: "http://evil.example" }).post("/api/session", { secret: token })).status).toBe(403);
    expect(await count()).toBe(before);
  });

  test("the page is served with a CSP that allows nothing from elsewhere", async () => {
    const page = await fetch(`${base}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-security-policy")).toContain("default-src 'self'");
    expect(page.headers.get("x-frame-options")).toBe("DENY");
    const html = await page.text();
    expect(html).not.toMatch(/https?:\/\//);
    const entry = html.match(/<script type="module" src="(\/[^"]+)"/)?.[1];
    expect(entry).toBeDefined();
    const script = await fetch(`${base}${entry}`, { headers: { "accept-encoding": "gzip" } });
    expect(script.headers.get("content-type")).toContain("javascript");
    const etag = script.headers.get("etag")!;
    expect((await fetch(`${base}${entry}`, { headers: { "if-none-match": etag } })).status).toBe(304);
    // Everything the page names is served: the modules the entry imports, the stylesheet, the icon.
    const named = [...html.matchAll(/(?:src|href)="(\/[^"]*)"/g)].map((m) => m[1]!);
    expect(named.filter((path) => path.startsWith("/web/")).length).toBeGreaterThan(5);
    for (const path of named) expect([path, (await fetch(`${base}${path}`)).status]).toEqual([path, 200]);
  });
});

describe("bad input", () => {
  test("bad bodies are 422 with the field, bad JSON is 400, unknown routes 404", async () => {
    const cases: [string, string, unknown, string][] = [
      ["POST", "/api/goals", { text: "" }, "text"],
      ["POST", "/api/goals", { text: "disk usage", priority: "high" }, "priority"],
      ["POST", "/api/goals", { text: "disk usage", priority: 1000 }, "priority"],
      ["POST", "/api/goals", { text: "disk usage", sneaky: true }, "sneaky"],
      ["POST", "/api/approvals/a1", { note: "yes" }, "approve"],
      ["PUT", "/api/autonomy", { level: "yolo" }, "level"],
      ["POST", "/api/schedules", { name: "n", goalText: "disk usage" }, "spec"],
    ];
    for (const [method, path, body, field] of cases) {
      const r = await api.request(method, path, body);
      expect(`${method} ${path} ${r.status} ${r.body.field}`).toBe(`${method} ${path} 422 ${field}`);
      expect(r.body.error).toBeString();
    }
    expect((await api.get("/api/memory/search?q=")).status).toBe(422);
    expect((await api.get("/api/goals?state=bogus")).body.field).toBe("state");
    expect((await api.request("POST", "/api/goals", "{not json")).status).toBe(400);
    // Nesting past the limit is a 400, not a stack overflow; a cookie that is not URL-encoded
    // is no session (401), not a 500 on every route.
    const deep = await api.request("POST", "/api/goals", `${"[".repeat(100_000)}${"]".repeat(100_000)}`);
    expect([deep.status, deep.body.error]).toEqual([400, "the body nests deeper than 64 levels"]);
    const crumbs = new ConsoleClient(base);
    expect((await crumbs.request("GET", "/api/status", undefined, { cookie: "aios_session=%E0%A4%A" })).status).toBe(401);
    expect((await crumbs.request("GET", "/api/health", undefined, { cookie: "aios_session=%" })).status).toBe(200);
    expect((await api.request("POST", "/api/goals", { text: "x".repeat(2 << 20) })).status).toBe(413);
    expect((await api.get("/api/goals/no-such-goal")).status).toBe(404);
    expect((await api.get("/api/nothing-here")).status).toBe(404);
    // A component's own INVALID_ARGUMENT keeps its field.
    const schedule = await api.post("/api/schedules", { name: "bad", goalText: "disk usage", spec: "not a cron" });
    expect(schedule.status).toBe(422);
    expect(schedule.body.field).toBe("spec");
  });
});

describe("goals, events and approvals", () => {
  test("a goal submitted over the API is followed over SSE to its end", async () => {
    const submitted = await browser.post("/api/goals", { text: "disk usage" });
    expect(submitted.status).toBe(201);
    const id = submitted.body.goal.id;
    const events = await readSse(`${base}/api/events?goalId=${id}&untilDone=1`, { authorization: `Bearer ${token}` }, (e) => e.event === "end");
    const kinds = events.filter((e) => e.event === "event").map((e) => e.data.kind);
    expect(kinds).toContain("EVENT_KIND_GOAL_PLANNED");
    expect(kinds).toContain("EVENT_KIND_TASK_STATE");
    expect(events.at(-2)!.data).toMatchObject({ kind: "EVENT_KIND_GOAL_STATE", goalState: "GOAL_STATE_SUCCEEDED" });
    // Every event carries its durable id; resuming after one gives exactly the rest.
    const all = events.filter((e) => e.event === "event");
    const resumed = await readSse(`${base}/api/events?goalId=${id}&untilDone=1`, { authorization: `Bearer ${token}`, "last-event-id": all[1]!.id }, (e) => e.event === "end");
    expect(resumed.filter((e) => e.event === "event").map((e) => e.id)).toEqual(all.slice(2).map((e) => e.id));
    const goal = (await api.get(`/api/goals/${id}`)).body.goal;
    expect(goal.state).toBe("GOAL_STATE_SUCCEEDED");
    expect(goal.tasks[0].state).toBe("TASK_STATE_SUCCEEDED");
    expect(goal.result).toMatch(/% used/);
  });

  test("the whole event stream starts from now and carries new goals live", async () => {
    const seen = readSse(`${base}/api/events`, { authorization: `Bearer ${token}` }, (e) => e.data?.kind === "EVENT_KIND_GOAL_STATE" && e.data?.goalState === "GOAL_STATE_SUCCEEDED");
    await Bun.sleep(300);
    const id = (await api.post("/api/goals", { text: "memory usage" })).body.goal.id;
    const events = await seen;
    expect(events.every((e) => e.data.goalId === id)).toBe(true);
  });

  test("a risky call waits for approval; approved from the API, it runs", async () => {
    const id = (await browser.post("/api/goals", { text: "stop web" })).body.goal.id;
    let pending: any[] = [];
    await waitFor(
      async () => {
        pending = (await browser.get("/api/approvals")).body.approvals.filter((a: any) => a.goalId === id);
        return pending.length === 1;
      },
      () => "an approval for stop web",
    );
    expect(pending[0]).toMatchObject({ tool: "service.stop", input: { name: "web" }, state: "APPROVAL_STATE_PENDING" });
    expect((await browser.get("/api/status")).body.pendingApprovals).toBeGreaterThanOrEqual(1);
    const decided = await browser.post(`/api/approvals/${pending[0].id}`, { approve: true, note: "maintenance" });
    expect(decided.status).toBe(200);
    expect(decided.body.approval).toMatchObject({ state: "APPROVAL_STATE_APPROVED", resolvedBy: "console" });
    expect((await goalDone(api, id)).state).toBe("GOAL_STATE_SUCCEEDED");
    // Answering twice is a conflict, not a crash.
    expect((await browser.post(`/api/approvals/${pending[0].id}`, { approve: false })).status).toBe(409);
    const web = (await api.get("/api/services")).body.services.find((s: any) => s.name === "web");
    expect(web.state).toBe("SERVICE_STATE_STOPPED");
  });

  test("cancel a goal waiting for approval", async () => {
    const id = (await api.post("/api/goals", { text: "stop memory" })).body.goal.id;
    await waitFor(
      async () => (await api.get(`/api/goals/${id}`)).body.goal.state === "GOAL_STATE_WAITING_APPROVAL",
      () => "the goal to wait for approval",
    );
    const cancelled = await api.post(`/api/goals/${id}/cancel`, { reason: "changed my mind" });
    expect(cancelled.status).toBe(200);
    expect((await goalDone(api, id)).state).toBe("GOAL_STATE_CANCELLED");
  });
});

describe("the rest of the machine", () => {
  test("services, logs and restart", async () => {
    const { services, degradedReasons } = (await api.get("/api/services")).body;
    expect(services.map((s: any) => s.name)).toEqual(expect.arrayContaining(["memory", "tools", "orchestrator", "console", "web"]));
    expect(services.find((s: any) => s.name === "memory").hosts).toEqual(["gateway"]);
    void degradedReasons;
    await api.post("/api/services/web/restart");
    const logs = (await api.get("/api/services/web/logs?lines=50")).body.lines;
    expect(logs.some((l: any) => l.text.includes("web says hello"))).toBe(true);
    const after = (await api.get("/api/services")).body.services.find((s: any) => s.name === "web");
    expect(after.state).toBe("SERVICE_STATE_RUNNING");
    expect((await api.post("/api/services/no-such/restart")).status).toBe(404);
    // Following logs is SSE: the restart's line arrives.
    const follow = readSse(`${base}/api/services/web/logs?follow=1&lines=0`, { authorization: `Bearer ${token}` }, (e) => e.event === "log" && e.data.text.includes("web says hello"));
    await Bun.sleep(300);
    await api.post("/api/services/web/restart");
    expect((await follow).at(-1)!.data.service).toBe("web");
  });

  test("audit: the calls are there and the chain verifies", async () => {
    const { entries } = (await api.get("/api/audit?limit=50")).body;
    expect(entries.length).toBeGreaterThan(0);
    expect(entries.map((e: any) => e.tool)).toContain("service.stop");
    const verify = (await api.get("/api/audit/verify")).body;
    expect(verify.ok).toBe(true);
    expect(Number(verify.entriesChecked)).toBeGreaterThanOrEqual(entries.length);
    // The console keeps the head it saw in its own database and gives it back as an anchor.
    const again = (await api.get("/api/audit/verify")).body;
    expect(again.ok).toBe(true);
    expect(again.anchorsChecked.map((a: any) => a.source)).toContain("console");
    expect(again.head.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  test("tools, agents, memory, models, usage, metrics", async () => {
    expect((await api.get("/api/tools")).body.tools.map((t: any) => t.name)).toContain("fs.read");
    expect((await api.get("/api/agents")).body.agents.map((a: any) => a.kind)).toContain("system");
    await waitFor(
      async () => (await api.get("/api/memory/search?q=disk")).body.hits?.length > 0,
      () => "a memory of the disk usage goal",
    );
    expect((await api.get("/api/memory/stats")).body.embedder).toContain("hashing");
    expect((await api.get("/api/models")).body.models).toEqual([]);
    const usage = (await api.get("/api/usage")).body;
    expect(usage).toHaveProperty("budget");
    const metrics = (await api.get("/api/metrics")).body;
    expect(metrics.host.memoryTotalBytes).toBeGreaterThan(0);
    expect(metrics.samples.length).toBeGreaterThan(0);
    expect(metrics.samples[0].memory).toBeGreaterThan(0);
    // The disk chart agrees with df about the file system that holds AIOS's state.
    const df = dfUsePercent(metrics.host.diskPath);
    expect(Math.ceil(metrics.samples.at(-1).disk)).toBeWithin(df - 1, df + 2);
  });

  test("autonomy, emergency stop and resume", async () => {
    expect((await browser.request("PUT", "/api/autonomy", { level: "manual" })).body.level).toBe("manual");
    expect((await api.get("/api/status")).body.autonomy).toBe("AUTONOMY_LEVEL_MANUAL");
    await browser.request("PUT", "/api/autonomy", { level: "supervised" });
    expect((await browser.post("/api/emergency-stop", { reason: "test" })).body.stopped).toBe(true);
    const refused = await api.post("/api/goals", { text: "disk usage" });
    expect(refused.status).toBe(409);
    expect(refused.body.error).toContain("emergency stop");
    expect((await browser.post("/api/resume", {})).body.stopped).toBe(false);
    expect((await api.post("/api/goals", { text: "disk usage" })).status).toBe(201);
  });

  test("schedules", async () => {
    const made = await api.post("/api/schedules", { name: "nightly", goalText: "disk usage", spec: "0 3 * * *" });
    expect(made.status).toBe(201);
    const id = made.body.schedule.id;
    expect((await api.get("/api/schedules")).body.schedules.map((s: any) => s.id)).toContain(id);
    expect((await api.request("DELETE", `/api/schedules/${id}`)).status).toBe(200);
    expect((await api.get("/api/schedules")).body.schedules.map((s: any) => s.id)).not.toContain(id);
  });
});

describe("lockout (last: it locks this address out of signing in)", () => {
  test("after max_failures wrong secrets even the right one is refused, with Retry-After", async () => {
    const guesser = new ConsoleClient(base);
    // Ten wrong guesses at once: each is counted before it is checked, so at most three (the
    // limit) are checked and answered 401; the rest are refused unchecked.
    const statuses = (await Promise.all(Array.from({ length: 10 }, (_, i) => new ConsoleClient(base).post("/api/session", { secret: `guess-${i}` })))).map((r) => r.status);
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(3);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(7);
    const locked = await guesser.post("/api/session", { secret: token });
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get("retry-after"))).toBeGreaterThan(500);
    expect(locked.body.error).toContain("too many failed sign-ins");
    expect(guesser.cookie).toBe("");
    // Existing sessions carry on; a bearer token from the locked address is a guess too, not checked.
    expect((await browser.get("/api/status")).status).toBe(200);
    expect((await api.get("/api/status")).status).toBe(429);
  });
});
