/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/// <reference lib="dom.asynciterable" />
/**
 * @module lib/console/web/main
 * The console page's entry module (the browser loads it and the modules it imports, each
 * transpiled from TypeScript by lib/console/assets.ts): sign-in, the tabs, the top bar's controls,
 * one EventSource on /api/events for what changes (it resumes by itself with Last-Event-ID), and
 * a 2-second poll of /api/metrics for the charts. Each view lives in its own module.
 */
import { refreshApprovals } from "./approvals.ts";
import { refreshAudit, verifyAudit } from "./audit.ts";
import { refreshDashboard, refreshStatus } from "./dashboard.ts";
import { $, h, report, short, toast } from "./dom.ts";
import { refreshGoals, submitGoal } from "./goals.ts";
import { refreshMemoryStats, searchMemory } from "./memory.ts";
import { refreshModels } from "./models.ts";
import { api, onSignedOut } from "./request.ts";
import { refreshServices, restartSelectedService } from "./services.ts";
import { applySettings, refreshSettings, saveSetting } from "./settings.ts";
import { createToken, refreshTokens } from "./tokens.ts";
import { refreshFleet, sendFleetGoal } from "./fleet.ts";
import type { EventJson } from "./wire.ts";

const views: Record<string, () => Promise<void>> = {
  dashboard: refreshDashboard,
  goals: refreshGoals,
  approvals: refreshApprovals,
  audit: refreshAudit,
  memory: refreshMemoryStats,
  models: refreshModels,
  services: refreshServices,
  fleet: refreshFleet,
  settings: async () => {
    await Promise.all([refreshSettings(), refreshTokens()]);
  },
};
let currentView = "dashboard";
let events: EventSource | null = null;
let started = false;

function show(view: string) {
  currentView = view;
  for (const b of document.querySelectorAll<HTMLButtonElement>("#tabs button")) b.classList.toggle("active", b.dataset.view === view);
  for (const sec of document.querySelectorAll<HTMLElement>("main .view")) sec.hidden = sec.id !== `view-${view}`;
  views[view]?.().catch(report);
  history.replaceState(null, "", `#${view}`);
}

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

/** What changed elsewhere: goal states redraw the goals and the status, approvals their view. */
function listen() {
  events?.close();
  events = new EventSource("/api/events");
  events.addEventListener("event", (e) => {
    const event = JSON.parse((e as MessageEvent).data) as EventJson;
    const kind = short(event.kind, "EVENT_KIND_");
    if (kind === "goal_state" && currentView === "goals") refreshGoals().catch(report);
    if (kind.startsWith("approval")) {
      refreshApprovals().catch(report);
      if (kind === "approval_requested") toast(`approval needed: ${event.message}`);
    }
    if (kind === "goal_state" || kind.startsWith("approval")) refreshStatus().catch(report);
  });
}

/** The controls are wired once, however many times the person signs in again. */
function wireControls() {
  for (const b of document.querySelectorAll<HTMLButtonElement>("#tabs button")) b.addEventListener("click", () => show(b.dataset.view!));
  $<HTMLFormElement>("goal-form").addEventListener("submit", submitGoal);
  $<HTMLFormElement>("memory-form").addEventListener("submit", searchMemory);
  $("audit-verify").addEventListener("click", verifyAudit);
  $("service-restart").addEventListener("click", restartSelectedService);
  $<HTMLFormElement>("settings-form").addEventListener("submit", saveSetting);
  $<HTMLFormElement>("token-form").addEventListener("submit", createToken);
  $<HTMLFormElement>("fleet-form").addEventListener("submit", sendFleetGoal);
  $("settings-apply").addEventListener("click", () => applySettings(false));
  $("settings-restart").addEventListener("click", () => applySettings(true));
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
  window.setInterval(() => {
    if (document.hidden || $("app").hidden) return;
    if (currentView === "dashboard") refreshDashboard().catch(() => undefined);
    else refreshStatus().catch(() => undefined);
  }, 2000);
}

async function start() {
  await api("GET", "/api/session");
  $("signin").hidden = true;
  $("app").hidden = false;
  listen();
  if (!started) {
    started = true;
    wireControls();
  }
  show(location.hash.slice(1) || "dashboard");
  refreshStatus().catch(report);
}

/**
 * Reached over plain HTTP from another machine (the console set to serve HTTP, or with TLS
 * off), the admin token and the session cookie cross the network in clear. Say so, and how to
 * do better.
 */
function warnPlainHttp() {
  const host = location.hostname;
  const loopback = host === "localhost" || host === "[::1]" || host === "::1" || /^127\./.test(host);
  if (location.protocol !== "http:" || loopback) return;
  const port = location.port || "80";
  const banner = $("plain-http");
  banner.replaceChildren(
    "This console is reached over plain HTTP from another machine: the admin token and your session cross the network unencrypted. Use its HTTPS port (9443 unless [console] https_port says otherwise), or reach it through SSH: ",
    h("code", {}, `ssh -L ${port}:127.0.0.1:${port} root@${host}`),
    ", then open ",
    h("code", {}, `http://127.0.0.1:${port}/`),
  );
  banner.hidden = false;
}

async function boot() {
  onSignedOut(showSignIn);
  warnPlainHttp();
  $<HTMLFormElement>("signin-form").addEventListener("submit", signIn);
  try {
    const how = await api<{ signInWith: string }>("GET", "/api/sign-in");
    if (how.signInWith === "password") {
      $("secret-label").textContent = "Password";
      $("signin-hint").textContent = "The password set in /etc/aios/aios.toml ([console] password_hash).";
    }
    await start();
  } catch {
    showSignIn();
  }
}

// A module script runs after the document is parsed: the page's elements are there.
void boot();
