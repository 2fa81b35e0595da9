/**
 * @module lib/fleet/audit-replica
 * This machine's audit ledger, copied entry by entry to the fleet's stream AIOS_FLEET_AUDIT
 * (subject aios.fleet.audit.MACHINE; the stream refuses deletes and purges), in order, each
 * with its hash and its predecessor's. Once an entry is there, the machine cannot rewrite its
 * past unseen: a changed or missing entry no longer links to the copies. checkChain is the
 * verifier any machine of the fleet runs on another's copy (aiosctl fleet audit NAME).
 */
import type { Logger } from "../log/index.ts";
import { AuditResult, type AuditEntry, type ToolsServiceDefinition } from "../rpc/gen/aios/v1/tools.ts";
import { enumName, type ServiceClient } from "../rpc/index.ts";
import type { FleetLink } from "./link.ts";
import type { ReplicatedEntry } from "./wire.ts";

const PAGE = 500;

export function replicated(entry: AuditEntry): ReplicatedEntry {
  return {
    seq: Number(entry.seq),
    execution_id: entry.executionId,
    time: entry.time?.toISOString() ?? "",
    agent: entry.agent,
    goal_id: entry.goalId,
    tool: entry.tool,
    result: enumName(entry.result, AuditResult, "AUDIT_RESULT_"),
    error: entry.error,
    prev_hash: entry.prevHash,
    hash: entry.hash,
  };
}

export class AuditReplica {
  private last: number | undefined;
  private running = false;

  constructor(
    private readonly link: FleetLink,
    private readonly tools: ServiceClient<typeof ToolsServiceDefinition>,
    private readonly machine: string,
    private readonly log: Logger,
  ) {}

  /** Copies what the stream does not have yet; one pass at a time. */
  async catchUp(): Promise<number> {
    if (this.running || !this.link.connected) return 0;
    this.running = true;
    let copied = 0;
    try {
      this.last ??= await this.link.lastAuditSeq(this.machine);
      for (;;) {
        const { entries } = await this.tools.queryAudit({ afterSeq: this.last, pageSize: PAGE });
        for (const entry of entries) {
          await this.link.publishAudit(this.machine, replicated(entry));
          this.last = Number(entry.seq);
          copied++;
        }
        if (entries.length < PAGE) return copied;
      }
    } catch (error) {
      // The next pass starts from what the stream says it has.
      this.last = undefined;
      this.log.warn("could not copy the audit ledger to the fleet; trying again", { error: (error as Error).message });
      return copied;
    } finally {
      this.running = false;
    }
  }
}

/** The verdict on a machine's copied ledger. */
export function checkChain(entries: readonly ReplicatedEntry[]): { ok: boolean; firstBrokenSeq: number; reason: string } {
  let previous: ReplicatedEntry | undefined;
  for (const entry of entries) {
    if (previous && entry.seq === previous.seq && entry.hash === previous.hash) continue; // the same entry sent twice
    const expected = previous ? previous.seq + 1 : 1;
    if (entry.seq !== expected) {
      return {
        ok: false,
        firstBrokenSeq: entry.seq,
        reason: entry.seq < expected ? `entry ${entry.seq} comes again with another hash after ${previous!.seq}: the ledger was rewritten` : `entries ${expected} to ${entry.seq - 1} are missing`,
      };
    }
    if (previous && entry.prev_hash !== previous.hash) return { ok: false, firstBrokenSeq: entry.seq, reason: `entry ${entry.seq} does not link to entry ${previous.seq}: one of them was changed` };
    previous = entry;
  }
  return { ok: true, firstBrokenSeq: 0, reason: "" };
}
