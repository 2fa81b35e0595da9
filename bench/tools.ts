/**
 * bench/tools.ts: what the tool pipeline costs.
 *
 *   fs.stat through the whole pipeline (token, capability with symlink resolution, audit
 *   append with fsync) over gRPC, against the bare lib/rpc echo in the same run
 *   audit appends per second (each durable: WAL, synchronous=FULL)
 *   VerifyAudit over a ledger of 100,000 entries
 *
 * Prints one JSON line, then a table.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseConfig } from "../lib/config/index.ts";
import { ToolsServiceDefinition } from "../lib/rpc/gen/aios/v1/tools.ts";
import { connect, serve } from "../lib/rpc/index.ts";
import { AuditLedger, loadOrCreateSeal } from "../lib/tools/audit.ts";
import { toolsComponent } from "../lib/tools/component.ts";
import { openToolsDatabase } from "../lib/tools/db.ts";
import { devNullLogger, startEcho } from "./support/echo.ts";
import { measure, round } from "./support/stats.ts";
import { agentToml } from "../test/support/agents.ts";

const CALLS = 2000;
const WARMUP = 200;
const APPENDS = 2000;
const VERIFY_ENTRIES = 100_000;

const entry = (i: number) => ({
  execution_id: `exe_${i}`,
  time: new Date().toISOString(),
  agent: "bench",
  goal_id: "g",
  task_id: "t",
  tool: "fs.stat",
  reason: "bench",
  input_hash: "0".repeat(64),
  output_hash: "0".repeat(64),
  result: "ok" as const,
  error: "",
  duration_ms: 1,
  backup_id: "",
  approval_id: "",
});

const dir = mkdtempSync(join(tmpdir(), "aios-bench-tools-"));
try {
  const root = join(dir, "root");
  mkdirSync(join(root, "etc/aios/agents"), { recursive: true });
  mkdirSync(join(root, "data"), { recursive: true });
  writeFileSync(join(root, "etc/aios/agents/bench.toml"), agentToml(["fs:read:/data/**"]));
  const log = devNullLogger("aios-tools");
  const services = await toolsComponent.services({ config: parseConfig({}, "bench"), root, log, onStop: () => {} });
  const server = await serve({ socketPath: join(dir, "tools.sock"), component: "aios-tools", log, services });
  const tools = connect(ToolsServiceDefinition, join(dir, "tools.sock"));
  const { token } = await tools.issueCapabilityToken({ agent: "bench" });
  const stat = () => tools.execute({ tool: "fs.stat", input: { path: "/data" }, capabilityToken: token });
  const echo = await startEcho(join(dir, "echo.sock"));

  // A first round warms both sides; the second is reported.
  await measure(echo.call, CALLS, WARMUP);
  await measure(stat, CALLS, WARMUP);
  const baseline = await measure(echo.call, CALLS, WARMUP);
  const pipeline = await measure(stat, CALLS, WARMUP);
  tools.close();
  await server.close(1000);
  await echo.close();

  const db = openToolsDatabase(join(dir, "ledger/tools.db"));
  // Keyed and with its head kept outside, as aios-tools runs it.
  const ledger = new AuditLedger(db, loadOrCreateSeal(join(dir, "ledger/audit.key"), join(dir, "ledger/audit.head"), db));
  let started = performance.now();
  for (let i = 0; i < APPENDS; i++) ledger.append(entry(i));
  const appendsPerSecond = Math.round(APPENDS / ((performance.now() - started) / 1000));

  // Fill to 100k in one transaction (set-up, not measured), then verify the whole chain.
  db.transaction(() => {
    for (let i = APPENDS; i < VERIFY_ENTRIES; i++) ledger.append(entry(i));
  })();
  started = performance.now();
  const verified = ledger.verify();
  const verifySeconds = (performance.now() - started) / 1000;
  if (!verified.ok || verified.checked !== VERIFY_ENTRIES) throw new Error(`verify failed: ${verified.reason}`);

  const result = {
    bench: "tools",
    calls: CALLS,
    baseline_lib_rpc_echo: baseline,
    fs_stat_pipeline: pipeline,
    audit_appends_per_s: appendsPerSecond,
    verify_100k_s: round(verifySeconds, 2),
  };
  console.log(JSON.stringify(result));
  console.log(`
round trip over a Unix socket (${CALLS} calls)              p50 µs    p99 µs   calls/s
  baseline: lib/rpc echo                               ${String(baseline.p50_us).padStart(8)}  ${String(baseline.p99_us).padStart(8)}  ${String(baseline.calls_per_s).padStart(8)}
  fs.stat through the pipeline (audited, fsync'd)      ${String(pipeline.p50_us).padStart(8)}  ${String(pipeline.p99_us).padStart(8)}  ${String(pipeline.calls_per_s).padStart(8)}

audit ledger
  durable appends                                      ${appendsPerSecond} /s
  VerifyAudit over ${VERIFY_ENTRIES} entries                      ${result.verify_100k_s} s
`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
