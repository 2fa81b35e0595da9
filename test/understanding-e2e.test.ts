/**
 * Everyday requests in a person's own words, end to end on the whole stack (`aios init --root`,
 * no model configured, real tools on files this test prepares): each answer is checked against
 * the machine as plain shell tools see it, each effect afterwards, and none costs a model call.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ApprovalState } from "../lib/rpc/gen/aios/v1/common.ts";
import { EventKind, type Goal, GoalState } from "../lib/rpc/gen/aios/v1/orchestrator.ts";
import { decideApproval } from "../lib/rpc/index.ts";
import { run } from "./support/binary.ts";
import { goalIn, QUIET, type Stack, startStack, submit } from "./support/stack.ts";
import { waitFor } from "./support/wait.ts";

const dir = mkdtempSync(join(tmpdir(), "aios-understanding-"));
const root = join(dir, "root");
let stack: Stack;
const aiosctl = (...args: string[]) => run([join(stack.root, "usr/bin/aiosctl"), ...args, "--root", stack.root], stack.root);

const sh = (command: string) => Bun.spawnSync(["sh", "-c", command]).stdout.toString().trim();
const UNITS: Record<string, number> = { B: 1, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3 };
/** "1.2 MiB" → bytes. */
const parseBytes = (text: string) => {
  const [n, unit] = text.split(" ");
  return Number(n) * UNITS[unit!]!;
};

async function ask(text: string): Promise<Goal> {
  const goal = await goalIn(stack, await submit(stack, text));
  // No model is configured: nothing here may cost one.
  expect(goal.usage?.requests ?? 0).toBe(0);
  return goal;
}

beforeAll(async () => {
  mkdirSync(join(root, "var/log/app"), { recursive: true });
  mkdirSync(join(root, "tmp"), { recursive: true });
  writeFileSync(join(root, "var/log/app/big.log"), "x".repeat(300_000));
  writeFileSync(join(root, "var/log/app/small.log"), "one\ntwo\nthree\nfour\nfive\n");
  writeFileSync(join(root, "var/log/app/notes.txt"), "nothing to see\n");
  mkdirSync(join(root, "var/log/app/old"), { recursive: true });
  writeFileSync(join(root, "var/log/app/old/older.log"), "y".repeat(40_000));
  // Ten days old, and one file anyone may write.
  Bun.spawnSync(["touch", "-d", "10 days ago", join(root, "var/log/app/old/older.log")]);
  Bun.spawnSync(["chmod", "666", join(root, "var/log/app/notes.txt")]);
  mkdirSync(join(root, "etc"), { recursive: true });
  writeFileSync(join(root, "etc/os-release"), 'PRETTY_NAME="AIOS Test Linux 1.0"\nNAME="AIOS"\n');
  writeFileSync(join(root, "etc/passwd"), "root:x:0:0:root:/root:/bin/sh\nalice:x:1000:1000:Alice Admin:/home/alice:/bin/bash\ndaemon:x:1:1::/usr/sbin:/usr/sbin/nologin\n");
  mkdirSync(join(root, "etc/ssh"), { recursive: true });
  writeFileSync(join(root, "etc/ssh/sshd_config"), "# hardened\nPort 2222\nPermitRootLogin no\nPasswordAuthentication no\nMatch User alice\n  PasswordAuthentication yes\n");
  writeFileSync(join(root, "etc/profile"), "export PATH=/usr/local/bin:/usr/bin:/bin\nexport PS1='$ '\numask 022\n");
  writeFileSync(join(root, "etc/environment"), "LANG=C.UTF-8\n");
  writeFileSync(join(root, "etc/group"), "root:x:0:\nadm:x:4:alice\nalice:x:1000:\n");
  writeFileSync(join(root, "tmp/original.txt"), "keep me\n");
  writeFileSync(join(root, "tmp/junk.txt"), "delete me\n");
  stack = await startStack(root, {
    config: `${QUIET}[memory]\nembedder = "hashing"\n\n[orchestrator]\nmonitor_interval_ms = 0\n\n[gateway]\nmodels = []\n`,
    services: { web: 'command = "/bin/sh"\nargs = ["-c", "echo web starting; echo \\"error: cannot bind to port 80: permission denied\\" >&2; exit 3"]\n[restart]\npolicy = "never"\n' },
  });
});

afterAll(async () => {
  await stack?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("answers, checked against the machine", () => {
  test("how big a directory is and how many files it holds, as du and find count them", async () => {
    const logs = join(root, "var/log/app");
    const size = await ask("how much space does /var/log/app take up?");
    expect(size.state).toBe(GoalState.GOAL_STATE_SUCCEEDED);
    const said = /^\/var\/log\/app holds ([\d.]+ \w+) in (\d+) files$/.exec(size.answer);
    expect(said).not.toBeNull();
    const du = Number(sh(`du -sB1 '${logs}' | cut -f1`));
    expect(Math.abs(parseBytes(said![1]!) - du) / du).toBeLessThan(0.05);
    const files = Number(sh(`find '${logs}' ! -type d | wc -l`));
    expect(Number(said![2])).toBe(files);
    const count = await ask("count the files under /var/log/app");
    expect(count.answer).toStartWith(`${files} files under /var/log/app`);
  });

  test("the biggest thing in a directory comes first, as du orders them", async () => {
    const goal = await ask("what's taking up the most room in /var/log/app");
    const lines = goal.answer
      .split("\n")
      .slice(1)
      .map((l) => l.trim().split(/\s+/).at(-1));
    const biggest = sh(`du -sB1 '${join(root, "var/log/app")}'/* | sort -rn | head -1 | cut -f2`)
      .split("/")
      .at(-1);
    expect(lines[0]).toBe(`/var/log/app/${biggest}`);
  });

  test("files found by a pattern are the ones find finds", async () => {
    const goal = await ask("find all the *.log files in /var/log/app");
    const expected = sh(`cd '${root}' && find var/log/app -name '*.log' | sed 's|^|/|' | sort`).split("\n");
    const listed = goal.answer
      .split("\n")
      .slice(1)
      .map((l) => l.trim())
      .sort();
    expect(listed).toEqual(expected);
  });

  test("files by size, by age and by permission are the ones find finds", async () => {
    const listed = (answer: string) =>
      answer
        .split("\n")
        .slice(1)
        .map((l) => l.trim().split(/\s+/).at(-1)!)
        .sort();
    const found = (args: string) => sh(`cd '${root}' && find var/log/app -type f ${args} | sed 's|^|/|' | sort`).split("\n").filter(Boolean);
    expect(listed((await ask("find files bigger than 100 KB in /var/log/app")).answer)).toEqual(found("-size +99999c"));
    expect(listed((await ask("which files in /var/log/app are older than 7 days?")).answer)).toEqual(found("-mmin +10080"));
    expect(listed((await ask("world-writable files in /var/log/app")).answer)).toEqual(found("-perm -o+w"));
    expect(found("-perm -o+w")).toEqual(["/var/log/app/notes.txt"]);
  });

  test("lines that mention a word are counted as grep -c counts them", async () => {
    const file = join(root, "var/log/app/small.log");
    const goal = await ask('how many lines of /var/log/app/small.log contain "o"?');
    expect(goal.answer).toBe(`${sh(`grep -c o '${file}'`)} lines with "o" under /var/log/app/small.log`);
  });

  test("lines counted, a column added up and the IPs of a log tallied as wc, awk and sort -u do", async () => {
    mkdirSync(join(root, "srv"), { recursive: true });
    const csv = join(root, "srv/sales.csv");
    writeFileSync(csv, ["region,units,amount", ...Array.from({ length: 40 }, (_, i) => `r${i % 3},${i},${(i * 1.25).toFixed(2)}`)].join("\n") + "\n");
    const log = join(root, "var/log/app/access.log");
    writeFileSync(log, Array.from({ length: 30 }, (_, i) => `10.0.${i % 4}.${i % 5} - GET /x ${i}`).join("\n") + "\n");
    const lines = await ask("how many lines does /srv/sales.csv have?");
    expect(lines.answer).toBe(`${sh(`wc -l < '${csv}'`)} lines in /srv/sales.csv`);
    const sum = await ask("add up the 3rd column of /srv/sales.csv");
    const awk = Number(sh(`awk -F, 'NR > 1 { s += $3 } END { print s }' '${csv}'`));
    const said = /^column 3 of \/srv\/sales.csv adds up to ([\d.]+) \(40 numbers; left out 1 value that is not a number\)$/.exec(sum.answer);
    expect(said).not.toBeNull();
    expect(Number(said![1])).toBeCloseTo(awk, 6);
    const ips = await ask("which unique IP addresses appear in /var/log/app/access.log");
    const distinct = Number(sh(`grep -oE '([0-9]+\\.){3}[0-9]+' '${log}' | sort -u | wc -l`));
    expect(ips.answer.split("\n")[0]).toBe(`${distinct} distinct IP addresses in /var/log/app/access.log (30 mentions), most frequent first:`);
    const top = sh(`grep -oE '([0-9]+\\.){3}[0-9]+' '${log}' | sort | uniq -c | sort -k1,1nr -k2 | head -1`).trim().split(/\s+/);
    expect(ips.answer.split("\n")[1]!.trim().split(/\s+/)).toEqual(top);
  });

  test("an account, the SSH login rules and the login environment, as the files on the machine say", async () => {
    const alice = await ask("what is alice's home directory and shell?");
    const [, , uid, gid, , home, shell] = sh(`grep '^alice:' '${join(root, "etc/passwd")}'`).split(":");
    expect(alice.answer).toBe(`alice: uid ${uid}, gid ${gid}, home ${home}, shell ${shell} (Alice Admin); can log in`);
    expect((await ask("does the user daemon exist")).answer).toEndWith("cannot log in (no login shell)");
    expect((await ask("does the user mallory exist")).answer).toBe("there is no user mallory in /etc/passwd");
    // The settings before a Match block are what applies to everyone.
    const ssh = await ask("can root log in over ssh?");
    expect(ssh.answer.split("\n")).toEqual(["root may not log in", "passwords: not allowed", "keys: allowed", "port 2222"]);
    const path = await ask("what is PATH set to?");
    expect(path.answer).toBe(`1 variable set for logins:\n  PATH=${sh(`. '${join(root, "etc/profile")}' && echo "$PATH"`)}  (/etc/profile:1)`);
    const all = await ask("show the login environment");
    expect(
      all.answer
        .split("\n")
        .slice(1)
        .map((l) => l.trim().split(/\s+/)[0])
        .sort(),
    ).toEqual(["LANG=C.UTF-8", "PATH=/usr/local/bin:/usr/bin:/bin", "PS1='$"]);
  });

  test("the newest and oldest files are the ones ls -t orders first and last; processes are counted per user as ps counts them", async () => {
    const dirPath = join(root, "var/log/app");
    const newest = await ask("what's the newest file in /var/log/app?");
    const byTime = sh(`find '${dirPath}' -type f -printf '%T@ %p\\n' | sort -rn | cut -d' ' -f2`).split("\n");
    expect(newest.answer.split("\n")[1]!.trim().split(/\s+/).at(-1)).toBe(byTime[0]!.slice(root.length));
    const oldest = await ask("show the oldest file in /var/log/app");
    expect(oldest.answer.split("\n")[1]!.trim().split(/\s+/).at(-1)).toBe(byTime.at(-1)!.slice(root.length));
    const perUser = await ask("how many processes does each user run?");
    // As ps counts them, from /proc itself (no procps needed): the processes whose real uid is 0.
    const rootCount = readdirSync("/proc")
      .filter((entry) => /^\d+$/.test(entry))
      .filter((pid) => {
        try {
          return /^Uid:\s+0\s/m.test(readFileSync(`/proc/${pid}/status`, "utf8"));
        } catch {
          return false; // gone meanwhile
        }
      }).length;
    const said = /^\s+(\d+)\s+root$/m.exec(perUser.answer);
    expect(said).not.toBeNull();
    // Processes come and go between the two counts; a handful either way.
    expect(Math.abs(Number(said![1]) - rootCount)).toBeLessThanOrEqual(5);
  });

  test("who may read, write or run a file, by its owner, group and mode as the kernel would decide", async () => {
    const secret = join(root, "tmp/secret.log");
    writeFileSync(secret, "s\n");
    Bun.spawnSync(["chown", "0:4", secret]);
    Bun.spawnSync(["chmod", "640", secret]);
    expect((await ask("can alice read /tmp/secret.log?")).answer).toBe("yes: alice may read /tmp/secret.log (through the group adm; mode 0640)");
    expect((await ask("can alice write to /tmp/secret.log")).answer).toBe("no: alice may not write /tmp/secret.log (the group adm's bits do not allow it; mode 0640)");
    expect((await ask("can daemon read /tmp/secret.log")).answer).toBe("no: daemon may not read /tmp/secret.log (daemon is neither its owner nor in its group, and others may not; mode 0640)");
    expect((await ask("can root run /tmp/secret.log")).answer).toStartWith("no: root may not run /tmp/secret.log (not executable for anyone");
  });

  test("the last lines of a file are tail's", async () => {
    const goal = await ask("show me the last 3 lines of /var/log/app/small.log");
    expect(goal.answer).toBe(sh(`tail -n 3 '${join(root, "var/log/app/small.log")}'`));
  });

  test("which program holds a port, by name and pid", async () => {
    const server = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
    try {
      const goal = await ask(`who is using port ${server.port}?`);
      expect(goal.answer).toContain(`(pid ${process.pid}) listens on port ${server.port}`);
    } finally {
      server.stop(true);
    }
  });

  test("what system this is, from its os-release, and the kernel uname names", async () => {
    expect((await ask("which version of linux is this?")).answer).toStartWith("AIOS Test Linux 1.0, Linux ");
    expect((await ask("what kernel are we running")).answer).toStartWith(`Linux ${sh("uname -r")}`);
  });

  test("why a service fails: its state and the error lines of its log", async () => {
    const goal = await ask("why does web keep failing?");
    expect(goal.state).toBe(GoalState.GOAL_STATE_SUCCEEDED);
    expect(goal.answer).toMatch(/^web is (failed|stopped|exited)/m);
    expect(goal.answer).toContain("cannot bind to port 80: permission denied");
  });

  test("a request it does not know, while the gateway is down, says the gateway is down (not that no model is configured)", async () => {
    await stack.initClient.stopService({ name: "gateway" });
    try {
      const goal = await ask("make me a sandwich");
      expect(goal.answer).toContain("aios-gateway does not answer");
      expect(goal.answer).not.toContain("no model is configured");
    } finally {
      await stack.initClient.startService({ name: "gateway" });
    }
  });

  test("a service that does not exist is said at once, not retried", async () => {
    const goal = await ask("is the frobnicator service running?");
    expect(goal.state).toBe(GoalState.GOAL_STATE_FAILED);
    expect(goal.answer).toContain('not_found: no service named "frobnicator" (known: ');
    expect(goal.tasks[0]!.attempts).toBe(1);
  });

  test("a request it does not know is answered with the closest things it can do, and nothing runs", async () => {
    const goal = await ask("please upgrade every package");
    expect(goal.state).toBe(GoalState.GOAL_STATE_FAILED);
    expect(goal.answer).toStartWith("could not do it: I am not sure what you mean");
    expect(goal.tasks).toHaveLength(0);
  });
});

describe("effects, checked afterwards", () => {
  test("a directory made and a file copied where the storage agent may write", async () => {
    const made = await ask("make a new folder /tmp/reports/2026");
    expect(made.answer).toBe("created /tmp/reports/2026");
    expect(existsSync(join(root, "tmp/reports/2026"))).toBe(true);
    const copied = await ask("copy /tmp/original.txt to /tmp/copy.txt");
    expect(copied.answer).toStartWith("copied /tmp/original.txt to /tmp/copy.txt");
    expect(readFileSync(join(root, "tmp/copy.txt"), "utf8")).toBe("keep me\n");
  });

  test("an empty file made without truncating one that is there; a file given to a user by name", async () => {
    expect((await ask("touch /tmp/ready.flag")).answer).toStartWith("created the empty file /tmp/ready.flag");
    expect(readFileSync(join(root, "tmp/ready.flag"), "utf8")).toBe("");
    expect((await ask("touch /tmp/original.txt")).answer).toStartWith("/tmp/original.txt already existed; left as it was");
    expect(readFileSync(join(root, "tmp/original.txt"), "utf8")).toBe("keep me\n");
    // Changing owners is granted to no agent by default: a person grants it first.
    writeFileSync(join(root, "tmp/handover.txt"), "yours\n");
    await stack.tools.grantCapability({ agent: "storage", capability: "fs:chown:/tmp/**", grantedBy: "test", reason: "hand files over", ttlMs: 0 });
    const id = await submit(stack, "change the owner of /tmp/handover.txt to alice");
    await goalIn(stack, id, [GoalState.GOAL_STATE_WAITING_APPROVAL]);
    const { approvals } = await stack.orchestrator.listApprovals({ states: [ApprovalState.APPROVAL_STATE_PENDING], goalId: id });
    // The uid and gid looked up in /etc/passwd by the first step.
    expect(approvals[0]!.input).toEqual({ path: "/tmp/handover.txt", uid: 1000, gid: 1000 });
    await decideApproval(stack, { approvalId: approvals[0]!.id, approve: true, by: "test", note: "" });
    const goal = await goalIn(stack, id);
    expect(goal.answer).toStartWith("/tmp/handover.txt now belongs to alice (uid 1000, gid 1000; it was 0:0)");
    expect(sh(`stat -c %u:%g '${join(root, "tmp/handover.txt")}'`)).toBe("1000:1000");
    expect((await ask("change the owner of /tmp/handover.txt to mallory")).answer).toBe("there is no user mallory in /etc/passwd; nothing changed");
  });

  test("a delete is high risk: it waits for a person, and runs once they say yes", async () => {
    const id = await submit(stack, "get rid of /tmp/junk.txt");
    await goalIn(stack, id, [GoalState.GOAL_STATE_WAITING_APPROVAL]);
    expect(existsSync(join(root, "tmp/junk.txt"))).toBe(true);
    const { approvals } = await stack.orchestrator.listApprovals({ states: [ApprovalState.APPROVAL_STATE_PENDING], goalId: id });
    await decideApproval(stack, { approvalId: approvals[0]!.id, approve: true, by: "test", note: "" });
    const goal = await goalIn(stack, id);
    const [said, undo] = goal.answer.split("\n");
    expect(said).toBe("deleted the file /tmp/junk.txt");
    expect(existsSync(join(root, "tmp/junk.txt"))).toBe(false);
    // An effect ends with how to take it back, and that command does.
    const executionId = /^undo: aiosctl rollback (\S+)$/.exec(undo ?? "")?.[1];
    expect(executionId).toBe(goal.tasks[0]!.executionIds.at(-1));
    // Each event names its cause: the tool's result its call, the task's success that result.
    const events = [];
    for await (const { event } of stack.orchestrator.streamEvents({ goalId: id, untilGoalDone: true, afterEventId: "" })) events.push(event!);
    const called = events.findLast((e) => e.kind === EventKind.EVENT_KIND_TOOL_CALLED)!;
    const result = events.find((e) => e.kind === EventKind.EVENT_KIND_TOOL_RESULT && e.causeId === called.id)!;
    expect(result.message).toStartWith("fs.delete ok");
    expect(events.find((e) => e.kind === EventKind.EVENT_KIND_TASK_STATE && e.message.startsWith("t1 succeeded"))!.causeId).toBe(result.id);
    // Undoing a delete is as risky as the delete: without a terminal to ask on, it needs --yes.
    expect((await aiosctl("rollback", executionId!)).code).toBe(1);
    expect((await aiosctl("rollback", executionId!, "--yes")).code).toBe(0);
    expect(readFileSync(join(root, "tmp/junk.txt"), "utf8")).toBe("delete me\n");
  });

  test("files found by extension and age are deleted in a second step, once a person says yes", async () => {
    const spool = join(root, "tmp/spool");
    mkdirSync(spool, { recursive: true });
    for (const name of ["a.tmp", "b.tmp", "keep.txt", "new.tmp"]) writeFileSync(join(spool, name), `${name}\n`);
    Bun.spawnSync(["touch", "-d", "5 days ago", join(spool, "a.tmp"), join(spool, "b.tmp"), join(spool, "keep.txt")]);
    const expected = sh(`find '${spool}' -name '*.tmp' -mtime +3 | sort`)
      .split("\n")
      .map((p) => p.slice(root.length));
    const id = await submit(stack, "delete every .tmp file older than 3 days in /tmp/spool");
    await goalIn(stack, id, [GoalState.GOAL_STATE_WAITING_APPROVAL]);
    // The person is asked about the files the search found, by name.
    const { approvals } = await stack.orchestrator.listApprovals({ states: [ApprovalState.APPROVAL_STATE_PENDING], goalId: id });
    expect(approvals[0]!.tool).toBe("fs.delete_files");
    expect([...(approvals[0]!.input!.paths as string[])].sort()).toEqual(expected);
    await decideApproval(stack, { approvalId: approvals[0]!.id, approve: true, by: "test", note: "" });
    const goal = await goalIn(stack, id);
    expect(goal.state).toBe(GoalState.GOAL_STATE_SUCCEEDED);
    expect(goal.tasks.map((t) => t.dependsOn)).toEqual([[], ["t1"]]);
    expect(goal.answer).toContain(`deleted ${expected.length} files`);
    expect(sh(`ls '${spool}'`).split("\n").sort()).toEqual(["keep.txt", "new.tmp"]);
  });

  test("a second step with nothing to act on does nothing and says so", async () => {
    const goal = await ask("delete every .bak file older than 3 days in /tmp/spool");
    expect(goal.state).toBe(GoalState.GOAL_STATE_SUCCEEDED);
    expect(goal.answer).toContain("nothing deleted");
    expect(goal.tasks[1]!.executionIds).toEqual([]);
  });

  test("move every .log older than a week: the old ones, and only they, land in the archive", async () => {
    mkdirSync(join(root, "tmp/archive"), { recursive: true });
    const expected = sh(`find '${join(root, "var/log/app")}' -name '*.log' -mtime +7`)
      .split("\n")
      .filter(Boolean)
      .map((p) => p.split("/").at(-1)!)
      .sort();
    expect(expected.length).toBeGreaterThan(0);
    // The storage agent may write under /var/log and /tmp without a grant; moves are medium risk.
    const goal = await ask("move every .log older than 7 days to /tmp/archive");
    expect(goal.state).toBe(GoalState.GOAL_STATE_SUCCEEDED);
    expect(
      sh(`ls '${join(root, "tmp/archive")}'`)
        .split("\n")
        .filter(Boolean)
        .sort(),
    ).toEqual(expected);
    expect(goal.answer).toContain(`moved ${expected.length} file`);
  });

  test("stop whatever is eating the CPU: measured, then stopped once a person says yes", async () => {
    const spinner = Bun.spawn(["sh", "-c", "while :; do :; done"], { stdio: ["ignore", "ignore", "ignore"] });
    try {
      const id = await submit(stack, "stop whatever is eating the CPU");
      await goalIn(stack, id, [GoalState.GOAL_STATE_WAITING_APPROVAL]);
      const { approvals } = await stack.orchestrator.listApprovals({ states: [ApprovalState.APPROVAL_STATE_PENDING], goalId: id });
      expect(approvals[0]!.input).toEqual({ pid: spinner.pid, force: false });
      await decideApproval(stack, { approvalId: approvals[0]!.id, approve: true, by: "test", note: "" });
      const goal = await goalIn(stack, id);
      expect(goal.answer).toMatch(new RegExp(`^busiest: sh \\(pid ${spinner.pid}\\), [\\d.]+% CPU\nsent SIGTERM to sh \\(pid ${spinner.pid}\\)$`));
      expect(await spinner.exited).not.toBe(0);
    } finally {
      spinner.kill("SIGKILL");
    }
  });

  test("free a port by stopping what holds it: found by the port, stopped once a person says yes", async () => {
    // A separate program holding the port, as a forgotten dev server would.
    const holder = Bun.spawn([process.execPath, "-e", "Bun.listen({ hostname: '127.0.0.1', port: 47613, socket: { data() {} } }); setInterval(() => {}, 1000);"], {
      stdio: ["ignore", "ignore", "ignore"],
    });
    try {
      await waitFor(() => Bun.spawnSync(["ss", "-Hltn", "sport = :47613"]).stdout.toString() !== "", "the port to be held");
      const id = await submit(stack, "free port 47613 by stopping what holds it");
      await goalIn(stack, id, [GoalState.GOAL_STATE_WAITING_APPROVAL]);
      const { approvals } = await stack.orchestrator.listApprovals({ states: [ApprovalState.APPROVAL_STATE_PENDING], goalId: id });
      await decideApproval(stack, { approvalId: approvals[0]!.id, approve: true, by: "test", note: "" });
      const goal = await goalIn(stack, id);
      expect(goal.answer).toMatch(new RegExp(`^sent SIGTERM to \\S+ \\(pid ${holder.pid}\\)$`));
      expect(await holder.exited).not.toBe(0);
    } finally {
      holder.kill("SIGKILL");
    }
  });

  test("an action said with a repeating time becomes a schedule, and nothing is done now", async () => {
    const spool = join(root, "tmp/later");
    mkdirSync(spool, { recursive: true });
    writeFileSync(join(spool, "old.tmp"), "x");
    Bun.spawnSync(["touch", "-d", "5 days ago", join(spool, "old.tmp")]);
    const goal = await ask("at 3am every day, delete the .tmp files older than 3 days in /tmp/later");
    expect(goal.state).toBe(GoalState.GOAL_STATE_SUCCEEDED);
    expect(goal.answer).toStartWith('scheduled "delete the .tmp files older than 3 days in /tmp/later" every day at 03:00 UTC (cron 0 3 * * *)');
    expect(existsSync(join(spool, "old.tmp"))).toBe(true);
    const { schedules } = await stack.orchestrator.listSchedules({ pageSize: 100, pageToken: "" });
    const made = schedules.find((s) => s.goalText === "delete the .tmp files older than 3 days in /tmp/later")!;
    expect([made.spec, made.enabled, made.nextRunAt!.getUTCHours(), made.nextRunAt!.getUTCMinutes()]).toEqual(["0 3 * * *", true, 3, 0]);
    const listed = await aiosctl("schedules");
    expect(listed.stdout).toContain(`${made.id}  0 3 * * *`);
    expect((await aiosctl("schedules", "delete", made.id)).code).toBe(0);
    expect((await stack.orchestrator.listSchedules({ pageSize: 100, pageToken: "" })).schedules.map((s) => s.id)).not.toContain(made.id);
  });

  test("an action asked for once, later, is not taken now", async () => {
    const before = (await stack.initClient.getService({ name: "web" })).service!;
    const goal = await ask("restart web at 3am");
    expect(goal.state).toBe(GoalState.GOAL_STATE_FAILED);
    expect(goal.answer).toContain('I do not do things once at a later time ("at 3am")');
    expect(goal.answer).toContain('"every day at 03:00 restart web"');
    expect((await stack.initClient.getService({ name: "web" })).service!.restarts).toBe(before.restarts);
  });

  test("a repeating request it would not understand when it runs is not scheduled", async () => {
    const goal = await ask("every hour make me a sandwich");
    expect(goal.state).toBe(GoalState.GOAL_STATE_FAILED);
    expect(goal.answer).toContain('I would not know what "make me a sandwich" means when it runs');
  });

  test("a question about an action does not take it", async () => {
    const goal = await ask("should I delete /tmp/original.txt?");
    expect(goal.state).toBe(GoalState.GOAL_STATE_FAILED);
    expect(existsSync(join(root, "tmp/original.txt"))).toBe(true);
  });
});
