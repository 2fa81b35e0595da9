/**
 * How well the reactive layer understands a set of requests: coverage (the share of requests
 * it should understand that it does), precision (the share of what it answered, right or
 * refused, that was the intended meaning), and wrong effects (an action taken for a request
 * that meant something else: must be 0). Shared by test/understanding.test.ts and
 * bench/understanding.ts.
 */
import { understand } from "../../lib/orchestrator/understanding/index.ts";
import type { CorpusEntry } from "./corpus.ts";

export interface Score {
  requests: number;
  coverage: number;
  precision: number;
  wrong_effects: number;
  /** Requests it got wrong, for a person to look at. */
  wrong: string[];
  missed: string[];
  /** Microseconds to understand one request, p50. */
  understand_p50_us: number;
}

export function scoreCorpus(entries: readonly CorpusEntry[]): Score {
  let meant = 0;
  let understood = 0;
  let answered = 0;
  let right = 0;
  let wrongEffects = 0;
  const wrong: string[] = [];
  const missed: string[] = [];
  const times: number[] = [];
  for (const entry of entries) {
    const started = performance.now();
    const result = understand(entry.text);
    times.push((performance.now() - started) * 1000);
    if (entry.intent) meant++;
    if (result.kind === "unsure") {
      if (entry.intent) missed.push(`${entry.text} (meant ${entry.intent})`);
      continue;
    }
    answered++;
    if (entry.intent) understood++;
    const slotsRight = result.kind !== "understood" || Object.entries(entry.slots ?? {}).every(([k, v]) => (result.slots as Record<string, unknown>)[k] === v);
    if (result.intent.id === entry.intent && slotsRight) right++;
    else {
      wrong.push(`${entry.text} (meant ${entry.intent ?? "nothing of ours"}, took ${result.intent.id})`);
      if (result.kind === "understood" && result.intent.effect) wrongEffects++;
    }
  }
  times.sort((a, b) => a - b);
  return {
    requests: entries.length,
    coverage: meant ? understood / meant : 1,
    precision: answered ? right / answered : 1,
    wrong_effects: wrongEffects,
    wrong,
    missed,
    understand_p50_us: Math.round(times[Math.floor(times.length / 2)] ?? 0),
  };
}
