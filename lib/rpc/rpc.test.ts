import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as v from "valibot";
import { createLogger } from "../log/index.ts";
import { InitServiceDefinition, LogStream, ServiceState } from "./gen/aios/v1/init.ts";
import { MemoryServiceDefinition } from "./gen/aios/v1/memory.ts";
import { HealthCheckResponse_ServingStatus } from "./gen/grpc/health/v1/health.ts";
import { AiosError, connect, HealthDefinition, implement, notFound, parseRequest, type RunningServer, serve } from "./index.ts";
import { refusal as rejection } from "../../test/support/refusal.ts";

const dir = mkdtempSync(join(tmpdir(), "aios-rpc-"));
const logLines: Record<string, unknown>[] = [];
const log = createLogger({ component: "aios-test", level: "debug", sink: (line) => logLines.push(JSON.parse(line)) });
let slowCallAborted = false;

const GetServiceInput = v.object({ name: v.pipe(v.string(), v.nonEmpty("must name a service")) });

const initImplementation = implement(InitServiceDefinition, {
  getService: async (request, ctx) => {
    const { name } = parseRequest(GetServiceInput, request);
    if (name === "slow") {
      await new Promise((resolve) => ctx.signal.addEventListener("abort", resolve));
      slowCallAborted = true;
      return {};
    }
    if (name === "crash") throw new Error("disk on fire");
    // Errors built from hostile input: a lone surrogate (JSON.parse's message about half an
    // emoji), a non-ASCII field name and detail, and a message of 100 KiB.
    if (name === "surrogate") throw new AiosError("invalid_argument", `bad JSON: ${"🔥".slice(0, 1)} at 0`, { field: "input.é", details: { "approval-id": "apr_ünï", "Bad Key!": "x" } });
    if (name === "huge") throw new AiosError("invalid_argument", `echo: ${"x".repeat(100 * 1024)}`, { field: `input.${"k".repeat(5000)}` });
    if (name !== "sshd") throw notFound(`no service named "${name}"`);
    return { service: { name, state: ServiceState.SERVICE_STATE_RUNNING, pid: 42, after: ["network"] } };
  },
  streamLogs: async function* ({ name, tailLines }) {
    for (let seq = 1; seq <= tailLines; seq++) {
      yield { service: name, seq, text: `line ${seq}`, stream: LogStream.LOG_STREAM_STDOUT, time: new Date() };
    }
  },
});

const memoryImplementation = implement(MemoryServiceDefinition, {
  import: async (requests) => {
    let imported = 0;
    for await (const request of requests) if (request.jsonLine.startsWith("{")) imported++;
    return { imported };
  },
});

let server: RunningServer;
const socketPath = join(dir, "run", "init.sock");

beforeAll(async () => {
  server = await serve({ socketPath, component: "aios-test", log, services: [initImplementation, memoryImplementation] });
});
afterAll(async () => {
  await server.close(1000);
  rmSync(dir, { recursive: true, force: true });
});

describe("lib/rpc over a Unix socket", () => {
  test("an error made of hostile text is sent whole and bounded, and the server goes on", async () => {
    const client = connect(InitServiceDefinition, socketPath);
    const surrogate = await rejection(client.getService({ name: "surrogate" }));
    expect(surrogate.code).toBe("invalid_argument");
    expect(surrogate.field).toBe("input.é");
    expect(surrogate.message).toBe("bad JSON: \uFFFD at 0");
    expect(surrogate.details).toMatchObject({ "approval-id": "apr_ünï", "bad-key-": "x" });
    const huge = await rejection(client.getService({ name: "huge" }));
    expect(huge.code).toBe("invalid_argument");
    expect(huge.message.length).toBeLessThan(5000);
    expect(huge.message).toContain("more characters)");
    expect(huge.field!.length).toBeLessThan(1100);
    expect((await client.getService({ name: "sshd" })).service?.pid).toBe(42);
    client.close();
  });

  test("health answers SERVING for the server and for each service", async () => {
    const health = connect(HealthDefinition, socketPath);
    expect((await health.check({ service: "" })).status).toBe(HealthCheckResponse_ServingStatus.SERVING);
    expect((await health.check({ service: "aios.v1.InitService" })).status).toBe(HealthCheckResponse_ServingStatus.SERVING);
    expect((await rejection(health.check({ service: "aios.v1.Nothing" }))).code).toBe("not_found");
    health.close();
  });

  test("the socket is owner-and-group only (0660)", () => {
    expect(statSync(socketPath).mode & 0o777).toBe(0o660);
  });

  test("a unary call round-trips typed messages", async () => {
    const init = connect(InitServiceDefinition, socketPath);
    const { service } = await init.getService({ name: "sshd" });
    expect(service).toMatchObject({ name: "sshd", state: ServiceState.SERVICE_STATE_RUNNING, pid: 42, after: ["network"] });
    init.close();
  });

  test("a deadline expires as DEADLINE_EXCEEDED and the server's handler is told to stop", async () => {
    const init = connect(InitServiceDefinition, socketPath);
    const error = await rejection(init.getService({ name: "slow" }, { timeoutMs: 200 }));
    expect(error.code).toBe("deadline_exceeded");
    expect(error.message).toContain("InitService.GetService");
    for (let i = 0; i < 100 && !slowCallAborted; i++) await Bun.sleep(20);
    expect(slowCallAborted).toBe(true);
    init.close();
  });

  test("a bad request comes back INVALID_ARGUMENT naming the field", async () => {
    const init = connect(InitServiceDefinition, socketPath);
    const error = await rejection(init.getService({ name: "" }));
    expect(error.code).toBe("invalid_argument");
    expect(error.field).toBe("name");
    expect(error.message).toBe("invalid name: must name a service");
    init.close();
  });

  test("typed errors keep their code and sentence; anything else is INTERNAL", async () => {
    const init = connect(InitServiceDefinition, socketPath);
    const missing = await rejection(init.getService({ name: "nginx" }));
    expect(missing.code).toBe("not_found");
    expect(missing.message).toBe('no service named "nginx"');
    const crash = await rejection(init.getService({ name: "crash" }));
    expect(crash.code).toBe("internal");
    expect(crash.message).toBe("internal error in aios-test: disk on fire");
    init.close();
  });

  test("a method without a handler answers UNIMPLEMENTED naming it", async () => {
    const init = connect(InitServiceDefinition, socketPath);
    const error = await rejection(init.shutdown({}));
    expect(error.code).toBe("unimplemented");
    expect(error.message).toBe("aios-test does not implement InitService.Shutdown yet");
    init.close();
  });

  test("a server stream delivers every message in order", async () => {
    const init = connect(InitServiceDefinition, socketPath);
    const lines: string[] = [];
    for await (const line of init.streamLogs({ name: "sshd", tailLines: 5 })) lines.push(`${line.seq}:${line.text}`);
    expect(lines).toEqual(["1:line 1", "2:line 2", "3:line 3", "4:line 4", "5:line 5"]);
    init.close();
  });

  test("a client stream is read to its end", async () => {
    const memory = connect(MemoryServiceDefinition, socketPath);
    const response = await memory.import([{ jsonLine: "{}" }, { jsonLine: "{}" }, { jsonLine: "junk" }]);
    expect(response.imported).toBe(2);
    memory.close();
  });

  test("each call is logged as a JSON line with method, duration and status", async () => {
    const init = connect(InitServiceDefinition, socketPath);
    await init.getService({ name: "sshd" });
    await rejection(init.getService({ name: "" }));
    init.close();
    const calls = logLines.filter((line) => line.msg === "rpc" && line.method === "/aios.v1.InitService/GetService");
    expect(calls.some((line) => line.status === "OK" && typeof line.duration_ms === "number")).toBe(true);
    expect(calls.some((line) => line.status === "INVALID_ARGUMENT" && line.error === "invalid name: must name a service")).toBe(true);
    expect(calls.every((line) => line.component === "aios-test" && typeof line.time === "string")).toBe(true);
  });
});

describe("lib/rpc start-up and sockets", () => {
  test("a client waits for a server that comes up after it, until its deadline", async () => {
    const path = join(dir, "late.sock");
    const init = connect(InitServiceDefinition, path);
    const answer = init.getService({ name: "sshd" }, { timeoutMs: 20_000 });
    await Bun.sleep(300);
    const late = await serve({ socketPath: path, component: "aios-late", log, services: [initImplementation] });
    expect((await answer).service?.name).toBe("sshd");
    init.close();
    await late.close(1000);
  });

  test("with failFast, a missing server is UNAVAILABLE at once", async () => {
    const init = connect(InitServiceDefinition, join(dir, "absent.sock"));
    const error = await rejection(init.getService({ name: "sshd" }, { failFast: true }));
    expect(error.code).toBe("unavailable");
    const ready = await rejection(init.ready(200));
    expect(ready.message).toContain("is it running?");
    init.close();
  });

  test("with failFast, a component that came back answers the very next call, though its client was in its reconnect backoff", async () => {
    const path = join(dir, "restarted.sock");
    const first = await serve({ socketPath: path, component: "aios-first", log, services: [initImplementation] });
    const init = connect(InitServiceDefinition, path, { failFast: true });
    expect((await init.getService({ name: "sshd" })).service?.pid).toBe(42);
    await first.close(1000);
    // While it is down, calls fail at once, and the channel's backoff grows.
    for (let i = 0; i < 6; i++) {
      expect((await rejection(init.getService({ name: "sshd" }))).code).toBe("unavailable");
      await Bun.sleep(150);
    }
    const again = await serve({ socketPath: path, component: "aios-again", log, services: [initImplementation] });
    for (let i = 0; i < 5; i++) expect((await init.getService({ name: "sshd" })).service?.pid).toBe(42);
    init.close();
    await again.close(1000);
  });

  test("a stale socket left by a killed process is removed; a live one is never taken over", async () => {
    const path = join(dir, "stale.sock");
    // A process that listens on the socket and is then killed leaves the file behind.
    const holder = Bun.spawn([process.execPath, "-e", `require("net").createServer().listen(${JSON.stringify(path)})`]);
    for (let i = 0; i < 200 && !existsSync(path); i++) await Bun.sleep(20);
    const refused = await rejection(serve({ socketPath: path, component: "aios-second", log, services: [] }));
    expect(refused.code).toBe("already_exists");
    expect(refused.message).toContain(path);
    holder.kill("SIGKILL");
    await holder.exited;
    expect(existsSync(path)).toBe(true);
    const fresh = await serve({ socketPath: path, component: "aios-fresh", log, services: [initImplementation] });
    const init = connect(InitServiceDefinition, path);
    expect((await init.getService({ name: "sshd" })).service?.pid).toBe(42);
    init.close();
    await fresh.close(1000);
    expect(existsSync(path)).toBe(false);
  });

  test("a path that is not a socket is left alone", async () => {
    const path = join(dir, "a-file.sock");
    await Bun.write(path, "precious");
    const error = await rejection(serve({ socketPath: path, component: "aios-x", log, services: [] }));
    expect(error.message).toContain("is not a socket");
    expect(await Bun.file(path).text()).toBe("precious");
  });
});
