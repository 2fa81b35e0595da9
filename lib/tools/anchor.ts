/**
 * @module lib/tools/anchor
 * Sends the audit ledger's head to aios-memory every couple of seconds when it has moved, so
 * that a copy of it lives outside aios-tools' files (lib/memory/audit-anchor), and fetches it
 * back for VerifyAudit. aios-memory being down costs nothing but the anchor's lag: it is sent
 * again once memory answers. A refusal from memory (the head went backwards) means the ledger
 * was tampered with while aios-tools was not looking, and is logged as such.
 */
import type { Logger } from "../log/index.ts";
import type { MemoryServiceDefinition } from "../rpc/gen/aios/v1/memory.ts";
import { AiosError, type ServiceClient } from "../rpc/index.ts";
import type { AuditLedger, ExternalAnchor } from "./audit.ts";

const EVERY_MS = 2000;

export class HeadAnchor {
  private anchored = 0;
  private busy = false;
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly memory: ServiceClient<typeof MemoryServiceDefinition>,
    private readonly ledger: AuditLedger,
    private readonly log: Logger,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.send(), EVERY_MS);
    this.timer.unref?.();
    void this.send();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Sends the head if it moved since the last one memory took. */
  async send(): Promise<void> {
    const head = this.ledger.head();
    if (this.busy || !head || head.seq <= this.anchored) return;
    this.busy = true;
    try {
      const kept = await this.memory.anchorAuditHead({ seq: head.seq, hash: head.hash }, { timeoutMs: 5000 });
      this.anchored = kept.seq;
    } catch (error) {
      if (error instanceof AiosError && error.code === "failed_precondition") {
        this.log.error("aios-memory refused the audit ledger's head: the ledger was changed behind aios-tools (aiosctl audit verify says how)", { err: error, seq: head.seq });
        this.anchored = head.seq; // said once per head, not every two seconds
      }
      // unavailable: memory is not up yet; the next round sends it
    } finally {
      this.busy = false;
    }
  }

  /** aios-memory's anchor, or null when it has none or does not answer. */
  async fetch(): Promise<ExternalAnchor | null> {
    try {
      const anchor = await this.memory.getAuditAnchor({}, { timeoutMs: 5000 });
      return anchor.seq > 0 ? { seq: anchor.seq, hash: anchor.hash, source: "aios-memory" } : null;
    } catch {
      return null;
    }
  }
}
