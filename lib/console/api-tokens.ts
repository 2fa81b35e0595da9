/**
 * @module lib/console/api-tokens
 * API tokens a person makes for programs that reach AIOS over HTTP (an MCP client at /mcp):
 * each has a name, which is the client's identity (its agent kind is mcp-NAME), is shown once
 * when made, kept only as its SHA-256, and can be revoked. In console.db beside the sessions.
 */
import { Database } from "bun:sqlite";
import { migrateConsoleDatabase } from "./db.ts";

export const TOKEN_NAME = /^[a-z][a-z0-9-]{0,40}$/;

export interface ApiTokenInfo {
  name: string;
  created: string;
  last_used: string | null;
}

const hash = (secret: string) => new Bun.CryptoHasher("sha256").update(secret).digest("hex");

export class ApiTokens {
  private readonly db: Database;

  constructor(path: string) {
    this.db = new Database(path, { create: true, strict: true });
    this.db.exec("PRAGMA journal_mode = WAL");
    this.db.exec("PRAGMA synchronous = FULL");
    this.db.exec("PRAGMA busy_timeout = 5000");
    migrateConsoleDatabase(this.db);
  }

  /** A new token for NAME (one live token a name): its secret, shown this once. */
  create(name: string): string {
    if (!TOKEN_NAME.test(name)) throw new Error("a token's name is lower-case letters, digits and -, starting with a letter");
    const live = this.db.query<{ name: string }, [string]>("SELECT name FROM api_tokens WHERE name = ? AND revoked_ms IS NULL").get(name);
    if (live) throw new Error(`there is a token named ${name} already: revoke it first`);
    const secret = `aios_${Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("base64url")}`;
    this.db.query("INSERT INTO api_tokens (hash, name, created_ms) VALUES (?, ?, ?)").run(hash(secret), name, Date.now());
    return secret;
  }

  list(): ApiTokenInfo[] {
    return this.db
      .query<{ name: string; created_ms: number; last_used_ms: number | null }, []>("SELECT name, created_ms, last_used_ms FROM api_tokens WHERE revoked_ms IS NULL ORDER BY name")
      .all()
      .map((r) => ({ name: r.name, created: new Date(r.created_ms).toISOString(), last_used: r.last_used_ms ? new Date(r.last_used_ms).toISOString() : null }));
  }

  /** True when a live token of that name was revoked. */
  revoke(name: string): boolean {
    return this.db.query("UPDATE api_tokens SET revoked_ms = ? WHERE name = ? AND revoked_ms IS NULL").run(Date.now(), name).changes > 0;
  }

  /** The name of the live token with this secret, or null. */
  verify(secret: string): string | null {
    const row = this.db.query<{ name: string }, [string]>("SELECT name FROM api_tokens WHERE hash = ? AND revoked_ms IS NULL").get(hash(secret));
    if (!row) return null;
    this.db.query("UPDATE api_tokens SET last_used_ms = ? WHERE hash = ?").run(Date.now(), hash(secret));
    return row.name;
  }

  close(): void {
    this.db.close();
  }
}
