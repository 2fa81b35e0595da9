/**
 * @module lib/memory/search
 * Hybrid search: FTS5 keyword ranks and vector-neighbour ranks fused by reciprocal rank
 * (score = Σ 1 / (60 + rank)), which needs no tuning between bm25 and cosine scales. Only the
 * long-term tier has vectors; the working tier is found by its words.
 */
import { failedPrecondition } from "../rpc/index.ts";
import type { Embeddings } from "./embeddings.ts";
import { matchesFilter, type MemoryStore } from "./store.ts";
import { type KindName, LONG_TERM_KINDS, type MemoryFilter, type MemoryRecord } from "./types.ts";

export type SearchModeName = "hybrid" | "keyword" | "vector";

export interface SearchOptions {
  query: string;
  /** Search by this vector instead of embedding the query. */
  vector?: Float32Array;
  filter: MemoryFilter;
  limit: number;
  mode: SearchModeName;
}

export interface Hit {
  memory: MemoryRecord;
  score: number;
  /** From 1; 0 when not matched by keyword. */
  keywordRank: number;
  /** From 1; 0 when not among the vector neighbours. */
  vectorRank: number;
}

export interface SearchResult {
  hits: Hit[];
  /** The embedder of the query vector: a name, "caller" for a given vector, "" for none. */
  embedder: string;
}

const RRF_K = 60;
/**
 * In hybrid mode a vector neighbour counts as a match only when its cosine similarity is at
 * least this: the k nearest always exist, and without a floor a query whose words match
 * nothing would still "find" whatever happens to be least far. Vector mode has no floor.
 */
const HYBRID_MIN_SIMILARITY = 0.15;
/** sqlite-vec's largest k. */
const MAX_NEIGHBOURS = 4096;

export async function searchMemories(store: MemoryStore, embeddings: Embeddings, options: SearchOptions): Promise<SearchResult> {
  // How deep each list goes before fusion. bm25 scores every match whatever the depth, so the
  // keyword list goes 4× deep for free; sqlite-vec's scan costs more as k grows (measured at
  // 100,000 memories: k = 100 in 31 ms, k = 200 in 57), so the vector list goes 2×.
  const depth = Math.max(options.limit * 4, 40);
  const vectorDepth = Math.max(options.limit * 2, 40);
  const keywordRowids = options.mode !== "vector" && options.query ? store.keyword(options.query, options.filter, depth) : [];

  let vectorRowids: number[] = [];
  let embedder = "";
  const vectorKinds = (options.filter.kinds?.length ? options.filter.kinds : LONG_TERM_KINDS).filter((kind) => (LONG_TERM_KINDS as readonly KindName[]).includes(kind));
  if (options.mode !== "keyword" && vectorKinds.length > 0) {
    let queryVector = options.vector;
    if (queryVector) {
      embedder = "caller";
    } else {
      const embedded = await embeddings.embed([options.query]);
      if (embedded) {
        queryVector = embedded[0]!.vector;
        embedder = embedded[0]!.embedder;
      } else if (options.mode === "vector") {
        throw failedPrecondition(
          `no embedder can make a vector for the query right now (${embeddings.current ? `${embeddings.current.name} is not answering` : "waiting for the gateway's embedding model"}): search by keyword, or give a vector`,
        );
      }
    }
    if (queryVector) {
      // Only the long-term tier has vectors: asking for all of its kinds is no filter at all,
      // and a filter the backend need not apply makes its scan several times faster.
      const kinds = vectorKinds.length === LONG_TERM_KINDS.length ? undefined : vectorKinds;
      const maxDistance = options.mode === "hybrid" ? 1 - HYBRID_MIN_SIMILARITY : Number.POSITIVE_INFINITY;
      vectorRowids = await nearest(store, queryVector, { ...options.filter, kinds }, vectorDepth, maxDistance);
    }
  }

  const fused = new Map<number, { score: number; keywordRank: number; vectorRank: number }>();
  const entry = (rowid: number) => fused.get(rowid) ?? fused.set(rowid, { score: 0, keywordRank: 0, vectorRank: 0 }).get(rowid)!;
  keywordRowids.forEach((rowid, i) => {
    const e = entry(rowid);
    e.keywordRank = i + 1;
    e.score += 1 / (RRF_K + i + 1);
  });
  vectorRowids.forEach((rowid, i) => {
    const e = entry(rowid);
    e.vectorRank = i + 1;
    e.score += 1 / (RRF_K + i + 1);
  });
  const best = [...fused].sort((a, b) => b[1].score - a[1].score || a[0] - b[0]).slice(0, options.limit);
  const memories = store.byRowids(best.map(([rowid]) => rowid));
  const hits = best.flatMap(([rowid, ranks]) => {
    const memory = memories.get(rowid);
    return memory ? [{ memory, ...ranks }] : [];
  });
  return { hits, embedder };
}

/**
 * The nearest memories that pass the filter. Kind and time filter inside the backend; tags do
 * not, so when tags throw neighbours out the search goes deeper until enough are left.
 */
async function nearest(store: MemoryStore, vector: Float32Array, filter: MemoryFilter, wanted: number, maxDistance: number): Promise<number[]> {
  let k = wanted;
  for (;;) {
    const all = await store.index.search(vector, k, filter);
    const hits = all.filter((hit) => hit.distance <= maxDistance);
    const memories = store.byRowids(hits.map((hit) => hit.rowid));
    const kept = hits.filter((hit) => {
      const memory = memories.get(hit.rowid);
      return memory !== undefined && matchesFilter(memory, filter);
    });
    if (kept.length >= wanted || all.length < k || hits.length < all.length || k >= MAX_NEIGHBOURS) return kept.slice(0, wanted).map((hit) => hit.rowid);
    k = Math.min(k * 4, MAX_NEIGHBOURS);
  }
}
