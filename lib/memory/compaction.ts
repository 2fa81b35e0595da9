/**
 * @module lib/memory/compaction
 * Retention for the working tier: entries older than working_retention_days are dropped, and
 * what they were is kept as one summary memory per kind in the long-term tier (how many, over
 * which days, the most frequent titles, severities and tags), so "we restarted sshd 40 times
 * last month" survives the detail. Each batch's summary and deletions commit together.
 */
import { readMeta, writeMeta } from "./db.ts";
import type { MemoryStore } from "./store.ts";
import type { KindName, MemoryRecord, NewMemory } from "./types.ts";

const BATCH = 2000;
const TOP = 15;

export interface CompactionResult {
  dropped: number;
  summaries: MemoryRecord[];
  at: number;
}

export function lastCompaction(store: MemoryStore): { at: number; dropped: number } | null {
  const at = readMeta(store.db, "last_compaction");
  return at ? { at: Number(at), dropped: Number(readMeta(store.db, "last_compaction_dropped") ?? 0) } : null;
}

export function compact(store: MemoryStore, retentionMs: number, now = Date.now()): CompactionResult {
  const cutoff = now - retentionMs;
  let dropped = 0;
  const summaries: MemoryRecord[] = [];
  for (;;) {
    const expired = store.expiredWorking(cutoff, BATCH);
    if (expired.length === 0) break;
    const byKind = Map.groupBy(expired, (memory) => memory.kind);
    store.db.transaction(() => {
      summaries.push(
        ...store.insert(
          [...byKind].map(([kind, memories]) => ({ memory: summarise(kind, memories), vector: null })),
          { merge: false, now },
        ),
      );
      dropped += store.forget({ ids: expired.map((memory) => memory.id) });
    })();
  }
  store.db.transaction(() => {
    writeMeta(store.db, "last_compaction", String(now));
    writeMeta(store.db, "last_compaction_dropped", String(dropped));
  })();
  return { dropped, summaries, at: now };
}

function top(values: readonly string[], n = TOP): [string, number][] {
  const counts = new Map<string, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, n);
}

const day = (time: number) => new Date(time).toISOString().slice(0, 10);

export function summarise(kind: KindName, memories: readonly MemoryRecord[]): NewMemory {
  const from = Math.min(...memories.map((memory) => memory.createdAt));
  const to = Math.max(...memories.map((memory) => memory.createdAt));
  const label = `${memories.length} ${kind.replace("_", " ")}${memories.length === 1 ? "" : "s"} from ${day(from)} to ${day(to)}`;
  const lines = [`Compaction dropped ${label} from the working tier. Most frequent:`];
  for (const [title, count] of top(memories.map((memory) => memory.title || memory.content.slice(0, 80)))) lines.push(`- ${title} ×${count}`);
  const examples = [...new Set(memories.map((memory) => memory.content.split("\n")[0]!.slice(0, 160)))].slice(0, 5);
  lines.push("Examples:", ...examples.map((example) => `- ${example}`));
  const severities = top(memories.map((memory) => String(memory.data.severity ?? "")).filter(Boolean));
  if (severities.length) lines.push(`Severities: ${severities.map(([name, count]) => `${name} ×${count}`).join(", ")}`);
  const tags = top(memories.flatMap((memory) => memory.tags));
  if (tags.length) lines.push(`Tags: ${tags.map(([name, count]) => `${name} ×${count}`).join(", ")}`);
  const goals = new Set(memories.map((memory) => memory.goalId).filter(Boolean));
  if (goals.size) lines.push(`Goals involved: ${goals.size}`);
  return {
    kind: "summary",
    title: `Summary of ${label}`,
    content: lines.join("\n"),
    tags: ["compaction", kind],
    data: { compacted_kind: kind, compacted: memories.length, from: new Date(from).toISOString(), to: new Date(to).toISOString() },
    goalId: "",
    taskId: "",
    procedure: null,
    decision: null,
  };
}
