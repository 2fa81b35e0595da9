/**
 * End to end, as a person meets AIOS: the ISO boots in QEMU (TCG, restricted user network) on a
 * fresh data disk; the console's admin token appears once on the serial console; sign in to the
 * console through the forwarded port; a reactive goal succeeds; a model on the host (the
 * scripted model server, reached from the guest only through a QEMU guestfwd port) is
 * configured over SSH and plans a goal that succeeds; `aiosctl status` over SSH; a Debian
 * package installed from a signed mirror on the host (guestfwd) and run; `:poweroff`
 * from aiosctl shell on the serial console ends it cleanly.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BUILD, ensureDataDisk } from "../rootfs/qemu.ts";
import { ConsoleClient } from "./support/console.ts";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { certificateByFingerprint } from "../lib/tls/pin.ts";
import { type DebRepo, startDebRepo } from "./support/deb-repo.ts";
import { ScriptedModelServer } from "./support/model-server.ts";
import { bootVm, openSerialShell, sshWhenUp, type Vm } from "./support/vm.ts";
import { waitFor } from "./support/wait.ts";

const READY = "aios-init: AIOS ready";
const MODEL_ADDRESS = "10.0.2.100:8080";
const MIRROR_ADDRESS = "10.0.2.101:8080";
let repo: DebRepo;
let dir: string;
let key: string;
let cloud: ScriptedModelServer;
let vm: Vm;

beforeAll(async () => {
  if (!existsSync(join(BUILD, "aios.iso"))) throw new Error("build/aios.iso is missing: run just iso (just test does)");
  dir = mkdtempSync(join(tmpdir(), "aios-e2e-"));
  ensureDataDisk(join(dir, "data.img"), 256);
  key = join(dir, "id_ed25519");
  const made = Bun.spawnSync(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "aios-e2e", "-f", key]);
  if (made.exitCode !== 0) throw new Error(`ssh-keygen failed: ${made.stderr.toString()}`);
  cloud = new ScriptedModelServer();
  repo = await startDebRepo();
  vm = await bootVm({
    mode: "iso",
    dataDisk: join(dir, "data.img"),
    guestForwards: [
      { guest: MODEL_ADDRESS, hostPort: cloud.port },
      { guest: MIRROR_ADDRESS, hostPort: repo.port },
    ],
  });
});

afterAll(async () => {
  vm?.kill();
  await cloud?.close();
  repo?.close();
  rmSync(dir, { recursive: true, force: true });
});

const terminal = ["GOAL_STATE_SUCCEEDED", "GOAL_STATE_FAILED", "GOAL_STATE_CANCELLED"];
async function goalEnd(client: ConsoleClient, id: string) {
  let goal: any;
  await waitFor(
    async () => {
      goal = (await client.get(`/api/goals/${id}`)).body.goal;
      return terminal.includes(goal?.state);
    },
    () => `goal ${id} to end: ${JSON.stringify(goal)}\n${vm.serial().slice(-2000)}`,
  );
  return goal;
}

const sshRetry = (command: string) => sshWhenUp(vm.sshPort, key, command);

describe("the ISO, end to end", () => {
  let token = "";
  let fingerprint = "";
  let browser: ConsoleClient;

  test("boots; the console's admin token and its certificate's fingerprint are shown once on the serial console", async () => {
    await vm.waitForSerial(READY);
    const match = /admin token of the console[^\n]*\r?\n\r?\n\s+([A-Za-z0-9_-]{43})\r?\n/.exec(vm.serial());
    expect(match).not.toBeNull();
    token = match![1]!;
    expect(vm.serial().split(token).length - 1).toBe(1);
    const print = /SHA-256 fingerprint[^\n]*\r?\n\r?\n\s+([0-9A-F:]{95})\r?\n/.exec(vm.serial());
    expect(print).not.toBeNull();
    fingerprint = print![1]!;
  });

  test("sign in to the console over HTTPS, pinned to that fingerprint; plain HTTP redirects; a reactive goal succeeds", async () => {
    const base = `https://127.0.0.1:${vm.consoleHttpsPort}`;
    // The certificate the console presents is the one the serial console named, and no other is trusted.
    const ca = await certificateByFingerprint("127.0.0.1", vm.consoleHttpsPort, fingerprint);
    browser = new ConsoleClient(base, { ca });
    expect((await browser.get("/api/status")).status).toBe(401);
    const signedIn = await browser.post("/api/session", { secret: token });
    expect([signedIn.status, signedIn.headers.get("set-cookie")]).toEqual([200, expect.stringContaining("; Secure")]);
    expect(signedIn.headers.get("strict-transport-security")).toBe("max-age=31536000");
    const page = await fetch(`${base}/`, { tls: { ca } });
    expect(await page.text()).toContain("AIOS console");
    const plain = await fetch(`http://127.0.0.1:${vm.consolePort}/api/status`, { redirect: "manual" });
    expect([plain.status, plain.headers.get("location")]).toEqual([308, "https://127.0.0.1:9443/api/status"]);
    const submitted = await browser.post("/api/goals", { text: "disk usage" });
    expect(submitted.status).toBe(201);
    const goal = await goalEnd(browser, submitted.body.goal.id);
    expect(goal.state).toBe("GOAL_STATE_SUCCEEDED");
    expect(goal.result).toMatch(/% used/);
  });

  test("a model on the host, reached only through guestfwd, plans a goal that succeeds", async () => {
    // A person at the serial console lets their SSH key in (aiosctl shell: ! runs sh).
    await openSerialShell(vm);
    const publicKey = readFileSync(`${key}.pub`, "utf8").trim();
    const mark = vm.serial().length;
    vm.type(`!mkdir -p /root/.ssh && echo '${publicKey}' >> /root/.ssh/authorized_keys && echo key-added\n`);
    await vm.waitForSerial("key-added\r\n", mark).catch(() => vm.waitForSerial("key-added\n", mark));

    // Over SSH: add the host's model to the config and restart the gateway.
    const toml = [
      "",
      "[[gateway.providers]]",
      'id = "host"',
      'kind = "openai"',
      `base_url = "http://${MODEL_ADDRESS}/v1"`,
      'api_key = "not-a-real-key"',
      "",
      "[[gateway.models]]",
      'id = "hostmodel"',
      'layer = "operational"',
      'provider = "host"',
      'name = "host-model"',
      "context_size = 32000",
      "",
    ].join("\\n");
    const configured = await sshRetry(`printf '${toml}' >> /etc/aios/aios.toml && aiosctl restart gateway`);
    expect(configured.stderr).toBe("");
    expect(configured.code).toBe(0);
    expect(configured.stdout).toMatch(/^gateway: running, pid \d+/);

    cloud.enqueue(
      {
        text: JSON.stringify({
          tasks: [{ id: "look", description: "look at how full the disks are", agent: "storage", tools: ["monitor.disk"], depends_on: [], layer: "tactical", success_check: "usage is known" }],
        }),
      },
      { toolCalls: [{ name: "monitor_disk", arguments: {} }] },
      { toolCalls: [{ name: "task_done", arguments: { result: "the disks have room", evidence: "monitor.disk output", success: true } }] },
    );
    const submitted = await browser.post("/api/goals", { text: "investigate how full the disks are" });
    const goal = await goalEnd(browser, submitted.body.goal.id);
    expect(`${goal.state}: ${goal.stateReason}`).toBe("GOAL_STATE_SUCCEEDED: every task succeeded");
    expect(goal.plannedBy).toBe("LAYER_TACTICAL");
    expect(goal.tasks[0].result).toContain("the disks have room");
    expect(cloud.requests.map((r) => r.body.model)).toEqual(["host-model", "host-model", "host-model"]);
    // The agent's tool call really ran in the guest and is in its audit ledger.
    const audit = (await browser.get(`/api/audit?goalId=${goal.id}`)).body.entries;
    expect(audit.map((e: any) => e.tool)).toEqual(["monitor.disk"]);
  });

  test("over SSH, aiosctl status says all is well", async () => {
    const status = await sshRetry("aiosctl status");
    expect(status.code).toBe(0);
    expect(status.stdout).toContain("autonomy:  supervised");
    expect(status.stdout).toMatch(/layers:\s+reactive, operational/);
    expect(status.stdout).not.toContain("DOWN");
    // The console's certificate is the security agent's to describe, with the fingerprint the serial console showed.
    expect((await sshRetry("aiosctl goal --json 'call sec.cert_info {}' | tail -1")).stdout).toContain(fingerprint);
  });

  const ask = async (text: string) => {
    const r = await sshRetry(`aiosctl goal --json '${text}' | tail -1`);
    expect(r.code).toBe(0);
    return JSON.parse(r.stdout) as { answer: string; state: string; usage?: { requests?: number } };
  };

  test("everyday questions over SSH with aiosctl goal are answered in words, true to the guest, with no model call", async () => {
    const disk = await ask("how full is my disk?");
    expect(disk.usage?.requests ?? 0).toBe(0);
    const used = Number((await sshRetry("df -P / | tail -1 | awk '{print int($3 * 100 / ($3 + $4) + 0.5)}'")).stdout.trim());
    const said = /^\/ has .+ \((\d+)% used\)$/m.exec(disk.answer);
    expect(said).not.toBeNull();
    expect(Math.abs(Number(said![1]) - used)).toBeLessThanOrEqual(2);
    expect((await ask("what version of linux is this?")).answer).toStartWith("AIOS ");
    const sshdPid = (await sshRetry("cat /run/sshd.pid 2>/dev/null || pidof sshd | tr ' ' '\\n' | tail -1")).stdout.trim();
    expect((await ask("who is listening on port 22?")).answer).toMatch(new RegExp(`sshd \\(pid \\d+\\) listens on port 22`));
    expect(sshdPid).not.toBe("");
    expect((await ask("how many cpus does this machine have")).answer).toMatch(/^\d+ CPUs?/);
    const lines = (await sshRetry("wc -l < /etc/passwd")).stdout.trim();
    expect((await ask("how many lines does /etc/passwd have")).answer).toBe(`${lines} lines in /etc/passwd`);
    expect((await ask("can root log in over ssh?")).answer.split("\n")[0]).toBe("root may log in with a key only");
    // Said with a repeating time, it is a schedule, listed by aiosctl schedules.
    const scheduled = await ask("every day at 03:00 show disk usage");
    expect(scheduled.answer).toStartWith('scheduled "show disk usage" every day at 03:00 UTC (cron 0 3 * * *)');
    const id = /as (sched-\S+);/.exec(scheduled.answer)![1]!;
    expect((await sshRetry("aiosctl schedules")).stdout).toContain(`${id}  0 3 * * *`);
    expect((await sshRetry(`aiosctl schedules delete ${id}`)).code).toBe(0);
  });

  test("a port blocked and unblocked in words: the rule is added, then found and removed, as nft lists them", async () => {
    expect((await sshRetry("aiosctl autonomy autonomous")).code).toBe(0);
    try {
      expect((await ask("block port 2323")).answer).toStartWith("blocked incoming TCP 2323");
      expect((await sshRetry("nft list ruleset | grep -c 'dport 2323 drop'")).stdout.trim()).toBe("1");
      const unblocked = await ask("unblock port 2323");
      expect(unblocked.answer).toMatch(/^1 rule blocks TCP port 2323: tcp dport 2323 drop \(handle \d+\)\nremoved the rule \(handle \d+ in inet aios input\) that blocked TCP port 2323/);
      expect((await sshRetry("nft list ruleset | grep -c 'dport 2323' || true")).stdout.trim()).toBe("0");
    } finally {
      await sshRetry("aiosctl autonomy supervised");
    }
  });

  test("a command an agent runs in the image is confined: nobody, a cgroup of its own with its limits, AIOS's state out of sight", async () => {
    // On the image /bin/sh is BusyBox: the grant names where the link leads, as it is checked.
    const agent =
      'description = "runs commands"\ntool_namespaces = ["process"]\ncapabilities = ["process:spawn:/bin/*", "process:spawn:/usr/bin/busybox"]\ndefault_layer = "tactical"\nstep_limit = 4\nprompt = "You run commands."\n';
    const ready = await sshRetry(`printf '${agent}' > /etc/aios/agents/runner.toml && aiosctl restart tools >/dev/null && aiosctl restart orchestrator >/dev/null && aiosctl autonomy autonomous`);
    expect(ready.code).toBe(0);
    try {
      const probe = "id -u; cat /proc/self/cgroup; cat /sys/fs/cgroup$(cut -d: -f3 /proc/self/cgroup)/pids.max; ls -A /var/lib/aios | wc -l";
      const submitted = await browser.post("/api/goals", { text: `call process.spawn ${JSON.stringify({ argv: ["/bin/sh", "-c", probe], limits: { processes: 17 } })}` });
      expect(submitted.status).toBe(201);
      const goal = await goalEnd(browser, submitted.body.goal.id);
      const said = JSON.stringify(goal);
      expect([goal.state, said]).toEqual(["GOAL_STATE_SUCCEEDED", expect.stringContaining("65534")]);
      expect(said).toMatch(/0::\/aios-spawn\/cmd-[0-9a-f-]+/);
      expect(said).toContain("17");
    } finally {
      await sshRetry("aiosctl autonomy supervised");
    }
  });

  test("a Debian package from a mirror reached through guestfwd: installed with its libraries, run from a login shell, removed", async () => {
    const keyring = readFileSync(repo.keyring, "utf8");
    const setUp = await sshRetry(
      `cat > /etc/aios/archive-key.asc <<'EOF'\n${keyring}EOF\naiosctl config set pkg.mirror http://${MIRROR_ADDRESS}/debian && aiosctl config set pkg.keyring /etc/aios/archive-key.asc`,
    );
    expect([setUp.code, setUp.stderr]).toEqual([0, ""]);
    const installed = await sshRetry("aiosctl pkg install jq --yes");
    expect([installed.code, installed.stdout]).toEqual([0, expect.stringContaining("installed jq 1.6-2.1+deb12u3: jq")]);
    // A login shell has the installed commands on PATH; the image's own libc serves them.
    const ran = await sshRetry(`. /etc/profile; command -v jq; echo '{"aios":[1,2,3]}' | jq -c '.aios | add'`);
    expect(ran.stdout).toBe("/var/lib/aios/pkg/bin/jq\n6\n");
    expect((await sshRetry("aiosctl pkg list")).stdout).toMatch(/^jq\s+1\.6-2\.1\+deb12u3\s+jq\n/);
    const removed = await sshRetry("aiosctl pkg remove jq --yes");
    expect([removed.code, removed.stdout]).toEqual([0, expect.stringContaining("removed libonig5 6.9.8-1")]);
    // Nothing the install put there is left.
    expect((await sshRetry("find /var/lib/aios/pkg/bin /var/lib/aios/pkg/root -mindepth 1 | wc -l")).stdout.trim()).toBe("0");
  });

  test("an MCP client on the host reaches AIOS's tools over ssh … aiosctl mcp", async () => {
    const client = new Client({ name: "host-mcp-client", version: "1.0.0" });
    const sshArgs = ["-T", "-i", key, "-p", String(vm.sshPort), "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "BatchMode=yes", "-o", "LogLevel=ERROR"];
    await client.connect(new StdioClientTransport({ command: "ssh", args: [...sshArgs, "root@127.0.0.1", "aiosctl", "mcp"], stderr: "pipe" }));
    try {
      const names = (await client.listTools()).tools.map((t) => t.name);
      expect(names).toEqual(expect.arrayContaining(["fs_read", "monitor_disk"]));
      // mcp-local is read-only: nothing that changes the machine is offered.
      expect(names).not.toContain("fs_write");
      const read = await client.callTool({ name: "fs_read", arguments: { path: "/etc/os-release" } });
      expect(read.isError).toBe(false);
      expect(JSON.stringify(read.structuredContent)).toContain("AIOS");
    } finally {
      await client.close();
    }
    expect((await sshRetry("aiosctl audit --agent mcp-local")).stdout).toContain("fs.read");
  });

  test(":poweroff from aiosctl shell on the serial console powers off cleanly", async () => {
    vm.type(":poweroff\n");
    expect(await vm.exited).toBe(0);
    expect(vm.serial()).toContain("aios-init: services stopped; poweroff");
  });
});
