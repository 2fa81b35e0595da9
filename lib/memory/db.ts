/**
 * @module lib/memory/db
 * The memory database (STATE_DIR/memory/memory.db): memories with an FTS5 index, metadata,
 * and (with the sqlite-vec backend) the vectors. WAL with synchronous=FULL: a memory is on
 * disk before the RPC that stored it returns.
 *
 * A database that fails SQLite's quick_check, or is not a database at all, is moved aside
 * (memory.db.corrupt-TIME with its -wal and -shm) and a new one is started; the caller turns
 * the returned problem into an error event, so a damaged disk gives a clear event rather than
 * a service that crashes, restarts and crashes again.
 */
import { Database } from "bun:sqlite";
import { existsSync, mkdirSync, renameSync } from "node:fs";
import { dirname } from "node:path";
import { ensurePrivateFile, type Migration, migrate, NewerSchema } from "../sys/index.ts";

/** The schema's versions in order (lib/sys/migrate): add one to change it, never edit one. */
const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: "memories, full-text index, vector deletes, meta",
    apply: `
CREATE TABLE IF NOT EXISTS memories (
  -- AUTOINCREMENT: a rowid is never reused, so a vector backend outside this database can
  -- never confuse a forgotten memory with a new one.
  rowid INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  kind TEXT NOT NULL,
  tier TEXT NOT NULL,
  title TEXT NOT NULL,
  content TEXT NOT NULL,
  tags TEXT NOT NULL,
  data TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  goal_id TEXT NOT NULL,
  task_id TEXT NOT NULL,
  procedure TEXT,
  decision TEXT,
  embedder TEXT NOT NULL DEFAULT '',
  -- Procedures: the normalised goal pattern and tool sequence, so a procedure used again is
  -- merged into the one stored (its counts add up) instead of stored twice.
  merge_key TEXT NOT NULL DEFAULT '',
  -- A vector waiting for a backend outside this database (LanceDB) to take it: written in the
  -- same transaction as the memory, cleared once the backend has it.
  pending_vector BLOB
);
CREATE INDEX IF NOT EXISTS memories_kind_created ON memories(kind, created_at);
CREATE INDEX IF NOT EXISTS memories_tier_created ON memories(tier, created_at);
CREATE INDEX IF NOT EXISTS memories_tier_embedder ON memories(tier, embedder);
CREATE INDEX IF NOT EXISTS memories_merge_key ON memories(merge_key) WHERE merge_key != '';
CREATE INDEX IF NOT EXISTS memories_pending ON memories(rowid) WHERE pending_vector IS NOT NULL;
CREATE VIRTUAL TABLE IF NOT EXISTS memories_fts USING fts5(
  title, content, tags, content='memories', content_rowid='rowid', tokenize='porter unicode61'
);
CREATE TRIGGER IF NOT EXISTS memories_ai AFTER INSERT ON memories BEGIN
  INSERT INTO memories_fts(rowid, title, content, tags) VALUES (new.rowid, new.title, new.content, new.tags);
END;
CREATE TRIGGER IF NOT EXISTS memories_ad AFTER DELETE ON memories BEGIN
  INSERT INTO memories_fts(memories_fts, rowid, title, content, tags) VALUES ('delete', old.rowid, old.title, old.content, old.tags);
END;
CREATE TRIGGER IF NOT EXISTS memories_au AFTER UPDATE OF title, content, tags ON memories BEGIN
  INSERT INTO memories_fts(memories_fts, rowid, title, content, tags) VALUES ('delete', old.rowid, old.title, old.content, old.tags);
  INSERT INTO memories_fts(rowid, title, content, tags) VALUES (new.rowid, new.title, new.content, new.tags);
END;
-- Rowids removed while the LanceDB backend was away: deleted from it on its next flush.
CREATE TABLE IF NOT EXISTS vector_deletes (rowid INTEGER PRIMARY KEY);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
`,
  },
];

export interface OpenedDatabase {
  db: Database;
  /** Set when the file on disk was damaged: what was wrong and where it was moved. */
  problem?: string;
}

/** Address space, not memory: only the pages a query touches are read in. */
const MMAP_BYTES = 1 << 30;

export function openMemoryDatabase(path: string, now = Date.now()): OpenedDatabase {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  try {
    return { db: openChecked(path) };
  } catch (error) {
    // A lock held by someone else is not damage: fail (aios-init restarts us) and keep the data.
    if (isBusy(error)) throw error;
    // Nor is a file from a newer AIOS: moving it aside would hide its data from that AIOS.
    if (error instanceof NewerSchema) throw error;
    const aside = `${path}.corrupt-${new Date(now).toISOString().replaceAll(":", "")}`;
    for (const suffix of ["", "-wal", "-shm"]) {
      if (existsSync(path + suffix)) renameSync(path + suffix, aside + suffix);
    }
    const problem = `the memory database ${path} was damaged (${(error as Error).message}); it was moved to ${aside} and memory starts empty — restore an export with Import, or inspect the old file with sqlite3`;
    return { db: openChecked(path), problem };
  }
}

/** SQLITE_BUSY or SQLITE_LOCKED: another connection holds the file, which may be perfectly sound. */
function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return (typeof code === "string" && /^SQLITE_(BUSY|LOCKED)/.test(code)) || /database is locked|database table is locked/i.test((error as Error).message ?? "");
}

function openChecked(path: string): Database {
  ensurePrivateFile(path);
  const db = new Database(path, { create: true, strict: true });
  try {
    // Wait for another connection's lock before anything else touches the file.
    db.exec("PRAGMA busy_timeout = 5000");
    db.exec("PRAGMA journal_mode = WAL");
    db.exec("PRAGMA synchronous = FULL");
    // Reads through a mapping instead of a copy per page: the vector scan reads every vector,
    // and at 100,000 memories mapped it took 36 ms against 55 (bench/memory.ts's corpus). The
    // pages are the file's page cache either way; writes still go through the WAL.
    db.exec(`PRAGMA mmap_size = ${MMAP_BYTES}`);
    const rows = db.query<{ quick_check: string }, []>("PRAGMA quick_check").all();
    const verdict = rows.map((row) => row.quick_check);
    if (verdict.length !== 1 || verdict[0] !== "ok") throw new Error(`quick_check: ${verdict.slice(0, 3).join("; ")}`);
    migrate(db, "memory.db", MIGRATIONS);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

export function readMeta(db: Database, key: string): string | undefined {
  return db.query<{ value: string }, [string]>("SELECT value FROM meta WHERE key = ?").get(key)?.value;
}

export function writeMeta(db: Database, key: string, value: string): void {
  db.query("INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value").run(key, value);
}
