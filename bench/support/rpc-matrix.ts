/**
 * The transport matrix of bench/rpc.ts, as two processes of one runtime (Bun, or Node.js from a
 * bundle of this file): `server DIR` serves an echo three ways — a raw Unix socket, bare
 * grpc-js and lib/rpc (Bun only: its peer check needs bun:ffi) — each with a handler that
 * answers at once, after a file-system call, or after a 5 ms timer; `client DIR` measures each
 * sequentially and prints one JSON line. The extra cost of gRPC is the difference from the raw
 * socket with the same wait.
 */
import { createServer, connect as netConnect, type Socket } from "node:net";
import { existsSync, writeFileSync } from "node:fs";
import { stat } from "node:fs/promises";
import { join } from "node:path";
import { Client, credentials, Server, ServerCredentials } from "@grpc/grpc-js";

const WAITS = { now: (done: () => void) => done(), io: (done: () => void) => void stat("/").then(done), timer_5ms: (done: () => void) => void setTimeout(done, 5) } as const;
type WaitName = keyof typeof WAITS;
const TRANSPORTS = ["raw", "grpc_js", "lib_rpc"] as const;
type Transport = (typeof TRANSPORTS)[number];

const CALLS = 2000;
const WARMUP = 300;
const isBun = typeof (globalThis as { Bun?: unknown }).Bun !== "undefined";
const identity = (bytes: Buffer) => bytes;
const ECHO = {
  path: "/bench.Echo/Echo",
  requestStream: false,
  responseStream: false,
  requestSerialize: identity,
  requestDeserialize: identity,
  responseSerialize: identity,
  responseDeserialize: identity,
};
const socketOf = (dir: string, transport: Transport, wait: WaitName) => join(dir, `${transport}-${wait}.sock`);

async function serve(dir: string): Promise<void> {
  for (const [wait, after] of Object.entries(WAITS) as [WaitName, (done: () => void) => void][]) {
    const raw = createServer((socket) => socket.on("data", (data) => after(() => socket.write(data))));
    await new Promise<void>((ready) => raw.listen(socketOf(dir, "raw", wait), ready));
    const bare = new Server();
    bare.addService({ echo: ECHO }, { echo: (call: { request: Buffer }, reply: (e: null, r: Buffer) => void) => after(() => reply(null, call.request)) } as never);
    await new Promise<void>((ok, fail) => bare.bindAsync(`unix:${socketOf(dir, "grpc_js", wait)}`, ServerCredentials.createInsecure(), (e) => (e ? fail(e) : ok())));
    if (isBun) {
      const { startEchoServer } = await import("./echo.ts");
      await startEchoServer(socketOf(dir, "lib_rpc", wait), (request) => new Promise((answer) => after(() => answer(request))));
    }
  }
  // The client waits for this file before it starts.
  writeFileSync(join(dir, "serving"), "");
}

async function p50(call: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < WARMUP; i++) await call();
  const samples: number[] = [];
  for (let i = 0; i < CALLS; i++) {
    const started = performance.now();
    await call();
    samples.push((performance.now() - started) * 1000);
  }
  samples.sort((a, b) => a - b);
  return Math.round(samples[Math.floor(CALLS / 2)]!);
}

async function measureAll(dir: string): Promise<Record<string, Record<string, number>>> {
  const results: Record<string, Record<string, number>> = {};
  for (const wait of Object.keys(WAITS) as WaitName[]) {
    results[wait] = {};
    const socket: Socket = netConnect(socketOf(dir, "raw", wait));
    await new Promise((connected) => socket.once("connect", connected));
    results[wait].raw = await p50(() => new Promise((answered) => (socket.once("data", answered), socket.write("hello"))));
    socket.destroy();
    const client = new Client(`unix:${socketOf(dir, "grpc_js", wait)}`, credentials.createInsecure());
    const request = Buffer.from("hello");
    results[wait].grpc_js = await p50(() => new Promise((ok, fail) => client.makeUnaryRequest(ECHO.path, identity, identity, request, (e, r) => (e ? fail(e) : ok(r)))));
    client.close();
    if (isBun) {
      const { connectEcho } = await import("./echo.ts");
      const echo = connectEcho(socketOf(dir, "lib_rpc", wait));
      results[wait].lib_rpc = await p50(echo.call);
      echo.close();
    }
  }
  return results;
}

const [mode, dir] = process.argv.slice(2);
if (mode === "server" && dir) await serve(dir);
else if (mode === "client" && dir) {
  while (!existsSync(join(dir, "serving"))) await new Promise((wait) => setTimeout(wait, 20));
  process.stdout.write(`${JSON.stringify(await measureAll(dir))}\n`);
  process.exit(0);
} else if (mode) {
  process.stderr.write("usage: rpc-matrix.ts server DIR | client DIR\n");
  process.exit(64);
}
