/**
 * @module lib/init/reaper
 * Reaps orphans without stealing Bun's own children (DESIGN.md section 1). Every process
 * aios-init spawns is tracked from spawn until Bun reports its exit; on SIGCHLD (and on a slow
 * timer, in case signals coalesce) the reaper scans /proc for zombie children of this process
 * that are not tracked and waitpid()s each. A blind waitpid(-1) would take exit statuses Bun
 * is waiting for, and supervised services would be reported as exiting with nonsense codes.
 */
import type { Logger } from "../log/index.ts";
import { SysError, waitpidNoHang, zombieChildren } from "../sys/index.ts";

const tracked = new Set<number>();
let reaped = 0;

/** Call right after spawning, before yielding to the event loop. */
export function track(pid: number): void {
  tracked.add(pid);
}

/** Call once Bun has reported the child's exit (it has reaped it). */
export function untrack(pid: number): void {
  tracked.delete(pid);
}

export function reapedCount(): number {
  return reaped;
}

/** One pass: reaps every untracked zombie child. Returns how many it reaped. */
export function reapOrphans(log?: Logger): number {
  let count = 0;
  for (const pid of zombieChildren(process.pid)) {
    if (tracked.has(pid)) continue;
    try {
      if (waitpidNoHang(pid) !== null) count++;
    } catch (error) {
      // ECHILD: someone else (Bun) reaped it between the scan and the wait; nothing to do.
      if (!(error instanceof SysError && error.code === "ECHILD")) log?.warn("failed to reap an orphan", { pid, err: error });
    }
  }
  reaped += count;
  if (count > 0) log?.debug("reaped orphans", { count });
  return count;
}

/** Reaps on SIGCHLD and every intervalMs. Returns a function that stops it. */
export function startReaper(log: Logger, intervalMs = 1000): () => void {
  let scheduled = false;
  const onChild = () => {
    if (scheduled) return;
    scheduled = true;
    // Let Bun handle its own child's exit first; then sweep what is left.
    setTimeout(() => {
      scheduled = false;
      reapOrphans(log);
    }, 10);
  };
  process.on("SIGCHLD", onChild);
  const timer = setInterval(() => reapOrphans(log), intervalMs);
  timer.unref();
  return () => {
    process.off("SIGCHLD", onChild);
    clearInterval(timer);
  };
}
