/**
 * @module lib/gateway/circuit
 * A circuit breaker per model: after `failures` failed calls in a row it opens and the router
 * passes the model over; after `openMs` one probe call is let through (half-open): success
 * closes the circuit, failure opens it again. A provider's Retry-After longer than the gateway
 * will wait opens it until then.
 */
export type CircuitState = "closed" | "open" | "half-open";

export class CircuitBreaker {
  private consecutiveFailures = 0;
  private openUntil = 0;
  private probing = false;
  lastError = "";

  constructor(
    private readonly failures: number,
    private readonly openMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  get state(): CircuitState {
    if (this.openUntil === 0) return "closed";
    return this.now() < this.openUntil ? "open" : "half-open";
  }

  /** May a call go through now? In half-open state only one probe at a time. */
  tryAcquire(): boolean {
    const state = this.state;
    if (state === "closed") return true;
    if (state === "open" || this.probing) return false;
    this.probing = true;
    return true;
  }

  /** Why a call may not go through (for SkippedModel.reason). */
  describe(): string {
    const seconds = Math.max(1, Math.ceil((this.openUntil - this.now()) / 1000));
    return this.state === "open" ? `circuit open for ${seconds} s more after: ${this.lastError}` : `circuit half-open, a probe call is in flight after: ${this.lastError}`;
  }

  succeeded(): void {
    this.consecutiveFailures = 0;
    this.openUntil = 0;
    this.probing = false;
  }

  failed(error: string, retryAfterMs?: number): void {
    this.lastError = error;
    this.consecutiveFailures++;
    const wasProbe = this.probing;
    this.probing = false;
    if (retryAfterMs !== undefined) this.openUntil = Math.max(this.openUntil, this.now() + retryAfterMs);
    else if (wasProbe || this.consecutiveFailures >= this.failures) this.openUntil = this.now() + this.openMs;
  }

  /** A call that was let through ended without a verdict on the model (cancelled, bad request). */
  released(): void {
    this.probing = false;
  }
}
