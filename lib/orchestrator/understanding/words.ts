/**
 * @module lib/orchestrator/understanding/words
 * Numbers as a person reads them: sizes in B/KiB/MiB/GiB, durations in days, hours and
 * minutes, lists joined with commas and "and", plurals.
 */

export function bytes(n: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = n;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value >= 100 ? Math.round(value) : Math.round(value * 10) / 10} ${units[unit]}`;
}

export const mib = (n: number) => bytes(n * 1024 * 1024);

export function duration(seconds: number): string {
  const s = Math.round(seconds);
  const days = Math.floor(s / 86_400);
  const hours = Math.floor((s % 86_400) / 3600);
  const minutes = Math.floor((s % 3600) / 60);
  const parts = [days && plural(days, "day"), hours && plural(hours, "hour"), minutes && plural(minutes, "minute")].filter(Boolean) as string[];
  return parts.length ? parts.join(" ") : plural(s, "second");
}

export const plural = (n: number, word: string, many = `${word}s`) => `${n} ${n === 1 ? word : many}`;

export function list(items: readonly string[], max = 10): string {
  const shown = items.slice(0, max);
  const more = items.length > max ? [`${items.length - max} more`] : [];
  const all = [...shown, ...more];
  if (all.length <= 1) return all.join("");
  return `${all.slice(0, -1).join(", ")} and ${all.at(-1)}`;
}
