/**
 * @module lib/rpc/async-queue
 * Values pushed by callbacks, read by a server stream as an async iterable that ends when
 * the call is cancelled (the signal aborts).
 */
export class AsyncQueue<T> implements AsyncIterable<T> {
  private readonly items: T[] = [];
  private wake: (() => void) | undefined;

  constructor(private readonly signal: AbortSignal) {
    signal.addEventListener("abort", () => this.wake?.(), { once: true });
  }

  push(item: T): void {
    this.items.push(item);
    this.wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    while (!this.signal.aborted) {
      const next = this.items.shift();
      if (next !== undefined) {
        yield next;
        continue;
      }
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = undefined;
    }
  }
}
