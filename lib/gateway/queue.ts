/**
 * @module lib/gateway/queue
 * The queue in front of one local model. llama-server serves `parallel` requests at once;
 * the rest wait here, interactive before normal before background (or in arrival order under
 * the "fifo" policy, kept for comparison), up to a bound beyond which a request is refused at
 * once rather than left waiting without end. Waiting and turnaround times go to QueueTimes.
 */
import { InferPriority } from "../rpc/gen/aios/v1/gateway.ts";

export type QueuePolicy = "priority" | "fifo";

export class QueueFullError extends Error {}

interface Waiter {
  rank: number;
  seq: number;
  enqueuedAt: number;
  start: () => void;
  abort: (reason: unknown) => void;
}

const RANK: Record<number, number> = {
  [InferPriority.INFER_PRIORITY_INTERACTIVE]: 0,
  [InferPriority.INFER_PRIORITY_UNSPECIFIED]: 1,
  [InferPriority.INFER_PRIORITY_NORMAL]: 1,
  [InferPriority.INFER_PRIORITY_BACKGROUND]: 2,
};

export const normalPriority = (priority: InferPriority) => (priority === InferPriority.INFER_PRIORITY_UNSPECIFIED ? InferPriority.INFER_PRIORITY_NORMAL : priority);

export class ModelQueue {
  private running = 0;
  private seq = 0;
  private readonly waiting: Waiter[] = [];

  constructor(
    private readonly slots: number,
    private readonly capacity: number,
    private readonly policy: QueuePolicy,
    private readonly times: QueueTimes,
  ) {}

  get queued(): number {
    return this.waiting.length;
  }

  /** Runs work once a slot is free; the result says how long it waited. */
  async run<T>(priority: InferPriority, signal: AbortSignal, work: () => Promise<T>): Promise<{ value: T; waitMs: number }> {
    const arrived = performance.now();
    await this.acquire(priority, signal, arrived);
    const waitMs = performance.now() - arrived;
    try {
      const value = await work();
      this.times.record(normalPriority(priority), waitMs, performance.now() - arrived);
      return { value, waitMs };
    } finally {
      this.release();
    }
  }

  /** Holds a slot until release() is called (for streams, which outlive one call). */
  async hold(priority: InferPriority, signal: AbortSignal): Promise<{ waitMs: number; release: () => void }> {
    const arrived = performance.now();
    await this.acquire(priority, signal, arrived);
    const waitMs = performance.now() - arrived;
    let released = false;
    return {
      waitMs,
      release: () => {
        if (released) return;
        released = true;
        this.times.record(normalPriority(priority), waitMs, performance.now() - arrived);
        this.release();
      },
    };
  }

  private acquire(priority: InferPriority, signal: AbortSignal, arrived: number): Promise<void> {
    if (this.running < this.slots && this.waiting.length === 0) {
      this.running++;
      return Promise.resolve();
    }
    if (this.waiting.length >= this.capacity) {
      return Promise.reject(new QueueFullError(`${this.waiting.length} requests are already waiting for this model (gateway.queue_capacity)`));
    }
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        rank: this.policy === "priority" ? (RANK[priority] ?? 1) : 0,
        seq: this.seq++,
        enqueuedAt: arrived,
        start: () => {
          signal.removeEventListener("abort", onAbort);
          resolve();
        },
        abort: reject,
      };
      const onAbort = () => {
        const index = this.waiting.indexOf(waiter);
        if (index >= 0) this.waiting.splice(index, 1);
        reject(signal.reason);
      };
      signal.addEventListener("abort", onAbort, { once: true });
      // Sorted insert: by rank, then arrival. The queue is short (bounded), so this is cheap.
      let at = this.waiting.length;
      while (at > 0 && this.waiting[at - 1]!.rank > waiter.rank) at--;
      this.waiting.splice(at, 0, waiter);
    });
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next.start();
    else this.running--;
  }

  /** Refuses everything waiting (the model is being stopped). */
  drain(reason: Error): void {
    for (const waiter of this.waiting.splice(0)) waiter.abort(reason);
  }
}

const SAMPLES = 2000;

/** Recent waiting and turnaround times by priority, for p50/p90 in GetUsage. */
export class QueueTimes {
  private readonly samples = new Map<InferPriority, { wait: number[]; turnaround: number[]; count: number }>();

  record(priority: InferPriority, waitMs: number, turnaroundMs: number): void {
    let entry = this.samples.get(priority);
    if (!entry) this.samples.set(priority, (entry = { wait: [], turnaround: [], count: 0 }));
    entry.count++;
    entry.wait.push(waitMs);
    entry.turnaround.push(turnaroundMs);
    if (entry.wait.length > SAMPLES) {
      entry.wait.shift();
      entry.turnaround.shift();
    }
  }

  summary() {
    return [...this.samples.entries()]
      .sort(([a], [b]) => a - b)
      .map(([priority, entry]) => ({
        priority,
        requests: entry.count,
        waitP50Ms: percentile(entry.wait, 50),
        waitP90Ms: percentile(entry.wait, 90),
        turnaroundP50Ms: percentile(entry.turnaround, 50),
        turnaroundP90Ms: percentile(entry.turnaround, 90),
      }));
  }
}

/** Nearest-rank percentile. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
