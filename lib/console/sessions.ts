/**
 * @module lib/console/sessions
 * Browser sessions in STATE_DIR/console/console.db, so a console restart does not sign anyone
 * out. The cookie holds a random id; the database holds only its SHA-256, so a copy of the
 * database does not sign anyone in. A session ends after idle_ms without use, maxMs after it
 * began whatever its use, or on sign-out.
 */
import { Database } from "bun:sqlite";
import { createHash, randomBytes } from "node:crypto";
import { ensurePrivateFile } from "../sys/index.ts";
import { migrateConsoleDatabase } from "./db.ts";

const digest = (id: string) => createHash("sha256").update(id).digest("hex");

export interface Session {
  createdAt: number;
  lastSeenAt: number;
  client: string;
}

export class SessionStore {
  private readonly db: Database;

  constructor(
    path: string,
    private readonly idleMs: number,
    /** The longest a session lives, in use or not (the cookie's Max-Age too). */
    readonly maxMs: number,
    private readonly now: () => number = Date.now,
  ) {
    ensurePrivateFile(path);
    this.db = new Database(path, { create: true, strict: true });
    this.db.run("PRAGMA journal_mode = WAL");
    this.db.run("PRAGMA synchronous = FULL");
    migrateConsoleDatabase(this.db);
  }

  /** A new session; the returned id goes in the cookie and nowhere else. */
  create(client: string): string {
    const id = randomBytes(32).toString("base64url");
    const now = this.now();
    this.db.query("INSERT INTO sessions (id_hash, created_ms, last_seen_ms, client) VALUES (?, ?, ?, ?)").run(digest(id), now, now, client);
    this.db.query("DELETE FROM sessions WHERE last_seen_ms < ? OR created_ms < ?").run(now - this.idleMs, now - this.maxMs);
    return id;
  }

  /** The live session with this id, touched; null when unknown, idle too long or too old. */
  lookup(id: string): Session | null {
    const row = this.db.query<{ created_ms: number; last_seen_ms: number; client: string }, [string]>("SELECT created_ms, last_seen_ms, client FROM sessions WHERE id_hash = ?").get(digest(id));
    if (!row) return null;
    const now = this.now();
    if (row.last_seen_ms < now - this.idleMs || row.created_ms < now - this.maxMs) {
      this.remove(id);
      return null;
    }
    // Touch at most once a minute: a write per request would make every page view an fsync.
    if (now - row.last_seen_ms > 60_000) this.db.query("UPDATE sessions SET last_seen_ms = ? WHERE id_hash = ?").run(now, digest(id));
    return { createdAt: row.created_ms, lastSeenAt: now, client: row.client };
  }

  remove(id: string): void {
    this.db.query("DELETE FROM sessions WHERE id_hash = ?").run(digest(id));
  }

  close(): void {
    this.db.close();
  }
}
