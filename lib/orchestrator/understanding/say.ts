/**
 * @module lib/orchestrator/understanding/say
 * What several families say alike: file systems without their bind-mount repeats, the mount
 * a path lives on, lists of files, stopped processes; a service's own name; text as a regular
 * expression that matches only itself.
 */
import type { Output } from "./types.ts";
import { list, plural } from "./words.ts";

export const serviceName = (name: string) =>
  name
    .toLowerCase()
    .replace(/^aios-/, "")
    .replace(/\.service$/, "");
export const percent = (n: number) => `${Math.round(n)}%`;

/** File systems with a size, each device once (a bind mount repeats its device). */
export function realFilesystems(output: Output) {
  const seen = new Set<string>();
  return ((output.filesystems ?? []) as Array<{ mount: string; source: string; type: string; size_mib: number; available_mib: number; used_percent: number }>).filter((f) => {
    if (f.size_mib <= 0) return false;
    const device = f.source.startsWith("/") ? f.source : `${f.source}:${f.mount}`;
    if (seen.has(device)) return false;
    seen.add(device);
    return true;
  });
}

/** The mount a path lives on: the longest mount point that is a prefix of it. */
export function mountOf(path: string, mounts: readonly string[]): string | undefined {
  return [...mounts].sort((a, b) => b.length - a.length).find((m) => m === "/" || path === m || path.startsWith(`${m}/`));
}

export function sayFiles(o: Output, none: string, line: (m: { path: string; bytes?: number; mtime?: string; mode?: string }) => string): string {
  const found = o.matches as Array<{ path: string; bytes?: number; mtime?: string; mode?: string }>;
  if (!found.length) return none;
  return [
    `${plural(found.length, "file")}${o.truncated ? " (at least)" : ""}:`,
    ...found.slice(0, 50).map((m) => `  ${line(m)}`),
    ...(found.length > 50 ? [`  … and ${found.length - 50} more`] : []),
  ].join("\n");
}

export function sayStopped(o: Output, none: string): string {
  const stopped = o.stopped as Array<{ pid: number; name: string }>;
  const skipped = o.skipped as Array<{ pid: number; name: string; why: string }>;
  if (!stopped.length && !skipped.length) return none;
  return [
    ...(stopped.length
      ? [
          `sent ${o.signal} to ${list(
            stopped.map((p) => `${p.name} (pid ${p.pid})`),
            20,
          )}`,
        ]
      : []),
    ...skipped.map((p) => `left ${p.name} (pid ${p.pid}): ${p.why}`),
  ].join("\n");
}

export const ESC = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
