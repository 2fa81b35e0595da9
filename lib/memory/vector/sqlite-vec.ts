/**
 * @module lib/memory/vector/sqlite-vec
 * Vectors in memory.db itself, in a sqlite-vec vec0 table keyed by the memory's rowid, with
 * kind and time as metadata columns so filters apply inside the KNN query. Exact (brute-force)
 * search over every vector that passes the filter (bench/memory.ts times it at 100,000).
 *
 * Vectors are stored at unit length and compared by L2 distance, which orders them exactly as
 * cosine does (for unit vectors, L2² = 2 − 2·cos) at a third less work a vector than sqlite-vec's
 * cosine, which computes both norms every time. A vector of length 0 (a text with no words) has
 * no direction and is not stored: it is nobody's neighbour. A table written before (cosine)
 * is kept as it is until its next reset (see `unit`).
 */
import type { Database } from "bun:sqlite";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { readMeta, writeMeta } from "../db.ts";
import { filterSql, type Param } from "../store.ts";
import type { VectorFilter, VectorHit, VectorIndex, VectorItem } from "./index.ts";
import { fromBlob, toBlob } from "./index.ts";

const TABLE = "vec_memories";
/** The meta key that says vectors are stored at unit length under L2 (absent: cosine, as before). */
const METRIC_KEY = "vector_metric";
const UNIT_L2 = "unit-l2";

/**
 * Where the sqlite-vec loadable extension is: $AIOS_SQLITE_VEC, beside the executable
 * (dist/vec0.so, or /usr/lib/aios/vec0.so in the image), else the sqlite-vec npm package's own
 * copy when running from source.
 */
export function findSqliteVecExtension(): string {
  const candidates = [process.env.AIOS_SQLITE_VEC, join(dirname(process.execPath), "vec0.so"), join(dirname(process.execPath), "../lib/aios/vec0.so")];
  for (const candidate of candidates) if (candidate && existsSync(candidate)) return candidate;
  try {
    // Only resolvable from source (node_modules); the compiled binary uses the paths above. A
    // variable, not a literal, so the bundler leaves it alone.
    const npmPath = "sqlite-vec-linux-x64/vec0.so";
    const packaged = require.resolve(npmPath);
    if (existsSync(packaged)) return packaged;
  } catch {
    // fall through to the error below
  }
  throw new Error(`the sqlite-vec extension (vec0.so) was not found beside ${process.execPath} nor in node_modules: run \`just build\` (it copies it to dist/), or set AIOS_SQLITE_VEC to its path`);
}

export class SqliteVecIndex implements VectorIndex {
  readonly name = "sqlite-vec" as const;
  dimensions = 0;

  /**
   * Vectors at unit length under L2 (false: a table an earlier AIOS wrote, cosine over vectors
   * as given). Such a table is left as it is: rewriting it at start could outlast the service's
   * readiness timeout on a large memory, and a kill then would undo it every time. It becomes
   * unit-L2 at its next reset (a change of embedder).
   */
  private unit = true;

  constructor(
    private readonly db: Database,
    extensionPath = findSqliteVecExtension(),
  ) {
    db.loadExtension(extensionPath);
    this.dimensions = Number(readMeta(db, "vector_dimensions") ?? 0);
    this.unit = this.dimensions === 0 || readMeta(db, METRIC_KEY) === UNIT_L2;
  }

  private create(dimensions: number): void {
    this.db.exec(`CREATE VIRTUAL TABLE ${TABLE} USING vec0(kind text, created_at integer, embedding float[${dimensions}] distance_metric=l2)`);
    writeMeta(this.db, "vector_dimensions", String(dimensions));
    writeMeta(this.db, METRIC_KEY, UNIT_L2);
    this.unit = true;
  }

  async reset(dimensions: number): Promise<void> {
    this.db.transaction(() => {
      this.db.exec(`DROP TABLE IF EXISTS ${TABLE}`);
      this.create(dimensions);
    })();
    this.dimensions = dimensions;
  }

  stage(items: readonly VectorItem[]): void {
    const remove = this.db.query(`DELETE FROM ${TABLE} WHERE rowid = ?`);
    const insert = this.db.query(`INSERT INTO ${TABLE}(rowid, kind, created_at, embedding) VALUES (?, ?, ?, ?)`);
    for (const item of items) {
      remove.run(item.rowid);
      const stored = this.unit ? unitLength(item.vector) : item.vector;
      if (stored) insert.run(item.rowid, item.kind, item.createdAt, toBlob(stored));
    }
  }

  unstage(rowids: readonly number[]): void {
    if (this.dimensions === 0) return;
    const remove = this.db.query(`DELETE FROM ${TABLE} WHERE rowid = ?`);
    for (const rowid of rowids) remove.run(rowid);
  }

  async flush(): Promise<void> {}

  async search(vector: Float32Array, k: number, filter: VectorFilter): Promise<VectorHit[]> {
    const query = this.unit ? unitLength(vector) : vector;
    if (this.dimensions === 0 || k <= 0 || !query) return [];
    const conditions = filterSql({ kinds: filter.kinds, since: filter.since, until: filter.until }, "");
    const where = ["embedding MATCH ?", "k = ?", ...conditions.where];
    const params: (Param | Uint8Array)[] = [toBlob(query), Math.min(k, 4096), ...conditions.params];
    const hits = this.db.query<VectorHit, typeof params>(`SELECT rowid, distance FROM ${TABLE} WHERE ${where.join(" AND ")} ORDER BY distance`).all(...params);
    // Between unit vectors, cosine distance = 1 − cos = L2² / 2.
    if (this.unit) for (const hit of hits) hit.distance = (hit.distance * hit.distance) / 2;
    return hits;
  }

  async get(rowids: readonly number[]): Promise<Map<number, Float32Array>> {
    const out = new Map<number, Float32Array>();
    if (this.dimensions === 0) return out;
    const select = this.db.query<{ embedding: Uint8Array }, [number]>(`SELECT embedding FROM ${TABLE} WHERE rowid = ?`);
    for (const rowid of rowids) {
      const row = select.get(rowid);
      if (row) out.set(rowid, fromBlob(row.embedding));
    }
    return out;
  }

  async count(): Promise<number> {
    if (this.dimensions === 0) return 0;
    return this.db.query<{ n: number }, []>(`SELECT count(*) AS n FROM ${TABLE}`).get()!.n;
  }

  diskBytes(): number {
    return 0;
  }

  async close(): Promise<void> {}
}

/** The vector scaled to length 1, or null when it has no length (or is not a finite vector). */
function unitLength(vector: Float32Array): Float32Array | null {
  let squares = 0;
  for (const value of vector) squares += value * value;
  if (!(squares > 0) || !Number.isFinite(squares)) return null;
  const scale = 1 / Math.sqrt(squares);
  return vector.map((value) => value * scale);
}
