/**
 * Hostile requests to every unary RPC of every component, on the whole stack under
 * `aios init --root` (compiled binary): lone surrogates, non-ASCII and huge strings, negative
 * and out-of-range numbers, keys no schema knows. Seeded, so a failure repeats. Whatever the
 * answer, it must come (no call hangs to its deadline), it must not be UNAVAILABLE or INTERNAL
 * (no component died or failed to check its input), and no service may have restarted.
 * `bench/fuzz.ts` runs the same for longer.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fuzzStack, type FuzzReport } from "./support/fuzz.ts";
import { QUIET, type Stack, startStack } from "./support/stack.ts";

const dir = mkdtempSync(join(tmpdir(), "aios-fuzz-"));
let stack: Stack;

beforeAll(async () => {
  stack = await startStack(join(dir, "root"), {
    config: `${QUIET}[memory]\nembedder = "hashing"\n\n[orchestrator]\nmonitor_interval_ms = 0\n\n[gateway]\nmodels = []\n`,
  });
});

afterAll(async () => {
  await stack?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("fuzzed requests", () => {
  test("every unary RPC answers every hostile request, and nothing restarts", async () => {
    const report: FuzzReport = await fuzzStack(stack.root, { seed: 20261129, rounds: 16 });
    expect(report.calls).toBeGreaterThan(400);
    // Every problem at once, named by method and input, so one run says all that is wrong.
    expect(report.problems).toEqual([]);
    const { services } = await stack.initClient.listServices({});
    expect(services.map((s) => `${s.name} restarts=${s.restarts}`)).toEqual(services.map((s) => `${s.name} restarts=0`));
  });
});
