/**
 * @module lib/console/audit-witness
 * The console as a witness of the audit ledger: every 30 s it notes the ledger's last entry
 * (seq, hash) in its own database (STATE_DIR/console/console.db), and hands that note to
 * VerifyAudit as an anchor. A ledger later cut short or rewritten with its key no longer has
 * the entry the console saw. The note only moves forward; a head that went back or changed is
 * logged as tampering and the note is kept.
 */
import { Database } from "bun:sqlite";
import type { Logger } from "../log/index.ts";
import type { ToolsServiceDefinition } from "../rpc/gen/aios/v1/tools.ts";
import type { ServiceClient } from "../rpc/index.ts";
import { migrateConsoleDatabase } from "./db.ts";

const EVERY_MS = 30_000;

export interface WitnessedHead {
  seq: number;
  hash: string;
}

export class AuditWitness {
  private readonly db: Database;
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    path: string,
    private readonly tools: ServiceClient<typeof ToolsServiceDefinition>,
    private readonly log: Logger,
  ) {
    this.db = new Database(path, { create: true, strict: true });
    this.db.run("PRAGMA busy_timeout = 5000");
    this.db.run("PRAGMA synchronous = FULL");
    migrateConsoleDatabase(this.db);
  }

  start(): void {
    this.timer = setInterval(() => void this.look(), EVERY_MS);
    this.timer.unref?.();
    void this.look();
  }

  /** The head the console saw last, or null before it saw one. */
  seen(): WitnessedHead | null {
    return this.db.query<WitnessedHead, []>("SELECT seq, hash FROM audit_witness WHERE id = 1").get() ?? null;
  }

  /** Notes the ledger's head as it stands now; a head behind the note is reported, not noted. */
  async look(): Promise<void> {
    let head: WitnessedHead | undefined;
    try {
      const [entry] = (await this.tools.queryAudit({ pageSize: 1 }, { timeoutMs: 10_000 })).entries;
      if (entry) head = { seq: entry.seq, hash: entry.hash };
    } catch {
      return; // aios-tools is not up: look again next round
    }
    if (!head) return;
    const seen = this.seen();
    if (seen && (head.seq < seen.seq || (head.seq === seen.seq && head.hash !== seen.hash))) {
      this.log.error("the audit ledger no longer has the entry the console saw: it was cut short or rewritten (aiosctl audit verify says how)", { seen_seq: seen.seq, now_seq: head.seq });
      return;
    }
    if (!seen || head.seq > seen.seq) {
      this.db
        .query("INSERT INTO audit_witness (id, seq, hash, seen_ms) VALUES (1, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, seen_ms = excluded.seen_ms")
        .run(head.seq, head.hash, Date.now());
    }
  }

  close(): void {
    clearInterval(this.timer);
    this.db.close();
  }
}
