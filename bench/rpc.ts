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
 *   the transport matrix (bench/support/rpc-matrix.ts), client and server in two processes of
 *   one runtime, on Bun and on Node.js: a raw Unix socket, bare grpc-js and lib/rpc (Bun only),
 *   each with a handler that answers at once, after a file-system call, after a 5 ms timer
 */
import { Client, Server, ServerCredentials, credentials, type handleUnaryCall } from "@grpc/grpc-js";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
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

type Matrix = Record<string, Record<string, number>>;

/** The matrix with its server and client as two processes of runtime; Node.js runs a bundle of it. */
async function transportMatrix(dir: string, runtime: "bun" | "node"): Promise<Matrix> {
  const work = join(dir, `matrix-${runtime}`);
  mkdirSync(work, { recursive: true });
  let command = [process.execPath, join(import.meta.dir, "support/rpc-matrix.ts")];
  if (runtime === "node") {
    // Split, so that lib/rpc (bun:ffi) stays in a chunk Node.js never loads.
    const built = Bun.spawnSync([process.execPath, "build", command[1]!, "--target=node", "--format=esm", "--splitting", "--outdir", work]);
    if (built.exitCode !== 0) throw new Error(`bundling the matrix for Node.js failed: ${built.stderr.toString()}`);
    command = ["node", join(work, "rpc-matrix.js")];
  }
  const server = Bun.spawn([...command, "server", work], { stdout: "ignore", stderr: "inherit" });
  try {
    const client = Bun.spawn([...command, "client", work], { stdout: "pipe", stderr: "inherit" });
    const output = await new Response(client.stdout).text();
    if ((await client.exited) !== 0) throw new Error(`the ${runtime} transport client failed`);
    return JSON.parse(output) as Matrix;
  } finally {
    server.kill();
    await server.exited;
  }
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
  const transport = { bun: await transportMatrix(dir, "bun"), node: await transportMatrix(dir, "node") };
  const result = { bench: "rpc", calls: CALLS, baseline_grpc_js: baseline, lib_rpc: ours, binary: startup, transport_p50_us: transport };
  const matrixRows = Object.entries(transport).flatMap(([runtime, waits]) =>
    Object.entries(waits).map(([wait, by]) => {
      const cell = (name: string) => (by[name] === undefined ? "-".padStart(9) : `${String(by[name]).padStart(6)} ${`+${by[name]! - by.raw!}`.padStart(6)}`);
      return `  ${runtime.padEnd(5)} ${wait.padEnd(10)} ${String(by.raw).padStart(8)}   ${cell("grpc_js")}   ${cell("lib_rpc")}`;
    }),
  );
  console.log(JSON.stringify(result));
  console.log(`
unary round trip over a Unix socket (${CALLS} calls)   p50 µs    p99 µs   calls/s
  baseline: bare grpc-js                         ${String(baseline.p50_us).padStart(8)}  ${String(baseline.p99_us).padStart(8)}  ${String(baseline.calls_per_s).padStart(8)}
  lib/rpc (logging, error mapping)               ${String(ours.p50_us).padStart(8)}  ${String(ours.p99_us).padStart(8)}  ${String(ours.calls_per_s).padStart(8)}

two processes, p50 µs (+ over the raw socket with the same wait)
  runtime handler          raw      bare grpc-js        lib/rpc
${matrixRows.join("\n")}

dist/aios (median of ${STARTS})
  aios --version                                 ${startup.version_ms} ms
  aios tools: spawn → health SERVING             ${startup.start_to_serving_ms} ms
  RSS of aios-tools once serving                 ${startup.rss_serving_mib} MiB
  size of dist/aios                              ${startup.binary_mib} MiB
`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
