/**
 * @module lib/gateway/retry
 * Retries of one model call: on 429, 5xx, timeouts and network errors, with exponential
 * backoff and full jitter, honouring the provider's Retry-After (or retry-after-ms). A wait
 * longer than the gateway allows ends the retries, so the router moves on to the next model.
 */

/** What a failed call means for retrying. */
export interface CallFailure {
  /** Worth trying again (429, 5xx, timeout, network). */
  retryable: boolean;
  /** The provider's Retry-After, in ms. */
  retryAfterMs?: number;
  /** Counts against the model's circuit (it is down or overloaded, not our request's fault). */
  modelFault: boolean;
  message: string;
}

export interface RetryPolicy {
  retries: number;
  baseMs: number;
  maxMs: number;
  random?: () => number;
}

export class RetriesExhausted extends Error {
  constructor(
    readonly failure: CallFailure,
    readonly attempts: number,
  ) {
    super(failure.message);
  }
}

/** The delay before retry number `attempt` (1-based): Retry-After, else full jitter backoff. */
export function retryDelay(attempt: number, failure: CallFailure, policy: RetryPolicy): number | null {
  if (failure.retryAfterMs !== undefined) return failure.retryAfterMs <= policy.maxMs ? failure.retryAfterMs : null;
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** (attempt - 1));
  // Half fixed, half random: spreads retries of many callers without ever retrying at once.
  return Math.round(ceiling / 2 + (policy.random ?? Math.random)() * (ceiling / 2));
}

/** Runs call() until it succeeds, a failure is not retryable, or the retries run out. */
export async function withRetries<T>(call: (attempt: number) => Promise<T>, classify: (error: unknown) => CallFailure, policy: RetryPolicy, signal: AbortSignal): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await call(attempt);
    } catch (error) {
      if (signal.aborted) throw error;
      const failure = classify(error);
      if (!failure.retryable || attempt >= policy.retries) throw new RetriesExhausted(failure, attempt + 1);
      const delay = retryDelay(attempt + 1, failure, policy);
      if (delay === null) throw new RetriesExhausted(failure, attempt + 1);
      await sleep(delay, signal);
    }
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(done, ms);
    function done() {
      signal.removeEventListener("abort", aborted);
      resolve();
    }
    function aborted() {
      clearTimeout(timer);
      reject(signal.reason);
    }
    signal.addEventListener("abort", aborted, { once: true });
  });
}

/** Parses Retry-After (seconds or an HTTP date) and retry-after-ms headers. */
export function retryAfterMs(headers: Headers | Record<string, string | null | undefined> | undefined, now = Date.now()): number | undefined {
  if (!headers) return undefined;
  const get = (name: string) => (headers instanceof Headers ? headers.get(name) : (headers[name] ?? null));
  const ms = get("retry-after-ms");
  if (ms && Number.isFinite(Number(ms))) return Math.max(0, Number(ms));
  const value = get("retry-after");
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value.trim())) return Math.round(Number(value) * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
