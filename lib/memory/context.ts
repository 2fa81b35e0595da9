/**
 * @module lib/memory/context
 * AssembleContext: the memories most useful for a query, packed into a token budget.
 *
 * Candidates come from every tier: hybrid search over the working and long-term tiers, and
 * recent events of the operational ring that share words with the query. Each is scored
 *   0.6 × relevance (fused search score, relative to the best) + 0.25 × recency (half-life
 *   7 days) + 0.15 × success (procedures: (successes + 1) / (uses + 2); others 0.5),
 * near-duplicates are dropped (same words, or ≥ 85 % word overlap with one already taken), and
 * the rest are packed best first while they fit. The packed text is counted once more as a
 * whole, so tokens_used is what the counter says of the exact string returned.
 */
import { words } from "./embedder.ts";
import type { EventRing } from "./ring.ts";
import type { Hit } from "./search.ts";
import type { TokenCounter } from "./tokens.ts";
import type { KindName } from "./types.ts";

export interface ContextCandidate {
  id: string;
  kind: KindName;
  title: string;
  content: string;
  createdAt: number;
  relevance: number;
  success: number;
  /** Extra words for the heading ("worked 5 of 6 times; tools: fs.du → fs.delete"). */
  note: string;
}

export interface ContextItemResult {
  memoryId: string;
  kind: KindName;
  tokens: number;
  score: number;
  omittedReason: string;
}

export interface AssembledContext {
  context: string;
  tokensUsed: number;
  tokenizer: string;
  included: ContextItemResult[];
  omitted: ContextItemResult[];
}

const SEPARATOR = "\n\n";
const HALF_LIFE_DAYS = 7;
const NEAR_DUPLICATE = 0.85;
const DAY_MS = 86_400_000;

export function candidatesFromHits(hits: readonly Hit[]): ContextCandidate[] {
  const best = Math.max(...hits.map((hit) => hit.score), Number.MIN_VALUE);
  return hits.map(({ memory, score }) => {
    const procedure = memory.procedure;
    const uses = procedure ? procedure.successes + procedure.failures : 0;
    return {
      id: memory.id,
      kind: memory.kind,
      title: memory.title,
      content: memory.content,
      createdAt: memory.updatedAt,
      relevance: score / best,
      success: procedure ? (procedure.successes + 1) / (uses + 2) : 0.5,
      note: procedure ? `worked ${procedure.successes} of ${uses} times; tools: ${procedure.toolSequence.join(" → ") || "none"}` : "",
    };
  });
}

/** Recent operational events sharing words with the query, newest first. */
export function candidatesFromRing(ring: EventRing, query: string, limit: number, now = Date.now()): ContextCandidate[] {
  const wanted = new Set(words(query));
  const out: ContextCandidate[] = [];
  for (const event of ring.newest(now)) {
    const eventWords = words(`${event.type} ${event.source} ${event.message}`);
    const shared = eventWords.filter((word) => wanted.has(word)).length;
    if (shared === 0) continue;
    out.push({
      id: event.id,
      kind: "event",
      title: `${event.type} from ${event.source}`,
      content: event.message,
      createdAt: event.time,
      relevance: Math.min(1, shared / Math.max(1, wanted.size)),
      success: 0.5,
      note: "",
    });
    if (out.length >= limit) break;
  }
  return out;
}

function format(candidate: ContextCandidate): string {
  const date = new Date(candidate.createdAt).toISOString().slice(0, 10);
  const heading = `## ${candidate.kind.replace("_", " ")}: ${candidate.title || candidate.content.split("\n")[0]!.slice(0, 80)} (${date}${candidate.note ? `; ${candidate.note}` : ""})`;
  return `${heading}\n${candidate.content}`;
}

function overlap(a: Set<string>, b: Set<string>): number {
  if (a.size === 0 || b.size === 0) return 0;
  let shared = 0;
  for (const word of a) if (b.has(word)) shared++;
  return shared / (a.size + b.size - shared);
}

export async function assembleContext(candidates: readonly ContextCandidate[], budget: number, counter: TokenCounter, model: string, now = Date.now()): Promise<AssembledContext> {
  const scored = candidates
    .map((candidate) => {
      const ageDays = Math.max(0, now - candidate.createdAt) / DAY_MS;
      const recency = 0.5 ** (ageDays / HALF_LIFE_DAYS);
      return { candidate, score: 0.6 * candidate.relevance + 0.25 * recency + 0.15 * candidate.success, text: format(candidate) };
    })
    .sort((a, b) => b.score - a.score);

  const { counts, tokenizer } = await counter.count([...scored.map((item) => item.text), SEPARATOR], model);
  const separatorTokens = counts.at(-1)!;
  const result = (item: (typeof scored)[number], i: number, omittedReason = ""): ContextItemResult => ({
    memoryId: item.candidate.id,
    kind: item.candidate.kind,
    tokens: counts[i]!,
    score: item.score,
    omittedReason,
  });

  // Near-duplicates first, against every better candidate, so which one is dropped does not
  // depend on what fits.
  const kept: { item: (typeof scored)[number]; index: number; words: Set<string>; fingerprint: string }[] = [];
  const omitted: ContextItemResult[] = [];
  scored.forEach((item, i) => {
    const itemWords = new Set(words(`${item.candidate.title} ${item.candidate.content}`));
    const fingerprint = [...itemWords].sort().join(" ");
    const duplicate = kept.find((other) => other.fingerprint === fingerprint || overlap(other.words, itemWords) >= NEAR_DUPLICATE);
    if (duplicate) omitted.push(result(item, i, `duplicate of ${duplicate.item.candidate.id}`));
    else kept.push({ item, index: i, words: itemWords, fingerprint });
  });

  const taken: typeof kept = [];
  let used = 0;
  for (const entry of kept) {
    const cost = counts[entry.index]! + (taken.length > 0 ? separatorTokens : 0);
    if (used + cost > budget) {
      omitted.push(result(entry.item, entry.index, "over budget"));
      continue;
    }
    used += cost;
    taken.push(entry);
  }

  // Counted as one string: a tokenizer may merge across the joins. Drop the weakest until the
  // whole fits (with the bytes/3 estimate the sum of parts already bounds the whole).
  let context = taken.map((entry) => entry.item.text).join(SEPARATOR);
  let total = context ? (await counter.count([context], model)).counts[0]! : 0;
  while (total > budget && taken.length > 0) {
    const dropped = taken.pop()!;
    omitted.push(result(dropped.item, dropped.index, "over budget"));
    context = taken.map((entry) => entry.item.text).join(SEPARATOR);
    total = context ? (await counter.count([context], model)).counts[0]! : 0;
  }

  return { context, tokensUsed: total, tokenizer, included: taken.map((entry) => result(entry.item, entry.index)), omitted };
}
