/**
 * @module lib/console/db
 * STATE_DIR/console/console.db, shared by the sessions, the audit witness and the API tokens: its schema's
 * versions in one list (lib/sys/migrate), applied by whichever opens it first.
 */
import type { Database } from "bun:sqlite";
import { type Migration, migrate } from "../sys/index.ts";

const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: "sessions, audit witness",
    apply: `CREATE TABLE IF NOT EXISTS sessions (
      id_hash TEXT PRIMARY KEY, created_ms INTEGER NOT NULL, last_seen_ms INTEGER NOT NULL, client TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS audit_witness (id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER NOT NULL, hash TEXT NOT NULL, seen_ms INTEGER NOT NULL);`,
  },
  {
    version: 2,
    description: "API tokens",
    apply: `CREATE TABLE IF NOT EXISTS api_tokens (
      hash TEXT PRIMARY KEY, name TEXT NOT NULL, created_ms INTEGER NOT NULL, revoked_ms INTEGER, last_used_ms INTEGER);
    CREATE INDEX IF NOT EXISTS api_tokens_name ON api_tokens(name);`,
  },
  {
    version: 3,
    description: "API tokens' monthly budgets and usage (/v1)",
    // Like every step, safe on a database made before versions (its columns may be there).
    apply: (db) => {
      const columns = new Set(
        db
          .query<{ name: string }, []>("PRAGMA table_info(api_tokens)")
          .all()
          .map((c) => c.name),
      );
      if (!columns.has("budget_tokens")) db.exec("ALTER TABLE api_tokens ADD COLUMN budget_tokens INTEGER NOT NULL DEFAULT 0");
      if (!columns.has("budget_usd")) db.exec("ALTER TABLE api_tokens ADD COLUMN budget_usd REAL NOT NULL DEFAULT 0");
      db.exec(`CREATE TABLE IF NOT EXISTS api_token_usage (
        hash TEXT NOT NULL, month TEXT NOT NULL, requests INTEGER NOT NULL, input_tokens INTEGER NOT NULL,
        output_tokens INTEGER NOT NULL, cost_usd REAL NOT NULL, PRIMARY KEY (hash, month))`);
    },
  },
];

export const migrateConsoleDatabase = (db: Database) => migrate(db, "console.db", MIGRATIONS);
