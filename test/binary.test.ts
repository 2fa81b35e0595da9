/**
 * The compiled multi-call executable, run as a person would run it: copied away from the
 * repository and its node_modules, called through symlinks and by name.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { InitServiceDefinition } from "../lib/rpc/gen/aios/v1/init.ts";
import { ToolsServiceDefinition } from "../lib/rpc/gen/aios/v1/tools.ts";
import { connect, HealthDefinition, ServingStatus } from "../lib/rpc/index.ts";
import { installBinary, run, start } from "./support/binary.ts";

let dir: string;
let bin: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "aios-bin-"));
  bin = installBinary(dir);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function servingOn(socket: string): Promise<ServingStatus> {
  const health = connect(HealthDefinition, socket);
  try {
    return (await health.check({ service: "" }, { timeoutMs: 30_000 })).status;
  } finally {
    health.close();
  }
}

describe("dist/aios", () => {
  test("--help lists every component and --version names the release", async () => {
    const help = await run([join(bin, "aios"), "--help"], dir);
    expect(help.code).toBe(0);
    for (const name of ["aios-init", "aios-memory", "aios-gateway", "aios-tools", "aios-orchestrator", "aios-console", "aiosctl"]) {
      expect(help.stdout).toContain(name);
    }
    const version = await run([join(bin, "aios"), "--version"], dir);
    expect(version.stdout).toMatch(/^aios \d+\.\d+\.\d+ \(\S+\)\n$/);
  });

  test("an unknown component name exits 1 and says how to list them", async () => {
    const result = await run([join(bin, "aios"), "frobnicate"], dir);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('unknown component "frobnicate"');
    expect(result.stderr).toContain("aios --help");
    // A name every object has is no component either, nor one aios host would run.
    for (const argv of [["constructor"], ["__proto__"], ["host", "constructor"]]) {
      const odd = await run([join(bin, "aios"), ...argv], dir);
      expect([odd.code, odd.stderr]).toEqual([argv[0] === "host" ? 64 : 1, expect.stringMatching(/unknown component "constructor"|unknown component "__proto__"|no component "constructor"/)]);
    }
    // aios-tools holds root tools and the token key, the orchestrator is driven by models: no
    // service file can put either in a process with other components.
    const shared = await run([join(bin, "aios"), "host", "memory", "tools", "orchestrator"], dir);
    expect([shared.code, shared.stderr]).toEqual([64, expect.stringContaining('no component "tools", "orchestrator"')]);
  });

  for (const [how, argv] of [
    ["as the symlink aios-tools", ["aios-tools"]],
    ["as `aios tools`", ["aios", "tools"]],
  ] as const) {
    test(`answers ${how}: health SERVING, its catalogue listed, clean exit on SIGTERM`, async () => {
      const root = join(dir, `root-${argv.length}`);
      const socket = join(root, "run/aios/tools.sock");
      const tools = start([join(bin, argv[0]), ...argv.slice(1), "--root", root], dir);
      expect(await servingOn(socket)).toBe(ServingStatus.SERVING);

      const client = connect(ToolsServiceDefinition, socket);
      const { tools: listed } = await client.listTools({ namespace: "fs" });
      client.close();
      expect(listed.map((t) => t.name)).toContain("fs.read");

      expect(await tools.stop("SIGTERM")).toBe(0);
      expect(existsSync(socket)).toBe(false);
      const lines = tools
        .output()
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(lines.map((line) => line.msg)).toEqual(expect.arrayContaining(["serving", "stopping", "stopped serving"]));
      expect(lines.every((line) => line.component === "aios-tools")).toBe(true);
    });
  }

  test("every gRPC component starts, serves health on its own socket and stops on SIGTERM", async () => {
    const root = join(dir, "root-all");
    const names = ["init", "memory", "gateway", "tools", "orchestrator"] as const;
    const running = names.map((name) => start([join(bin, `aios-${name}`), "--root", root], dir));
    for (const name of names) expect(await servingOn(join(root, `run/aios/${name}.sock`))).toBe(ServingStatus.SERVING);

    const health = await run([join(bin, "aiosctl"), "health", "--root", root, "--json"], dir);
    expect(health.code).toBe(0);
    const rows = JSON.parse(health.stdout) as { component: string; status: string }[];
    expect(rows.map((row) => `${row.component}=${row.status}`).sort()).toEqual(names.map((name) => `aios-${name}=SERVING`).sort());

    const codes = await Promise.all(running.map((component) => component.stop("SIGTERM")));
    expect(codes).toEqual([0, 0, 0, 0, 0]);
    for (const name of names) expect(existsSync(join(root, `run/aios/${name}.sock`))).toBe(false);
  });

  test("aiosctl health says which component is down and exits 1", async () => {
    const root = join(dir, "root-down");
    const init = start([join(bin, "aios-init"), "--root", root], dir);
    expect(await servingOn(join(root, "run/aios/init.sock"))).toBe(ServingStatus.SERVING);
    const result = await run([join(bin, "aiosctl"), "health", "init", "tools", "--root", root], dir);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/aios-init\s+SERVING/);
    expect(result.stdout).toMatch(/aios-tools\s+DOWN.*is it running\?/);
    // No service definitions under this root: init supervises nothing, and says so.
    const client = connect(InitServiceDefinition, join(root, "run/aios/init.sock"));
    expect((await client.listServices({})).services).toEqual([]);
    client.close();
    expect(await init.stop()).toBe(0);
  });

  test("the console alone: health answers, the rest needs sign-in, a missing component is a quick 503", async () => {
    const config = join(dir, "console.toml");
    const root = join(dir, "root-console");
    writeFileSync(config, '[console]\nlisten = "127.0.0.1"\ntls = "off"\n');
    const consoleProcess = start([join(bin, "aios-console"), "--config", config, "--root", root, "--port", "0"], dir);
    let url = "";
    for (let i = 0; i < 600 && !url; i++) {
      url = /"url":"([^"]+)"/.exec(consoleProcess.output())?.[1] ?? "";
      if (!url) await Bun.sleep(50);
    }
    expect(url).toStartWith("http://127.0.0.1:");
    const health = await fetch(new URL("/api/health", url));
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: "SERVING", component: "aios-console" });
    expect((await fetch(new URL("/api/goals", url))).status).toBe(401);
    // First start: the token is made (0600); under --root (no console device) only its path is
    // said, with the port really listened on: standard error is the console's log.
    const token = readFileSync(join(root, "var/lib/aios/console/admin-token"), "utf8").trim();
    expect(consoleProcess.output()).not.toContain(token);
    expect(consoleProcess.output()).toContain(`(port ${new URL(url).port}) and its API is in ${join(root, "var/lib/aios/console/admin-token")}`);
    const down = await fetch(new URL("/api/goals", url), { headers: { authorization: `Bearer ${token}` } });
    expect(down.status).toBe(503);
    expect((await down.json()).error).toContain("is it running?");
    expect(await consoleProcess.stop("SIGTERM")).toBe(0);
  });

  test("a bad config stops start-up with exit 78, naming the file and the key", async () => {
    const config = join(dir, "bad.toml");
    writeFileSync(config, '[rpc]\ncall_timeout_ms = "soon"\nretries = 3\n');
    const result = await run([join(bin, "aios-memory"), "--config", config, "--root", join(dir, "root-bad")], dir);
    expect(result.code).toBe(78);
    expect(result.stderr).toContain(config);
    expect(result.stderr).toContain('rpc.call_timeout_ms: expected number, got "soon"');
    expect(result.stderr).toContain("rpc.retries: unknown key");
  });

  test("a bad agent file stops aios-tools and aios-orchestrator alike with exit 78, naming the file and the key", async () => {
    const root = join(dir, "root-bad-agent");
    mkdirSync(join(root, "etc/aios/agents"), { recursive: true });
    const agent = join(root, "etc/aios/agents/sloppy.toml");
    writeFileSync(agent, 'description = "no prompt"\ntool_namespaces = ["fs"]\ncapabilities = ["fs:read"]\n');
    for (const component of ["aios-tools", "aios-orchestrator"]) {
      const result = await run([join(bin, component), "--root", root], dir);
      expect([component, result.code]).toEqual([component, 78]);
      expect(result.stderr).toContain(agent);
      expect(result.stderr).toContain("prompt");
    }
  });

  test("a bad flag exits 64 with the usage", async () => {
    const result = await run([join(bin, "aios-gateway"), "--frobnicate"], dir);
    expect(result.code).toBe(64);
    expect(result.stderr).toContain("Usage: aios-gateway");
  });
});
