/**
 * `aios init --root DIR`: the real supervisor, the real components from dist/aios, real
 * sockets, driven through the Init gRPC service as aiosctl and the console will drive it.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { InitServiceDefinition, LogStream, ServiceState, ShutdownAction, SystemHealth } from "../lib/rpc/gen/aios/v1/init.ts";
import { AiosError, connect, type ServiceClient } from "../lib/rpc/index.ts";
import { cleanEnv, installBinary, type Running, run, start } from "./support/binary.ts";
import { waitFor } from "./support/wait.ts";

let dir: string;
let root: string;
let bin: string;
let init: Running;
let client: ServiceClient<typeof InitServiceDefinition>;

function writeServices(into: string, files: Record<string, string>) {
  mkdirSync(join(into, "etc/aios/services"), { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(join(into, "etc/aios/services", `${name}.toml`), text);
}

const state = async (name: string) => (await client.getService({ name })).service!;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "aios-init-"));
  root = join(dir, "root");
  bin = installBinary(root, "usr/bin");
  writeServices(root, {
    memory: `description = "memory"\ncommand = "/usr/bin/aios-memory"\ncritical = true\n[readiness]\nkind = "grpc"\n[restart]\npolicy = "always"\nbackoff_initial_ms = 200\n`,
    tools: `description = "tools"\ncommand = "/usr/bin/aios-tools"\nafter = ["memory"]\ncritical = true\n[readiness]\nkind = "grpc"\n[restart]\npolicy = "always"\nbackoff_initial_ms = 200\n`,
    chatter: `command = "/bin/sh"\nargs = ["-c", "echo hello from chatter; exec sleep 600"]\nafter = ["tools"]\n`,
  });
  init = start([join(bin, "aios-init"), "--root", root], dir, cleanEnv());
  await waitFor(
    () => init.output().includes("AIOS ready"),
    () => `"AIOS ready" in:\n${init.output()}`,
  );
  client = connect(InitServiceDefinition, join(root, "run/aios/init.sock"));
});

afterAll(async () => {
  client?.close();
  if (init.process.exitCode === null) await init.stop("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

describe("aios init --root", () => {
  test("lists every service running with pid, uptime and a healthy system", async () => {
    const response = await client.listServices({});
    expect(response.services.map((s) => s.name)).toEqual(["memory", "tools", "chatter"]);
    for (const service of response.services) {
      expect(service.state).toBe(ServiceState.SERVICE_STATE_RUNNING);
      expect(service.pid).toBeGreaterThan(0);
    }
    expect(response.systemHealth).toBe(SystemHealth.SYSTEM_HEALTH_OK);
    expect(response.services[1]?.after).toEqual(["memory"]);
    const paged = await client.listServices({ pageSize: 2 });
    expect(paged.services).toHaveLength(2);
    const rest = await client.listServices({ pageSize: 2, pageToken: paged.nextPageToken });
    expect(rest.services.map((s) => s.name)).toEqual(["chatter"]);
    expect(rest.nextPageToken).toBe("");
  });

  test("an unknown service is NOT_FOUND naming the known ones; a bad page token is INVALID_ARGUMENT", async () => {
    const error = (await client.getService({ name: "nginx" }).catch((e: unknown) => e)) as AiosError;
    expect(error.code).toBe("not_found");
    expect(error.message).toContain("memory, tools, chatter");
    const bad = (await client.listServices({ pageToken: "abc" }).catch((e: unknown) => e)) as AiosError;
    expect(bad.code).toBe("invalid_argument");
    expect(bad.field).toBe("page_token");
  });

  test("logs: the last lines of a service, and new ones followed as they come", async () => {
    const lines: string[] = [];
    for await (const line of client.streamLogs({ name: "chatter", tailLines: 50 })) lines.push(line.text);
    expect(lines).toContain("hello from chatter");
    expect(readFileSync(join(root, "var/log/aios/chatter.log"), "utf8")).toContain("stdout hello from chatter");

    const followed: { stream: LogStream; text: string }[] = [];
    const stream = client.streamLogs({ name: "chatter", tailLines: 0, follow: true }, { timeoutMs: 120_000 });
    const reading = (async () => {
      for await (const line of stream) {
        followed.push({ stream: line.stream, text: line.text });
        if (line.text === "hello from chatter") break;
      }
    })();
    await Bun.sleep(200);
    await client.restartService({ name: "chatter", waitReady: true });
    await reading;
    expect(followed.some((l) => l.stream === LogStream.LOG_STREAM_SUPERVISOR && l.text.startsWith("stopping"))).toBe(true);
    expect(followed.at(-1)).toEqual({ stream: LogStream.LOG_STREAM_STDOUT, text: "hello from chatter" });
  });

  test("stop and start a service on request", async () => {
    const stopped = await client.stopService({ name: "tools" });
    expect(stopped.service?.state).toBe(ServiceState.SERVICE_STATE_STOPPED);
    expect(stopped.service?.pid).toBe(0);
    const started = await client.startService({ name: "tools", waitReady: true });
    expect(started.service?.state).toBe(ServiceState.SERVICE_STATE_RUNNING);
    expect(started.service?.pid).toBeGreaterThan(0);
  });

  test("a service killed with SIGKILL is restarted with a new pid and its exit recorded", async () => {
    const before = await state("memory");
    process.kill(before.pid, "SIGKILL");
    await waitFor(async () => {
      const now = await state("memory");
      return now.state === ServiceState.SERVICE_STATE_RUNNING && now.pid !== before.pid;
    }, "memory back");
    const after = await state("memory");
    expect(after.restarts).toBe(before.restarts + 1);
    expect(after.lastExit).toMatchObject({ code: -1, signal: "SIGKILL", reason: "killed by SIGKILL" });
  });

  test("Shutdown stops every service in reverse order and init exits 0", async () => {
    const pids = (await client.listServices({})).services.map((s) => s.pid);
    const response = await client.shutdown({ action: ShutdownAction.SHUTDOWN_ACTION_POWEROFF, reason: "test" });
    expect(response.action).toBe(ShutdownAction.SHUTDOWN_ACTION_POWEROFF);
    expect(await init.process.exited).toBe(0);
    for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow();
    const stopLines = readFileSync(join(root, "var/log/aios/init.log"), "utf8")
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { msg: string; service?: string; state?: string })
      .filter((line) => line.msg === "service state" && line.state === "stopped")
      .map((line) => line.service)
      .slice(-3);
    expect(stopLines).toEqual(["chatter", "tools", "memory"]);
  });
});

describe("aios init --root with bad service definitions", () => {
  test("a dependency cycle stops start-up with exit 78 naming the services", async () => {
    const badRoot = join(dir, "bad");
    writeServices(badRoot, {
      a: `command = "/bin/true"\nafter = ["b"]\n`,
      b: `command = "/bin/true"\nafter = ["a"]\n`,
    });
    const result = await run([join(bin, "aios-init"), "--root", badRoot], dir);
    expect(result.code).toBe(78);
    expect(result.stderr).toContain("cycle: a → b → a");
  });
});

describe("aios init --root after its predecessor was killed", () => {
  test("what a SIGKILLed aios-init left running is stopped before anything starts again", async () => {
    const again = join(dir, "again");
    installBinary(again, "usr/bin");
    writeServices(again, {
      tools: `description = "tools"\ncommand = "/usr/bin/aios-tools"\ncritical = true\n[readiness]\nkind = "grpc"\n`,
      sleeper: `command = "/bin/sh"\nargs = ["-c", "exec sleep 600"]\n`,
    });
    const first = start([join(again, "usr/bin/aios-init"), "--root", again], dir, cleanEnv());
    await waitFor(
      () => first.output().includes("AIOS ready"),
      () => `"AIOS ready" in:\n${first.output()}`,
    );
    const firstClient = connect(InitServiceDefinition, join(again, "run/aios/init.sock"));
    const before = Object.fromEntries((await firstClient.listServices({})).services.map((s) => [s.name, s.pid]));
    firstClient.close();
    await first.stop("SIGKILL");
    // Its services live on, orphans holding their sockets.
    const alive = (pid: number) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    expect(alive(before.tools!) && alive(before.sleeper!)).toBe(true);

    const second = start([join(again, "usr/bin/aios-init"), "--root", again], dir, cleanEnv());
    try {
      await waitFor(
        () => second.output().includes("AIOS ready"),
        () => `"AIOS ready" in:\n${second.output()}`,
      );
      expect(second.output()).toMatch(/stopped what a previous aios-init left running: (sleeper, tools|tools, sleeper)/);
      await waitFor(() => !alive(before.tools!) && !alive(before.sleeper!), "the orphans to be gone");
      const secondClient = connect(InitServiceDefinition, join(again, "run/aios/init.sock"));
      const after = (await secondClient.listServices({})).services;
      secondClient.close();
      expect(after.map((s) => `${s.name} ${s.state} restarts=${s.restarts}`).sort()).toEqual([
        `sleeper ${ServiceState.SERVICE_STATE_RUNNING} restarts=0`,
        `tools ${ServiceState.SERVICE_STATE_RUNNING} restarts=0`,
      ]);
    } finally {
      await second.stop("SIGTERM");
    }
  });
});
