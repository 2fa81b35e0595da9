/**
 * @module lib/tools/defs/process/confine
 * What holds a spawned command beyond its namespaces: a cgroup v2 of its own under
 * /sys/fs/cgroup/aios-spawn (memory, pids and CPU limits that bind root too, and one write to
 * cgroup.kill ends everything in it), where the kernel offers one (the image mounts cgroup2
 * at boot; a host with the legacy hierarchy has none and says so in the call's output); and a
 * record of each running command's process group in STATE_DIR/tools/running, so that an
 * aios-tools killed with -9 has what it left running stopped when it starts again.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { readStat } from "../../../sys/index.ts";

export const CGROUP_ROOT = "/sys/fs/cgroup";
const SPAWN_PARENT = join(CGROUP_ROOT, "aios-spawn");
const CONTROLLERS = ["memory", "pids", "cpu"];

/** The parent cgroup with memory, pids and cpu handed down to its children, or null without cgroup v2. */
export function spawnCgroupParent(): string | null {
  try {
    const available = readFileSync(join(CGROUP_ROOT, "cgroup.controllers"), "utf8").split(/\s+/);
    if (!CONTROLLERS.every((c) => available.includes(c))) return null;
    const enabled = () => readFileSync(join(CGROUP_ROOT, "cgroup.subtree_control"), "utf8").split(/\s+/);
    if (!CONTROLLERS.every((c) => enabled().includes(c))) writeFileSync(join(CGROUP_ROOT, "cgroup.subtree_control"), CONTROLLERS.map((c) => `+${c}`).join(" "));
    mkdirSync(SPAWN_PARENT, { recursive: true });
    const handed = readFileSync(join(SPAWN_PARENT, "cgroup.subtree_control"), "utf8").split(/\s+/);
    if (!CONTROLLERS.every((c) => handed.includes(c))) writeFileSync(join(SPAWN_PARENT, "cgroup.subtree_control"), CONTROLLERS.map((c) => `+${c}`).join(" "));
    return SPAWN_PARENT;
  } catch {
    return null;
  }
}

export interface CgroupLimits {
  memoryBytes: number;
  processes: number;
  /** Percent of one CPU, 1..(100 × CPUs). */
  cpuPercent: number;
}

/** A fresh cgroup for one command, its limits written; null where there is no cgroup v2. */
export function createCommandCgroup(name: string, limits: CgroupLimits): string | null {
  const parent = spawnCgroupParent();
  if (!parent) return null;
  const dir = join(parent, name);
  mkdirSync(dir);
  writeFileSync(join(dir, "memory.max"), String(limits.memoryBytes));
  writeFileSync(join(dir, "memory.swap.max"), "0");
  writeFileSync(join(dir, "pids.max"), String(limits.processes));
  const period = 100_000;
  writeFileSync(join(dir, "cpu.max"), `${Math.round((period * limits.cpuPercent) / 100)} ${period}`);
  return dir;
}

/** Kills everything in the cgroup and removes it (once its processes are gone). */
export async function removeCommandCgroup(dir: string): Promise<void> {
  try {
    writeFileSync(join(dir, "cgroup.kill"), "1");
  } catch {
    // gone already, or a kernel before 5.14: the process group kill has done the rest
  }
  for (let tries = 0; tries < 100; tries++) {
    try {
      rmdirSync(dir);
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
      await Bun.sleep(10);
    }
  }
}

export function memoryPeakBytes(dir: string): number | null {
  try {
    return Number(readFileSync(join(dir, "memory.peak"), "utf8").trim());
  } catch {
    return null;
  }
}

/** Process groups of commands still running, kept in STATE_DIR/tools/running. */
export class RunningCommands {
  constructor(private readonly dir: string) {}

  record(pgid: number): void {
    const stat = readStat(pgid);
    if (!stat) return;
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    writeFileSync(join(this.dir, String(pgid)), `${stat.startTime}\n`);
  }

  forget(pgid: number): void {
    rmSync(join(this.dir, String(pgid)), { force: true });
  }

  /** Kills what an earlier aios-tools left running; returns how many groups it stopped. */
  stopLeftovers(): number {
    let stopped = 0;
    if (existsSync(this.dir)) {
      for (const name of readdirSync(this.dir)) {
        const pgid = Number(name);
        const startTime = Number(readFileSync(join(this.dir, name), "utf8").trim());
        rmSync(join(this.dir, name), { force: true });
        // The same process (not a reused pid): kill its group; the PID namespace's end takes
        // everything the command started with it.
        if (pgid > 1 && readStat(pgid)?.startTime === startTime) {
          try {
            process.kill(-pgid, "SIGKILL");
            stopped++;
          } catch {
            // already gone
          }
        }
      }
    }
    try {
      for (const name of readdirSync(SPAWN_PARENT, { withFileTypes: true })) {
        if (name.isDirectory()) void removeCommandCgroup(join(SPAWN_PARENT, name.name));
      }
    } catch {
      // no cgroup v2 here
    }
    return stopped;
  }
}
