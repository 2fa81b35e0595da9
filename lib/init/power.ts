/**
 * @module lib/init/power
 * Stage 3 of PID 1 once every service has stopped: sync, unmount what can be unmounted,
 * sync again, and reboot(2). Never returns.
 */
import { readFileSync } from "node:fs";
import type { Logger } from "../log/index.ts";
import { MNT_DETACH, RB_AUTOBOOT, RB_HALT, RB_POWER_OFF, reboot, sync, umount } from "../sys/index.ts";
import type { PowerAction } from "./service.ts";

// The kernel's own filesystems and the root itself stay: unmounting them is neither
// possible nor needed before reboot(2).
const KEEP = new Set(["/", "/proc", "/sys", "/dev", "/dev/pts", "/dev/shm", "/run"]);

export function unmountAll(log: Logger): void {
  let mounts: string[] = [];
  try {
    mounts = readFileSync("/proc/mounts", "utf8")
      .trim()
      .split("\n")
      .map((line) => line.split(" ")[1]!.replace(/\\040/g, " "));
  } catch (error) {
    log.error("failed to read /proc/mounts", { err: error });
  }
  for (const target of mounts.reverse()) {
    if (KEEP.has(target)) continue;
    try {
      umount(target);
    } catch {
      try {
        umount(target, MNT_DETACH);
      } catch (error) {
        log.warn("failed to unmount", { target, err: error });
      }
    }
  }
}

export function powerOff(action: PowerAction, log: Logger): never {
  sync();
  unmountAll(log);
  sync();
  const command = action === "poweroff" ? RB_POWER_OFF : action === "halt" ? RB_HALT : RB_AUTOBOOT;
  for (;;) {
    try {
      reboot(command);
    } catch (error) {
      log.error("reboot(2) failed", { err: error });
    }
    Bun.sleepSync(1000);
  }
}
