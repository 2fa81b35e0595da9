/**
 * @module lib/tools/audit
 * The audit ledger: one row per tool call, allowed, denied or failed. Each row's hash is an
 * HMAC-SHA-256, keyed with a key only aios-tools reads, over the previous row's hash and the
 * row's canonical JSON (its seq included): editing, deleting or reordering any row breaks the
 * chain from there on, and without the key no one can recompute it after an edit or forge a
 * row. The head (last seq and hash, with its own HMAC) is kept outside the database, so that
 * rows cut off the end are seen too, and anchored again outside aios-tools (aios-memory, the
 * console, a person's note), so that a ledger rewritten with the key is seen. VerifyAudit names the first row that does not fit and
 * what was done to it. Rows written before the key existed (seq < since) keep their plain
 * SHA-256 chain.
 */
import type { Database } from "bun:sqlite";
import { createHmac, randomBytes } from "node:crypto";
import { constants, existsSync, openSync, readFileSync, renameSync, writeFileSync, writeSync } from "node:fs";
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

export type Tampering = "" | "edited" | "removed" | "reordered" | "forged" | "truncated" | "rewritten" | "head_forged" | "head_missing";

/** A head kept outside the ledger: by aios-memory, the console, or a person who noted it. */
export interface ExternalAnchor {
  seq: number;
  hash: string;
  source: string;
}

export interface Verification {
  ok: boolean;
  checked: number;
  firstBrokenSeq: number;
  tampering: Tampering;
  reason: string;
  /** The ledger's last entry as it stands. */
  head: { seq: number; hash: string } | null;
}

/** The ledger's key and where its head is kept (STATE_DIR/tools/audit.key and audit.head). */
export interface LedgerSeal {
  key: Buffer;
  /** The first seq chained with the key; earlier rows keep plain SHA-256. */
  since: number;
  /** Where the head record is kept; none: no head is written or checked. */
  headPath?: string;
}

/** Loads the ledger's key, or makes one (0600) that seals every row from the next one on. */
export function loadOrCreateSeal(keyPath: string, headPath: string, db: Database): LedgerSeal {
  if (existsSync(keyPath)) {
    const { key, since } = JSON.parse(readFileSync(keyPath, "utf8")) as { key: string; since: number };
    return { key: Buffer.from(key, "base64"), since, headPath };
  }
  const last = db.query<{ seq: number }, []>("SELECT seq FROM audit ORDER BY seq DESC LIMIT 1").get()?.seq ?? 0;
  const seal = { key: randomBytes(32), since: last + 1, headPath };
  writeFileSync(`${keyPath}.new`, JSON.stringify({ key: seal.key.toString("base64"), since: seal.since }), { mode: 0o600 });
  renameSync(`${keyPath}.new`, keyPath);
  return seal;
}

interface Head {
  seq: number;
  hash: string;
  mac: string;
}

/** Bytes of one head slot; the record file is two of them. */
const HEAD_SLOT = 256;

/** The head records in the file's slots that parse (a torn or empty slot is skipped). */
function readHeadSlots(path: string): Head[] {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch {
    return [];
  }
  const heads: Head[] = [];
  for (let offset = 0; offset + HEAD_SLOT <= bytes.length; offset += HEAD_SLOT) {
    try {
      const head = JSON.parse(bytes.subarray(offset, offset + HEAD_SLOT).toString("utf8")) as Head;
      if (Number.isInteger(head.seq) && typeof head.hash === "string" && typeof head.mac === "string") heads.push(head);
    } catch {
      // torn or never written
    }
  }
  return heads;
}

const headMac = (key: Buffer, seq: number, hash: string) => createHmac("sha256", key).update(`${seq}:${hash}`).digest("hex");

function entryHash(row: Omit<AuditRow, "hash">, seal: LedgerSeal | undefined): string {
  const text = row.prev_hash + canonicalJson(row);
  return seal && row.seq >= seal.since ? createHmac("sha256", seal.key).update(text).digest("hex") : sha256(text);
}

export class AuditLedger {
  private readonly last;
  private readonly insert;
  private headFd: number | undefined;

  /** Without a seal (a copy being examined, a bench), the chain is plain SHA-256 and no head is kept. */
  constructor(
    private readonly db: Database,
    private readonly seal?: LedgerSeal,
  ) {
    this.last = db.query<{ seq: number; hash: string }, []>("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1");
    this.insert = db.query(
      `INSERT INTO audit (seq, execution_id, time, agent, goal_id, task_id, tool, reason, input_hash, output_hash, result, error, duration_ms, backup_id, approval_id, prev_hash, hash)
       VALUES ($seq, $execution_id, $time, $agent, $goal_id, $task_id, $tool, $reason, $input_hash, $output_hash, $result, $error, $duration_ms, $backup_id, $approval_id, $prev_hash, $hash)`,
    );
  }

  /** Appends an entry; it is on disk when this returns. */
  append(input: AuditInput): AuditRow {
    const appended = this.db
      .transaction(() => {
        const last = this.last.get();
        const unhashed = { ...input, seq: (last?.seq ?? 0) + 1, prev_hash: last?.hash ?? GENESIS_HASH };
        const row: AuditRow = { ...unhashed, hash: entryHash(unhashed, this.seal) };
        this.insert.run(row as never);
        return row;
      })
      .immediate();
    this.writeHead(appended.seq, appended.hash);
    return appended;
  }

  /**
   * Writes the head record in place, into one of two fixed slots by turn (pwrite, no rename:
   * a rename per call cost ~160 µs of journal work), so a write torn by a crash spoils one slot
   * and the other still holds the head before it. After the row is durable, so the head never
   * runs ahead of the ledger; not synced: after a power cut it may lag, which verify allows.
   */
  private writeHead(seq: number, hash: string): void {
    if (!this.seal?.headPath) return;
    const head: Head = { seq, hash, mac: headMac(this.seal.key, seq, hash) };
    try {
      this.headFd ??= openSync(this.seal.headPath, constants.O_RDWR | constants.O_CREAT, 0o600);
      const slot = Buffer.alloc(HEAD_SLOT, " ");
      slot.write(JSON.stringify(head));
      writeSync(this.headFd, slot, 0, HEAD_SLOT, (seq % 2) * HEAD_SLOT);
    } catch {
      // The row is durable; a head left behind (a full disk) only lags, which verify allows.
    }
  }

  /** At start: a ledger without a head record (made before heads were kept) gets one. */
  ensureHead(): void {
    if (!this.seal?.headPath || existsSync(this.seal.headPath)) return;
    const last = this.last.get();
    if (last) this.writeHead(last.seq, last.hash);
  }

  /** The last entry's seq and hash, or null for an empty ledger. */
  head(): { seq: number; hash: string } | null {
    return this.last.get() ?? null;
  }

  byExecution(executionId: string): AuditRow | null {
    return this.db.query<AuditRow, [string]>("SELECT * FROM audit WHERE execution_id = ?").get(executionId);
  }

  /** The rollback that already restored this backup, if one did. */
  rollbackOf(backupId: string): AuditRow | null {
    return this.db.query<AuditRow, [string]>("SELECT * FROM audit WHERE backup_id = ? AND tool LIKE '%.rollback' AND result = 'ok' ORDER BY seq LIMIT 1").get(backupId);
  }

  /** Newest first; beforeSeq pages backwards. */
  /** Newest first below beforeSeq; or, with afterSeq, oldest first above it (a copy catching up). */
  query(filter: AuditFilter, limit: number, beforeSeq?: number, afterSeq?: number): AuditRow[] {
    const where: string[] = [];
    const params: Record<string, string | number> = {};
    for (const key of ["agent", "tool", "goal_id", "result", "execution_id"] as const) {
      if (filter[key]) {
        where.push(`${key} = $${key}`);
        params[key] = filter[key]!;
      }
    }
    if (filter.since) where.push("time >= $since"), (params.since = filter.since);
    if (filter.until) where.push("time < $until"), (params.until = filter.until);
    if (beforeSeq !== undefined) where.push("seq < $before"), (params.before = beforeSeq);
    if (afterSeq !== undefined) where.push("seq > $after"), (params.after = afterSeq);
    params.limit = limit;
    const sql = `SELECT * FROM audit ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY seq ${afterSeq === undefined ? "DESC" : "ASC"} LIMIT $limit`;
    return this.db.query<AuditRow, [Record<string, string | number>]>(sql).all(params);
  }

  /** The head record's seq, or 0 when there is none (rows past it were appended since it was last written, or forged). */
  private headRecordSeq(): number {
    if (!this.seal?.headPath) return Number.POSITIVE_INFINITY;
    const genuine = readHeadSlots(this.seal.headPath).filter((h) => h.mac === headMac(this.seal!.key, h.seq, h.hash));
    return genuine.length ? Math.max(...genuine.map((h) => h.seq)) : 0;
  }

  /**
   * Recomputes the chain from the first row, checks its end against the head record, then
   * against each anchor kept elsewhere (aios-memory's, the console's, one a person noted).
   * Names the first entry that does not fit and what was done to it.
   */
  verify(anchors: readonly ExternalAnchor[] = []): Verification {
    let prev = GENESIS_HASH;
    let expectedSeq = 1;
    let checked = 0;
    const head = () => this.head();
    for (const row of this.db.query<AuditRow, []>("SELECT * FROM audit ORDER BY seq").iterate()) {
      checked++;
      const { hash, ...unhashed } = row;
      const broken = (tampering: Tampering, reason: string): Verification => ({
        ok: false,
        checked,
        firstBrokenSeq: row.seq,
        tampering,
        reason: `entry ${row.seq} (${row.execution_id}): ${reason}`,
        head: head(),
      });
      if (row.seq !== expectedSeq) return { ...broken("removed", `expected entry ${expectedSeq} here: an entry is missing`), firstBrokenSeq: expectedSeq };
      if (row.prev_hash !== prev) return broken("reordered", "its previous hash does not match the entry before it (an entry was removed and the rest renumbered, or entries were reordered)");
      if (entryHash(unhashed, this.seal) !== hash) {
        if (!(this.seal && row.seq >= this.seal.since)) return broken("edited", "its content does not match its hash (it was edited)");
        // Past the last head written, it was never appended here: someone added it without the key.
        return row.seq > this.headRecordSeq()
          ? broken("forged", "it does not match its keyed hash and lies past the ledger's head record (it was added without the key)")
          : broken("edited", "its content does not match its keyed hash (it was edited)");
      }
      prev = hash;
      expectedSeq++;
    }
    const atHead = this.verifyHead(checked, prev);
    if (!atHead.ok) return { ...atHead, head: head() };
    for (const anchor of anchors) {
      const against = this.verifyAnchor(checked, anchor);
      if (against) return { ...against, head: head() };
    }
    return { ok: true, checked, firstBrokenSeq: 0, tampering: "", reason: "", head: head() };
  }

  /** One anchor kept outside the ledger against the (already verified) chain. */
  private verifyAnchor(checked: number, anchor: ExternalAnchor): Omit<Verification, "head"> | null {
    if (anchor.seq < 1) return null;
    if (anchor.seq > checked) {
      return {
        ok: false,
        checked,
        firstBrokenSeq: checked + 1,
        tampering: "truncated",
        reason: `entries ${checked + 1} to ${anchor.seq} were removed from the end of the ledger (${anchor.source} kept entry ${anchor.seq})`,
      };
    }
    const row = this.db.query<{ hash: string }, [number]>("SELECT hash FROM audit WHERE seq = ?").get(anchor.seq);
    if (row?.hash !== anchor.hash) {
      return {
        ok: false,
        checked,
        firstBrokenSeq: anchor.seq,
        tampering: "rewritten",
        reason: `entry ${anchor.seq} is not the one ${anchor.source} kept: the ledger was rewritten up to there, its hashes recomputed with the key`,
      };
    }
    return null;
  }

  /** The end of the chain against the head kept outside the database. */
  private verifyHead(checked: number, lastHash: string): Omit<Verification, "head"> {
    const ok = { ok: true, checked, firstBrokenSeq: 0, tampering: "" as const, reason: "" };
    if (!this.seal?.headPath) return ok;
    const slots = readHeadSlots(this.seal.headPath);
    if (slots.length === 0)
      return checked === 0
        ? ok
        : {
            ok: false,
            checked,
            firstBrokenSeq: checked + 1,
            tampering: "head_missing",
            reason: `the ledger's head record (${this.seal.headPath}) is missing or unreadable: entries may have been cut off its end`,
          };
    const genuine = slots.filter((h) => h.mac === headMac(this.seal!.key, h.seq, h.hash));
    if (genuine.length === 0)
      return { ok: false, checked, firstBrokenSeq: Math.max(...slots.map((h) => h.seq)), tampering: "head_forged", reason: "the ledger's head record does not match its key (it was forged)" };
    const head = genuine.reduce((a, b) => (b.seq > a.seq ? b : a));
    if (checked < head.seq)
      return {
        ok: false,
        checked,
        firstBrokenSeq: checked + 1,
        tampering: "truncated",
        reason: `entries ${checked + 1} to ${head.seq} were removed from the end of the ledger (its head record says ${head.seq})`,
      };
    if (checked === head.seq && lastHash !== head.hash)
      return { ok: false, checked, firstBrokenSeq: head.seq, tampering: "rewritten", reason: `entry ${head.seq} is not the one the head record names (the end of the ledger was replaced)` };
    return ok;
  }
}
