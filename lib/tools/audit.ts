/**
 * @module lib/tools/audit
 * The audit ledger: one row per tool call, allowed, denied or failed. Each row's hash is
 * SHA-256 over the previous row's hash and the row's canonical JSON (its seq included), so
 * editing, deleting or reordering any row breaks the chain from there on, and VerifyAudit
 * names the first row that does not fit.
 */
import type { Database } from "bun:sqlite";
import { canonicalJson, sha256 } from "./canonical.ts";

export const AUDIT_RESULTS = ["ok", "failed", "denied", "needs_approval", "invalid", "timeout", "cancelled", "started"] as const;
export type AuditResult = (typeof AUDIT_RESULTS)[number];

export const GENESIS_HASH = "0".repeat(64);

export interface AuditInput {
  execution_id: string;
  time: string;
  agent: string;
  goal_id: string;
  task_id: string;
  tool: string;
  reason: string;
  input_hash: string;
  output_hash: string;
  result: AuditResult;
  error: string;
  duration_ms: number;
  backup_id: string;
  approval_id: string;
}

export interface AuditRow extends AuditInput {
  seq: number;
  prev_hash: string;
  hash: string;
}

export interface AuditFilter {
  agent?: string;
  tool?: string;
  goal_id?: string;
  result?: AuditResult;
  since?: string;
  until?: string;
  execution_id?: string;
}

function entryHash(row: Omit<AuditRow, "hash">): string {
  return sha256(row.prev_hash + canonicalJson(row));
}

export class AuditLedger {
  private readonly last;
  private readonly insert;

  constructor(private readonly db: Database) {
    this.last = db.query<{ seq: number; hash: string }, []>("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1");
    this.insert = db.query(
      `INSERT INTO audit (seq, execution_id, time, agent, goal_id, task_id, tool, reason, input_hash, output_hash, result, error, duration_ms, backup_id, approval_id, prev_hash, hash)
       VALUES ($seq, $execution_id, $time, $agent, $goal_id, $task_id, $tool, $reason, $input_hash, $output_hash, $result, $error, $duration_ms, $backup_id, $approval_id, $prev_hash, $hash)`,
    );
  }

  /** Appends an entry; it is on disk when this returns. */
  append(input: AuditInput): AuditRow {
    return this.db.transaction(() => {
      const last = this.last.get();
      const unhashed = { ...input, seq: (last?.seq ?? 0) + 1, prev_hash: last?.hash ?? GENESIS_HASH };
      const row: AuditRow = { ...unhashed, hash: entryHash(unhashed) };
      this.insert.run(row as never);
      return row;
    }).immediate();
  }

  byExecution(executionId: string): AuditRow | null {
    return this.db.query<AuditRow, [string]>("SELECT * FROM audit WHERE execution_id = ?").get(executionId);
  }

  /** The rollback that already restored this backup, if one did. */
  rollbackOf(backupId: string): AuditRow | null {
    return this.db.query<AuditRow, [string]>("SELECT * FROM audit WHERE backup_id = ? AND tool LIKE '%.rollback' AND result = 'ok' ORDER BY seq LIMIT 1").get(backupId);
  }

  /** Newest first; beforeSeq pages backwards. */
  query(filter: AuditFilter, limit: number, beforeSeq?: number): AuditRow[] {
    const where: string[] = [];
    const params: Record<string, string | number> = {};
    for (const key of ["agent", "tool", "goal_id", "result", "execution_id"] as const) {
      if (filter[key]) {
        where.push(`${key} = $${key}`);
        params[key] = filter[key]!;
      }
    }
    if (filter.since) (where.push("time >= $since"), (params.since = filter.since));
    if (filter.until) (where.push("time < $until"), (params.until = filter.until));
    if (beforeSeq !== undefined) (where.push("seq < $before"), (params.before = beforeSeq));
    params.limit = limit;
    const sql = `SELECT * FROM audit ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY seq DESC LIMIT $limit`;
    return this.db.query<AuditRow, [Record<string, string | number>]>(sql).all(params);
  }

  /** Recomputes the chain from the first row. */
  verify(): { ok: boolean; checked: number; firstBrokenSeq: number; reason: string } {
    let prev = GENESIS_HASH;
    let expectedSeq = 1;
    let checked = 0;
    for (const row of this.db.query<AuditRow, []>("SELECT * FROM audit ORDER BY seq").iterate()) {
      checked++;
      const { hash, ...unhashed } = row;
      const broken = (reason: string) => ({ ok: false, checked, firstBrokenSeq: row.seq, reason: `entry ${row.seq} (${row.execution_id}): ${reason}` });
      if (row.seq !== expectedSeq) return { ...broken(`expected entry ${expectedSeq} here: an entry is missing`), firstBrokenSeq: expectedSeq };
      if (row.prev_hash !== prev) return broken("its previous hash does not match the entry before it (an entry was removed or reordered)");
      if (entryHash(unhashed) !== hash) return broken("its content does not match its hash (it was edited)");
      prev = hash;
      expectedSeq++;
    }
    return { ok: true, checked, firstBrokenSeq: 0, reason: "" };
  }
}
