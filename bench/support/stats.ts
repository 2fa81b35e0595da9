/** Shared by the benchmarks: latency percentiles of sequential calls, and rounding. */
export const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

function percentileOfSorted(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** The p-th percentile of unsorted values (0 for none). */
export const percentile = (values: readonly number[], p: number) =>
  values.length
    ? percentileOfSorted(
        [...values].sort((a, b) => a - b),
        p,
      )
    : 0;

export const median = (values: number[]) => percentile(values, 50);

/** Runs call `warmup` times, then `calls` times, and reports p50/p99 in µs and calls/s. */
export async function measure(call: () => Promise<unknown>, calls: number, warmup: number) {
  for (let i = 0; i < warmup; i++) await call();
  const samples: number[] = [];
  const started = performance.now();
  for (let i = 0; i < calls; i++) {
    const t = performance.now();
    await call();
    samples.push((performance.now() - t) * 1000);
  }
  const seconds = (performance.now() - started) / 1000;
  samples.sort((a, b) => a - b);
  return { p50_us: round(percentileOfSorted(samples, 50)), p99_us: round(percentileOfSorted(samples, 99)), calls_per_s: Math.round(calls / seconds) };
}
