/**
 * aiosctl's machine commands and its shell, as a person runs them, against the whole stack
 * under `aios init --root` (compiled binary): services, logs (and -f), audit and audit verify
 * (also on a tampered ledger), memory search, usage, autonomy, emergency stop and resume, the
 * exit statuses scripts rely on, and `aiosctl shell` with goals, :commands and !sh lines.
 */
import { Database } from "bun:sqlite";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { InitServiceDefinition } from "../lib/rpc/gen/aios/v1/init.ts";
import { connect } from "../lib/rpc/index.ts";
import { run, start } from "./support/binary.ts";
import { type DebRepo, startDebRepo } from "./support/deb-repo.ts";
import { refusal } from "./support/refusal.ts";
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
    // Memory and the gateway share one process: one row that names both.
    expect(table.stdout).toMatch(/\nmemory\+gateway\s+running\s+\d+/);
    const parsed = JSON.parse((await aiosctl("services", "--json")).stdout);
    expect(parsed.services.map((s: { name: string }) => s.name)).toEqual(expect.arrayContaining(["memory", "tools", "orchestrator", "web"]));
    expect(parsed.services.find((s: { name: string }) => s.name === "memory").hosts).toEqual(["gateway"]);
  });

  test("service status of a component hosted in another service's process names that service", async () => {
    const unknown = await aiosctl("service", "status", "frobnicator");
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain("; gateway runs in memory)");
    const status = await aiosctl("service", "status", "gateway");
    expect([status.code, status.stdout]).toEqual([0, expect.stringMatching(/^gateway: running, pid \d+ .*; it runs in the process of service memory, with memory$/m)]);
  });

  test("logs NAME shows the last lines; -f keeps following", async () => {
    const logs = await aiosctl("logs", "web", "-n", "20");
    expect(logs.code).toBe(0);
    expect(logs.stdout).toContain("web says hello");
    const follow = start([join(stack.root, "usr/bin/aiosctl"), "logs", "web", "-f", "-n", "0", "--root", stack.root], stack.root);
    await Bun.sleep(300);
    await stack.initClient.restartService({ name: "web", waitReady: true });
    await waitFor(
      () => follow.output().includes("web says hello"),
      () => `a new line from web in:\n${follow.output()}`,
    );
    expect(await follow.stop("SIGINT")).toBe(0);
    expect((await aiosctl("logs")).code).toBe(64);
    expect((await aiosctl("logs", "no-such-service")).code).toBe(1);
  });

  test("memory search finds what a goal left; usage shows the month; autonomy shows and sets", async () => {
    expect((await aiosctl("goal", "disk usage")).code).toBe(0);
    await waitFor(
      async () => (await aiosctl("memory", "search", "disk usage")).stdout.includes("procedure"),
      () => "the goal's procedure in memory",
    );
    const stats = await aiosctl("memory", "stats");
    expect(stats.stdout).toMatch(/\d+ memories/);
    const usage = await aiosctl("usage");
    expect(usage.code).toBe(0);
    expect(usage.stdout).toContain("spent $0.0000 of no limit this month");
    // No model here: every planned goal, today's too, needed none.
    expect(usage.stdout).toMatch(/goals planned with no model call: (\d+) of \1 \(100%\)\n/);
    expect(usage.stdout).toMatch(new RegExp(`\n  ${new Date().toISOString().slice(0, 10)}  (\\d+) of \\1 \\(100%\\)\n`));
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
    expect(ok.stdout).toMatch(/^audit chain intact: \d+ entries checked\nchecked against: .*\nhead: \d+:[0-9a-f]{64}\n/);
    const head = JSON.parse((await aiosctl("audit", "verify", "--json")).stdout).head as { seq: number; hash: string };
    expect([typeof head.seq, head.hash]).toEqual(["number", expect.stringMatching(/^[0-9a-f]{64}$/)]);
    // aios-memory holds a copy of the head (sent within a couple of seconds of each call).
    // (The monitor's own calls may have moved the head on meanwhile.)
    await waitFor(async () => (await stack.memory.getAuditAnchor({})).seq >= head.seq, "aios-memory to anchor the ledger's head");
    expect((await aiosctl("audit", "verify")).stdout).toMatch(/checked against: aios-tools' head record, aios-memory \(entry \d+\)/);
    // A head a person kept: still in the ledger, so it verifies; one it never had does not.
    expect((await aiosctl("audit", "verify", "--anchor", `${head.seq}:${head.hash}`)).code).toBe(0);
    const foreign = await aiosctl("audit", "verify", "--anchor", `${head.seq}:${"ab".repeat(32)}`);
    expect([foreign.code, foreign.stdout]).toEqual([1, expect.stringContaining("(rewritten)")]);
    expect((await aiosctl("audit", "verify", "--anchor", "12:xyz")).code).toBe(64);
    const db = new Database(join(stack.root, "var/lib/aios/tools/tools.db"));
    db.run("UPDATE audit SET tool = 'fs.read' WHERE seq = 1");
    db.close();
    const broken = await aiosctl("audit", "verify");
    expect(broken.code).toBe(1);
    expect(broken.stdout).toContain("AUDIT CHAIN BROKEN at entry 1 (edited)");
    expect((await aiosctl("audit", "frobnicate")).code).toBe(64);
  });

  test("every component's database is readable by its owner only", () => {
    const databases = readdirSync(join(stack.root, "var/lib/aios"), { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile() && /\.db(-wal|-shm)?$/.test(e.name))
      .map((e) => join(e.parentPath, e.name));
    expect(databases.length).toBeGreaterThanOrEqual(4);
    for (const file of databases) expect(`${file} ${(statSync(file).mode & 0o777).toString(8)}`).toBe(`${file} 600`);
  });

  test("a component that is down is exit 69 with what to check", async () => {
    const empty = join(dir, "empty");
    const r = await run([join(stack.root, "usr/bin/aiosctl"), "services", "--root", empty], stack.root);
    expect(r.code).toBe(69);
    expect(r.stderr).toContain("aiosctl health");
  });
});

describe("aiosctl for goals, services and undo", () => {
  const lines = (out: string) =>
    out
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));

  test("goal --json prints events, then the final goal as its last line, with enums by name", async () => {
    const r = await aiosctl("goal", "--json", "disk usage");
    expect(r.code).toBe(0);
    const all = lines(r.stdout);
    const final = all.at(-1);
    expect(final).toMatchObject({ text: "disk usage", state: "GOAL_STATE_SUCCEEDED", plannedBy: "LAYER_REACTIVE", source: "GOAL_SOURCE_HUMAN" });
    expect(final.result).toBeTruthy();
    expect(final.tasks[0]).toMatchObject({ state: "TASK_STATE_SUCCEEDED" });
    expect(all.slice(0, -1).every((e) => typeof e.kind === "string" && e.kind.startsWith("EVENT_KIND_") && e.goalId === final.id)).toBe(true);
    // No number where an enum is meant, anywhere aiosctl prints JSON.
    for (const args of [["goals"], ["status"], ["services"], ["audit", "--limit", "3"], ["approvals", "--all"]]) {
      const text = (await aiosctl(...args, "--json")).stdout;
      expect(text).not.toMatch(/"(state|kind|result|source|autonomy|plannedBy|layer)":\d/);
    }
    const shown = await aiosctl("goal", "show", final.id);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain(`goal ${final.id}: disk usage`);
    expect(shown.stdout).toMatch(/state:\s+succeeded/);
    expect(shown.stdout).toMatch(/planned:\s+reactive, 0 model call/);
    expect(shown.stdout).toContain(final.result);
    expect(JSON.parse((await aiosctl("goal", "show", final.id, "--json")).stdout)).toEqual(final);
    expect((await aiosctl("goal", "show", "goal-zz-00000000")).code).toBe(1);
  });

  test("Ctrl-C leaves the goal running and says how to cancel it; cancel ID cancels it", async () => {
    mkdirSync(join(stack.root, "tmp"), { recursive: true });
    await aiosctl("autonomy", "manual");
    const follow = start([join(stack.root, "usr/bin/aiosctl"), "goal", 'call fs.write {"path":"/tmp/ctl-wait.txt","content":"x"}', "--root", stack.root], stack.root);
    await waitFor(
      () => follow.output().includes("approve with"),
      () => `an approval request in:\n${follow.output()}`,
    );
    const id = follow.output().match(/goal (\S+) submitted/)![1]!;
    expect(await follow.stop("SIGINT")).toBe(130);
    expect(follow.output()).toContain(`aiosctl cancel ${id}`);
    expect((await aiosctl("goal", "show", id)).stdout).toMatch(/state:\s+waiting_approval/);
    const cancelled = await aiosctl("cancel", id);
    expect(cancelled.code).toBe(0);
    await waitFor(async () => (await aiosctl("goal", "show", id)).code === 1, "the goal to end cancelled");
    expect((await aiosctl("goal", "show", id)).stdout).toMatch(/state:\s+cancelled/);
    expect((await aiosctl("cancel")).code).toBe(64);
    expect((await aiosctl("cancel", "goal-zz-00000000")).code).toBe(1);
    await aiosctl("autonomy", "supervised");
  });

  test("rollback undoes a file write an agent made, from its backup", async () => {
    const file = join(stack.root, "tmp/ctl-rollback.txt");
    mkdirSync(join(stack.root, "tmp"), { recursive: true });
    writeFileSync(file, "the original\n");
    const r = await aiosctl("goal", "--json", 'call fs.write {"path":"/tmp/ctl-rollback.txt","content":"overwritten\\n"}');
    expect(r.code).toBe(0);
    expect(readFileSync(file, "utf8")).toBe("overwritten\n");
    const executionId = lines(r.stdout).find((e) => e.kind === "EVENT_KIND_TOOL_RESULT")?.data?.execution_id;
    expect(executionId).toMatch(/^exe_/);
    expect((await aiosctl("audit", "--tool", "fs.write")).stdout).toContain(`[undo: aiosctl rollback ${executionId}]`);
    const undone = await aiosctl("rollback", executionId);
    expect(undone.code).toBe(0);
    expect(undone.stdout).toContain(`fs.write ${executionId} undone`);
    expect(readFileSync(file, "utf8")).toBe("the original\n");
    expect((await aiosctl("audit", "--tool", "fs.write.rollback")).stdout).toContain("fs.write.rollback");
    expect((await aiosctl("rollback", "exe_no-such-call")).code).toBe(1);
    expect((await aiosctl("rollback")).code).toBe(64);
  });

  test("rollback of a high-risk call asks for approval: refused without a terminal, done with --yes and recorded", async () => {
    const file = join(stack.root, "tmp/ctl-precious.txt");
    writeFileSync(file, "precious\n");
    await aiosctl("autonomy", "autonomous");
    const r = await aiosctl("goal", "--json", 'call fs.delete {"path":"/tmp/ctl-precious.txt"}');
    await aiosctl("autonomy", "supervised");
    expect(r.code).toBe(0);
    expect(existsSync(file)).toBe(false);
    const executionId = lines(r.stdout).find((e) => e.kind === "EVENT_KIND_TOOL_RESULT")?.data?.execution_id;
    const unasked = await aiosctl("rollback", executionId);
    expect(unasked.code).toBe(1);
    expect(unasked.stderr).toContain("fs.delete.rollback is high risk and needs a human's approval under supervised autonomy");
    expect(unasked.stderr).toContain("--yes");
    expect(existsSync(file)).toBe(false);
    const approved = await aiosctl("rollback", executionId, "--yes");
    expect([approved.code, approved.stdout]).toEqual([0, expect.stringContaining(`fs.delete ${executionId} undone`)]);
    expect(readFileSync(file, "utf8")).toBe("precious\n");
    const audit = JSON.parse((await aiosctl("audit", "--tool", "fs.delete.rollback", "--json")).stdout) as Array<Record<string, string>>;
    // Asked twice (without a terminal, then with --yes), then started and done with the approval.
    expect(audit.map((e) => e.result)).toEqual(["AUDIT_RESULT_OK", "AUDIT_RESULT_STARTED", "AUDIT_RESULT_NEEDS_APPROVAL", "AUDIT_RESULT_NEEDS_APPROVAL"]);
    expect(audit[0]!.approvalId).toMatch(/^apr_/);
  });

  test("service stop, status, start, restart: wait for the state and exit 0; bad use 64, unknown 1", async () => {
    const stopped = await aiosctl("service", "stop", "web");
    expect(stopped.code).toBe(0);
    expect(stopped.stdout).toMatch(/^web: stopped/);
    expect((await aiosctl("service", "status", "web")).stdout).toMatch(/^web: stopped/);
    const started = await aiosctl("service", "start", "web");
    expect(started.code).toBe(0);
    expect(started.stdout).toMatch(/^web: running, pid \d+/);
    expect(JSON.parse((await aiosctl("service", "restart", "web", "--json")).stdout)).toMatchObject({ name: "web", state: "SERVICE_STATE_RUNNING" });
    expect((await aiosctl("service", "frobnicate", "web")).code).toBe(64);
    expect((await aiosctl("service", "start")).code).toBe(64);
    expect((await aiosctl("service", "stop", "no-such-service")).code).toBe(1);
  });

  test("reload: says what each change needs, restarts only those services and only with a yes; a broken file applies nothing", async () => {
    const pidOf = async (name: string) => Number(/pid (\d+)/.exec((await aiosctl("service", "status", name)).stdout)?.[1]);
    expect((await aiosctl("reload")).stdout).toBe("aios.toml is as it was read: nothing changed\n");
    const file = join(stack.root, "etc/aios/aios.toml");
    const before = readFileSync(file, "utf8");
    expect((await aiosctl("config", "set", "orchestrator.max_parallel_tasks", "3")).code).toBe(0);
    expect((await aiosctl("config", "set", "system.hostname", "web-1")).code).toBe(0);
    const orchestrator = await pidOf("orchestrator");
    const memory = await pidOf("memory");
    // No terminal and no --yes: it says what would restart and restarts nothing.
    const asked = await aiosctl("reload");
    expect(asked.code).toBe(0);
    expect(asked.stdout).toContain("orchestrator.max_parallel_tasks: 4 → 3  (restart orchestrator)");
    // Under --root aios-init sets no host name: that waits for a boot as PID 1.
    expect(asked.stdout).toContain('system.hostname: "aios" → "web-1"  (takes effect at the next boot)');
    expect(asked.stdout).toContain("not restarted: aiosctl restart orchestrator");
    expect(await pidOf("orchestrator")).toBe(orchestrator);
    // Asked again, it still names the orchestrator: it runs with what it read when it started.
    const done = await aiosctl("reload", "--yes");
    expect([done.code, done.stdout]).toEqual([0, expect.stringContaining("orchestrator.max_parallel_tasks: 4 → 3  (restart orchestrator)")]);
    expect(done.stdout).toContain("orchestrator: restarted");
    expect(await pidOf("orchestrator")).not.toBe(orchestrator);
    expect(await pidOf("memory")).toBe(memory);
    // Restarted, it has the new value: only the host name, which waits for a boot, is left.
    const after = await aiosctl("reload");
    expect(after.stdout).toBe('system.hostname: "aios" → "web-1"  (takes effect at the next boot)\n');
    expect((await aiosctl("health")).code).toBe(0);
    const init = connect(InitServiceDefinition, join(stack.root, "run/aios/init.sock"));
    // SetConfig names the field at fault: a key that is none, or a value that does not fit.
    for (const [key, value, field] of [
      ["console.nothing", "1", "key"],
      ["console.port\nforged log line", "1", "key"],
      ["console.port", "lots", "value"],
    ] as const) {
      const wrong = await refusal(init.setConfig({ key, value, unset: false }));
      expect([key, wrong.code, wrong.field]).toEqual([key, "invalid_argument", field]);
      expect(wrong.message).not.toContain("forged log line");
    }
    // A file that fails the schema: aiosctl itself says so (78), and aios-init refuses to read
    // it with the key, applying nothing.
    writeFileSync(file, `${before}\n[console]\nport = "high"\n`);
    try {
      const broken = await aiosctl("reload", "--yes");
      expect([broken.code, broken.stderr]).toEqual([78, expect.stringContaining("console.port")]);
      // And SetConfig will not change one key of a file that is not valid as it is.
      expect((await refusal(init.setConfig({ key: "console.port", value: "9443", unset: false }))).code).toBe("failed_precondition");
      const refused = await refusal(init.reloadConfig({}));
      expect([refused.code, refused.message]).toEqual(["failed_precondition", expect.stringMatching(/console\.port[\s\S]*nothing was applied/)]);
    } finally {
      init.close();
      writeFileSync(file, before);
    }
    // Back to the file it booted with: the orchestrator's default again, one more restart.
    expect((await aiosctl("reload", "--yes")).stdout).toBe("orchestrator.max_parallel_tasks: 3 → 4  (restart orchestrator)\norchestrator: restarted\n");
  });
});

describe("aiosctl shell", () => {
  test("plain text is a goal, :commands are aiosctl's, !cmd runs in sh, :exit leaves", async () => {
    const child = Bun.spawn([join(stack.root, "usr/bin/aiosctl"), "shell", "--root", stack.root], {
      cwd: stack.root,
      env: { PATH: "/usr/bin:/bin", HOME: dir },
      stdin: "pipe",
      stdout: "pipe",
      stderr: "pipe",
    });
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

describe("aiosctl pkg", () => {
  let repo: DebRepo;
  beforeAll(async () => {
    repo = await startDebRepo();
    copyFileSync(repo.keyring, join(stack.root, "etc/aios/archive-key.asc"));
    mkdirSync(join(stack.root, "usr/lib/aios"), { recursive: true });
    writeFileSync(join(stack.root, "usr/lib/aios/packages"), "Package: libc6\nVersion: 2.36-9+deb12u14\n");
  });
  afterAll(() => repo.close());

  test("the mirror set with aiosctl config is used at once; install asks, --yes approves; the program runs; a goal lists it; remove takes it away", async () => {
    expect((await aiosctl("config", "set", "pkg.mirror", repo.url)).code).toBe(0);
    expect((await aiosctl("config", "set", "pkg.keyring", "/etc/aios/archive-key.asc")).code).toBe(0);
    const found = await aiosctl("pkg", "search", "json");
    expect([found.code, found.stdout]).toEqual([0, expect.stringMatching(/^jq\s+1\.6-2\.1\+deb12u3\s+lightweight and flexible command-line JSON processor\n/)]);

    // No terminal to ask and no --yes: nothing installed, and it says how to approve.
    const asked = await aiosctl("pkg", "install", "jq");
    expect([asked.code, asked.stderr]).toEqual([1, expect.stringContaining("Run it again with --yes")]);
    expect(existsSync(join(stack.root, "var/lib/aios/pkg/bin/jq"))).toBe(false);

    const installed = await aiosctl("pkg", "install", "jq", "--yes");
    expect(installed.code).toBe(0);
    expect(installed.stdout).toContain("installed libonig5 6.9.8-1 (dependency)\n");
    expect(installed.stdout).toContain("installed jq 1.6-2.1+deb12u3: jq\n");
    expect(installed.stdout).toMatch(/undo with: aiosctl rollback \S+/);
    const jq = await run(["/bin/sh", "-c", `echo '[3,1,2]' | ${join(stack.root, "var/lib/aios/pkg/bin/jq")} -c sort`], stack.root);
    expect(jq.stdout).toBe("[1,2,3]\n");
    expect((await aiosctl("pkg", "list")).stdout).toMatch(/^jq\s+1\.6-2\.1\+deb12u3\s+jq\n/);
    expect((await aiosctl("audit", "--tool", "pkg.install")).stdout).toContain("package");

    const goal = await aiosctl("goal", "what packages are installed");
    expect([goal.code, goal.stdout]).toEqual([0, expect.stringContaining("jq 1.6-2.1+deb12u3: jq")]);

    const unknown = await aiosctl("pkg", "install", "no-such-package", "--yes");
    expect([unknown.code, unknown.stderr]).toEqual([64, expect.stringContaining("no package no-such-package in the mirror's index")]);
    const removed = await aiosctl("pkg", "remove", "jq", "--yes");
    expect([removed.code, removed.stdout]).toEqual([0, expect.stringContaining("removed jq 1.6-2.1+deb12u3")]);
    expect(existsSync(join(stack.root, "var/lib/aios/pkg/bin/jq"))).toBe(false);
  });
});
