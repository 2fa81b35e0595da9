/**
 * @module lib/tools/defs/process/confine
 * What holds a spawned command beyond its namespaces: a cgroup v2 of its own under
 * /sys/fs/cgroup/aios-spawn (memory, pids and CPU limits that bind root too, and one write to
 * cgroup.kill ends everything in it), where the kernel offers one (the image mounts cgroup2
 * at boot; a host with the legacy hierarchy has none and says so in the call's output). The
 * process groups of running commands are recorded (lib/sys/group-records) by spawn.ts, so that
 * an aios-tools killed with -9 has what it left running stopped when it starts again.
 */
import { mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

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

/** Removes the cgroups of commands an earlier aios-tools left (cgroup.kill ends what is in them). */
export async function removeLeftoverCgroups(): Promise<number> {
  let names: string[] = [];
  try {
    names = readdirSync(SPAWN_PARENT, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
  } catch {
    return 0; // no cgroup v2 here
  }
  await Promise.all(names.map((name) => removeCommandCgroup(join(SPAWN_PARENT, name))));
  return names.length;
}
