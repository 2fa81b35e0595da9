/**
 * bench/fuzz.ts: the fuzz test's hostile requests (test/support/fuzz.ts), for longer: 200
 * rounds of every unary RPC of every component on the whole stack under `aios init --root`,
 * several seeds. Reports calls, answers by code, problems (a hang, UNAVAILABLE or INTERNAL)
 * and service restarts, which must stay 0.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fuzzStack } from "../test/support/fuzz.ts";
import { QUIET, startStack } from "../test/support/stack.ts";
import { round } from "./support/stats.ts";

const SEEDS = [1, 2, 3];
const ROUNDS = 200;

const dir = mkdtempSync(join(tmpdir(), "aios-bench-fuzz-"));
const stack = await startStack(join(dir, "root"), {
  config: `${QUIET}[memory]\nembedder = "hashing"\n\n[orchestrator]\nmonitor_interval_ms = 0\n\n[gateway]\nmodels = []\n`,
});
try {
  const started = performance.now();
  let calls = 0;
  const codes: Record<string, number> = {};
  const problems: string[] = [];
  for (const seed of SEEDS) {
    const report = await fuzzStack(stack.root, { seed, rounds: ROUNDS });
    calls += report.calls;
    problems.push(...report.problems);
    for (const [code, n] of Object.entries(report.codes)) codes[code] = (codes[code] ?? 0) + n;
  }
  const seconds = (performance.now() - started) / 1000;
  const { services } = await stack.initClient.listServices({});
  const restarts = services.reduce((n, s) => n + s.restarts, 0);
  console.log(JSON.stringify({ bench: "fuzz", seeds: SEEDS.length, rounds: ROUNDS, calls, calls_per_s: round(calls / seconds), problems: problems.length, restarts, codes }));
  console.log(`hostile requests to every unary RPC (${SEEDS.length} seeds × ${ROUNDS} rounds, whole stack)`);
  console.log(`  calls answered                 ${calls}   (${round(calls / seconds)} /s)`);
  for (const [code, n] of Object.entries(codes).sort((a, b) => b[1] - a[1])) console.log(`    ${code.padEnd(28)} ${n}`);
  console.log(`  problems (hang, UNAVAILABLE, INTERNAL)  ${problems.length}`);
  for (const problem of problems.slice(0, 10)) console.log(`    ${problem.slice(0, 200)}`);
  console.log(`  service restarts               ${restarts}`);
} finally {
  await stack.stop();
  rmSync(dir, { recursive: true, force: true });
}
