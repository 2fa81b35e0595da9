/**
 * @module lib/console/metrics
 * The dashboard's live numbers: CPU busy %, memory used %, disk used % of the state directory,
 * and load, sampled every interval from /proc and statfs, with the last `keep` samples kept so a
 * page opened now draws the recent past at once.
 */
import { cpuTimes, type FileSystemUsage, fileSystemUsage, loadavg, meminfo, uptimeSeconds } from "../sys/index.ts";

export interface Sample {
  /** Unix ms. */
  t: number;
  cpu: number;
  memory: number;
  disk: number;
  load: number;
}

export interface HostFacts {
  memoryTotalBytes: number;
  memoryAvailableBytes: number;
  diskTotalBytes: number;
  diskFreeBytes: number;
  diskPath: string;
  uptimeSeconds: number;
  cpus: number;
}

export class MetricsSampler {
  private readonly samples: Sample[] = [];
  private previous: { busy: number; idle: number } | null = null;
  private timer: ReturnType<typeof setInterval> | null = null;

  constructor(
    private readonly diskPath: string,
    private readonly intervalMs = 2000,
    private readonly keep = 150,
  ) {}

  start(): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), this.intervalMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  history(): Sample[] {
    return [...this.samples];
  }

  facts(): HostFacts {
    const mem = meminfo();
    const disk = this.disk();
    return {
      memoryTotalBytes: (mem.MemTotal ?? 0) * 1024,
      memoryAvailableBytes: (mem.MemAvailable ?? 0) * 1024,
      diskTotalBytes: disk.sizeBytes,
      diskFreeBytes: disk.availableBytes,
      diskPath: this.diskPath,
      uptimeSeconds: Math.round(uptimeSeconds()),
      cpus: Math.max(0, cpuTimes().size - 1),
    };
  }

  private disk(): FileSystemUsage {
    try {
      return fileSystemUsage(this.diskPath);
    } catch {
      return { sizeBytes: 0, usedBytes: 0, availableBytes: 0, usedPercent: 0 };
    }
  }

  private sample(): void {
    try {
      const total = cpuTimes().get("cpu") ?? { busy: 0, idle: 0 };
      const prev = this.previous;
      this.previous = total;
      const spent = prev ? total.busy - prev.busy + (total.idle - prev.idle) : 0;
      const cpu = prev && spent > 0 ? (100 * (total.busy - prev.busy)) / spent : 0;
      const mem = meminfo();
      const memory = mem.MemTotal ? (100 * (mem.MemTotal - (mem.MemAvailable ?? 0))) / mem.MemTotal : 0;
      const round = (x: number) => Math.round(x * 10) / 10;
      this.samples.push({ t: Date.now(), cpu: round(cpu), memory: round(memory), disk: this.disk().usedPercent, load: loadavg().one });
      if (this.samples.length > this.keep) this.samples.shift();
    } catch {
      // /proc unreadable (a test root without it): the dashboard shows no chart rather than fail.
    }
  }
}
