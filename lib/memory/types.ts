/**
 * @module lib/memory/types
 * What a memory is inside aios-memory: kinds by name, the tier each kind lives in, and the row
 * shape shared by the store, the vector backends, export and the service.
 */
import type { Decision, Procedure } from "../rpc/gen/aios/v1/memory.ts";

/** Kinds that live in the working tier (kept for working_retention_days, then summarised). */
export const WORKING_KINDS = ["event", "decision", "outcome", "agent_state"] as const;
/** Kinds that live in the long-term tier (with a vector, kept until forgotten). */
export const LONG_TERM_KINDS = ["knowledge", "procedure", "incident", "config_change", "summary"] as const;
export const KINDS = [...WORKING_KINDS, ...LONG_TERM_KINDS] as const;

export type KindName = (typeof KINDS)[number];
export type TierName = "working" | "long_term";

export function tierOf(kind: KindName): TierName {
  return (WORKING_KINDS as readonly string[]).includes(kind) ? "working" : "long_term";
}

/** The proto's messages are the domain's: one definition of a procedure and a decision. */
export type ProcedureDetail = Procedure;
export type DecisionDetail = Decision;

/** A stored memory. Times are milliseconds since the epoch. */
export interface MemoryRecord {
  /** SQLite rowid: the key the vector backends index by. */
  rowid: number;
  id: string;
  kind: KindName;
  tier: TierName;
  title: string;
  content: string;
  tags: string[];
  data: Record<string, unknown>;
  createdAt: number;
  updatedAt: number;
  goalId: string;
  taskId: string;
  procedure: ProcedureDetail | null;
  decision: DecisionDetail | null;
  /** The embedder whose vector is indexed for it; "" for none (working tier, or not yet). */
  embedder: string;
}

/** What a caller gives to store a memory. */
export type NewMemory = Omit<MemoryRecord, "rowid" | "id" | "tier" | "createdAt" | "updatedAt" | "embedder"> & {
  id?: string;
  createdAt?: number;
  updatedAt?: number;
};

/** Filters shared by Search, Forget and Export. */
export interface MemoryFilter {
  kinds?: readonly KindName[];
  tags?: readonly string[];
  /** created_at >= since */
  since?: number;
  /** created_at < until */
  until?: number;
}

/** Time-ordered ids: "mem_" + time in base 36 + randomness, so ids sort in the order stored. */
export function newId(prefix: string, time = Date.now()): string {
  return `${prefix}_${time.toString(36).padStart(9, "0")}${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;
}
