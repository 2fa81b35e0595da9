/**
 * The gateway's pure parts: the circuit breaker's three states, retry delays (Retry-After,
 * backoff with jitter, a wait too long ends the retries), and the response cache (canonical
 * keys, expiry, least recently used out first).
 */
import { describe, expect, test } from "bun:test";
import { cacheKey, ResponseCache } from "./cache.ts";
import { CircuitBreaker } from "./circuit.ts";
import { retryAfterMs, retryDelay, withRetries } from "./retry.ts";

describe("circuit breaker", () => {
  test("opens after the failures in a row, lets one probe through when the time is up, and closes on its success", () => {
    let now = 1000;
    const circuit = new CircuitBreaker(3, 5000, () => now);
    for (let i = 0; i < 2; i++) circuit.failed("503");
    expect(circuit.state).toBe("closed");
    circuit.failed("503");
    expect([circuit.state, circuit.tryAcquire()]).toEqual(["open", false]);
    now += 5000;
    expect([circuit.state, circuit.tryAcquire(), circuit.tryAcquire()]).toEqual(["half-open", true, false]);
    circuit.succeeded();
    expect(circuit.state).toBe("closed");
  });

  test("a failed probe opens it again at once; a Retry-After opens it until then", () => {
    let now = 0;
    const circuit = new CircuitBreaker(3, 1000, () => now);
    for (let i = 0; i < 3; i++) circuit.failed("boom");
    now = 1000;
    expect(circuit.tryAcquire()).toBe(true);
    circuit.failed("still down");
    expect(circuit.state).toBe("open");
    const limited = new CircuitBreaker(10, 1000, () => now);
    limited.failed("429", 60_000);
    expect(limited.describe()).toBe("circuit open for 60 s more after: 429");
  });
});

describe("retries", () => {
  const policy = { retries: 3, baseMs: 100, maxMs: 2000, random: () => 0.5 };
  const failure = { retryable: true, modelFault: true, message: "503" };

  test("backoff doubles within the cap, half fixed and half jitter; Retry-After wins unless it is too long", () => {
    expect([1, 2, 3, 10].map((attempt) => retryDelay(attempt, failure, policy))).toEqual([75, 150, 300, 1500]);
    expect(retryDelay(1, { ...failure, retryAfterMs: 1200 }, policy)).toBe(1200);
    expect(retryDelay(1, { ...failure, retryAfterMs: 5000 }, policy)).toBeNull();
    expect(retryAfterMs({ "retry-after": "3" })).toBe(3000);
    expect(retryAfterMs({ "retry-after-ms": "250" })).toBe(250);
  });

  test("a call is retried until it works, and not at all when the failure is not retryable", async () => {
    let calls = 0;
    const quick = { ...policy, baseMs: 1, maxMs: 2 };
    const value = await withRetries(
      async () => (++calls < 3 ? Promise.reject(new Error("503")) : "ok"),
      () => failure,
      quick,
      new AbortController().signal,
    );
    expect([value, calls]).toEqual(["ok", 3]);
    calls = 0;
    const refused = withRetries(
      async () => {
        calls++;
        throw new Error("400");
      },
      (error) => ({ ...failure, retryable: false, message: (error as Error).message }),
      quick,
      new AbortController().signal,
    );
    await expect(refused).rejects.toThrow("400");
    expect(calls).toBe(1);
  });
});

describe("response cache", () => {
  test("keys do not depend on the order of fields; entries expire; the least recently used goes first", () => {
    expect(cacheKey({ a: 1, b: [1, { c: 2, d: 3 }] })).toBe(cacheKey({ b: [1, { d: 3, c: 2 }], a: 1 }));
    let now = 0;
    const cache = new ResponseCache<string>(2, 100, () => now);
    cache.set("a", "A");
    cache.set("b", "B");
    expect(cache.get("a")).toBe("A");
    cache.set("c", "C");
    expect([cache.get("b"), cache.get("a"), cache.get("c")]).toEqual([undefined, "A", "C"]);
    now = 100;
    expect(cache.get("a")).toBeUndefined();
    expect([cache.hits, cache.misses]).toEqual([3, 2]);
  });
});
