/**
 * bench/console.ts, in one run, on the whole stack under `aios init --root` (compiled binary):
 *  - API latency p50/p99 of GET /api/status and POST /api/goals through aios-console (HTTP,
 *    bearer token, JSON), each against its baseline: the same gRPC call made directly to the
 *    orchestrator (what the console does behind the route). Calls alternate A/B so that the
 *    background work of the submitted goals weighs on both alike;
 *  - GET /api/health (no backend call): the HTTP layer alone;
 *  - the size of the web page and its assets, raw and gzip, as the browser gets them.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "../rootfs/qemu.ts";
import { adminToken, consoleConfig, consoleService } from "../test/support/console.ts";
import { QUIET, startStack } from "../test/support/stack.ts";
import { percentile, round } from "./support/stats.ts";

const CALLS = 400;
const WARMUP = 30;
const dir = mkdtempSync(join(tmpdir(), "aios-bench-console-"));

async function timed(call: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await call();
  return (performance.now() - t) * 1000;
}

const stats = (samples: number[]) => ({ p50_us: round(percentile(samples, 50)), p99_us: round(percentile(samples, 99)) });

async function abPair(direct: () => Promise<unknown>, viaConsole: () => Promise<unknown>) {
  for (let i = 0; i < WARMUP; i++) {
    await direct();
    await viaConsole();
  }
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < CALLS; i++) {
    a.push(await timed(direct));
    b.push(await timed(viaConsole));
  }
  return { grpc_direct: stats(a), console_http: stats(b) };
}

try {
  const port = await freePort();
  const stack = await startStack(join(dir, "root"), {
    config: `${QUIET}[memory]\nembedder = "hashing"\n\n[orchestrator]\nmonitor_interval_ms = 0\n\n[gateway]\nmodels = []\n\n${consoleConfig(port)}`,
    services: { console: consoleService(port) },
  });
  try {
    const base = `http://127.0.0.1:${port}`;
    const auth = { authorization: `Bearer ${adminToken(stack.root)}` };
    const get = (path: string) => fetch(base + path, { headers: auth }).then((r) => (r.ok ? r.json() : Promise.reject(new Error(`${path}: ${r.status}`))));
    const post = (path: string, body: unknown) =>
      fetch(base + path, { method: "POST", headers: { ...auth, "content-type": "application/json" }, body: JSON.stringify(body) }).then((r) =>
        r.ok ? r.json() : Promise.reject(new Error(`${path}: ${r.status}`)),
      );

    const health = [] as number[];
    for (let i = 0; i < WARMUP; i++) await get("/api/health");
    for (let i = 0; i < CALLS; i++) health.push(await timed(() => get("/api/health")));
    const status = await abPair(
      () => stack.orchestrator.getSystemStatus({}),
      () => get("/api/status"),
    );
    const submit = await abPair(
      () => stack.orchestrator.submitGoal({ text: "call fs.stat /etc" }),
      () => post("/api/goals", { text: "call fs.stat /etc" }),
    );

    const assets = [] as { path: string; bytes: number; gzip_bytes: number }[];
    // The page and everything it names: its modules, the stylesheet, the icon.
    const page = await fetch(`${base}/`).then((r) => r.text());
    for (const path of ["/", ...new Set([...page.matchAll(/(?:src|href)="(\/[^"]*)"/g)].map((m) => m[1]!))]) {
      const raw = await fetch(base + path, { headers: { "accept-encoding": "identity" } }).then((r) => r.arrayBuffer());
      const gz = await fetch(base + path, { headers: { "accept-encoding": "gzip" }, decompress: false } as RequestInit).then((r) => r.arrayBuffer());
      assets.push({ path, bytes: raw.byteLength, gzip_bytes: gz.byteLength });
    }
    const total = { bytes: assets.reduce((n, a) => n + a.bytes, 0), gzip_bytes: assets.reduce((n, a) => n + a.gzip_bytes, 0) };

    console.log(JSON.stringify({ bench: "console", calls: CALLS, health: stats(health), status, submit_goal: submit, assets, assets_total: total }));
    const us = (x: { p50_us: number; p99_us: number }) => `p50 ${String(x.p50_us).padStart(7)} µs   p99 ${String(x.p99_us).padStart(7)} µs`;
    console.log(`
aios-console API, ${CALLS} sequential calls each (bearer token, loopback)
  GET  /api/health  (HTTP layer only)                 ${us(stats(health))}
  GetSystemStatus over gRPC, direct — baseline        ${us(status.grpc_direct)}
  GET  /api/status through the console                ${us(status.console_http)}
  SubmitGoal over gRPC, direct — baseline             ${us(submit.grpc_direct)}
  POST /api/goals through the console                 ${us(submit.console_http)}

the web page as a browser downloads it (no CDN: this is everything)
${assets.map((a) => `  ${a.path.padEnd(22)} ${String(a.bytes).padStart(7)} bytes   gzip ${String(a.gzip_bytes).padStart(6)} bytes`).join("\n")}
  total                  ${String(total.bytes).padStart(7)} bytes   gzip ${String(total.gzip_bytes).padStart(6)} bytes
`);
  } finally {
    await stack.stop();
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
