/**
 * bench/understanding.ts, in one run:
 *  - understanding with no model, on the corpus (test/understanding/corpus.ts): coverage,
 *    precision and wrong effects over all of it, over the fifth kept apart, and over the
 *    requests written after tuning (the honest figure); the time to understand one request;
 *  - goals end to end in the whole stack (`aios init --root`, no model configured): the
 *    corpus's requests that only look (no approvals, no effects) submitted one at a time, the
 *    time from SubmitGoal to the answer p50/p90, and the model calls they cost (must be 0).
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { understand } from "../lib/orchestrator/understanding/index.ts";
import { GoalState } from "../lib/rpc/gen/aios/v1/orchestrator.ts";
import { CORPUS, DEVELOPMENT, FRESH, HELD_OUT } from "../test/understanding/corpus.ts";
import { scoreCorpus } from "../test/understanding/score.ts";
import { goalIn, QUIET, startStack } from "../test/support/stack.ts";
import { percentile, round } from "./support/stats.ts";

const dir = mkdtempSync(join(tmpdir(), "aios-bench-understanding-"));

async function endToEnd() {
  // Every machine has its accounts: the requests about users and processes per user read them.
  mkdirSync(join(dir, "root/etc"), { recursive: true });
  for (const file of ["passwd", "group"]) copyFileSync(`/etc/${file}`, join(dir, "root/etc", file));
  const stack = await startStack(join(dir, "root"), { config: `${QUIET}[memory]\nembedder = "hashing"\n\n[orchestrator]\nmonitor_interval_ms = 0\n\n[gateway]\nmodels = []\n` });
  try {
    // Requests that only look, with no path of this machine's in them: safe to run anywhere.
    const looks = [...CORPUS, ...FRESH].filter((e) => {
      const u = understand(e.text);
      // Only what any machine can answer: no names, paths or hosts of the corpus's own.
      return (
        e.intent &&
        u.kind === "understood" &&
        !u.intent.effect &&
        u.intent.id === e.intent &&
        !u.intent.needs?.length &&
        u.slots.path === undefined &&
        u.slots.name === undefined &&
        u.slots.ip === undefined &&
        u.slots.host === undefined &&
        u.intent.family !== "users" &&
        !["net.ping", "firewall.list"].includes(u.intent.id)
      );
    });
    const times: number[] = [];
    let modelCalls = 0;
    let succeeded = 0;
    let answered = 0;
    process.stderr.write(`understanding: ${looks.length} goals through the stack\n`);
    for (const [i, entry] of looks.entries()) {
      if (i % 20 === 0) process.stderr.write(`  ${i}/${looks.length}\n`);
      const started = performance.now();
      const goal = await goalIn(stack, (await stack.orchestrator.submitGoal({ text: entry.text })).goal!.id);
      times.push(performance.now() - started);
      modelCalls += goal.usage?.requests ?? 0;
      if (goal.state === GoalState.GOAL_STATE_SUCCEEDED) succeeded++;
      if (goal.answer.trim()) answered++;
    }
    return { goals: looks.length, succeeded, answered_in_words: answered, model_calls: modelCalls, answer_p50_ms: round(percentile(times, 50)), answer_p90_ms: round(percentile(times, 90)) };
  } finally {
    await stack.stop();
  }
}

const pct = (n: number) => `${round(n * 100)}%`;

try {
  const all = scoreCorpus([...CORPUS, ...FRESH]);
  const development = scoreCorpus(DEVELOPMENT);
  const heldOut = scoreCorpus(HELD_OUT);
  const fresh = scoreCorpus(FRESH);
  const e2e = await endToEnd();
  const brief = (s: typeof all) => ({ requests: s.requests, coverage: round(s.coverage, 3), precision: round(s.precision, 3), wrong_effects: s.wrong_effects, understand_p50_us: s.understand_p50_us });
  console.log(JSON.stringify({ bench: "understanding", all: brief(all), development: brief(development), held_out: brief(heldOut), fresh: brief(fresh), end_to_end: e2e }));
  const row = (name: string, s: typeof all) =>
    `  ${name.padEnd(34)} ${String(s.requests).padStart(5)}   ${pct(s.coverage).padStart(7)}   ${pct(s.precision).padStart(8)}   ${String(s.wrong_effects).padStart(5)}`;
  console.log(`
understanding with no model                  requests  coverage  precision  wrong effects
${row("all", all)}
${row("development (4/5 of the corpus)", development)}
${row("held out (1/5, seen while tuning)", heldOut)}
${row("written after tuning", fresh)}
  understanding one request: p50 ${all.understand_p50_us} µs
  targets on the held-out requests: coverage >= 85%, precision >= 98%, wrong effects 0

goals end to end, whole stack, no model (requests that only look)
  goals ${e2e.goals}, succeeded ${e2e.succeeded}, answered in words ${e2e.answered_in_words}, model calls ${e2e.model_calls}
  SubmitGoal to answer   p50 ${e2e.answer_p50_ms} ms   p90 ${e2e.answer_p90_ms} ms
${fresh.wrong.length ? `\nwritten after tuning, taken wrongly:\n${fresh.wrong.map((w) => `  ${w}`).join("\n")}` : ""}${fresh.missed.length ? `\nwritten after tuning, not understood:\n${fresh.missed.map((w) => `  ${w}`).join("\n")}` : ""}
`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
