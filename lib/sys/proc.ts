/**
 * @module lib/sys/proc
 * Readers of /proc: process state and parent, for reaping orphans and for RSS figures.
 */
import { readdirSync, readFileSync } from "node:fs";

export interface ProcStat {
  pid: number;
  comm: string;
  /** R, S, D, Z (zombie), T ... */
  state: string;
  ppid: number;
}

/** Parses /proc/PID/stat; null when the process is gone. */
export function readStat(pid: number, procRoot = "/proc"): ProcStat | null {
  let text: string;
  try {
    text = readFileSync(`${procRoot}/${pid}/stat`, "utf8");
  } catch {
    return null;
  }
  // comm is in parentheses and may itself contain spaces and parentheses: cut at the last ")".
  const open = text.indexOf("(");
  const close = text.lastIndexOf(")");
  const rest = text.slice(close + 2).split(" ");
  return { pid, comm: text.slice(open + 1, close), state: rest[0] ?? "?", ppid: Number(rest[1]) };
}

export function listPids(procRoot = "/proc"): number[] {
  return readdirSync(procRoot)
    .filter((name) => /^\d+$/.test(name))
    .map(Number);
}

/** Zombie children of parent: candidates for reaping. */
export function zombieChildren(parent: number, procRoot = "/proc"): number[] {
  const zombies: number[] = [];
  for (const pid of listPids(procRoot)) {
    const stat = readStat(pid, procRoot);
    if (stat && stat.state === "Z" && stat.ppid === parent) zombies.push(pid);
  }
  return zombies;
}

/** Resident set size in KiB, from /proc/PID/status; null when the process is gone. */
export function rssKiB(pid: number, procRoot = "/proc"): number | null {
  try {
    const status = readFileSync(`${procRoot}/${pid}/status`, "utf8");
    return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0);
  } catch {
    return null;
  }
}
