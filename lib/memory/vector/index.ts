/**
 * @module lib/memory/vector
 * Where the long-term tier's vectors live, behind one interface: sqlite-vec inside memory.db
 * (the default) or LanceDB beside it. Both are driven by the same store and pass the same
 * tests (test/memory.test.ts runs the suite once per backend).
 *
 * Durability is the store's SQLite transaction: stage() runs inside it, so a memory and its
 * vector are acknowledged together. sqlite-vec writes the vector there and then; LanceDB, which
 * has its own files, gets an outbox column in the same transaction and takes the vectors in
 * batches on flush() — search covers the outbox too, so nothing staged is ever invisible.
 */
import type { KindName } from "../types.ts";

export type VectorBackendName = "sqlite-vec" | "lancedb";
export const VECTOR_BACKENDS: readonly VectorBackendName[] = ["sqlite-vec", "lancedb"];

export interface VectorItem {
  rowid: number;
  kind: KindName;
  createdAt: number;
  vector: Float32Array;
}

/** Kind and time only: tags are not in the vector index, the store filters them after. */
export interface VectorFilter {
  kinds?: readonly KindName[];
  since?: number;
  until?: number;
}

export interface VectorHit {
  rowid: number;
  /** Cosine distance: 0 for the same direction, 2 for opposite. */
  distance: number;
}

export interface VectorIndex {
  readonly name: VectorBackendName;
  /** Vector length the index holds; 0 before the first reset. */
  readonly dimensions: number;
  /** Drops every vector and prepares for vectors of this length (a new embedder). */
  reset(dimensions: number): Promise<void>;
  /** Stores vectors; called inside the store's write transaction, so it must be synchronous. */
  stage(items: readonly VectorItem[]): void;
  /** Removes vectors; inside the store's write transaction too. */
  unstage(rowids: readonly number[]): void;
  /** Moves staged work to its final place; a no-op where staging already is. */
  flush(): Promise<void>;
  /** The k nearest vectors that pass the filter, nearest first. */
  search(vector: Float32Array, k: number, filter: VectorFilter): Promise<VectorHit[]>;
  /** The stored vectors of these rows (for Export). */
  get(rowids: readonly number[]): Promise<Map<number, Float32Array>>;
  /** Vectors stored. */
  count(): Promise<number>;
  /** Bytes on disk outside memory.db (LanceDB's directory); 0 for sqlite-vec. */
  diskBytes(): number;
  close(): Promise<void>;
}

export function cosineDistance(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return na === 0 || nb === 0 ? 1 : 1 - dot / Math.sqrt(na * nb);
}

export function toBlob(vector: Float32Array): Uint8Array {
  return new Uint8Array(vector.buffer, vector.byteOffset, vector.byteLength);
}

export function fromBlob(blob: Uint8Array): Float32Array {
  // Copy: the blob's buffer may not be 4-byte aligned.
  return new Float32Array(blob.slice().buffer);
}
