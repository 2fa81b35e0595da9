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
  /** Its process group: a supervised service's group is its own. */
  pgrp: number;
  /** Clock ticks after boot when it started: with the pid, it names one process for good. */
  startTime: number;
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
  return { pid, comm: text.slice(open + 1, close), state: rest[0] ?? "?", ppid: Number(rest[1]), pgrp: Number(rest[2]), startTime: Number(rest[19]) };
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

function readText(path: string): string {
  return readFileSync(path, "utf8");
}

/** /proc/meminfo in KiB by field name. */
export function meminfo(procRoot = "/proc"): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of readText(`${procRoot}/meminfo`).split("\n")) {
    const match = /^(\w+(?:\(\w+\))?):\s+(\d+)/.exec(line);
    if (match) out[match[1]!] = Number(match[2]);
  }
  return out;
}

/** Jiffies per CPU ("cpu" is the total): busy and idle. */
export function cpuTimes(procRoot = "/proc"): Map<string, { busy: number; idle: number }> {
  const times = new Map<string, { busy: number; idle: number }>();
  for (const line of readText(`${procRoot}/stat`).split("\n")) {
    if (!line.startsWith("cpu")) continue;
    const [name, ...fields] = line.trim().split(/\s+/);
    const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = fields.map(Number);
    times.set(name!, { busy: user + nice + system + irq + softirq + steal, idle: idle + iowait });
  }
  return times;
}

export function loadavg(procRoot = "/proc"): { one: number; five: number; fifteen: number; running: number; total: number } {
  const [one, five, fifteen, counts] = readText(`${procRoot}/loadavg`).trim().split(/\s+/);
  const [running, total] = (counts ?? "0/0").split("/").map(Number);
  return { one: Number(one), five: Number(five), fifteen: Number(fifteen), running: running ?? 0, total: total ?? 0 };
}

export function uptimeSeconds(procRoot = "/proc"): number {
  return Number(readText(`${procRoot}/uptime`).split(" ")[0]);
}

export interface InterfaceCounters {
  name: string;
  rx_bytes: number;
  rx_packets: number;
  rx_errors: number;
  tx_bytes: number;
  tx_packets: number;
  tx_errors: number;
}

export function netdev(procRoot = "/proc"): InterfaceCounters[] {
  return readText(`${procRoot}/net/dev`)
    .split("\n")
    .slice(2)
    .filter((line) => line.includes(":"))
    .map((line) => {
      const [name, rest] = line.split(":") as [string, string];
      const f = rest.trim().split(/\s+/).map(Number);
      return { name: name.trim(), rx_bytes: f[0]!, rx_packets: f[1]!, rx_errors: f[2]!, tx_bytes: f[8]!, tx_packets: f[9]!, tx_errors: f[10]! };
    });
}

export interface Mount {
  source: string;
  target: string;
  fstype: string;
}

export function mounts(procRoot = "/proc"): Mount[] {
  return readText(`${procRoot}/mounts`)
    .trim()
    .split("\n")
    .map((line) => {
      const [source = "", target = "", fstype = ""] = line.split(" ");
      return { source, target: target.replace(/\\040/g, " "), fstype };
    });
}

export interface ProcessInfo {
  pid: number;
  ppid: number;
  name: string;
  state: string;
  cmdline: string;
  rss_kib: number;
  cpu_ticks: number;
  uid: number;
}

/** One process from /proc, or null when it is gone. */
export function processInfo(pid: number, procRoot = "/proc"): ProcessInfo | null {
  try {
    const stat = readText(`${procRoot}/${pid}/stat`);
    const close = stat.lastIndexOf(")");
    const fields = stat.slice(close + 2).split(" ");
    const status = readText(`${procRoot}/${pid}/status`);
    const cmdline = readText(`${procRoot}/${pid}/cmdline`).replace(/\0+$/, "").replace(/\0/g, " ");
    return {
      pid,
      ppid: Number(fields[1]),
      name: stat.slice(stat.indexOf("(") + 1, close),
      state: fields[0] ?? "?",
      cmdline,
      rss_kib: Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0),
      cpu_ticks: Number(fields[11]) + Number(fields[12]),
      uid: Number(/Uid:\s+(\d+)/.exec(status)?.[1] ?? -1),
    };
  } catch {
    return null;
  }
}

export function processes(procRoot = "/proc"): ProcessInfo[] {
  return listPids(procRoot)
    .map((pid) => processInfo(pid, procRoot))
    .filter((p): p is ProcessInfo => p !== null);
}
