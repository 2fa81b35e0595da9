/**
 * @module lib/sys/group-records
 * What a killed process left running. Each thing it starts runs in a process group of its
 * own, whose id and start time are kept in DIR/NAME.group while it runs. Started again, the
 * owner finds such a file whose process is still the same one (same pid, same start time: not
 * a reused pid) and stops that group. aios-init keeps its services in RUN_DIR/init (an orphaned
 * gateway held gateway.sock while the supervised one kept exiting; the records also say who a
 * caller on a socket is, lib/rpc/peer); aios-tools keeps the commands process.spawn runs in
 * STATE_DIR/tools/running.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Logger } from "../log/index.ts";
import { readStat } from "./proc.ts";

const SUFFIX = ".group";
const GRACE_MS = 3000;

const groupAlive = (pgid: number) => {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
};

/** The names recorded in dir, by process group: who a peer on a socket is (lib/rpc/peer). */
export function recordedGroups(dir: string): Map<number, { service: string; startTime: number }> {
  const groups = new Map<number, { service: string; startTime: number }>();
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith(SUFFIX));
  } catch {
    return groups;
  }
  for (const file of files) {
    try {
      const [pgid, startTime] = readFileSync(join(dir, file), "utf8").trim().split(" ").map(Number);
      if (pgid && startTime !== undefined) groups.set(pgid, { service: file.slice(0, -SUFFIX.length), startTime });
    } catch {
      // Removed while we read: that service has stopped.
    }
  }
  return groups;
}

export class GroupRecords {
  constructor(private readonly dir: string) {}

  record(service: string, pgid: number): void {
    const stat = readStat(pgid);
    if (!stat) return;
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    writeFileSync(join(this.dir, `${service}${SUFFIX}`), `${pgid} ${stat.startTime}\n`);
  }

  forget(service: string): void {
    rmSync(join(this.dir, `${service}${SUFFIX}`), { force: true });
  }

  /**
   * Stops every recorded group still alive as the same process: SIGTERM, then SIGKILL after
   * graceMs; with graceMs 0, SIGKILL at once (a command half-way through must not take its
   * next step). Returns the names stopped.
   */
  async stopLeftovers(log: Logger, graceMs = GRACE_MS): Promise<string[]> {
    let files: string[];
    try {
      files = readdirSync(this.dir).filter((f) => f.endsWith(SUFFIX));
    } catch {
      return [];
    }
    const stopped: string[] = [];
    for (const file of files) {
      const service = file.slice(0, -SUFFIX.length);
      const [pgid, startTime] = readFileSync(join(this.dir, file), "utf8").trim().split(" ").map(Number);
      this.forget(service);
      if (!pgid || pgid <= 1 || readStat(pgid)?.startTime !== startTime) continue;
      log.warn("stopping a process group an earlier run left running", { name: service, pgid });
      try {
        process.kill(-pgid, graceMs > 0 ? "SIGTERM" : "SIGKILL");
        for (let waited = 0; waited < graceMs && groupAlive(pgid); waited += 50) await Bun.sleep(50);
        if (groupAlive(pgid)) process.kill(-pgid, "SIGKILL");
      } catch {
        // It ended meanwhile.
      }
      stopped.push(service);
    }
    return stopped;
  }
}
