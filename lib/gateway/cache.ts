/**
 * @module lib/gateway/cache
 * The response cache: answers to deterministic requests (temperature 0), keyed by a SHA-256
 * of the request in canonical JSON (RFC 8785, lib/rpc/canonical-json), least recently used first out, each
 * entry valid for a fixed time. Hits and misses are counted for GetUsage.
 */
import { createHash } from "node:crypto";
import { canonicalJson } from "../rpc/canonical-json.ts";

export const cacheKey = (request: unknown): string => createHash("sha256").update(canonicalJson(request)).digest("hex");

export class ResponseCache<T> {
  private readonly entries = new Map<string, { value: T; expires: number }>();
  hits = 0;
  misses = 0;

  constructor(
    private readonly capacity: number,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  get enabled(): boolean {
    return this.capacity > 0;
  }

  get(key: string): T | undefined {
    const entry = this.entries.get(key);
    if (entry && entry.expires > this.now()) {
      // Re-inserting moves it to the newest end of the Map's order.
      this.entries.delete(key);
      this.entries.set(key, entry);
      this.hits++;
      return entry.value;
    }
    if (entry) this.entries.delete(key);
    this.misses++;
    return undefined;
  }

  set(key: string, value: T): void {
    if (!this.enabled) return;
    this.entries.delete(key);
    this.entries.set(key, { value, expires: this.now() + this.ttlMs });
    while (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
  }

  get size(): number {
    return this.entries.size;
  }
}
