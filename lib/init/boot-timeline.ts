/**
 * @module lib/init/boot-timeline
 * Where a boot's time goes, on the kernel's clock (seconds since it started, /proc/uptime): the
 * moment aios-init began, each step of stage 1, each service ready, "AIOS ready". aios-init
 * writes it to init.log as one "boot timeline" line once the system is ready, and bench/boot.ts
 * prints it beside its own figures, so a slow boot says which step grew.
 */
import { readFileSync } from "node:fs";

export interface BootMark {
  readonly step: string;
  /** Seconds since the kernel started. */
  readonly at_s: number;
}

/** Seconds since the kernel started, to the millisecond; NaN where /proc is not mounted. */
export function kernelUptime(path = "/proc/uptime"): number {
  try {
    return Number(readFileSync(path, "utf8").split(" ")[0]);
  } catch {
    return Number.NaN;
  }
}

export class BootTimeline {
  private readonly marks: BootMark[] = [];

  constructor(private readonly clock: () => number = kernelUptime) {}

  /** Notes that step has just ended (or, for an event, happened). A step is noted once. */
  mark(step: string): void {
    this.markAt(step, this.clock());
  }

  /** Notes a step that ended at at_s (read before this process ran); not a number: not noted. */
  markAt(step: string, at_s: number): void {
    if (!Number.isFinite(at_s) || this.marks.some((m) => m.step === step)) return;
    this.marks.push({ step, at_s: Math.round(at_s * 1000) / 1000 });
  }

  get steps(): readonly BootMark[] {
    return this.marks;
  }
}
