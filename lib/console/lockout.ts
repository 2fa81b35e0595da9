/**
 * @module lib/console/lockout
 * Failed sign-ins per client address: max_failures within window_ms lock the address out for
 * lockout_ms, during which even the right secret is refused (so guessing cannot continue by
 * waiting for a lucky hit). Kept in memory: losing it on a restart only restarts the count.
 */
const MAX_TRACKED = 10_000;

export interface LockoutPolicy {
  maxFailures: number;
  windowMs: number;
  lockoutMs: number;
}

export class Lockout {
  private readonly failures = new Map<string, number[]>();
  private readonly lockedUntil = new Map<string, number>();

  constructor(
    private readonly policy: LockoutPolicy,
    private readonly now: () => number = Date.now,
  ) {}

  /** Milliseconds this client must still wait, or 0 when it may try. */
  retryAfterMs(client: string): number {
    const until = this.lockedUntil.get(client) ?? 0;
    const left = until - this.now();
    if (left > 0) return left;
    if (until) this.lockedUntil.delete(client);
    return 0;
  }

  /** Records a failure; true when it locked the client out. */
  fail(client: string): boolean {
    const now = this.now();
    const recent = (this.failures.get(client) ?? []).filter((at) => at > now - this.policy.windowMs);
    recent.push(now);
    if (recent.length >= this.policy.maxFailures) {
      this.failures.delete(client);
      this.lockedUntil.set(client, now + this.policy.lockoutMs);
      return true;
    }
    this.failures.set(client, recent);
    // Bounded: a flood of addresses cannot grow this without end (the oldest are forgotten).
    if (this.failures.size > MAX_TRACKED) this.failures.delete(this.failures.keys().next().value!);
    return false;
  }

  succeed(client: string): void {
    this.failures.delete(client);
  }
}
