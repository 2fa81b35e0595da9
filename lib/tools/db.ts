/**
 * @module lib/tools/db
 * The tools database (STATE_DIR/tools/tools.db): the audit ledger, approvals and grants.
 * WAL with synchronous=FULL: a row is on disk before the RPC that wrote it returns.
 */
import { Database } from "bun:sqlite";
import { ensurePrivateFile, type Migration, migrate } from "../sys/index.ts";

/** The schema's versions in order (lib/sys/migrate): add one to change it, never edit one. */
const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: "audit, approvals, grants",
    apply: `
CREATE TABLE IF NOT EXISTS audit (
  seq INTEGER PRIMARY KEY,
  execution_id TEXT NOT NULL UNIQUE,
  time TEXT NOT NULL,
  agent TEXT NOT NULL,
  goal_id TEXT NOT NULL,
  task_id TEXT NOT NULL,
  tool TEXT NOT NULL,
  reason TEXT NOT NULL,
  input_hash TEXT NOT NULL,
  output_hash TEXT NOT NULL,
  result TEXT NOT NULL,
  error TEXT NOT NULL,
  duration_ms INTEGER NOT NULL,
  backup_id TEXT NOT NULL,
  approval_id TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_agent ON audit(agent);
CREATE INDEX IF NOT EXISTS audit_goal ON audit(goal_id);
CREATE TABLE IF NOT EXISTS approvals (
  id TEXT PRIMARY KEY,
  tool TEXT NOT NULL,
  input_json TEXT NOT NULL,
  input_hash TEXT NOT NULL,
  agent TEXT NOT NULL,
  goal_id TEXT NOT NULL,
  task_id TEXT NOT NULL,
  reason TEXT NOT NULL,
  risk TEXT NOT NULL,
  autonomy TEXT NOT NULL,
  state TEXT NOT NULL,
  requested_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  decided_at INTEGER,
  decided_by TEXT NOT NULL DEFAULT '',
  used INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS grants (
  id TEXT PRIMARY KEY,
  agent TEXT NOT NULL,
  capability TEXT NOT NULL,
  granted_by TEXT NOT NULL,
  reason TEXT NOT NULL,
  granted_at INTEGER NOT NULL,
  expires_at INTEGER
);
`,
  },
];

export function openToolsDatabase(path: string): Database {
  ensurePrivateFile(path);
  const db = new Database(path, { create: true, strict: true });
  db.exec("PRAGMA journal_mode = WAL");
  db.exec("PRAGMA synchronous = FULL");
  db.exec("PRAGMA busy_timeout = 5000");
  migrate(db, "tools.db", MIGRATIONS);
  return db;
}
