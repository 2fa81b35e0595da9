/**
 * @module lib/memory/vector/sqlite-vec
 * Vectors in memory.db itself, in a sqlite-vec vec0 table keyed by the memory's rowid, with
 * kind and time as metadata columns so filters apply inside the KNN query. Exact (brute-force)
 * search: at 100,000 memories of 256 floats it is a few milliseconds (bench/memory.ts).
 */
import type { Database } from "bun:sqlite";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { readMeta, writeMeta } from "../db.ts";
import { filterSql, type Param } from "../store.ts";
import type { VectorFilter, VectorHit, VectorIndex, VectorItem } from "./index.ts";
import { fromBlob, toBlob } from "./index.ts";

const TABLE = "vec_memories";

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

  constructor(
    private readonly db: Database,
    extensionPath = findSqliteVecExtension(),
  ) {
    db.loadExtension(extensionPath);
    this.dimensions = Number(readMeta(db, "vector_dimensions") ?? 0);
  }

  async reset(dimensions: number): Promise<void> {
    this.db.transaction(() => {
      this.db.exec(`DROP TABLE IF EXISTS ${TABLE}`);
      this.db.exec(`CREATE VIRTUAL TABLE ${TABLE} USING vec0(kind text, created_at integer, embedding float[${dimensions}] distance_metric=cosine)`);
      writeMeta(this.db, "vector_dimensions", String(dimensions));
    })();
    this.dimensions = dimensions;
  }

  stage(items: readonly VectorItem[]): void {
    const remove = this.db.query(`DELETE FROM ${TABLE} WHERE rowid = ?`);
    const insert = this.db.query(`INSERT INTO ${TABLE}(rowid, kind, created_at, embedding) VALUES (?, ?, ?, ?)`);
    for (const item of items) {
      remove.run(item.rowid);
      insert.run(item.rowid, item.kind, item.createdAt, toBlob(item.vector));
    }
  }

  unstage(rowids: readonly number[]): void {
    if (this.dimensions === 0) return;
    const remove = this.db.query(`DELETE FROM ${TABLE} WHERE rowid = ?`);
    for (const rowid of rowids) remove.run(rowid);
  }

  async flush(): Promise<void> {}

  async search(vector: Float32Array, k: number, filter: VectorFilter): Promise<VectorHit[]> {
    if (this.dimensions === 0 || k <= 0) return [];
    const conditions = filterSql({ kinds: filter.kinds, since: filter.since, until: filter.until }, "");
    const where = ["embedding MATCH ?", "k = ?", ...conditions.where];
    const params: (Param | Uint8Array)[] = [toBlob(vector), Math.min(k, 4096), ...conditions.params];
    return this.db.query<VectorHit, typeof params>(`SELECT rowid, distance FROM ${TABLE} WHERE ${where.join(" AND ")} ORDER BY distance`).all(...params);
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
