/**
 * aiosctl's machine commands and its shell, as a person runs them, against the whole stack
 * under `aios init --root` (compiled binary): services, logs (and -f), audit and audit verify
 * (also on a tampered ledger), memory search, usage, autonomy, emergency stop and resume, the
 * exit statuses scripts rely on, and `aiosctl shell` with goals, :commands and !sh lines.
 */
import { Database } from "bun:sqlite";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { run, start } from "./support/binary.ts";
import { QUIET, type Stack, startStack } from "./support/stack.ts";
import { waitFor } from "./support/wait.ts";

const dir = mkdtempSync(join(tmpdir(), "aios-ctl-"));
let stack: Stack;
const SLEEPER = `description = "web, a stand-in service"\ncommand = "/bin/sh"\nargs = ["-c", "echo web says hello; exec sleep 100000"]\n[restart]\npolicy = "always"\n`;

beforeAll(async () => {
  stack = await startStack(join(dir, "root"), {
    config: `${QUIET}[memory]\nembedder = "hashing"\n\n[orchestrator]\nmonitor_interval_ms = 0\n\n[gateway]\nmodels = []\n`,
    services: { web: SLEEPER },
  });
});

afterAll(async () => {
  await stack?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const aiosctl = (...args: string[]) => run([join(stack.root, "usr/bin/aiosctl"), ...args, "--root", stack.root], stack.root);

describe("aiosctl machine commands", () => {
  test("services: a table of the supervised services; --json for scripts", async () => {
    const table = await aiosctl("services");
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^SERVICE\s+STATE\s+PID/);
    expect(table.stdout).toMatch(/\nweb\s+running\s+\d+/);
    const parsed = JSON.parse((await aiosctl("services", "--json")).stdout);
    expect(parsed.services.map((s: { name: string }) => s.name)).toEqual(expect.arrayContaining(["memory", "gateway", "tools", "orchestrator", "web"]));
  });

  test("logs NAME shows the last lines; -f keeps following", async () => {
    const logs = await aiosctl("logs", "web", "-n", "20");
    expect(logs.code).toBe(0);
    expect(logs.stdout).toContain("web says hello");
    const follow = start([join(stack.root, "usr/bin/aiosctl"), "logs", "web", "-f", "-n", "0", "--root", stack.root], stack.root);
    await Bun.sleep(300);
    await stack.initClient.restartService({ name: "web", waitReady: true });
    await waitFor(() => follow.output().includes("web says hello"), () => `a new line from web in:\n${follow.output()}`);
    expect(await follow.stop("SIGINT")).toBe(0);
    expect((await aiosctl("logs")).code).toBe(64);
    expect((await aiosctl("logs", "no-such-service")).code).toBe(1);
  });

  test("memory search finds what a goal left; usage shows the month; autonomy shows and sets", async () => {
    expect((await aiosctl("goal", "disk usage")).code).toBe(0);
    await waitFor(async () => (await aiosctl("memory", "search", "disk usage")).stdout.includes("procedure"), () => "the goal's procedure in memory");
    const stats = await aiosctl("memory", "stats");
    expect(stats.stdout).toMatch(/\d+ memories/);
    const usage = await aiosctl("usage");
    expect(usage.code).toBe(0);
    expect(usage.stdout).toContain("spent $0.0000 of no limit this month");
    expect((await aiosctl("autonomy")).stdout).toBe("autonomy: supervised\n");
    expect((await aiosctl("autonomy", "manual")).stdout).toBe("autonomy: supervised → manual\n");
    expect(JSON.parse((await aiosctl("autonomy", "--json")).stdout)).toEqual({ level: "manual" });
    expect((await aiosctl("autonomy", "yolo")).code).toBe(64);
    await aiosctl("autonomy", "supervised");
  });

  test("stop refuses goals until resume", async () => {
    const stopped = await aiosctl("stop", "--reason", "testing");
    expect(stopped.code).toBe(0);
    expect(stopped.stdout).toContain("emergency stop in force");
    const refused = await aiosctl("goal", "disk usage");
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("emergency stop");
    expect((await aiosctl("status")).code).toBe(1);
    expect((await aiosctl("resume")).stdout).toContain("resumed");
    expect((await aiosctl("goal", "disk usage")).code).toBe(0);
  });

  test("audit lists calls; audit verify passes, then names the entry someone changed", async () => {
    const list = await aiosctl("audit", "--limit", "5");
    expect(list.stdout).toContain("monitor.disk");
    const ok = await aiosctl("audit", "verify");
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^audit chain intact: \d+ entries checked\n$/);
    const db = new Database(join(stack.root, "var/lib/aios/tools/tools.db"));
    db.run("UPDATE audit SET tool = 'fs.read' WHERE seq = 1");
    db.close();
    const broken = await aiosctl("audit", "verify");
    expect(broken.code).toBe(1);
    expect(broken.stdout).toContain("AUDIT CHAIN BROKEN at entry 1");
    expect((await aiosctl("audit", "frobnicate")).code).toBe(64);
  });

  test("a component that is down is exit 69 with what to check", async () => {
    const empty = join(dir, "empty");
    const r = await run([join(stack.root, "usr/bin/aiosctl"), "services", "--root", empty], stack.root);
    expect(r.code).toBe(69);
    expect(r.stderr).toContain("aiosctl health");
  });
});

describe("aiosctl shell", () => {
  test("plain text is a goal, :commands are aiosctl's, !cmd runs in sh, :exit leaves", async () => {
    const child = Bun.spawn([join(stack.root, "usr/bin/aiosctl"), "shell", "--root", stack.root], { cwd: stack.root, env: { PATH: "/usr/bin:/bin", HOME: dir }, stdin: "pipe", stdout: "pipe", stderr: "pipe" });
    child.stdin.write("memory usage\n:goals\n!echo from-sh $((6*7))\n:frobnicate\n:autonomy\n:exit\n");
    child.stdin.end();
    const [out, code] = await Promise.all([new Response(child.stdout).text(), child.exited]);
    expect(code).toBe(0);
    expect(out).toContain(":help for commands");
    expect(out).toMatch(/goal \S+ submitted/);
    expect(out).toContain("goal succeeded");
    expect(out).toMatch(/succeeded\s+\d{4}-\d\d-\d\d [\d:]+\s+memory usage/);
    expect(out).toContain("from-sh 42");
    expect(out).toContain("no command :frobnicate");
    expect(out).toContain("autonomy: supervised");
  });
});
