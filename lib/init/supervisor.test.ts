import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLogger } from "../log/index.ts";
import { becomeSubreaper, zombieChildren } from "../sys/index.ts";
import { reapedCount, reapOrphans, startReaper } from "./reaper.ts";
import { hostedNames, parseServiceFile, ServiceConfigError, startOrder } from "./service-config.ts";
import { type ServiceSnapshot, Supervisor } from "./supervisor.ts";

const dir = mkdtempSync(join(tmpdir(), "aios-sup-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const quiet = createLogger({ component: "aios-init-test", level: "error", sink: () => {} });

let counter = 0;
type Files = Record<string, string>;
function supervisor(files: Files | ((root: string) => Files), onChange?: (s: ServiceSnapshot) => void) {
  const root = join(dir, `root-${++counter}`);
  mkdirSync(root, { recursive: true });
  const services = Object.entries(typeof files === "function" ? files(root) : files).map(([name, text]) => parseServiceFile(name, `${name}.toml`, text));
  const sup = new Supervisor({ services, root, runDir: "/run/aios", logDir: "/var/log/aios", log: quiet, onChange });
  return { sup, root };
}

const sh = (script: string) => `command = "/bin/sh"\nargs = ["-c", ${JSON.stringify(script)}]\n`;

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 3000; i++) {
    if (check()) return;
    await Bun.sleep(20);
  }
  throw new Error(`gave up waiting: ${what}`);
}

describe("service definitions", () => {
  test("a dependency cycle is refused, naming the services in it", () => {
    const defs = ["a", "b", "c"].map((name, i) => parseServiceFile(name, `${name}.toml`, `${sh("true")}after = ["${["c", "a", "b"][i]}"]\n`));
    expect(() => startOrder(defs)).toThrow(ServiceConfigError);
    expect(() => startOrder(defs)).toThrow(/cycle: a → c → b → a/);
  });

  test("an unknown dependency is refused, naming both services", () => {
    const defs = [parseServiceFile("web", "web.toml", `${sh("true")}after = ["database"]\n`)];
    expect(() => startOrder(defs)).toThrow('service "web" comes after "database", but no service has that name');
  });

  test("a bad key or type names the file and the key", () => {
    expect(() => parseServiceFile("x", "/etc/aios/services/x.toml", `${sh("true")}restart = { policy = "sometimes" }\n`)).toThrow(
      /x\.toml:\n\s+restart\.policy: expected \("always" \| "on-failure" \| "never"\)/,
    );
    expect(() => parseServiceFile("x", "x.toml", `${sh("true")}colour = "red"\n`)).toThrow("colour: unknown key");
    expect(() => parseServiceFile("x", "x.toml", `${sh("true")}[readiness]\nkind = "tcp"\n`)).toThrow("readiness.port: required");
  });

  test("dependencies come first in the start order", () => {
    const defs = [
      parseServiceFile("console", "c.toml", `${sh("true")}after = ["orchestrator"]\n`),
      parseServiceFile("orchestrator", "o.toml", `${sh("true")}after = ["tools", "memory"]\n`),
      parseServiceFile("tools", "t.toml", sh("true")),
      parseServiceFile("memory", "m.toml", sh("true")),
    ];
    const order = startOrder(defs).map((d) => d.name);
    expect(order.indexOf("orchestrator")).toBeGreaterThan(order.indexOf("tools"));
    expect(order.indexOf("orchestrator")).toBeGreaterThan(order.indexOf("memory"));
    expect(order.at(-1)).toBe("console");
  });
});

describe("a service that hosts other components", () => {
  test("a hosted component's name in `after` means the service that hosts it", () => {
    const defs = [parseServiceFile("orchestrator", "o.toml", `${sh("true")}after = ["memory", "gateway"]\n`), parseServiceFile("memory", "m.toml", `${sh("true")}hosts = ["gateway"]\n`)];
    expect(startOrder(defs).map((d) => [d.name, d.after])).toEqual([
      ["memory", []],
      ["orchestrator", ["memory"]],
    ]);
  });

  test("a component hosted twice, or hosted and also a service of its own, is refused", () => {
    const memory = parseServiceFile("memory", "m.toml", `${sh("true")}hosts = ["gateway"]\n`);
    expect(() => hostedNames([memory, parseServiceFile("tools", "t.toml", `${sh("true")}hosts = ["gateway"]\n`)])).toThrow('"gateway" is hosted by both "memory" and "tools"');
    expect(() => startOrder([memory, parseServiceFile("gateway", "g.toml", sh("true"))])).toThrow('service "memory" hosts "gateway", which is also a service of its own');
  });

  test("is ready once every component serves on its socket, and answers to each one's name", async () => {
    const main = join(import.meta.dir, "../../cmd/aios/main.ts");
    const { sup, root } = supervisor((root) => ({
      memory: `command = ${JSON.stringify(process.execPath)}\nargs = [${JSON.stringify(main)}, "host", "memory", "gateway", "--root", ${JSON.stringify(root)}]\nhosts = ["gateway"]\n[readiness]\nkind = "grpc"\ntimeout_ms = 120000\n`,
    }));
    sup.startAll();
    await until(() => sup.snapshot("memory").state === "running", "memory+gateway running");
    expect(["memory.sock", "gateway.sock"].map((socket) => existsSync(join(root, "run/aios", socket)))).toEqual([true, true]);
    expect([sup.has("gateway"), sup.snapshot("gateway").definition.name, sup.has("llama")]).toEqual([true, "memory", false]);
    const pid = sup.snapshot("memory").pid;
    await sup.restart("gateway");
    await until(() => sup.snapshot("memory").state === "running", "memory+gateway running again");
    expect(sup.snapshot("memory").pid).not.toBe(pid);
    await sup.stopAll();
  });
});

describe("supervisor with real processes", () => {
  test("a service starts only once the service it comes after is ready", async () => {
    const report = join(dir, "web-saw");
    // Under --root the readiness path /db-ready is ROOT/db-ready.
    const { sup } = supervisor((root) => ({
      db: `${sh(`sleep 0.4; touch ${root}/db-ready; exec sleep 60`)}[readiness]\nkind = "file"\npath = "/db-ready"\n`,
      web: `${sh(`if [ -f ${root}/db-ready ]; then echo ready > ${report}; else echo early > ${report}; fi; exec sleep 60`)}after = ["db"]\n`,
    }));
    sup.startAll();
    expect(sup.snapshot("web").state).toBe("waiting");
    expect(sup.snapshot("web").reason).toBe("waiting for db");
    await until(() => sup.snapshot("web").state === "running", "web running");
    await until(() => existsSync(report), "web's report");
    expect(readFileSync(report, "utf8").trim()).toBe("ready");
    expect(sup.snapshot("db").pid).toBeGreaterThan(0);
    expect(sup.health().health).toBe("ok");
    await sup.stopAll();
  });

  test("a crashing service is restarted with growing backoff, then failed at the cap, degrading the system", async () => {
    const starts = join(dir, "starts");
    const { sup } = supervisor({
      flaky: `${sh(`date +%s%N >> ${starts}; echo "boom" >&2; exit 3`)}critical = true\n[restart]\npolicy = "on-failure"\nmax_restarts = 3\nwindow_ms = 60000\nbackoff_initial_ms = 100\nbackoff_max_ms = 5000\n`,
    });
    sup.startAll();
    await until(() => sup.snapshot("flaky").state === "failed", "flaky failed");
    const snapshot = sup.snapshot("flaky");
    expect(snapshot.restarts).toBe(3);
    expect(snapshot.reason).toBe("exited with status 3; restart limit of 3 in 60 s reached");
    expect(snapshot.lastExit).toMatchObject({ code: 3, signal: "" });
    const times = readFileSync(starts, "utf8")
      .trim()
      .split("\n")
      .map((ns) => Number(BigInt(ns) / 1_000_000n));
    expect(times).toHaveLength(4);
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    // 100, 200, 400 ms of backoff: each gap at least its delay.
    expect(gaps[0]!).toBeGreaterThanOrEqual(100);
    expect(gaps[1]!).toBeGreaterThanOrEqual(200);
    expect(gaps[2]!).toBeGreaterThanOrEqual(400);
    expect(sup.health()).toEqual({ health: "degraded", reasons: [expect.stringContaining("flaky failed")] });
    expect(
      sup
        .logOf("flaky")
        .tail(100)
        .filter((l) => l.stream === "stderr")
        .map((l) => l.text),
    ).toEqual(["boom", "boom", "boom", "boom"]);

    // Starting it on purpose clears the count.
    sup.start("flaky");
    expect(["starting", "running", "backoff"]).toContain(sup.snapshot("flaky").state);
    expect(sup.snapshot("flaky").restarts).toBe(0);
    await sup.stopAll();
  });

  test("exit status 78 (bad configuration) is not restarted", async () => {
    const { sup } = supervisor({ misconfigured: `${sh("exit 78")}[restart]\npolicy = "always"\nbackoff_initial_ms = 10\n` });
    sup.startAll();
    await until(() => sup.snapshot("misconfigured").state === "failed", "failed");
    expect(sup.snapshot("misconfigured").restarts).toBe(0);
    expect(sup.snapshot("misconfigured").reason).toContain("configuration is wrong");
  });

  test("stop goes in reverse dependency order and SIGKILLs a service that ignores its signal", async () => {
    const events: string[] = [];
    const { sup } = supervisor(
      {
        base: `${sh("trap 'exit 0' TERM; while true; do sleep 0.05; done")}`,
        stubborn: `${sh("trap '' TERM; while true; do sleep 0.05; done")}after = ["base"]\n[stop]\ngrace_ms = 300\n`,
      },
      (s) => events.push(`${s.definition.name}:${s.state}`),
    );
    sup.startAll();
    await until(() => sup.snapshot("stubborn").state === "running", "stubborn running");
    await sup.stopAll();
    expect(events.indexOf("stubborn:stopped")).toBeLessThan(events.indexOf("base:stopping"));
    expect(sup.snapshot("stubborn").lastExit).toMatchObject({ signal: "SIGKILL", reason: "killed by SIGKILL after the 300 ms grace time" });
    expect(sup.snapshot("base").lastExit).toMatchObject({ code: 0, signal: "" });
    expect(sup.snapshot("base").state).toBe("stopped");
  });

  test("stdout and stderr are captured to NAME.log and the ring buffer, and the log rotates by size", async () => {
    const { sup, root } = supervisor({
      chatty: `${sh("for i in $(seq 1 400); do echo \"out line $i with some padding to fill the file\"; done; echo 'to stderr' >&2; exec sleep 60")}[log]\nmax_bytes = 8192\nkeep = 2\n`,
    });
    sup.startAll();
    await until(
      () =>
        sup
          .logOf("chatty")
          .tail(1000)
          .some((l) => l.text === "to stderr"),
      "stderr line",
    );
    const lines = sup.logOf("chatty").tail(1000);
    expect(lines.filter((l) => l.stream === "stdout")).toHaveLength(400);
    expect(lines.find((l) => l.stream === "stderr")?.text).toBe("to stderr");
    const logPath = join(root, "var/log/aios/chatty.log");
    expect(readFileSync(logPath, "utf8")).toContain("stderr to stderr");
    expect(existsSync(`${logPath}.1`)).toBe(true);
    expect(existsSync(`${logPath}.2`)).toBe(true);
    expect(existsSync(`${logPath}.3`)).toBe(false);
    await sup.stopAll();
  });

  test.if(process.getuid?.() === 0)("a service runs as the user its definition names", async () => {
    const { sup } = supervisor({
      unprivileged: `${sh("echo uid=$(id -u) gid=$(id -g)")}user = 65534\n[restart]\npolicy = "never"\n`,
    });
    sup.startAll();
    await until(() => sup.snapshot("unprivileged").state === "exited", "exited");
    expect(
      sup
        .logOf("unprivileged")
        .tail(10)
        .map((l) => l.text),
    ).toContain("uid=65534 gid=65534");
  });

  test("a readiness timeout counts as a failed start", async () => {
    const { sup } = supervisor({
      never: `${sh("exec sleep 60")}[readiness]\nkind = "file"\npath = "/nonexistent/ready"\ntimeout_ms = 300\n[restart]\npolicy = "never"\n`,
    });
    sup.startAll();
    await until(() => sup.snapshot("never").state === "failed", "failed");
    expect(sup.snapshot("never").reason).toBe("not ready within 300 ms");
  });
});

describe("reaping orphans", () => {
  test("200 orphans left by a service are reaped and its own exit status is still reported right", async () => {
    becomeSubreaper();
    const script = "for i in $(seq 1 200); do (sleep 0.2 &); done; sleep 1; exit 7";
    const { sup } = supervisor({ spawner: `${sh(script)}[restart]\npolicy = "never"\n` });

    // Negative control: without a reaper the orphans stay zombies of this process.
    sup.startAll();
    await until(() => sup.snapshot("spawner").state === "failed", "spawner exited");
    expect(sup.snapshot("spawner").lastExit?.code).toBe(7);
    expect(zombieChildren(process.pid).length).toBeGreaterThanOrEqual(200);
    expect(reapOrphans(quiet)).toBeGreaterThanOrEqual(200);
    expect(zombieChildren(process.pid)).toEqual([]);

    // With the reaper running all along, the exit status is still Bun's to report.
    const before = reapedCount();
    const stop = startReaper(quiet, 50);
    sup.start("spawner");
    await until(() => sup.snapshot("spawner").state === "failed", "spawner exited again");
    await until(() => reapedCount() - before >= 200, "200 reaped");
    stop();
    expect(sup.snapshot("spawner").lastExit).toMatchObject({ code: 7, signal: "", reason: "exited with status 7" });
    expect(zombieChildren(process.pid)).toEqual([]);
  });
});
