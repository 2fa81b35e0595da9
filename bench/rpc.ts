/**
 * bench/rpc.ts: what lib/rpc costs over bare grpc-js, and what the compiled binary costs to
 * start. Prints one JSON line, then a table.
 *
 *   unary round trip over a Unix socket, 5000 sequential calls after 500 warm-up calls, in a
 *   second round after both sides ran once (so JIT warm-up favours neither):
 *     baseline  bare grpc-js server and client, same messages, no logging
 *     lib/rpc   our serve() + connect(): validation-free handler, call logging at info
 *               (written to /dev/null), error mapping, partial-message completion
 *   start-up of dist/aios as aios-tools: spawn → health SERVING, and RSS once serving
 */
import { Client, Server, ServerCredentials, credentials, type handleUnaryCall } from "@grpc/grpc-js";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { HealthCheckRequest } from "../lib/rpc/gen/grpc/health/v1/health.ts";
import { connect, HealthDefinition } from "../lib/rpc/index.ts";
import { startEcho } from "./support/echo.ts";
import { measure, median, round } from "./support/stats.ts";

const CALLS = 5000;
const WARMUP = 500;
const STARTS = 5;

async function bareGrpc(dir: string) {
  const socket = join(dir, "bare.sock");
  const encode = (value: HealthCheckRequest) => Buffer.from(HealthCheckRequest.encode(value).finish());
  const decode = (bytes: Buffer) => HealthCheckRequest.decode(bytes);
  const definition = {
    echo: { path: "/bench.Echo/Echo", requestStream: false, responseStream: false, requestSerialize: encode, requestDeserialize: decode, responseSerialize: encode, responseDeserialize: decode },
  };
  const server = new Server();
  const echo: handleUnaryCall<HealthCheckRequest, HealthCheckRequest> = (call, callback) => callback(null, call.request);
  server.addService(definition, { echo });
  await new Promise<void>((ok, fail) => server.bindAsync(`unix:${socket}`, ServerCredentials.createInsecure(), (e) => (e ? fail(e) : ok())));
  const client = new Client(`unix:${socket}`, credentials.createInsecure());
  const request = { service: "aios.v1.ToolsService" };
  const result = await measure(
    () => new Promise((ok, fail) => client.makeUnaryRequest("/bench.Echo/Echo", encode, decode, request, { deadline: Date.now() + 10_000 }, (e, r) => (e ? fail(e) : ok(r)))),
    CALLS,
    WARMUP,
  );
  client.close();
  server.forceShutdown();
  return result;
}

async function ourRpc(dir: string) {
  const echo = await startEcho(join(dir, "ours.sock"));
  const result = await measure(echo.call, CALLS, WARMUP);
  await echo.close();
  return result;
}

function rssKiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0);
}

async function binaryStartup(dir: string) {
  const binary = resolve(import.meta.dir, "../dist/aios");
  if (!existsSync(binary)) throw new Error("dist/aios is missing: run just build (just bench does)");
  const startMs: number[] = [];
  const rss: number[] = [];
  const versionMs: number[] = [];
  for (let i = 0; i < STARTS; i++) {
    const t0 = performance.now();
    const version = Bun.spawn([binary, "--version"], { stdout: "ignore" });
    await version.exited;
    versionMs.push(performance.now() - t0);

    const root = join(dir, `start-${i}`);
    const t1 = performance.now();
    const child = Bun.spawn([binary, "tools", "--root", root], { stdout: "ignore", stderr: "ignore" });
    const health = connect(HealthDefinition, join(root, "run/aios/tools.sock"));
    await health.check({ service: "" }, { timeoutMs: 60_000 });
    startMs.push(performance.now() - t1);
    rss.push(rssKiB(child.pid));
    health.close();
    child.kill("SIGTERM");
    await child.exited;
  }
  return {
    version_ms: round(median(versionMs)),
    start_to_serving_ms: round(median(startMs)),
    rss_serving_mib: round(median(rss) / 1024),
    binary_mib: round(Bun.file(binary).size / 1024 / 1024),
  };
}

const dir = mkdtempSync(join(tmpdir(), "aios-bench-rpc-"));
try {
  // The first round warms the JIT for both sides; the order of the first round would otherwise
  // decide the winner. The second round is reported.
  await bareGrpc(dir);
  await ourRpc(dir);
  const baseline = await bareGrpc(dir);
  const ours = await ourRpc(dir);
  const startup = await binaryStartup(dir);
  const result = { bench: "rpc", calls: CALLS, baseline_grpc_js: baseline, lib_rpc: ours, binary: startup };
  console.log(JSON.stringify(result));
  console.log(`
unary round trip over a Unix socket (${CALLS} calls)   p50 µs    p99 µs   calls/s
  baseline: bare grpc-js                         ${String(baseline.p50_us).padStart(8)}  ${String(baseline.p99_us).padStart(8)}  ${String(baseline.calls_per_s).padStart(8)}
  lib/rpc (logging, error mapping)               ${String(ours.p50_us).padStart(8)}  ${String(ours.p99_us).padStart(8)}  ${String(ours.calls_per_s).padStart(8)}

dist/aios (median of ${STARTS})
  aios --version                                 ${startup.version_ms} ms
  aios tools: spawn → health SERVING             ${startup.start_to_serving_ms} ms
  RSS of aios-tools once serving                 ${startup.rss_serving_mib} MiB
  size of dist/aios                              ${startup.binary_mib} MiB
`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
