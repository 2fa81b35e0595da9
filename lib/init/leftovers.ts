/**
 * @module lib/init/leftovers
 * What a killed supervisor left running. Each service runs in its own process group; its
 * group id and start time are kept in RUN_DIR/init/NAME.group while it runs. A supervisor
 * that starts and finds such a file whose process is still the same one (same pid, same start
 * time: not a reused pid) stops that group before starting anything, so no orphan keeps a
 * socket or a port the new services need (an orphaned gateway held gateway.sock while the
 * supervised one kept exiting). On the image /run is a fresh tmpfs and this finds nothing.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Logger } from "../log/index.ts";
import { readStat } from "../sys/index.ts";

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

/** The services recorded in dir, by process group: who a peer on a socket is (lib/rpc/peer). */
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

  /** Stops every recorded group still alive as the same process (SIGTERM, then SIGKILL); returns the services. */
  async stopLeftovers(log: Logger): Promise<string[]> {
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
      log.warn("stopping what a previous supervisor left running", { service, pgid });
      process.kill(-pgid, "SIGTERM");
      for (let waited = 0; waited < GRACE_MS && groupAlive(pgid); waited += 50) await Bun.sleep(50);
      if (groupAlive(pgid)) process.kill(-pgid, "SIGKILL");
      stopped.push(service);
    }
    return stopped;
  }
}
