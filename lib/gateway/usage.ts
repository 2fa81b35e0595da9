/**
 * @module lib/gateway/usage
 * The usage ledger: one row per model call (tokens, cost, latency, what it was for) in
 * STATE_DIR/gateway/usage.db. A call that costs money is written before its answer is
 * returned, so a budget survives a restart and a crash. A call that costs nothing (a local
 * model) is written with the others of the next GROUP_WINDOW_MS in one commit: its fsync was
 * most of what the gateway added to a local chat, and a kill -9 can lose at most that window of
 * free calls' counts, never spending. Every read writes what is waiting first. Budgets are per
 * calendar month, UTC.
 */
import { Database } from "bun:sqlite";
import { ensurePrivateFile, type Migration, migrate } from "../sys/index.ts";

export interface CallRecord {
  time: number;
  providerId: string;
  model: string;
  layer: string;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  latencyMs: number;
  waitMs: number;
  goalId: string;
  taskId: string;
  purpose: string;
}

export interface UsageSum {
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  requests: number;
}

/** The schema's versions in order (lib/sys/migrate): add one to change it, never edit one. */
const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: "model calls",
    apply: `
CREATE TABLE IF NOT EXISTS calls (
  id INTEGER PRIMARY KEY,
  time INTEGER NOT NULL,
  day TEXT NOT NULL,
  month TEXT NOT NULL,
  provider_id TEXT NOT NULL,
  model TEXT NOT NULL,
  layer TEXT NOT NULL,
  input_tokens INTEGER NOT NULL,
  output_tokens INTEGER NOT NULL,
  cost_usd REAL NOT NULL,
  latency_ms INTEGER NOT NULL,
  wait_ms INTEGER NOT NULL,
  goal_id TEXT NOT NULL,
  task_id TEXT NOT NULL,
  purpose TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS calls_time ON calls(time);
CREATE INDEX IF NOT EXISTS calls_provider_month ON calls(provider_id, month);
`,
  },
];

export const monthOf = (time: number) => new Date(time).toISOString().slice(0, 7);
export const dayOf = (time: number) => new Date(time).toISOString().slice(0, 10);

/** The calendar month (UTC) holding `time`: [start, end). */
export function monthBounds(time: number): { start: Date; end: Date } {
  const date = new Date(time);
  return { start: new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1)), end: new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1)) };
}

/** How long a free call's row may wait to be written with others, and how many may wait. */
export const GROUP_WINDOW_MS = 250;
const GROUP_MAX = 256;

export class UsageLedger {
  private readonly db: Database;
  private readonly insert;
  private pending: CallRecord[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(path: string) {
    ensurePrivateFile(path);
    this.db = new Database(path, { create: true, strict: true });
    this.db.run("PRAGMA journal_mode = WAL");
    this.db.run("PRAGMA synchronous = FULL");
    this.db.run("PRAGMA busy_timeout = 5000");
    migrate(this.db, "usage.db", MIGRATIONS);
    this.insert = this.db.prepare(
      `INSERT INTO calls (time, day, month, provider_id, model, layer, input_tokens, output_tokens, cost_usd, latency_ms, wait_ms, goal_id, task_id, purpose)
       VALUES ($time, $day, $month, $provider, $model, $layer, $input, $output, $cost, $latency, $wait, $goal, $task, $purpose)`,
    );
  }

  /** Writes a call that costs money now (with any waiting); one that costs nothing within GROUP_WINDOW_MS. */
  record(call: CallRecord): void {
    this.pending.push(call);
    if (call.costUsd > 0 || this.pending.length >= GROUP_MAX) this.flush();
    else this.timer ??= setTimeout(() => this.flushLater(), GROUP_WINDOW_MS).unref();
  }

  /** Writes every waiting row in one commit; on failure they stay waiting and it throws. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.length === 0) return;
    const rows = this.pending;
    this.pending = [];
    try {
      this.db.transaction(() => {
        for (const row of rows) this.write(row);
      })();
    } catch (error) {
      this.pending = [...rows, ...this.pending];
      throw error;
    }
  }

  /** The window's flush: a failure (a full disk) must not end the process; the next write or read tries again and reports it. */
  private flushLater(): void {
    try {
      this.flush();
    } catch {
      // kept waiting
    }
  }

  private write(call: CallRecord): void {
    this.insert.run({
      time: call.time,
      day: dayOf(call.time),
      month: monthOf(call.time),
      provider: call.providerId,
      model: call.model,
      layer: call.layer,
      input: call.inputTokens,
      output: call.outputTokens,
      cost: call.costUsd,
      latency: Math.round(call.latencyMs),
      wait: Math.round(call.waitMs),
      goal: call.goalId,
      task: call.taskId,
      purpose: call.purpose,
    });
  }

  /** Spent this month (UTC) by one provider, or by every cloud provider when providerId is null. */
  spentThisMonth(providerId: string | null, now = Date.now()): number {
    this.flush();
    const row =
      providerId === null
        ? this.db.query<{ spent: number | null }, [string]>("SELECT SUM(cost_usd) AS spent FROM calls WHERE month = ? AND provider_id != 'local'").get(monthOf(now))
        : this.db.query<{ spent: number | null }, [string, string]>("SELECT SUM(cost_usd) AS spent FROM calls WHERE month = ? AND provider_id = ?").get(monthOf(now), providerId);
    return row?.spent ?? 0;
  }

  byModel(since: number, until: number): { providerId: string; model: string; layer: string; usage: UsageSum }[] {
    this.flush();
    return this.db
      .query<{ provider_id: string; model: string; layer: string; input: number; output: number; cost: number; requests: number }, [number, number]>(
        `SELECT provider_id, model, layer, SUM(input_tokens) AS input, SUM(output_tokens) AS output, SUM(cost_usd) AS cost, COUNT(*) AS requests
         FROM calls WHERE time >= ? AND time < ? GROUP BY provider_id, model, layer ORDER BY model`,
      )
      .all(since, until)
      .map((row) => ({ providerId: row.provider_id, model: row.model, layer: row.layer, usage: { inputTokens: row.input, outputTokens: row.output, costUsd: row.cost, requests: row.requests } }));
  }

  byDay(since: number, until: number): { day: string; model: string; usage: UsageSum }[] {
    this.flush();
    return this.db
      .query<{ day: string; model: string; input: number; output: number; cost: number; requests: number }, [number, number]>(
        `SELECT day, model, SUM(input_tokens) AS input, SUM(output_tokens) AS output, SUM(cost_usd) AS cost, COUNT(*) AS requests
         FROM calls WHERE time >= ? AND time < ? GROUP BY day, model ORDER BY day, model`,
      )
      .all(since, until)
      .map((row) => ({ day: row.day, model: row.model, usage: { inputTokens: row.input, outputTokens: row.output, costUsd: row.cost, requests: row.requests } }));
  }

  close(): void {
    this.flush();
    this.db.close();
  }
}
