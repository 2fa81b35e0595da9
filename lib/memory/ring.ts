/**
 * @module lib/memory/ring
 * The operational tier: the most recent events in memory, at most `capacity` of them and none
 * older than `maxAgeMs`. Nothing here survives a restart by design; events that matter (errors,
 * security) are also written to the working tier when they arrive.
 */

export interface RingEvent {
  id: string;
  time: number;
  source: string;
  type: string;
  /** Severity as its proto number (1 debug … 5 critical). */
  severity: number;
  message: string;
  data: Record<string, unknown>;
  goalId: string;
  taskId: string;
  security: boolean;
}

export interface RingQuery {
  since?: number;
  minSeverity?: number;
  source?: string;
  types?: readonly string[];
  limit: number;
}

export class EventRing {
  private readonly slots: (RingEvent | undefined)[];
  private next = 0;
  private size = 0;

  constructor(
    private readonly capacity: number,
    private readonly maxAgeMs: number,
  ) {
    this.slots = new Array(capacity);
  }

  push(event: RingEvent): void {
    this.slots[this.next] = event;
    this.next = (this.next + 1) % this.capacity;
    this.size = Math.min(this.size + 1, this.capacity);
  }

  /** Newest first. */
  *newest(now = Date.now()): Generator<RingEvent> {
    const oldest = now - this.maxAgeMs;
    for (let i = 1; i <= this.size; i++) {
      const event = this.slots[(this.next - i + this.capacity) % this.capacity]!;
      if (event.time < oldest) continue;
      yield event;
    }
  }

  query(query: RingQuery, now = Date.now()): RingEvent[] {
    const out: RingEvent[] = [];
    for (const event of this.newest(now)) {
      if (query.since !== undefined && event.time < query.since) continue;
      if (query.minSeverity && event.severity < query.minSeverity) continue;
      if (query.source && event.source !== query.source) continue;
      if (query.types?.length && !query.types.includes(event.type)) continue;
      out.push(event);
      if (out.length >= query.limit) break;
    }
    return out;
  }

  /** Events within the age limit. */
  count(now = Date.now()): number {
    let n = 0;
    for (const _ of this.newest(now)) n++;
    return n;
  }
}
