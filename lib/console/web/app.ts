/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/// <reference lib="dom.asynciterable" />
/**
 * The console page's script (served as /app.js, transpiled from this file at start). Plain DOM:
 * every piece of text from the machine (goal text, tool output, logs) goes in as textContent,
 * never as markup. Live data comes from one EventSource on /api/events (it resumes by itself
 * with Last-Event-ID) and a 2-second poll of /api/metrics for the charts.
 */

type Json = Record<string, any>;

// ---------------------------------------------------------------- helpers

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const SVG = "http://www.w3.org/2000/svg";

function h<K extends keyof HTMLElementTagNameMap>(tag: K, props: Record<string, string> = {}, ...children: (Node | string | null | undefined)[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === "class") el.className = v;
    else el.setAttribute(k, v);
  }
  for (const c of children) if (c !== null && c !== undefined) el.append(typeof c === "string" ? document.createTextNode(c) : c);
  return el;
}

function s<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number> = {}): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  return el;
}

/** "GOAL_STATE_WAITING_APPROVAL" → "waiting_approval" */
const short = (value: unknown, prefix: string) =>
  String(value ?? `${prefix}UNSPECIFIED`)
    .replace(prefix, "")
    .toLowerCase();
const stateBadge = (state: string, look = state) => h("span", { class: `state ${look}` }, state.replace("_", " "));
const serviceBadge = (svc: Json) => {
  const state = short(svc.state, "SERVICE_STATE_");
  return stateBadge(state, state === "running" ? "ok" : state === "failed" || state === "backoff" ? "failed" : "pending");
};
const duration = (ms: number) =>
  ms >= 86_400_000 ? `${Math.floor(ms / 86_400_000)} d` : ms >= 3_600_000 ? `${Math.floor(ms / 3_600_000)} h` : ms >= 60_000 ? `${Math.floor(ms / 60_000)} min` : `${Math.floor(ms / 1000)} s`;
const time = (iso?: string) => (iso ? new Date(iso).toLocaleTimeString() : "");
const bytes = (n: number) => (n >= 1 << 30 ? `${(n / (1 << 30)).toFixed(1)} GiB` : `${Math.round(n / (1 << 20))} MiB`);

class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

async function api<T = Json>(method: string, path: string, body?: unknown): Promise<T> {
  const init: RequestInit = { method, credentials: "same-origin", headers: {} };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    (init.headers as Record<string, string>)["content-type"] = "application/json";
  }
  const response = await fetch(path, init);
  const data = response.headers.get("content-type")?.includes("json") ? await response.json() : {};
  if (response.status === 401 && path !== "/api/session") showSignIn();
  if (!response.ok) throw new ApiError(response.status, data.error ?? `${response.status} ${response.statusText}`, data.field);
  return data as T;
}

let toastTimer = 0;
function toast(text: string) {
  const el = $("toast");
  el.textContent = text;
  el.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = window.setTimeout(() => (el.hidden = true), 5000);
}
const report = (error: unknown) => toast(error instanceof Error ? error.message : String(error));

// ---------------------------------------------------------------- sign-in

function showSignIn() {
  $("app").hidden = true;
  $("signin").hidden = false;
  events?.close();
  events = null;
}

async function signIn(event: SubmitEvent) {
  event.preventDefault();
  const input = $<HTMLInputElement>("secret");
  $("signin-error").textContent = "";
  try {
    await api("POST", "/api/session", { secret: input.value });
    input.value = "";
    await start();
  } catch (error) {
    $("signin-error").textContent = (error as Error).message;
  }
}

// ---------------------------------------------------------------- views

let currentView = "dashboard";
function show(view: string) {
  currentView = view;
  for (const b of document.querySelectorAll<HTMLButtonElement>("#tabs button")) b.classList.toggle("active", b.dataset.view === view);
  for (const sec of document.querySelectorAll<HTMLElement>("main .view")) sec.hidden = sec.id !== `view-${view}`;
  const load: Record<string, () => Promise<void>> = {
    dashboard: refreshDashboard,
    goals: refreshGoals,
    approvals: refreshApprovals,
    audit: refreshAudit,
    memory: refreshMemoryStats,
    models: refreshModels,
    services: refreshServices,
  };
  load[view]?.().catch(report);
  history.replaceState(null, "", `#${view}`);
}

// ---------------------------------------------------------------- dashboard

function drawChart(svg: SVGSVGElement, values: number[]) {
  svg.replaceChildren();
  for (const y of [25, 50, 75]) svg.append(s("line", { x1: 0, x2: 300, y1: y, y2: y, class: "grid-line" }));
  if (values.length < 2) return;
  const step = 300 / (values.length - 1);
  const points = values.map((v, i) => `${(i * step).toFixed(1)},${(100 - Math.max(0, Math.min(100, v))).toFixed(1)}`);
  svg.append(s("polygon", { points: `0,100 ${points.join(" ")} 300,100`, class: "area" }));
  svg.append(s("polyline", { points: points.join(" "), class: "line" }));
}

async function refreshMetrics() {
  const { samples, host } = await api<{ samples: Json[]; host: Json }>("GET", "/api/metrics");
  const last = samples[samples.length - 1];
  for (const key of ["cpu", "memory", "disk"] as const) {
    drawChart(
      $<HTMLElement>(`chart-${key}`) as unknown as SVGSVGElement,
      samples.map((x) => x[key] as number),
    );
    $(`${key}-now`).textContent = last ? `${last[key]}%` : "";
  }
  if (host.memoryTotalBytes) $("memory-now").textContent += ` of ${bytes(host.memoryTotalBytes)}`;
  if (host.diskTotalBytes) $("disk-now").textContent += ` of ${bytes(host.diskTotalBytes)}`;
}

async function refreshStatus() {
  const status = await api("GET", "/api/status");
  const components: Json[] = status.components ?? [];
  const down = components.filter((c) => !c.serving);
  const pill = $("health-pill");
  pill.textContent = status.emergencyStopped ? "emergency stop" : down.length ? `${down.length} down` : "healthy";
  pill.className = `pill ${status.emergencyStopped || down.length ? "bad" : "ok"}`;
  $("estop-banner").hidden = !status.emergencyStopped;
  $<HTMLSelectElement>("autonomy").value = short(status.autonomy, "AUTONOMY_LEVEL_");
  $("components").replaceChildren(...components.map((c) => h("li", {}, stateBadge(c.serving ? "ok" : "failed"), c.name, c.serving ? "" : ` ${c.error ?? ""}`)));
  const counts: Json[] = status.goals ?? [];
  $("goal-counts").replaceChildren(
    ...(counts.length ? counts.map((g) => h("li", {}, stateBadge(short(g.state, "GOAL_STATE_")), String(g.count ?? 0))) : [h("li", { class: "muted" }, "no goals yet")]),
  );
  $("layers").textContent = `layers that can answer: ${(status.availableLayers ?? []).map((l: string) => short(l, "LAYER_")).join(", ") || "none"}`;
  $("approvals-count").textContent = Number(status.pendingApprovals ?? 0) > 0 ? String(status.pendingApprovals) : "";
}

async function refreshDashboard() {
  await Promise.all([refreshMetrics(), refreshStatus(), refreshServiceSummary()]);
}

async function refreshServiceSummary() {
  const r = await api("GET", "/api/services");
  const degraded: string[] = r.degradedReasons ?? [];
  $("degraded").replaceChildren(...degraded.map((d) => h("p", { class: "error" }, d)));
  $("service-summary").replaceChildren(...(r.services ?? []).map((svc: Json) => h("li", {}, serviceBadge(svc), svc.name, svc.restarts ? ` (${svc.restarts} restarts)` : "")));
}

// ---------------------------------------------------------------- goals

let selectedGoal: string | null = null;

async function submitGoal(event: SubmitEvent) {
  event.preventDefault();
  const input = $<HTMLInputElement>("goal-text");
  try {
    const { goal } = await api("POST", "/api/goals", { text: input.value });
    input.value = "";
    selectGoal(goal.id);
    await refreshGoals();
  } catch (error) {
    report(error);
  }
}

async function refreshGoals() {
  const { goals } = await api<{ goals: Json[] }>("GET", "/api/goals?limit=30");
  $("goal-list").replaceChildren(
    ...goals.map((g) => {
      const li = h("li", { "data-goal": g.id, class: g.id === selectedGoal ? "selected" : "" }, stateBadge(short(g.state, "GOAL_STATE_")), g.text);
      li.addEventListener("click", () => {
        selectGoal(g.id);
        refreshGoals().catch(report);
      });
      return li;
    }),
  );
  if (selectedGoal) await refreshGoalDetail(selectedGoal);
}

/** The selected goal's events: its own stream replays it from the start, then follows it. */
let goalEvents: Json[] = [];
let goalStream: EventSource | null = null;
let detailTimer = 0;

function selectGoal(id: string) {
  if (selectedGoal === id && goalStream) return;
  selectedGoal = id;
  goalStream?.close();
  goalEvents = [];
  const seen = new Set<string>();
  const stream = new EventSource(`/api/events?goalId=${encodeURIComponent(id)}&untilDone=1`);
  goalStream = stream;
  stream.addEventListener("event", (e) => {
    const event = JSON.parse((e as MessageEvent).data) as Json;
    // After a dropped connection EventSource resumes from Last-Event-ID; ids keep it exact.
    if (seen.has(event.id)) return;
    seen.add(event.id);
    goalEvents.push(event);
    clearTimeout(detailTimer);
    detailTimer = window.setTimeout(() => refreshGoalDetail(id).catch(report), 100);
  });
  // The goal ended: close, or EventSource would reconnect and replay it again.
  stream.addEventListener("end", () => stream.close());
}

async function refreshGoalDetail(id: string) {
  const { goal } = await api("GET", `/api/goals/${encodeURIComponent(id)}`);
  if (selectedGoal !== id) return;
  const state = short(goal.state, "GOAL_STATE_");
  const detail = $("goal-detail");
  const actions = h("div", { class: "row" });
  if (!["succeeded", "failed", "cancelled"].includes(state)) {
    const cancel = h("button", { class: "quiet" }, "Cancel goal");
    cancel.addEventListener("click", () =>
      api("POST", `/api/goals/${encodeURIComponent(id)}/cancel`, {})
        .then(() => refreshGoalDetail(id))
        .catch(report),
    );
    actions.append(cancel);
  }
  // A goal held for a human shows what it waits for, answerable here without changing tabs.
  const waiting = state === "waiting_approval" ? (await api<{ approvals: Json[] }>("GET", `/api/approvals?goalId=${encodeURIComponent(id)}`)).approvals : [];
  if (selectedGoal !== id) return;
  const log = h("ul", { class: "plain events", id: "goal-events" }, ...goalEvents.map((e) => h("li", {}, h("span", { class: "muted" }, time(e.time)), e.message ?? "")));
  const parts: (Node | null)[] = [
    h("h2", {}, "Goal ", stateBadge(state)),
    h("p", { id: "goal-detail-text" }, goal.text),
    // The answer first, above the task graph: what the person asked for.
    goal.answer ? h("pre", { class: "answer", id: "goal-answer" }, goal.answer) : null,
    goal.stateReason ? h("p", { class: "muted" }, goal.stateReason) : null,
    actions,
    ...waiting.map((a) => approvalCard(a, () => refreshGoalDetail(id))),
    taskGraph(goal.tasks ?? []),
    goal.result && goal.result !== goal.answer ? h("pre", { class: "result", id: "goal-result" }, goal.result) : null,
    h("h2", {}, "Events"),
    log,
  ];
  detail.replaceChildren(...parts.filter((p): p is Node => p !== null));
  detail.dataset.state = state;
}

/** Tasks in columns by dependency depth, edges from each dependency; redrawn as states change. */
function taskGraph(tasks: Json[]): HTMLElement {
  const wrap = h("div", { class: "graph", id: "task-graph" });
  if (!tasks.length) {
    wrap.append(h("p", { class: "muted" }, "planning…"));
    return wrap;
  }
  const byId = new Map(tasks.map((t) => [t.id as string, t]));
  const depth = new Map<string, number>();
  const depthOf = (id: string, seen = new Set<string>()): number => {
    if (depth.has(id)) return depth.get(id)!;
    if (seen.has(id)) return 0;
    seen.add(id);
    const deps: string[] = (byId.get(id)?.dependsOn ?? []).filter((d: string) => byId.has(d));
    const d = deps.length ? 1 + Math.max(...deps.map((x) => depthOf(x, seen))) : 0;
    depth.set(id, d);
    return d;
  };
  const columns: Json[][] = [];
  for (const t of tasks) (columns[depthOf(t.id)] ??= []).push(t);
  const W = 210,
    H = 72,
    GX = 50,
    GY = 16;
  const pos = new Map<string, { x: number; y: number }>();
  columns.forEach((col, c) => col.forEach((t, r) => pos.set(t.id, { x: 10 + c * (W + GX), y: 10 + r * (H + GY) })));
  const width = 20 + columns.length * (W + GX) - GX;
  const height = 20 + Math.max(...columns.map((c) => c.length)) * (H + GY) - GY;
  const svg = s("svg", { viewBox: `0 0 ${width} ${height}`, width, height, role: "img", "aria-label": "task graph" });
  for (const t of tasks) {
    for (const d of (t.dependsOn ?? []) as string[]) {
      const a = pos.get(d),
        b = pos.get(t.id);
      if (!a || !b) continue;
      svg.append(s("path", { class: "edge", d: `M${a.x + W},${a.y + H / 2} C${a.x + W + GX / 2},${a.y + H / 2} ${b.x - GX / 2},${b.y + H / 2} ${b.x},${b.y + H / 2}` }));
    }
  }
  for (const t of tasks) {
    const p = pos.get(t.id)!;
    const state = short(t.state, "TASK_STATE_");
    const g = s("g", { class: `node ${state}`, "data-task": t.id, "data-state": state, transform: `translate(${p.x},${p.y})` });
    const title = s("title");
    title.textContent = `${t.id} [${t.agent}] ${t.description}\n${state}${t.stateReason ? `: ${t.stateReason}` : ""}`;
    const label = s("text", { x: 10, y: 20 });
    label.textContent = `${t.id} · ${t.agent}`.slice(0, 28);
    const what = s("text", { x: 10, y: 40, class: "what" });
    const description = String(t.description ?? "");
    what.textContent = description.length > 30 ? `${description.slice(0, 29)}…` : description;
    const sub = s("text", { x: 10, y: 60, class: "sub" });
    sub.textContent = `${state.replace("_", " ")}${t.attempts > 1 ? ` (try ${t.attempts})` : ""}`;
    g.append(title, s("rect", { width: W, height: H, rx: 8 }), label, what, sub);
    svg.append(g);
  }
  wrap.append(svg);
  return wrap;
}

// ---------------------------------------------------------------- approvals

async function refreshApprovals() {
  const { approvals } = await api<{ approvals: Json[] }>("GET", "/api/approvals");
  $("approvals-count").textContent = approvals.length ? String(approvals.length) : "";
  const list = $("approval-list");
  if (!approvals.length) {
    list.replaceChildren(h("p", { class: "muted" }, "Nothing is waiting for you."));
    return;
  }
  list.replaceChildren(...approvals.map((a) => approvalCard(a, refreshApprovals)));
}

/** One pending tool call with Approve and Deny; `then` redraws whatever shows it. */
function approvalCard(a: Json, then: () => Promise<void>): HTMLElement {
  const decide = (approve: boolean) => () =>
    api("POST", `/api/approvals/${encodeURIComponent(a.id)}`, { approve })
      .then(() => {
        toast(`${a.tool}: ${approve ? "approved" : "denied"}`);
        return then();
      })
      .catch(report);
  const yes = h("button", { class: "primary", "data-approve": a.id }, "Approve");
  const no = h("button", { class: "danger", "data-deny": a.id }, "Deny");
  yes.addEventListener("click", decide(true));
  no.addEventListener("click", decide(false));
  return h(
    "div",
    { class: "approval", "data-approval": a.id },
    h("p", {}, h("strong", {}, a.tool), ` by the ${a.agent} agent`),
    h("code", {}, JSON.stringify(a.input ?? {})),
    h("p", { class: "muted" }, a.reason ?? ""),
    h("p", { class: "muted" }, `goal ${a.goalId}, expires ${time(a.expiresAt)}`),
    h("div", { class: "row" }, yes, no),
  );
}

// ---------------------------------------------------------------- audit, memory, models, services

async function refreshAudit() {
  const { entries } = await api<{ entries: Json[] }>("GET", "/api/audit?limit=100");
  $("audit-table")
    .querySelector("tbody")!
    .replaceChildren(
      ...entries.map((e) =>
        h(
          "tr",
          {},
          h("td", {}, String(e.seq)),
          h("td", {}, time(e.time)),
          h("td", {}, e.agent ?? ""),
          h("td", {}, e.tool ?? ""),
          h("td", {}, stateBadge(short(e.result, "AUDIT_RESULT_"))),
          h("td", {}, String(e.durationMs ?? 0)),
        ),
      ),
    );
}

async function verifyAudit() {
  const out = $("audit-result");
  out.textContent = "verifying…";
  try {
    const r = await api("GET", "/api/audit/verify");
    out.textContent = r.ok ? `✓ chain intact: ${r.entriesChecked ?? 0} entries checked` : `✗ broken at entry ${r.firstBrokenSeq}: ${r.reason}`;
    out.className = r.ok ? "ok-text" : "error";
  } catch (error) {
    out.textContent = (error as Error).message;
  }
}

async function searchMemory(event: SubmitEvent) {
  event.preventDefault();
  const q = $<HTMLInputElement>("memory-query").value;
  try {
    const { hits } = await api<{ hits?: Json[] }>("GET", `/api/memory/search?q=${encodeURIComponent(q)}`);
    $("memory-results").replaceChildren(
      ...((hits ?? []).length ? hits!.map((hit) => h("li", {}, stateBadge(short(hit.memory?.kind, "MEMORY_KIND_")), hit.memory?.content ?? "")) : [h("li", { class: "muted" }, "nothing found")]),
    );
  } catch (error) {
    report(error);
  }
}

async function refreshMemoryStats() {
  const stats = await api("GET", "/api/memory/stats");
  const total = (stats.counts ?? []).reduce((n: number, c: Json) => n + Number(c.count ?? 0), 0);
  $("memory-stats").textContent = `${total} memories; embedder ${stats.embedder ?? "?"}`;
}

async function refreshModels() {
  const [{ models }, { usage, budget }, status] = await Promise.all([api<{ models: Json[] }>("GET", "/api/models"), api("GET", "/api/usage"), api("GET", "/api/status")]);
  // How far AIOS gets without a model: the share should rise as it learns.
  const planned = Number(status.goalsPlanned ?? 0);
  const withoutModel = Number(status.goalsWithoutModel ?? 0);
  $("no-model-share").textContent = planned ? `${withoutModel} of ${planned} planned goals needed no model call (${Math.round((100 * withoutModel) / planned)}%)` : "no goal planned yet";
  // One bar a day: its height the share of that day's goals planned with no model call.
  $("no-model-curve").replaceChildren(
    ...((status.planningByDay ?? []) as Json[]).map((d) => {
      const share = Number(d.planned) ? Number(d.withoutModel) / Number(d.planned) : 0;
      const bar = h("div", { title: `${d.day}: ${d.withoutModel} of ${d.planned} with no model (${Math.round(100 * share)}%)` });
      bar.style.height = `${Math.max(4, Math.round(100 * share))}%`;
      return bar;
    }),
  );
  const byModel = new Map<string, Json>((usage.models ?? []).map((m: Json) => [m.model, m.usage ?? {}]));
  $("model-table")
    .querySelector("tbody")!
    .replaceChildren(
      ...models.map((m) => {
        const u = byModel.get(m.id) ?? {};
        return h(
          "tr",
          {},
          h("td", {}, m.id),
          h("td", {}, short(m.layer, "LAYER_")),
          h("td", {}, stateBadge(short(m.state, "MODEL_STATE_"))),
          h("td", {}, String(m.queued ?? 0)),
          h("td", {}, String(u.requests ?? 0)),
          h("td", {}, `${u.inputTokens ?? 0} / ${u.outputTokens ?? 0}`),
          h("td", {}, `$${Number(u.costUsd ?? 0).toFixed(4)}`),
        );
      }),
    );
  const bar = (label: string, spent: number, limit: number) => {
    const fill = h("div");
    fill.style.width = `${limit > 0 ? Math.min(100, (100 * spent) / limit) : 0}%`;
    return [h("p", {}, `${label}: $${spent.toFixed(2)} of ${limit > 0 ? `$${limit.toFixed(2)}` : "no limit"}`), h("div", { class: `bar${limit > 0 && spent >= limit ? " over" : ""}` }, fill)];
  };
  $("budget").replaceChildren(
    ...bar("all providers", Number(budget.spentUsd ?? 0), Number(budget.limitUsd ?? 0)),
    ...(budget.providers ?? []).flatMap((p: Json) => bar(p.providerId, Number(p.spentUsd ?? 0), Number(p.limitUsd ?? 0))),
  );
}

let selectedService: string | null = null;
let logStream: EventSource | null = null;

async function refreshServices() {
  const r = await api("GET", "/api/services");
  $("service-table")
    .querySelector("tbody")!
    .replaceChildren(
      ...(r.services ?? []).map((svc: Json) => {
        const tr = h(
          "tr",
          { class: `clickable${svc.name === selectedService ? " selected" : ""}`, "data-service": svc.name },
          h("td", {}, svc.name),
          h("td", {}, serviceBadge(svc)),
          h("td", {}, String(svc.restarts ?? 0)),
          h("td", {}, svc.uptimeMs ? duration(Number(svc.uptimeMs)) : ""),
        );
        tr.addEventListener("click", () => openLogs(svc.name));
        return tr;
      }),
    );
}

function openLogs(name: string) {
  selectedService = name;
  logStream?.close();
  $("log-title").textContent = `Logs of ${name}`;
  $("service-restart").hidden = false;
  const view = $("log-view");
  view.textContent = "";
  logStream = new EventSource(`/api/services/${encodeURIComponent(name)}/logs?follow=1&lines=200`);
  logStream.addEventListener("log", (e) => {
    const line = JSON.parse((e as MessageEvent).data);
    view.append(`${line.text}\n`);
    if (view.childNodes.length > 2000) view.firstChild?.remove();
    view.scrollTop = view.scrollHeight;
  });
  refreshServices().catch(report);
}

// ---------------------------------------------------------------- live events

let events: EventSource | null = null;

function listen() {
  events?.close();
  events = new EventSource("/api/events");
  events.addEventListener("event", (e) => {
    const event = JSON.parse((e as MessageEvent).data) as Json;
    const kind = short(event.kind, "EVENT_KIND_");
    if (kind === "goal_state" && currentView === "goals") refreshGoals().catch(report);
    if (kind.startsWith("approval")) {
      refreshApprovals().catch(report);
      if (kind === "approval_requested") toast(`approval needed: ${event.message}`);
    }
    if (kind === "goal_state" || kind.startsWith("approval")) refreshStatus().catch(report);
  });
}

// ---------------------------------------------------------------- start

let started = false;
let poll = 0;

async function start() {
  await api("GET", "/api/session");
  $("signin").hidden = true;
  $("app").hidden = false;
  listen();
  if (!started) {
    started = true;
    for (const b of document.querySelectorAll<HTMLButtonElement>("#tabs button")) b.addEventListener("click", () => show(b.dataset.view!));
    $<HTMLFormElement>("goal-form").addEventListener("submit", submitGoal);
    $<HTMLFormElement>("memory-form").addEventListener("submit", searchMemory);
    $("audit-verify").addEventListener("click", verifyAudit);
    $("service-restart").addEventListener("click", () => {
      if (!selectedService) return;
      toast(`restarting ${selectedService}…`);
      api("POST", `/api/services/${encodeURIComponent(selectedService)}/restart`, {})
        .then(() => (toast(`${selectedService} restarted`), refreshServices()))
        .catch(report);
    });
    $<HTMLSelectElement>("autonomy").addEventListener("change", (e) =>
      api("PUT", "/api/autonomy", { level: (e.target as HTMLSelectElement).value })
        .then(() => toast("autonomy changed"))
        .catch(report),
    );
    $("estop").addEventListener("click", () => {
      if (confirm("Stop everything AIOS is doing and refuse new goals until resumed?")) api("POST", "/api/emergency-stop", {}).then(refreshStatus).catch(report);
    });
    $("resume").addEventListener("click", () => api("POST", "/api/resume", {}).then(refreshStatus).catch(report));
    $("signout").addEventListener("click", () => api("DELETE", "/api/session").finally(showSignIn));
    poll = window.setInterval(() => {
      if (document.hidden || $("app").hidden) return;
      if (currentView === "dashboard") refreshDashboard().catch(() => undefined);
      else refreshStatus().catch(() => undefined);
    }, 2000);
  }
  void poll;
  show(location.hash.slice(1) || "dashboard");
  refreshStatus().catch(report);
}

/**
 * Until the console speaks HTTPS: reached over plain HTTP from another machine, the admin token
 * and the session cookie cross the network in clear. Say so, and how to do better.
 */
function warnPlainHttp() {
  const host = location.hostname;
  const loopback = host === "localhost" || host === "[::1]" || host === "::1" || /^127\./.test(host);
  if (location.protocol !== "http:" || loopback) return;
  const port = location.port || "80";
  const banner = $("plain-http");
  banner.replaceChildren(
    "This console is reached over plain HTTP from another machine: the admin token and your session cross the network unencrypted. Reach it through SSH instead: ",
    h("code", {}, `ssh -L ${port}:127.0.0.1:${port} root@${host}`),
    ", then open ",
    h("code", {}, `http://127.0.0.1:${port}/`),
  );
  banner.hidden = false;
}

async function boot() {
  warnPlainHttp();
  $<HTMLFormElement>("signin-form").addEventListener("submit", signIn);
  try {
    const how = await fetch("/api/sign-in").then((r) => r.json());
    if (how.signInWith === "password") {
      $("secret-label").textContent = "Password";
      $("signin-hint").textContent = "The password set in /etc/aios/aios.toml ([console] password_hash).";
    }
    await start();
  } catch {
    showSignIn();
  }
}

document.addEventListener("DOMContentLoaded", () => void boot());

// Imported as text by the server (lib/console/assets.ts): this default export types that import.
export default "" as string;
