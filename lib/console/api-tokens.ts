/**
 * @module lib/console/api-tokens
 * API tokens a person makes for programs that reach AIOS over HTTP (an MCP client at /mcp, an
 * OpenAI client at /v1): each has a name, which is the client's identity (its agent kind is
 * mcp-NAME), is shown once when made, kept only as its SHA-256, and can be revoked. Each has a
 * monthly budget of model tokens and of dollars (0: none) and a usage line per calendar month
 * (UTC) of what its /v1 calls used. In console.db beside the sessions.
 */
import { Database } from "bun:sqlite";
import { migrateConsoleDatabase } from "./db.ts";

export const TOKEN_NAME = /^[a-z][a-z0-9-]{0,40}$/;

export interface ApiTokenInfo {
  name: string;
  created: string;
  last_used: string | null;
  /** Monthly limits; 0 for none. */
  budget: { tokens: number; usd: number };
  /** What its /v1 calls used this calendar month (UTC). */
  usage: TokenUsageLine;
}

export interface TokenUsageLine {
  month: string;
  requests: number;
  input_tokens: number;
  output_tokens: number;
  cost_usd: number;
}

/** A token that verified: who it is, and the key its usage is kept under. */
export interface ApiCaller {
  name: string;
  hash: string;
}

const month = (now = new Date()) => now.toISOString().slice(0, 7);

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
  create(name: string, budget: { tokens?: number; usd?: number } = {}): string {
    if (!TOKEN_NAME.test(name)) throw new Error("a token's name is lower-case letters, digits and -, starting with a letter");
    const live = this.db.query<{ name: string }, [string]>("SELECT name FROM api_tokens WHERE name = ? AND revoked_ms IS NULL").get(name);
    if (live) throw new Error(`there is a token named ${name} already: revoke it first`);
    const secret = `aios_${Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("base64url")}`;
    this.db
      .query("INSERT INTO api_tokens (hash, name, created_ms, budget_tokens, budget_usd) VALUES (?, ?, ?, ?, ?)")
      .run(hash(secret), name, Date.now(), Math.max(0, Math.floor(budget.tokens ?? 0)), Math.max(0, budget.usd ?? 0));
    return secret;
  }

  list(): ApiTokenInfo[] {
    return this.db
      .query<{ hash: string; name: string; created_ms: number; last_used_ms: number | null; budget_tokens: number; budget_usd: number }, []>(
        "SELECT hash, name, created_ms, last_used_ms, budget_tokens, budget_usd FROM api_tokens WHERE revoked_ms IS NULL ORDER BY name",
      )
      .all()
      .map((r) => ({
        name: r.name,
        created: new Date(r.created_ms).toISOString(),
        last_used: r.last_used_ms ? new Date(r.last_used_ms).toISOString() : null,
        budget: { tokens: r.budget_tokens, usd: r.budget_usd },
        usage: this.usage(r.hash),
      }));
  }

  /** This month's usage line of a token. */
  usage(tokenHash: string): TokenUsageLine {
    const now = month();
    const row = this.db
      .query<Omit<TokenUsageLine, "month">, [string, string]>("SELECT requests, input_tokens, output_tokens, cost_usd FROM api_token_usage WHERE hash = ? AND month = ?")
      .get(tokenHash, now);
    return { month: now, ...(row ?? { requests: 0, input_tokens: 0, output_tokens: 0, cost_usd: 0 }) };
  }

  /** Null while the token may spend; else the sentence saying which budget it has used up. */
  overBudget(caller: ApiCaller): string | null {
    const budget = this.db.query<{ budget_tokens: number; budget_usd: number }, [string]>("SELECT budget_tokens, budget_usd FROM api_tokens WHERE hash = ?").get(caller.hash);
    if (!budget) return null;
    const used = this.usage(caller.hash);
    const tokens = used.input_tokens + used.output_tokens;
    if (budget.budget_tokens > 0 && tokens >= budget.budget_tokens) {
      return `the API token "${caller.name}" has used its budget of ${budget.budget_tokens} model tokens for ${used.month} (${tokens} used); a person can make it a new token with a larger budget (aiosctl tokens create NAME --budget-tokens N)`;
    }
    if (budget.budget_usd > 0 && used.cost_usd >= budget.budget_usd) {
      return `the API token "${caller.name}" has used its budget of $${budget.budget_usd} for ${used.month} ($${used.cost_usd.toFixed(4)} used); a person can make it a new token with a larger budget (aiosctl tokens create NAME --budget-usd X)`;
    }
    return null;
  }

  /** Adds one call's use to the token's line of this month, durably, before the caller is answered. */
  record(caller: ApiCaller, used: { input_tokens: number; output_tokens: number; cost_usd: number }): void {
    this.db
      .query(
        `INSERT INTO api_token_usage (hash, month, requests, input_tokens, output_tokens, cost_usd) VALUES (?1, ?2, 1, ?3, ?4, ?5)
         ON CONFLICT (hash, month) DO UPDATE SET requests = requests + 1, input_tokens = input_tokens + ?3, output_tokens = output_tokens + ?4, cost_usd = cost_usd + ?5`,
      )
      .run(caller.hash, month(), used.input_tokens, used.output_tokens, used.cost_usd);
  }

  /** True when a live token of that name was revoked. */
  revoke(name: string): boolean {
    return this.db.query("UPDATE api_tokens SET revoked_ms = ? WHERE name = ? AND revoked_ms IS NULL").run(Date.now(), name).changes > 0;
  }

  /** The live token with this secret, or null. */
  verify(secret: string): ApiCaller | null {
    const key = hash(secret);
    const row = this.db.query<{ name: string }, [string]>("SELECT name FROM api_tokens WHERE hash = ? AND revoked_ms IS NULL").get(key);
    if (!row) return null;
    this.db.query("UPDATE api_tokens SET last_used_ms = ? WHERE hash = ?").run(Date.now(), key);
    return { name: row.name, hash: key };
  }

  close(): void {
    this.db.close();
  }
}
