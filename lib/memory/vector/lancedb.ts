/**
 * @module lib/memory/vector/lancedb
 * Vectors in a LanceDB table under STATE_DIR/memory/lancedb, for memories too large for an
 * exact scan inside SQLite. LanceDB keeps its own files, so the store's transaction writes a
 * vector to the pending_vector column of memories.db (and forgotten rowids to vector_deletes);
 * flush() moves them into LanceDB in batches and clears them only once LanceDB has them. A
 * kill -9 between the two loses nothing: the next start flushes what is still pending.
 */
import type { Database } from "bun:sqlite";
import { existsSync, readdirSync, renameSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import type { Logger } from "../../log/index.ts";
import { filterSql } from "../store.ts";
import type { KindName } from "../types.ts";
import { cosineDistance, fromBlob, toBlob, type VectorFilter, type VectorHit, type VectorIndex, type VectorItem } from "./index.ts";

type Plugin = typeof import("./lancedb-plugin.ts");
type Connection = Awaited<ReturnType<Plugin["connect"]>>;
type Table = Awaited<ReturnType<Connection["openTable"]>>;

const TABLE = "vectors";
const FLUSH_BATCH = 5000;
const OPTIMIZE_EVERY_FLUSHES = 50;

/** Loads @lancedb/lancedb: from node_modules when running from source, else dist/lancedb/. */
export async function loadLanceDbPlugin(): Promise<Plugin> {
  // LanceDB's Rust side logs warnings to stderr ("No existing dataset ... will be created").
  process.env.LANCEDB_LOG ??= "error";
  // From source (bun lib/...) node_modules resolves; a compiled binary cannot resolve packages
  // at all, so it needs the bundle `just build-lancedb` puts beside it.
  const fromSource = !Bun.main.startsWith("/$bunfs/");
  const candidates = [
    process.env.AIOS_LANCEDB_PLUGIN,
    fromSource ? join(import.meta.dir, "lancedb-plugin.ts") : undefined,
    join(dirname(process.execPath), "lancedb", "lancedb-plugin.js"),
    join(dirname(process.execPath), "../lib/aios/lancedb/lancedb-plugin.js"),
  ];
  for (const candidate of candidates) {
    if (candidate && existsSync(candidate)) return (await import(candidate)) as Plugin;
  }
  throw new Error(
    'the lancedb vector backend needs @lancedb/lancedb, which this build does not carry (it is ~200 MB): run `just build-lancedb` to put it in dist/lancedb/, or set memory.vector_backend = "sqlite-vec"',
  );
}

interface PendingRow {
  rowid: number;
  kind: KindName;
  created_at: number;
  pending_vector: Uint8Array;
}

export class LanceDbIndex implements VectorIndex {
  readonly name = "lancedb" as const;
  dimensions = 0;
  private table: Table | null = null;
  private flushing: Promise<void> | null = null;
  private again = false;
  private flushes = 0;

  private constructor(
    private readonly db: Database,
    private readonly plugin: Plugin,
    private readonly connection: Connection,
    private readonly directory: string,
    private readonly log: Logger,
  ) {}

  /** Opens the table; a damaged directory is moved aside and rebuilt by re-embedding. */
  static async open(db: Database, directory: string, log: Logger): Promise<{ index: LanceDbIndex; problem?: string }> {
    const plugin = await loadLanceDbPlugin();
    let problem: string | undefined;
    let connection = await plugin.connect(directory);
    let index = new LanceDbIndex(db, plugin, connection, directory, log);
    try {
      await index.openTable();
    } catch (error) {
      const aside = `${directory}.corrupt-${new Date().toISOString().replaceAll(":", "")}`;
      renameSync(directory, aside);
      problem = `the LanceDB vectors in ${directory} could not be read (${(error as Error).message}); they were moved to ${aside} and every long-term memory will be re-embedded`;
      connection = await plugin.connect(directory);
      index = new LanceDbIndex(db, plugin, connection, directory, log);
    }
    return { index, problem };
  }

  private async openTable(): Promise<void> {
    if (!(await this.connection.tableNames()).includes(TABLE)) return;
    const table = await this.connection.openTable(TABLE);
    const schema = await table.schema();
    const vectorField = schema.fields.find((field) => field.name === "vector");
    const size = (vectorField?.type as { listSize?: number } | undefined)?.listSize ?? 0;
    await table.countRows();
    this.table = table;
    this.dimensions = size;
  }

  async reset(dimensions: number): Promise<void> {
    await this.flushing;
    const { Schema, Field, Float64, Utf8, FixedSizeList, Float32 } = this.plugin;
    if ((await this.connection.tableNames()).includes(TABLE)) await this.connection.dropTable(TABLE);
    const schema = new Schema([
      new Field("rowid", new Float64(), false),
      new Field("kind", new Utf8(), false),
      new Field("created_at", new Float64(), false),
      new Field("vector", new FixedSizeList(dimensions, new Field("item", new Float32(), true)), false),
    ]);
    this.table = await this.connection.createEmptyTable(TABLE, schema);
    this.db.transaction(() => {
      this.db.exec("UPDATE memories SET pending_vector = NULL WHERE pending_vector IS NOT NULL");
      this.db.exec("DELETE FROM vector_deletes");
    })();
    this.dimensions = dimensions;
  }

  stage(items: readonly VectorItem[]): void {
    const update = this.db.query("UPDATE memories SET pending_vector = ? WHERE rowid = ?");
    for (const item of items) update.run(toBlob(item.vector), item.rowid);
  }

  unstage(rowids: readonly number[]): void {
    const insert = this.db.query("INSERT OR IGNORE INTO vector_deletes(rowid) VALUES (?)");
    for (const rowid of rowids) insert.run(rowid);
  }

  /** Coalesces: a flush asked for while one runs makes that one go round again. */
  flush(): Promise<void> {
    if (this.flushing) {
      this.again = true;
      return this.flushing;
    }
    this.flushing = (async () => {
      try {
        do {
          this.again = false;
          while (await this.flushBatch()) {}
        } while (this.again);
      } finally {
        this.flushing = null;
      }
    })();
    return this.flushing;
  }

  /** Moves one batch into LanceDB; false when nothing was pending. */
  private async flushBatch(): Promise<boolean> {
    const table = this.table;
    if (!table) return false;
    const deletes = this.db
      .query<{ rowid: number }, [number]>("SELECT rowid FROM vector_deletes LIMIT ?")
      .all(FLUSH_BATCH)
      .map((row) => row.rowid);
    const pending = this.db.query<PendingRow, [number]>("SELECT rowid, kind, created_at, pending_vector FROM memories WHERE pending_vector IS NOT NULL LIMIT ?").all(FLUSH_BATCH);
    if (deletes.length === 0 && pending.length === 0) return false;
    // A re-embedded memory is already in LanceDB: delete then add, so it is there once.
    const replaced = [...deletes, ...pending.map((row) => row.rowid)];
    if (replaced.length) await table.delete(`rowid IN (${replaced.join(", ")})`);
    if (pending.length) {
      await table.add(pending.map((row) => ({ rowid: row.rowid, kind: row.kind, created_at: row.created_at, vector: Array.from(fromBlob(row.pending_vector)) })));
    }
    this.db.transaction(() => {
      // Only what was flushed: a vector staged again meanwhile stays pending for the next round.
      const clear = this.db.query("UPDATE memories SET pending_vector = NULL WHERE rowid = ? AND pending_vector = ?");
      for (const row of pending) clear.run(row.rowid, row.pending_vector);
      const undelete = this.db.query("DELETE FROM vector_deletes WHERE rowid = ?");
      for (const rowid of deletes) undelete.run(rowid);
    })();
    if (++this.flushes % OPTIMIZE_EVERY_FLUSHES === 0) await this.optimize();
    return true;
  }

  /** Merges LanceDB's small fragments and drops old versions, so files do not pile up. */
  private async optimize(): Promise<void> {
    try {
      await this.table?.optimize({ cleanupOlderThan: new Date() });
    } catch (error) {
      this.log.warn("lancedb optimize failed; will try again later", { error: (error as Error).message });
    }
  }

  async search(vector: Float32Array, k: number, filter: VectorFilter): Promise<VectorHit[]> {
    if (this.dimensions === 0 || k <= 0) return [];
    // The outbox is read first: a flush clears it only after LanceDB has the vectors, so a
    // vector is in this snapshot or in the LanceDB read that follows, never in neither.
    const pending = this.pendingMatching(filter);
    const hits = new Map<number, number>();
    if (this.table) {
      const where = lanceFilter(filter);
      let query = this.table.vectorSearch(Array.from(vector)).distanceType("cosine").select(["rowid", "_distance"]).limit(k);
      if (where) query = query.where(where);
      for (const row of (await query.toArray()) as { rowid: number; _distance: number }[]) hits.set(row.rowid, row._distance);
    }
    // Staged vectors win over an older copy in LanceDB (a re-embedded memory).
    for (const row of pending) hits.set(row.rowid, cosineDistance(vector, fromBlob(row.pending_vector)));
    return [...hits]
      .map(([rowid, distance]) => ({ rowid, distance }))
      .sort((a, b) => a.distance - b.distance)
      .slice(0, k);
  }

  private pendingMatching(filter: VectorFilter): PendingRow[] {
    const { where, params } = filterSql({ kinds: filter.kinds, since: filter.since, until: filter.until }, "");
    where.unshift("pending_vector IS NOT NULL");
    return this.db.query<PendingRow, typeof params>(`SELECT rowid, kind, created_at, pending_vector FROM memories WHERE ${where.join(" AND ")}`).all(...params);
  }

  async get(rowids: readonly number[]): Promise<Map<number, Float32Array>> {
    const out = new Map<number, Float32Array>();
    if (rowids.length === 0) return out;
    const pending = this.db.query<{ pending_vector: Uint8Array | null }, [number]>("SELECT pending_vector FROM memories WHERE rowid = ?");
    const missing: number[] = [];
    for (const rowid of rowids) {
      const blob = pending.get(rowid)?.pending_vector;
      if (blob) out.set(rowid, fromBlob(blob));
      else missing.push(rowid);
    }
    if (missing.length && this.table) {
      const rows = (await this.table
        .query()
        .where(`rowid IN (${missing.join(", ")})`)
        .select(["rowid", "vector"])
        .toArray()) as { rowid: number; vector: { toArray(): Float32Array } }[];
      for (const row of rows) out.set(row.rowid, Float32Array.from(row.vector.toArray()));
    }
    return out;
  }

  async count(): Promise<number> {
    await this.flush();
    return this.table ? await this.table.countRows() : 0;
  }

  diskBytes(): number {
    return directoryBytes(this.directory);
  }

  async close(): Promise<void> {
    await this.flush().catch((error: Error) => this.log.warn("lancedb flush at close failed; the vectors stay pending in memory.db", { error: error.message }));
    this.table?.close();
    this.connection.close();
  }
}

function lanceFilter(filter: VectorFilter): string {
  const parts: string[] = [];
  // Kinds are names from a closed list (validated at the RPC boundary), safe to quote inline.
  if (filter.kinds?.length) parts.push(`kind IN (${filter.kinds.map((kind) => `'${kind}'`).join(", ")})`);
  if (filter.since !== undefined) parts.push(`created_at >= ${Number(filter.since)}`);
  if (filter.until !== undefined) parts.push(`created_at < ${Number(filter.until)}`);
  return parts.join(" AND ");
}

function directoryBytes(path: string): number {
  if (!existsSync(path)) return 0;
  let total = 0;
  for (const entry of readdirSync(path, { withFileTypes: true, recursive: true })) {
    // LanceDB writes and removes files (temporary manifests, old versions) as it goes: one
    // listed a moment ago may be gone now.
    if (entry.isFile()) total += statSync(join(entry.parentPath, entry.name), { throwIfNoEntry: false })?.size ?? 0;
  }
  return total;
}
