/**
 * The console's web page in a real browser (Debian's chromium, headless, driven by
 * playwright-core) against the whole stack under `aios init --root`: sign in, watch the live
 * charts, submit a goal and watch its task graph change state without reloading, approve a
 * pending action, verify the audit log, search memory, read a service's logs, and the layout on
 * a phone. Screenshots go to test-artifacts/console/.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import { REPO } from "./support/binary.ts";
import { freePort } from "../rootfs/qemu.ts";
import { adminToken, ConsoleClient, consoleConfig, consoleService } from "./support/console.ts";
import { QUIET, type Stack, startStack } from "./support/stack.ts";
import { waitFor } from "./support/wait.ts";

const CHROMIUM = "/usr/bin/chromium";
const SHOTS = join(REPO, "test-artifacts/console");
const dir = mkdtempSync(join(tmpdir(), "aios-browser-"));
let stack: Stack;
let base: string;
let token: string;
let browser: Browser;
let page: Page;
/** Errors the page's own script threw: none is expected, in any view. */
const scriptErrors: string[] = [];

const SLEEPER = `description = "web, a stand-in service"\ncommand = "/bin/sh"\nargs = ["-c", "echo web is up; exec sleep 100000"]\n[restart]\npolicy = "always"\n`;
// Generous waits: the machine is shared; these are not performance assertions.
const WAIT = { timeout: 60_000 };

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  const port = await freePort();
  stack = await startStack(join(dir, "root"), {
    config: `${QUIET}[memory]\nembedder = "hashing"\n\n[orchestrator]\nmonitor_interval_ms = 0\n\n[gateway]\nmodels = []\n\n${consoleConfig(port)}`,
    services: { console: consoleService(port), web: SLEEPER },
  });
  base = `http://127.0.0.1:${port}`;
  token = adminToken(stack.root);
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"] });
  page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
  page.setDefaultTimeout(60_000);
  page.on("pageerror", (error) => scriptErrors.push(error.message));
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const shot = (name: string, target: Page = page) => target.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });

describe("the console in a browser", () => {
  test("sign in: a wrong token is refused on the page, the right one opens the dashboard with live charts", async () => {
    await page.goto(base);
    await page.waitForSelector("#signin-form", { state: "visible" });
    await shot("01-sign-in");
    await page.fill("#secret", "not the token");
    await page.click("#signin-form button[type=submit]");
    await page.waitForFunction(() => document.getElementById("signin-error")!.textContent!.includes("wrong admin token"), null, WAIT);
    await page.fill("#secret", token);
    await page.click("#signin-form button[type=submit]");
    await page.waitForSelector("#view-dashboard", { state: "visible" });
    // The charts draw from the samples taken every 2 s; the health pill from the status.
    await page.waitForSelector("#chart-memory polyline", WAIT);
    await page.waitForFunction(() => document.getElementById("health-pill")!.textContent === "healthy", null, WAIT);
    await page.waitForSelector("#service-summary li", WAIT);
    expect(await page.textContent("#memory-now")).toMatch(/%/);
    await shot("02-dashboard");
    // The session cookie is not visible to scripts.
    expect(await page.evaluate(() => document.cookie)).toBe("");
  });

  test("reached over plain HTTP from another machine, the page warns and says how to use SSH; on loopback it does not", async () => {
    expect(await page.isHidden("#plain-http")).toBe(true);
    // A name that is not loopback, resolved to the console by the browser itself.
    const remote = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--host-resolver-rules=MAP aios-console.test 127.0.0.1"],
    });
    try {
      const away = await remote.newPage();
      const port = new URL(base).port;
      await away.goto(`http://aios-console.test:${port}/`);
      await away.waitForSelector("#plain-http", { state: "visible", ...WAIT });
      const text = await away.textContent("#plain-http");
      expect(text).toContain("plain HTTP from another machine");
      expect(text).toContain(`ssh -L ${port}:127.0.0.1:${port} root@aios-console.test`);
      await shot("00-plain-http-warning", away);
    } finally {
      await remote.close();
    }
  });

  test("submit a goal and watch its task graph complete live", async () => {
    await page.click("#tabs button[data-view=goals]");
    await page.fill("#goal-text", "disk usage");
    const states: string[] = [];
    await page.exposeFunction("reportState", (state: string) => states.push(state));
    await page.evaluate(() => {
      // Record every state the graph's task node shows, as the page redraws it from events.
      new MutationObserver(() => {
        const node = document.querySelector("#task-graph [data-task]");
        if (node) (window as any).reportState(node.getAttribute("data-state"));
      }).observe(document.getElementById("goal-detail")!, { subtree: true, childList: true, attributes: true });
    });
    await page.click("#goal-form button[type=submit]");
    await page.waitForSelector('#task-graph [data-task][data-state="succeeded"]', WAIT);
    // The answer in words, above the task graph.
    await page.waitForSelector("#goal-answer", WAIT);
    expect(await page.textContent("#goal-answer")).toMatch(/^\/ has .+ free of .+ \(\d+% used\)/m);
    expect(await page.textContent("#goal-detail h2")).toContain("succeeded");
    expect(states.at(-1)).toBe("succeeded");
    await shot("03-goal-succeeded");
  });

  test("a risky goal asks; approving it on the page lets it run", async () => {
    await page.fill("#goal-text", "stop web");
    await page.click("#goal-form button[type=submit]");
    await page.waitForSelector('#task-graph [data-state="waiting_approval"]', WAIT);
    await page.waitForFunction(() => document.getElementById("approvals-count")!.textContent === "1", null, WAIT);
    await shot("04-waiting-approval");
    await page.click("#tabs button[data-view=approvals]");
    await page.waitForSelector("#approval-list [data-approve]", WAIT);
    expect(await page.textContent("#approval-list")).toContain("service.stop");
    await shot("05-approvals");
    await page.click("#approval-list [data-approve]");
    await page.waitForFunction(() => document.getElementById("approval-list")!.textContent!.includes("Nothing is waiting"), null, WAIT);
    const api = new ConsoleClient(base, { bearer: token, origin: null });
    await waitFor(
      async () => (await api.get("/api/goals?limit=1")).body.goals[0].state === "GOAL_STATE_SUCCEEDED",
      () => "the approved goal to succeed",
    );
    const web = (await api.get("/api/services")).body.services.find((s: any) => s.name === "web");
    expect(web.state).toBe("SERVICE_STATE_STOPPED");
    await page.click("#tabs button[data-view=goals]");
    await page.waitForSelector('#task-graph [data-state="succeeded"]', WAIT);
    // An earlier goal opened from the list shows its whole history, replayed from its events.
    await page.click('#goal-list li:has-text("disk usage")');
    await page.waitForFunction(() => document.getElementById("goal-detail-text")?.textContent === "disk usage", null, WAIT);
    await page.waitForFunction(() => document.getElementById("goal-events")!.textContent!.includes("goal submitted: disk usage"), null, WAIT);
    expect(await page.textContent("#goal-events")).toContain("planned at the reactive layer");
  });

  test("a goal held for approval is answered in its own view: denied, it fails saying so", async () => {
    await page.fill("#goal-text", "stop web");
    await page.click("#goal-form button[type=submit]");
    await page.waitForSelector("#goal-detail [data-deny]", WAIT);
    expect(await page.textContent("#goal-detail .approval")).toContain("service.stop");
    await page.click("#goal-detail [data-deny]");
    await page.waitForFunction(() => document.getElementById("goal-detail")!.dataset.state === "failed", null, WAIT);
    expect(await page.textContent("#goal-detail")).toContain("service.stop was denied by console");
    expect(await page.$("#goal-detail .approval")).toBeNull();
  });

  test("verify the audit log", async () => {
    await page.click("#tabs button[data-view=audit]");
    await page.waitForSelector("#audit-table tbody tr", WAIT);
    expect(await page.textContent("#audit-table")).toContain("service.stop");
    await page.click("#audit-verify");
    await page.waitForFunction(() => document.getElementById("audit-result")!.textContent!.includes("chain intact"), null, WAIT);
    expect(await page.textContent("#audit-result")).toMatch(/chain intact: \d+ entries checked/);
    await shot("06-audit-verified");
  });

  test("memory search, models and usage, service logs", async () => {
    await page.click("#tabs button[data-view=memory]");
    await page.fill("#memory-query", "disk");
    await page.click("#memory-form button[type=submit]");
    await page.waitForSelector("#memory-results li", WAIT);
    await page.click("#tabs button[data-view=models]");
    await page.waitForSelector("#budget p", WAIT);
    expect(await page.textContent("#budget")).toContain("all providers");
    // No model is configured here: every planned goal needed none.
    expect(await page.textContent("#no-model-share")).toMatch(/^(\d+) of \1 planned goals needed no model call \(100%\)$/);
    // The curve over days: today's bar says the same share.
    const today = new Date().toISOString().slice(0, 10);
    expect(await page.getAttribute("#no-model-curve > div:last-child", "title")).toMatch(new RegExp(`^${today}: (\\d+) of \\1 with no model \\(100%\\)$`));
    await page.click("#tabs button[data-view=services]");
    await page.click('#service-table [data-service="web"]');
    await page.click("#service-restart");
    await page.waitForFunction(() => document.getElementById("log-view")!.textContent!.includes("web is up"), null, WAIT);
    await shot("07-service-logs");
  });

  test("settings: a key set on the page is checked before it is saved, and applied with the one service it needs restarted", async () => {
    await page.click("#tabs button[data-view=settings]");
    const row = '#settings-table tr[data-key="tools.backup_retention"]';
    await page.waitForSelector(row, WAIT);
    expect(await page.textContent(row)).toBe("tools.backup_retention200default");
    await page.click(row);
    expect(await page.inputValue("#settings-key")).toBe("tools.backup_retention");
    await page.fill("#settings-value", "many");
    await page.click("#settings-form button[type=submit]");
    await page.waitForFunction(() => document.getElementById("settings-result")!.textContent!.includes("expected number"), null, WAIT);
    await page.fill("#settings-value", "150");
    await page.click("#settings-form button[type=submit]");
    await page.waitForFunction(() => document.getElementById("settings-result")!.textContent!.includes("200 → 150, saved"), null, WAIT);
    await page.waitForFunction(() => document.querySelector('#settings-table tr[data-key="tools.backup_retention"]')?.textContent === "tools.backup_retention150", null, WAIT);
    await page.click("#settings-apply");
    await page.waitForSelector("#settings-changes li", WAIT);
    expect(await page.textContent("#settings-changes")).toBe("tools.backup_retention: 200 → 150 (restart tools)");
    expect(await page.textContent("#settings-restart")).toBe("Restart tools");
    await shot("08-settings");
    await page.click("#settings-restart");
    await page.waitForFunction(() => document.getElementById("toast")!.textContent === "restarted tools", null, WAIT);
    expect(await page.isHidden("#settings-restart")).toBe(true);
    // Secrets are in the table only as set or not, and cannot be picked for editing.
    expect(await page.textContent('#settings-table tr[data-key="console.password_hash"]')).toBe('console.password_hash""default');
  });

  test("API tokens on the settings view: made with a budget (the secret shown once, and it works at /v1), listed with its use, revoked", async () => {
    await page.click("#tabs button[data-view=settings]");
    await page.fill("#token-name", "notebook");
    await page.fill("#token-budget-tokens", "5000");
    await page.click("#token-form button[type=submit]");
    await page.waitForSelector("#token-made:not([hidden])", WAIT);
    const secret = (await page.textContent("#token-secret"))!;
    expect(secret).toMatch(/^aios_/);
    const models = await fetch(`${base}/v1/models`, { headers: { authorization: `Bearer ${secret}` } });
    expect(models.status).toBe(200);
    await page.waitForFunction(() => document.querySelector("#tokens-table tbody")!.textContent!.includes("notebook"), null, WAIT);
    expect(await page.textContent("#tokens-table tbody tr")).toContain("0 of 5000");
    await shot("09-tokens");
    page.once("dialog", (dialog) => void dialog.accept());
    await page.click('#tokens-table button[data-revoke="notebook"]');
    await page.waitForFunction(() => document.querySelector("#tokens-table tbody")!.textContent!.includes("no API tokens"), null, WAIT);
    expect((await fetch(`${base}/v1/models`, { headers: { authorization: `Bearer ${secret}` } })).status).toBe(401);
  });

  test("the Fleet view of a machine that is in no fleet says so", async () => {
    await page.click("#tabs button[data-view=fleet]");
    await page.waitForFunction(() => document.getElementById("fleet-status")!.textContent!.includes("not in a fleet"), null, WAIT);
    expect(await page.textContent("#fleet-table tbody")).toBe("no machines");
  });

  test("on a phone: no sideways scrolling, the goal box and tabs fit", async () => {
    const phone = await browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
    await phone.goto(base);
    await phone.fill("#secret", token);
    await phone.click("#signin-form button[type=submit]");
    await phone.waitForSelector("#chart-cpu polyline", WAIT);
    const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await shot("09-phone-dashboard", phone);
    await phone.click("#tabs button[data-view=goals]");
    await phone.waitForSelector("#goal-list li", WAIT);
    const box = await phone.locator("#goal-text").boundingBox();
    expect(box!.width).toBeGreaterThan(250);
    expect(await phone.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBeLessThanOrEqual(0);
    await shot("10-phone-goals", phone);
    await phone.close();
  });

  test("the page's script threw no error in any of the views above", () => {
    expect(scriptErrors).toEqual([]);
  });
});
