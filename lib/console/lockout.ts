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

  /**
   * Called before a secret is checked, and counted at once: milliseconds to wait (0: check it
   * now). So concurrent guesses cannot all be checked before the first failure is counted;
   * the attempt that would pass the limit locks the address out unchecked.
   */
  begin(client: string): number {
    const wait = this.retryAfterMs(client);
    if (wait > 0) return wait;
    const now = this.now();
    const recent = (this.failures.get(client) ?? []).filter((at) => at > now - this.policy.windowMs);
    if (recent.length >= this.policy.maxFailures) {
      this.failures.delete(client);
      this.lockedUntil.set(client, now + this.policy.lockoutMs);
      return this.policy.lockoutMs;
    }
    recent.push(now);
    this.failures.set(client, recent);
    // Bounded: a flood of addresses cannot grow this without end (the oldest are forgotten).
    if (this.failures.size > MAX_TRACKED) this.failures.delete(this.failures.keys().next().value!);
    return 0;
  }

  /** The attempt begun was wrong (it is already counted); true when it locked the client out. */
  fail(client: string): boolean {
    const recent = this.failures.get(client) ?? [];
    if (recent.length < this.policy.maxFailures) return false;
    this.failures.delete(client);
    this.lockedUntil.set(client, this.now() + this.policy.lockoutMs);
    return true;
  }

  /** The attempt begun was right: the address's count starts again. */
  succeed(client: string): void {
    this.failures.delete(client);
  }
}
