/**
 * @module lib/memory/audit-anchor
 * The audit ledger's head, kept in memory.db, apart from aios-tools' own files: someone who
 * rewrites tools.db, its key and its head record still leaves this one behind. It only moves
 * forward: a head with a lower seq, or another hash for the seq already kept, is refused and
 * the anchor stays as it was, which is what VerifyAudit then compares against.
 */
import type { Database } from "bun:sqlite";
import { failedPrecondition } from "../rpc/index.ts";
import { readMeta, writeMeta } from "./db.ts";

const KEY = "audit_anchor";

export interface AuditAnchor {
  seq: number;
  hash: string;
  at: number;
}

export function readAuditAnchor(db: Database): AuditAnchor | null {
  const raw = readMeta(db, KEY);
  if (!raw) return null;
  try {
    const anchor = JSON.parse(raw) as AuditAnchor;
    return Number.isInteger(anchor.seq) && typeof anchor.hash === "string" ? anchor : null;
  } catch {
    return null;
  }
}

export function anchorAuditHead(db: Database, seq: number, hash: string, now = Date.now()): AuditAnchor {
  const kept = readAuditAnchor(db);
  if (kept && seq < kept.seq) {
    throw failedPrecondition(`the audit ledger's head went back from entry ${kept.seq} to ${seq}: entries were removed; the anchor stays at ${kept.seq}`);
  }
  if (kept && seq === kept.seq && hash !== kept.hash) {
    throw failedPrecondition(`entry ${seq} of the audit ledger has another hash than the one anchored: the ledger was rewritten; the anchor stays`);
  }
  if (kept && seq === kept.seq) return kept;
  const anchor = { seq, hash, at: now };
  writeMeta(db, KEY, JSON.stringify(anchor));
  return anchor;
}
