/**
 * Every tool of the catalogue through the real stack: dist/aios-init --root supervising the
 * real aios-tools binary and a worker service, called over gRPC with real tokens. For each
 * tool: a successful call, a bad input refused naming the field, and a call without its
 * capability refused naming it. Risky tools also show approval: held, granted, run once.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AutonomyLevel } from "../lib/rpc/gen/aios/v1/common.ts";
import { ToolsServiceDefinition } from "../lib/rpc/gen/aios/v1/tools.ts";
import { AiosError, connect, type ServiceClient } from "../lib/rpc/index.ts";
import { cleanEnv, installBinary, REPO, type Running, start } from "./support/binary.ts";
import { MemoryKind, MemoryServiceDefinition } from "../lib/rpc/gen/aios/v1/memory.ts";
import { dfUsePercent } from "./support/df.ts";
import { requireHostPrograms } from "../scripts/host-programs.ts";
import { agentToml } from "./support/agents.ts";
import { type DebRepo, startDebRepo } from "./support/deb-repo.ts";
import { writeSelfSigned } from "../lib/tls/console-cert.ts";
import { refusal } from "./support/refusal.ts";

let dir: string;
let root: string;
let init: Running;
let tools: ServiceClient<typeof ToolsServiceDefinition>;
let worker = 0;
let repo: DebRepo | undefined;
const PKG_TOML = '[pkg]\nmirror = "/srv/mirror"\nkeyring = "/etc/aios/archive-key.asc"\n\n[memory]\nembedder = "hashing"\n';

const ALL_CAPS = [
  "memory:read",
  "fs:*:/data/**",
  "process:read",
  "process:spawn:/usr/bin/*",
  "process:spawn:/bin/*",
  "process:shell",
  "process:signal:sleep",
  "process:kill:sleep",
  "process:kill:aios-nap-*",
  "service:*:worker",
  "service:read",
  "monitor:*",
  "hw:read",
  "firewall:read",
  "firewall:write:aios",
  "sec:audit",
  "sec:grant:outsider",
  "sec:grant:tester",
  "sec:revoke",
  "sec:read",
  "sec:scan:/data/**",
  "sec:integrity:/data/**",
  "sys:config_read",
  "sys:config_write",
  "pkg:read",
  "pkg:update",
  "pkg:install",
  "pkg:remove",
  "sec:cert",
];
const NET_CAPS = ["net:read", "net:ping:127.0.0.1", "net:dns:localhost", "net:http:http://127.0.0.1:8099/**", "net:connect:127.0.0.1:*"];
const HTTP_PORT = 8099;
let httpd: Running | undefined;
// aios-tools runs in a network namespace of its own: the firewall tools must never touch
// this machine's ruleset.
const NETNS = `aios-catalogue-${process.pid}`;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "aios-catalogue-"));
  root = join(dir, "root");
  installBinary(root, "usr/bin");
  mkdirSync(join(root, "etc/aios/services"), { recursive: true });
  mkdirSync(join(root, "etc/aios/agents"), { recursive: true });
  mkdirSync(join(root, "data/dir"), { recursive: true });
  writeFileSync(join(root, "data/hello.txt"), "hello world\nsecond line\n");
  // The pkg tools' mirror: a signed repository in a directory of the machine (aios-tools runs
  // in a network namespace of its own), the image's package list, and the console's certificate.
  repo = await startDebRepo();
  cpSync(repo.dir, join(root, "srv/mirror"), { recursive: true });
  cpSync(repo.keyring, join(root, "etc/aios/archive-key.asc"));
  mkdirSync(join(root, "usr/lib/aios"), { recursive: true });
  writeFileSync(join(root, "usr/lib/aios/packages"), "Package: libc6\nVersion: 2.36-9+deb12u14\n");
  writeFileSync(join(root, "etc/aios/aios.toml"), PKG_TOML);
  await writeSelfSigned(join(root, "var/lib/aios/tls/console.crt"), join(root, "var/lib/aios/tls/console.key"));
  writeFileSync(join(root, "etc/aios/agents/tester.toml"), agentToml(ALL_CAPS));
  writeFileSync(join(root, "etc/aios/agents/outsider.toml"), agentToml(["fs:read:/elsewhere/**"]));
  // The net tools' agent: kept apart so that the others' process.spawn runs without network.
  writeFileSync(join(root, "etc/aios/agents/netter.toml"), agentToml(NET_CAPS));
  // Reads network state but may not connect: its commands get no network either.
  writeFileSync(join(root, "etc/aios/agents/looker.toml"), agentToml(["process:shell", "net:read"]));
  // May run a shell as root, which is critical risk: every such call waits for a human.
  writeFileSync(join(root, "etc/aios/agents/rooter.toml"), agentToml(["process:shell", "process:root:/bin/sh"]));
  // A missing nft or ip is one clear sentence here, not a tool error in the middle of the suite.
  requireHostPrograms("tools");
  const netns = Bun.spawnSync(["ip", "netns", "add", NETNS], { stderr: "pipe" });
  if (netns.exitCode !== 0) throw new Error(`ip netns add failed (root is needed): ${netns.stderr.toString()}`);
  Bun.spawnSync(["ip", "netns", "exec", NETNS, "ip", "link", "set", "lo", "up"]);
  mkdirSync(join(dir, "www"));
  writeFileSync(join(dir, "www/index.html"), "hello from httpd\n");
  httpd = start(["ip", "netns", "exec", NETNS, "/bin/busybox", "httpd", "-f", "-p", `127.0.0.1:${HTTP_PORT}`, "-h", join(dir, "www")], dir, { PATH: "/usr/sbin:/usr/bin:/sbin:/bin" });
  writeFileSync(
    join(root, "etc/aios/services/tools.toml"),
    `command = "${Bun.which("ip", { PATH: "/usr/sbin:/usr/bin:/sbin:/bin" })}"\nargs = ["netns", "exec", "${NETNS}", "${join(root, "usr/bin/aios-tools")}"]\ncritical = true\n[readiness]\nkind = "grpc"\n`,
  );
  // memory.search asks aios-memory, as on the machine (it hosts the gateway too).
  cpSync(join(REPO, "rootfs/overlay/etc/aios/services/memory.toml"), join(root, "etc/aios/services/memory.toml"));
  writeFileSync(join(root, "etc/aios/services/worker.toml"), 'command = "/bin/sh"\nargs = ["-c", "echo worker up; exec sleep 1000"]\n[restart]\npolicy = "on-failure"\n');
  init = start([join(root, "usr/bin/aios-init"), "--root", root], dir, cleanEnv());
  for (let i = 0; i < 1500 && !init.output().includes("AIOS ready"); i++) await Bun.sleep(40);
  tools = connect(ToolsServiceDefinition, join(root, "run/aios/tools.sock"));
});

afterAll(async () => {
  tools?.close();
  try {
    if (worker) process.kill(worker, "SIGKILL");
  } catch {
    // process.kill's case already ended it.
  }
  await init.stop("SIGTERM");
  await httpd?.stop("SIGKILL");
  Bun.spawnSync(["ip", "netns", "del", NETNS]);
  repo?.close();
  rmSync(dir, { recursive: true, force: true });
});

const token = async (agent: string, autonomy = AutonomyLevel.AUTONOMY_LEVEL_AUTONOMOUS) => (await tools.issueCapabilityToken({ agent, autonomy, goalId: "g", taskId: "t" })).token;

const run = (capabilityToken: string, tool: string, input: Record<string, unknown>, approvalId = "") =>
  tools.execute({ tool, input, capabilityToken, approvalId, reason: "catalogue test" }, { timeoutMs: 120_000 });

interface Case {
  tool: string;
  /** The agent that calls it; "tester" unless said. */
  agent?: string;
  /** Critical tools ask even under autonomous autonomy: approve and retry. */
  approve?: boolean;
  good: () => Record<string, unknown> | Promise<Record<string, unknown>>;
  check?: (output: Record<string, any>) => void;
  bad: Record<string, unknown>;
  field: string;
}

const sleeper = () => {
  const child = Bun.spawn(["sleep", "1000"], { stdio: ["ignore", "ignore", "ignore"] });
  return child.pid;
};

/** A sleep under a name of its own (its comm is the link's name): process.stop by name touches nothing else on this machine. */
const NAPPER = `aios-nap-${process.pid % 100_000}`;
const napper = () => {
  const link = join(dir, NAPPER);
  if (!existsSync(link)) symlinkSync(Bun.which("sleep")!, link);
  Bun.spawn([link, "1000"], { stdio: ["ignore", "ignore", "ignore"] });
  return NAPPER;
};

const CASES: Case[] = [
  { tool: "fs.read", good: () => ({ path: "/data/hello.txt", offset: 6, length: 5 }), check: (o) => expect(o.content).toBe("world"), bad: { path: 7 }, field: "input.path" },
  { tool: "fs.write", good: () => ({ path: "/data/w.txt", content: "w" }), check: (o) => expect(o.bytes_written).toBe(1), bad: { path: "/data/w.txt" }, field: "input.content" },
  {
    tool: "fs.append",
    good: () => ({ path: "/data/w.txt", content: "+" }),
    check: () => expect(readFileSync(join(root, "data/w.txt"), "utf8")).toBe("w+"),
    bad: { path: "/data/w.txt", content: 1 },
    field: "input.content",
  },
  { tool: "fs.copy", good: () => ({ from: "/data/hello.txt", to: "/data/copy.txt" }), check: (o) => expect(o.bytes).toBe(24), bad: { from: "/data/hello.txt" }, field: "input.to" },
  { tool: "fs.move", good: () => ({ from: "/data/copy.txt", to: "/data/moved.txt" }), bad: { from: "relative", to: "/data/x" }, field: "input.from" },
  { tool: "fs.chmod", good: () => ({ path: "/data/moved.txt", mode: "0600" }), check: (o) => expect(o.mode).toBe("0600"), bad: { path: "/data/moved.txt", mode: "rwx" }, field: "input.mode" },
  { tool: "fs.chown", good: () => ({ path: "/data/moved.txt", uid: 0, gid: 0 }), bad: { path: "/data/moved.txt", uid: -1, gid: 0 }, field: "input.uid" },
  { tool: "fs.symlink", good: () => ({ path: "/data/link", target: "hello.txt" }), bad: { path: "/data/link2", target: "" }, field: "input.target" },
  { tool: "fs.mkdir", good: () => ({ path: "/data/a/b", parents: true }), check: (o) => expect(o.created).toBe(true), bad: { path: "/data/c", parents: "yes" }, field: "input.parents" },
  {
    tool: "fs.list",
    good: () => ({ path: "/data" }),
    check: (o) => expect(o.entries.map((e: { name: string }) => e.name)).toContain("hello.txt"),
    bad: { path: "/data", limit: 0 },
    field: "input.limit",
  },
  { tool: "fs.stat", good: () => ({ path: "/data/hello.txt" }), check: (o) => expect(o).toMatchObject({ exists: true, type: "file", size: 24 }), bad: {}, field: "input.path" },
  {
    tool: "fs.search",
    good: () => ({ path: "/data", name: "hello*", content: "second" }),
    check: (o) => expect(o.matches).toEqual([{ path: "/data/hello.txt", line: 2, text: "second line" }]),
    bad: { path: "/data", content: "([" },
    field: "input.content",
  },
  {
    tool: "fs.tally",
    good: () => {
      writeFileSync(join(root, "data/tally.txt"), "a 1\nb 2\na 3\nc x\n");
      return { path: "/data/tally.txt", field: 2 };
    },
    check: (o) => expect([o.lines, o.distinct, o.numeric, o.sum]).toEqual([4, 4, 3, 6]),
    bad: { path: "/data/tally.txt", field: 0 },
    field: "input.field",
  },
  { tool: "fs.disk_usage", good: () => ({ path: "/data" }), check: (o) => expect(o.bytes).toBeGreaterThan(0), bad: { path: "/data", top: 1000 }, field: "input.top" },
  { tool: "fs.delete", good: () => ({ path: "/data/moved.txt" }), bad: { path: "" }, field: "input.path" },
  {
    tool: "fs.move_files",
    good: () => {
      mkdirSync(join(root, "data/many/into"), { recursive: true });
      for (const name of ["one.log", "two.log"]) writeFileSync(join(root, "data/many", name), name);
      writeFileSync(join(root, "data/many/into/two.log"), "already here");
      return { paths: ["/data/many/one.log", "/data/many/two.log", "/data/many/gone.log"], into: "/data/many/into" };
    },
    check: (o) =>
      expect([o.moved, o.skipped.map((s: { path: string }) => s.path), readFileSync(join(root, "data/many/into/two.log"), "utf8")]).toEqual([
        [{ from: "/data/many/one.log", to: "/data/many/into/one.log" }],
        ["/data/many/two.log", "/data/many/gone.log"],
        "already here",
      ]),
    bad: { paths: [], into: "/data" },
    field: "input.paths",
  },
  {
    tool: "fs.delete_files",
    good: () => ({ paths: ["/data/many/into/one.log", "/data/many/into/two.log", "/data/many/into"] }),
    check: (o) =>
      expect([o.deleted.map((d: { path: string }) => d.path), o.skipped, readdirSync(join(root, "data/many/into"))]).toEqual([
        ["/data/many/into/one.log", "/data/many/into/two.log"],
        [{ path: "/data/many/into", why: "not a regular file" }],
        [],
      ]),
    bad: { paths: ["relative"] },
    field: "input.paths.0",
  },
  { tool: "process.list", good: () => ({ name: "sleep" }), check: (o) => expect(o.total).toBeGreaterThanOrEqual(0), bad: { limit: -1 }, field: "input.limit" },
  { tool: "process.info", good: () => ({ pid: process.pid }), check: (o) => expect(o.pid).toBe(process.pid), bad: { pid: 0 }, field: "input.pid" },
  {
    tool: "process.spawn",
    good: () => ({ argv: ["/bin/echo", "hi"] }),
    check: (o) => expect(o).toMatchObject({ exit_code: 0, stdout: "hi\n", network: false }),
    bad: { argv: [] },
    field: "input.argv",
  },
  { tool: "process.signal", good: () => ({ pid: (worker = sleeper()), signal: "SIGCONT" }), check: (o) => expect(o.name).toBe("sleep"), bad: { pid: 1, signal: "SIGNOPE" }, field: "input.signal" },
  { tool: "process.kill", good: () => ({ pid: worker }), check: (o) => expect(o.signal).toBe("SIGTERM"), bad: { pid: "x" }, field: "input.pid" },
  {
    tool: "process.stop",
    good: () => ({ name: napper() }),
    check: (o) => expect([o.stopped.map((p: { name: string }) => p.name), o.signal]).toEqual([[NAPPER], "SIGTERM"]),
    bad: { port: 70_000 },
    field: "input.port",
  },
  { tool: "service.list", good: () => ({}), check: (o) => expect(o.services.map((s: { name: string }) => s.name)).toEqual(["memory", "tools", "worker"]), bad: { all: true }, field: "input.all" },
  { tool: "service.status", good: () => ({ name: "worker" }), check: (o) => expect(o.state).toBe("running"), bad: { name: "Not A Name" }, field: "input.name" },
  {
    tool: "service.logs",
    good: () => ({ name: "worker" }),
    check: (o) => expect(o.lines.map((l: { text: string }) => l.text)).toContain("worker up"),
    bad: { name: "worker", lines: 0 },
    field: "input.lines",
  },
  { tool: "service.restart", good: () => ({ name: "worker" }), check: (o) => expect(o.state).toBe("running"), bad: {}, field: "input.name" },
  { tool: "service.stop", good: () => ({ name: "worker" }), check: (o) => expect(o.state).toBe("stopped"), bad: { name: 3 }, field: "input.name" },
  { tool: "service.start", good: () => ({ name: "worker" }), check: (o) => expect(o.state).toBe("running"), bad: { name: "" }, field: "input.name" },
  { tool: "monitor.cpu", good: () => ({ interval_ms: 100 }), check: (o) => expect(o.cpus.length).toBeGreaterThan(0), bad: { interval_ms: 1 }, field: "input.interval_ms" },
  { tool: "monitor.memory", good: () => ({}), check: (o) => expect(o.total_mib).toBeGreaterThan(0), bad: { unit: "gb" }, field: "input.unit" },
  {
    tool: "monitor.disk",
    good: () => ({}),
    check: (o) => expect(Math.ceil(o.filesystems.find((f: { mount: string }) => f.mount === "/").used_percent)).toBeWithin(dfUsePercent("/") - 1, dfUsePercent("/") + 2),
    bad: { x: 1 },
    field: "input.x",
  },
  { tool: "monitor.network", good: () => ({}), check: (o) => expect(o.interfaces.map((i: { name: string }) => i.name)).toContain("lo"), bad: { x: 1 }, field: "input.x" },
  { tool: "monitor.load", good: () => ({}), check: (o) => expect(o.cpus).toBeGreaterThan(0), bad: { x: 1 }, field: "input.x" },
  {
    tool: "monitor.system",
    good: () => ({}),
    check: (o) => expect([o.kernel, o.hostname]).toEqual([Bun.spawnSync(["uname", "-r"]).stdout.toString().trim(), Bun.spawnSync(["uname", "-n"]).stdout.toString().trim()]),
    bad: { x: 1 },
    field: "input.x",
  },
  { tool: "monitor.top", good: () => ({ by: "rss", limit: 3 }), check: (o) => expect(o.processes).toHaveLength(3), bad: { by: "disk" }, field: "input.by" },
  {
    tool: "monitor.logs",
    good: () => ({ source: "worker", grep: "up" }),
    check: (o) => expect(o.lines.some((l: string) => l.endsWith("worker up"))).toBe(true),
    bad: { source: "../../etc/shadow" },
    field: "input.source",
  },
  { tool: "firewall.rules", good: () => ({}), check: (o) => expect(Array.isArray(o.rules)).toBe(true), bad: { table: "x" }, field: "input.table" },
  {
    tool: "firewall.add_rule",
    good: () => ({ rule: "tcp dport 8080 accept" }),
    check: (o) => expect(o).toEqual({ family: "inet", table: "aios", chain: "input", rule: "tcp dport 8080 accept" }),
    bad: { rule: "tcp dport 22 accept; flush ruleset" },
    field: "input.rule",
  },
  {
    tool: "firewall.delete_rule",
    good: async () => {
      const listed = await run(await token("tester"), "firewall.rules", {});
      const rule = (listed.output as { rules: Array<{ table: string; chain: string; handle: number; rule: string }> }).rules.find((r) => r.rule === "tcp dport 8080 accept");
      if (!rule) throw new Error(`firewall.add_rule's rule is not in the ruleset: ${JSON.stringify(listed)}`);
      return { table: rule.table, chain: rule.chain, handle: rule.handle };
    },
    bad: { table: "aios", chain: "input", handle: 0 },
    field: "input.handle",
  },
  { tool: "net.interfaces", agent: "netter", good: () => ({}), check: (o) => expect(o.interfaces).toEqual([expect.objectContaining({ name: "lo", up: true })]), bad: { x: 1 }, field: "input.x" },
  {
    tool: "net.addresses",
    agent: "netter",
    good: () => ({ family: "inet" }),
    check: (o) => expect(o.addresses).toEqual([{ interface: "lo", family: "inet", address: "127.0.0.1", prefix: 8 }]),
    bad: { family: "ipx" },
    field: "input.family",
  },
  { tool: "net.routes", agent: "netter", good: () => ({}), check: (o) => expect(Array.isArray(o.routes)).toBe(true), bad: { x: 1 }, field: "input.x" },
  {
    tool: "net.ping",
    agent: "netter",
    good: () => ({ host: "127.0.0.1", count: 1 }),
    check: (o) => expect(o).toMatchObject({ sent: 1, received: 1, reachable: true }),
    bad: { host: "a b" },
    field: "input.host",
  },
  { tool: "net.dns_lookup", agent: "netter", good: () => ({ name: "localhost" }), check: (o) => expect(o.addresses.length).toBeGreaterThan(0), bad: { name: "" }, field: "input.name" },
  {
    tool: "net.http_get",
    agent: "netter",
    good: () => ({ url: `http://127.0.0.1:${HTTP_PORT}/index.html`, max_bytes: 5 }),
    check: (o) => expect(o).toMatchObject({ status: 200, body: "hello", truncated: true }),
    bad: { url: `http://127.0.0.1:${HTTP_PORT}@127.0.0.2:${HTTP_PORT}/` },
    field: "input.url",
  },
  { tool: "net.port_check", agent: "netter", good: () => ({ port: HTTP_PORT }), check: (o) => expect(o.open).toBe(true), bad: { port: 70000 }, field: "input.port" },
  {
    tool: "net.connections",
    agent: "netter",
    good: () => ({ state: "listen", port: HTTP_PORT }),
    check: (o) => expect(o.connections).toEqual([expect.objectContaining({ protocol: "tcp", local: "127.0.0.1", local_port: HTTP_PORT, process: "busybox" })]),
    bad: { state: "open" },
    field: "input.state",
  },
  {
    tool: "memory.search",
    good: async () => {
      const memory = connect(MemoryServiceDefinition, join(root, "run/aios/memory.sock"));
      await memory.remember({ kind: MemoryKind.MEMORY_KIND_INCIDENT, title: "sshd failed", content: "sshd failed: its host key was missing; ssh-keygen -A made it", tags: ["ssh"] });
      memory.close();
      return { query: "why did sshd fail", kinds: ["incident"] };
    },
    check: (o) => expect(o.hits[0]).toMatchObject({ kind: "incident", title: "sshd failed" }),
    bad: { query: "" },
    field: "input.query",
  },
  {
    tool: "sec.audit_query",
    good: () => ({ tool: "fs.read", limit: 2 }),
    check: (o) => expect(o.entries.every((e: { tool: string }) => e.tool === "fs.read")).toBe(true),
    bad: { result: "fine" },
    field: "input.result",
  },
  { tool: "sec.audit_verify", good: () => ({}), check: (o) => expect(o).toMatchObject({ ok: true, first_broken_seq: 0 }), bad: { x: 1 }, field: "input.x" },
  {
    tool: "sec.grant",
    approve: true,
    good: () => ({ agent: "outsider", capability: "fs:read:/data/hello.txt", reason: "let it read the greeting" }),
    check: (o) => expect(o).toMatchObject({ agent: "outsider", granted_by: "agent:tester" }),
    bad: { agent: "outsider", capability: "fs", reason: "x" },
    field: "input.capability",
  },
  {
    tool: "sec.revoke",
    good: async () => {
      const { grants } = await tools.listCapabilities({ agent: "outsider" });
      const granted = grants.find((g) => !g.fromConfig);
      if (!granted) throw new Error("sec.grant left no grant to revoke");
      return { grant_id: granted.id };
    },
    check: (o) => expect(o.capability).toBe("fs:read:/data/hello.txt"),
    bad: { grant_id: "config:x" },
    field: "input.grant_id",
  },
  {
    tool: "sec.list_capabilities",
    good: () => ({ agent: "netter" }),
    check: (o) => expect(o.grants.map((g: { capability: string }) => g.capability)).toEqual(NET_CAPS),
    bad: { agent: "Not valid" },
    field: "input.agent",
  },
  {
    tool: "sec.check_perms",
    good: () => {
      writeFileSync(join(root, "data/open.txt"), "anyone\n");
      Bun.spawnSync(["chmod", "0666", join(root, "data/open.txt")]);
      return { paths: ["/data"] };
    },
    check: (o) => expect(o.findings).toContainEqual({ path: "/data/open.txt", issue: "world-writable", mode: "0666", uid: 0 }),
    bad: { paths: [] },
    field: "input.paths",
  },
  {
    tool: "sec.file_integrity",
    good: () => ({ action: "baseline", path: "/data", name: "data" }),
    check: (o) => expect(o.files).toBeGreaterThanOrEqual(3),
    bad: { action: "guess", path: "/data" },
    field: "input.action",
  },
  { tool: "hw.info", good: () => ({}), check: (o) => expect(o.cpu.count).toBeGreaterThan(0), bad: { x: 1 }, field: "input.x" },
  { tool: "sys.config_get", good: () => ({ key: "console.port" }), check: (o) => expect(o).toEqual({ key: "console.port", value: 9090 }), bad: { key: "Not A Key" }, field: "input.key" },
  {
    tool: "sys.config_set",
    approve: true,
    good: () => ({ key: "log.level", value: "info" }),
    check: (o) => {
      expect(o).toEqual({ key: "log.level", value: "info", previous: "info" });
      expect(readFileSync(join(root, "etc/aios/aios.toml"), "utf8")).toBe(`${PKG_TOML}\n[log]\nlevel = "info"\n`);
    },
    bad: { key: "log.level" },
    field: "input.value",
  },
  { tool: "pkg.update", good: () => ({}), check: (o) => expect(o.packages).toBe(3), bad: { x: 1 }, field: "input.x" },
  { tool: "pkg.search", good: () => ({ query: "json" }), check: (o) => expect(o.packages.map((p: { name: string }) => p.name)).toEqual(["jq", "libjq1"]), bad: { query: "" }, field: "input.query" },
  { tool: "pkg.info", good: () => ({ name: "jq" }), check: (o) => expect(o).toMatchObject({ name: "jq", status: "available" }), bad: { name: "Not A Package" }, field: "input.name" },
  {
    tool: "pkg.install",
    approve: true,
    good: () => ({ packages: ["libonig5"] }),
    check: (o) => {
      expect(o.installed.map((p: { name: string }) => p.name)).toEqual(["libonig5"]);
      expect(existsSync(join(root, "var/lib/aios/pkg/root/usr/lib/x86_64-linux-gnu/libonig.so.5"))).toBe(true);
    },
    bad: { packages: [] },
    field: "input.packages",
  },
  { tool: "pkg.list", good: () => ({}), check: (o) => expect(o.packages.map((p: { name: string }) => p.name)).toEqual(["libonig5"]), bad: { x: 1 }, field: "input.x" },
  {
    tool: "pkg.remove",
    approve: true,
    good: () => ({ packages: ["libonig5"] }),
    check: (o) => expect(o.removed.map((p: { name: string }) => p.name)).toEqual(["libonig5"]),
    bad: { packages: ["Not/A/Name"] },
    field: "input.packages.0",
  },
  { tool: "sec.cert_info", good: () => ({}), check: (o) => expect(o).toMatchObject({ source: "self-signed", self_signed: true }), bad: { x: 1 }, field: "input.x" },
  {
    tool: "sec.cert_rotate",
    approve: true,
    good: () => ({}),
    check: (o) => {
      expect(o.certificate.fingerprint).not.toBe(o.previous_fingerprint);
      expect(o.console).toContain("restart the console");
    },
    bad: { x: 1 },
    field: "input.x",
  },
];

describe("every tool of the catalogue", () => {
  test("the catalogue and this table name the same tools", async () => {
    const { tools: listed } = await tools.listTools({ pageSize: 1000 });
    expect(listed.map((t) => t.name).sort()).toEqual(CASES.map((c) => c.tool).sort());
    for (const tool of listed) {
      expect(tool.description.length).toBeGreaterThan(20);
      expect(JSON.parse(tool.inputSchemaJson).type).toBe("object");
    }
  });

  for (const c of CASES) {
    test(`${c.tool}: success, bad input, missing capability`, async () => {
      const input = await c.good();
      const caller = await token(c.agent ?? "tester");
      let good: Awaited<ReturnType<typeof run>>;
      try {
        good = await run(caller, c.tool, input);
      } catch (error) {
        const approvalId = (error as AiosError).details?.["approval-id"];
        if (!c.approve || !approvalId) throw error;
        await tools.decideApproval({ approvalId, approve: true, decidedBy: "human:test" });
        good = await run(caller, c.tool, input, approvalId);
      }
      if (!good.ok) throw new Error(`${c.tool} failed: ${good.error?.code} ${good.error?.message}`);
      c.check?.(good.output as Record<string, unknown>);

      const bad = await refusal(run(await token(c.agent ?? "tester"), c.tool, c.bad));
      expect(bad.code).toBe("invalid_argument");
      expect(bad.field).toBe(c.field);

      const denied = await refusal(run(await token("outsider"), c.tool, input));
      expect(denied.code).toBe("permission_denied");
      expect(denied.message).toContain("outsider lacks the capability");
    });
  }

  test("a risky tool under supervised autonomy: held for approval, granted, run once", async () => {
    const supervised = await token("tester", AutonomyLevel.AUTONOMY_LEVEL_SUPERVISED);
    const input = { argv: ["/bin/echo", "approved"] };
    const held = await refusal(run(supervised, "process.spawn", input));
    expect(held.code).toBe("failed_precondition");
    const approvalId = held.details["approval-id"]!;
    await tools.decideApproval({ approvalId, approve: true, decidedBy: "human:test" });
    const ran = await run(supervised, "process.spawn", input, approvalId);
    expect(ran.output).toMatchObject({ stdout: "approved\n" });
  });

  test("process.spawn: limits hold, output is cut, time runs out, and there is no network", async () => {
    const t = await token("tester");
    const big = await run(t, "process.spawn", { command: "yes | head -c 100000", limits: { output_bytes: 1000 } });
    expect(big.output).toMatchObject({ exit_code: 0, truncated: true });
    expect((big.output as { stdout: string }).stdout).toHaveLength(1000);
    expect(big.truncated).toBe(true);
    const slow = await run(t, "process.spawn", { argv: ["/bin/sleep", "30"], limits: { timeout_ms: 200 } });
    expect(slow.output).toMatchObject({ timed_out: true, signal: "SIGKILL" });
    const files = await run(t, "process.spawn", { command: "ulimit -n", limits: { open_files: 37 } });
    expect((files.output as { stdout: string }).stdout.trim()).toBe("37");
    const net = await run(t, "process.spawn", { command: "cat /proc/net/dev | grep -c :" });
    expect((net.output as { stdout: string }).stdout.trim()).toBe("1"); // only lo in a new network namespace
    const looker = await run(await token("looker"), "process.spawn", { command: "cat /proc/net/dev | grep -c :" });
    expect(looker.output).toMatchObject({ network: false, stdout: "1\n" });
    // The environment is an allow-list: nothing that changes what runs or what it loads.
    for (const name of ["LD_PRELOAD", "PATH", "PYTHONPATH", "NODE_OPTIONS", "BASH_ENV"]) {
      const refused = await refusal(run(t, "process.spawn", { argv: ["/bin/true"], env: { [name]: "/tmp/x" } }));
      expect([refused.code, refused.field]).toEqual(["invalid_argument", `input.env.${name}`]);
    }
    const lang = await run(t, "process.spawn", { command: "echo $LANG", env: { LANG: "C.UTF-8" } });
    expect((lang.output as { stdout: string }).stdout).toBe("C.UTF-8\n");
  });

  /** Runs a critical call the way a person lets it: held, approved, run with the approval. */
  async function runApproved(agent: string, tool: string, input: Record<string, unknown>) {
    const t = await token(agent);
    const held = await refusal(run(t, tool, input));
    expect(held.code).toBe("failed_precondition");
    const approvalId = held.details["approval-id"]!;
    await tools.decideApproval({ approvalId, approve: true, decidedBy: "human:test" });
    return run(t, tool, input, approvalId);
  }

  test("process.spawn runs its command as nobody, with limits that bind; root needs process:root and a human's yes", async () => {
    const t = await token("tester");
    const ran = await run(t, "process.spawn", { command: "id -u; umount /proc >/dev/null 2>&1 && echo unmounted || echo refused; cat /proc/self/status | grep NoNewPrivs" });
    expect(ran.output).toMatchObject({ user: "nobody" });
    const [uid, umount, nnp] = (ran.output as { stdout: string }).stdout.trim().split("\n");
    expect(uid).toBe("65534");
    // Not root, so it cannot lift the cover off AIOS's directories, and setuid programs give it nothing.
    expect(umount).toBe("refused");
    expect(nnp).toMatch(/NoNewPrivs:\s+1/);
    // A process limit binds: it is no longer root, to which RLIMIT_NPROC does not apply.
    const forks = await run(t, "process.spawn", {
      command: "n=0; for i in 1 2 3 4 5 6 7 8 9 10 11 12; do sleep 2 2>/dev/null & n=$((n+1)); done; sleep 0.3; ls /proc | grep -c '^[0-9]'",
      limits: { processes: 4 },
    });
    expect(Number((forks.output as { stdout: string }).stdout.trim())).toBeLessThanOrEqual(6);
    // Root without the capability: refused, whatever the program.
    const refused = await refusal(run(t, "process.spawn", { command: "id -u", as_root: true }));
    expect(refused.code).toBe("permission_denied");
    expect(refused.message).toContain("process:root");
    // With it, root is critical risk: it waits for a human even under autonomous autonomy.
    const asRoot = await runApproved("rooter", "process.spawn", { command: "id -u", as_root: true });
    expect(asRoot.output).toMatchObject({ user: "root", stdout: "0\n" });
  });

  test("process.spawn confines its command: AIOS's state and sockets are out of sight, it sees only its own processes, and nothing it starts outlives it", async () => {
    // As root (approved), the strongest case: even root inside sees none of AIOS's state.
    const stdout = async (command: string) => ((await runApproved("rooter", "process.spawn", { command, as_root: true })).output as { stdout: string }).stdout;
    // Under --root the state and run directories are ROOT/var/lib/aios and ROOT/run/aios.
    // The state directory's entries are each covered (their names show, nothing in them does),
    // but for the installed packages, which commands run; the sockets' directory is covered whole.
    const state = join(root, "var/lib/aios");
    expect(await stdout(`ls -A ${join(root, "run/aios")} | grep -c . || true`)).toBe("0\n");
    expect(await stdout(`find ${state} -mindepth 2 -not -path '${state}/pkg*' | grep -c . || true`)).toBe("0\n");
    expect(await stdout(`cat ${state}/tools/tools.db ${state}/tls/console.key 2>/dev/null | grep -c . || true`)).toBe("0\n");
    expect(await stdout("echo $$")).toBe("1\n");
    // Asked to start inside a hidden directory, it starts inside the cover (entered before the
    // cover, it would have been the real one).
    const inside = await runApproved("rooter", "process.spawn", { command: "ls -A", cwd: "/var/lib/aios/tools", as_root: true });
    expect(inside.output).toMatchObject({ stdout: "" });
    expect(Number((await stdout("ls /proc | grep -c '^[0-9]'")).trim())).toBeLessThan(5);
    // A sleep of its own odd length, started with setsid; the command sees it running, then ends.
    const mark = `1000.${process.pid % 100_000}`;
    expect(Number((await stdout(`setsid sleep ${mark} & sleep 0.3; cat /proc/[0-9]*/cmdline | tr '\\0' ' ' | grep -c 'sleep ${mark}'`)).trim())).toBeGreaterThanOrEqual(1);
    const survivors = readdirSync("/proc")
      .filter((pid) => /^\d+$/.test(pid))
      .filter((pid) => {
        try {
          return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(mark);
        } catch {
          return false;
        }
      });
    expect(survivors).toEqual([]);
    // The host's own view is untouched: the state directory still has its files.
    expect(readdirSync(join(root, "var/lib/aios/tools")).length).toBeGreaterThan(0);
  });

  test("firewall: a rule added and rolled back leaves the ruleset exactly as it was", async () => {
    const t = await token("tester");
    await run(t, "firewall.add_rule", { rule: "tcp dport 22 accept" });
    const before = ((await run(t, "firewall.rules", {})).output as { ruleset: string }).ruleset;
    const added = await run(t, "firewall.add_rule", { rule: "udp dport 51820 accept", position: "insert" });
    expect(added.ok).toBe(true);
    const during = ((await run(t, "firewall.rules", {})).output as { ruleset: string }).ruleset;
    expect(during).toContain("udp dport 51820 accept");
    const rolled = await tools.rollback({ executionId: added.executionId, capabilityToken: t, reason: "undo" });
    expect(rolled.summary).toContain("restored the firewall ruleset");
    expect(((await run(t, "firewall.rules", {})).output as { ruleset: string }).ruleset).toBe(before);
    // A rule nft rejects is refused by nft -c and changes nothing.
    const broken = await run(t, "firewall.add_rule", { rule: "tcp dport eighty accept" });
    expect(broken.ok).toBe(false);
    expect(broken.error?.message).toContain("nft -c");
    expect(((await run(t, "firewall.rules", {})).output as { ruleset: string }).ruleset).toBe(before);
  });

  test("sec.file_integrity finds what changed, appeared and went since the baseline", async () => {
    const t = await token("tester");
    await run(t, "sec.file_integrity", { action: "baseline", path: "/data", name: "drift" });
    writeFileSync(join(root, "data/hello.txt"), "tampered\n");
    writeFileSync(join(root, "data/new.txt"), "new\n");
    rmSync(join(root, "data/open.txt"));
    const compared = await run(t, "sec.file_integrity", { action: "compare", path: "/data", name: "drift" });
    expect(compared.output).toMatchObject({ changed: ["/data/hello.txt"], added: ["/data/new.txt"], removed: ["/data/open.txt"] });
  });

  test("sec.grant: even holding sec:grant for itself, an agent cannot grant itself anything", async () => {
    const t = await token("tester");
    const input = { agent: "tester", capability: "fs:*:/**", reason: "more" };
    const held = await refusal(run(t, "sec.grant", input));
    const approvalId = held.details["approval-id"]!;
    await tools.decideApproval({ approvalId, approve: true, decidedBy: "human:test" });
    const refused = await run(t, "sec.grant", input, approvalId);
    expect(refused.ok).toBe(false);
    expect(refused.error).toEqual({ code: "permission", message: "an agent cannot grant itself a capability" });
    expect((await tools.listCapabilities({ agent: "tester" })).grants.every((g) => g.fromConfig)).toBe(true);
  });

  test("a symlink planted in /data cannot carry fs tools out of it", async () => {
    symlinkSync("../etc", join(root, "data/escape"));
    const denied = await refusal(run(await token("tester"), "fs.read", { path: "/data/escape/aios/agents/tester.toml" }));
    expect(denied.message).toContain("fs:read:/etc/aios/agents/tester.toml");
    symlinkSync("/usr/bin", join(root, "data/outside"));
    expect((await refusal(run(await token("tester"), "fs.read", { path: "/data/outside/aios" }))).message).toContain("leads outside the root");
  });
});
