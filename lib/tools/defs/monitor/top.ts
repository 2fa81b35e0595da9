import * as v from "valibot";
import { type ProcessInfo, processes } from "../../../sys/index.ts";
import { defineTool } from "../../registry.ts";

/** Clock ticks per second of /proc/PID/stat's times (USER_HZ, 100 on every Linux we run on). */
const TICKS_PER_SECOND = 100;

/** CPU use now: each process's ticks over a short interval, in percent of one CPU. */
async function cpuNow(intervalMs: number): Promise<Array<ProcessInfo & { cpu_percent: number }>> {
  const before = new Map(processes().map((p) => [p.pid, p.cpu_ticks]));
  await Bun.sleep(intervalMs);
  return processes().map((p) => {
    const used = p.cpu_ticks - (before.get(p.pid) ?? p.cpu_ticks);
    return { ...p, cpu_percent: Math.round((used / TICKS_PER_SECOND / (intervalMs / 1000)) * 1000) / 10 };
  });
}

export const monitorTop = defineTool({
  name: "monitor.top",
  description: 'The processes using the most memory (by = rss), CPU time since they started (by = cpu), or CPU now, measured over interval_ms (by = cpu_now, "what is eating the CPU").',
  input: v.strictObject({
    by: v.optional(v.picklist(["rss", "cpu", "cpu_now"]), "rss"),
    limit: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(100)), 10),
    interval_ms: v.optional(v.pipe(v.number(), v.integer(), v.minValue(100), v.maxValue(5000)), 1000),
  }),
  output: v.object({ processes: v.array(v.object({ pid: v.number(), name: v.string(), rss_mib: v.number(), cpu_s: v.number(), cpu_percent: v.optional(v.number()), cmdline: v.string() })) }),
  risk: "low",
  capability: "monitor:read",
  readOnly: true,
  idempotent: true,
  reversible: false,
  timeoutMs: 10_000,
  resources: () => [],
  async run(input, ctx) {
    const sampled = input.by === "cpu_now" ? await cpuNow(input.interval_ms) : processes();
    const key = (p: ProcessInfo & { cpu_percent?: number }) => (input.by === "rss" ? p.rss_kib : input.by === "cpu" ? p.cpu_ticks : (p.cpu_percent ?? 0));
    const top = sampled
      .sort((a, b) => key(b) - key(a))
      .slice(0, input.limit)
      .map((p) => ({
        pid: p.pid,
        name: p.name,
        rss_mib: Math.round(p.rss_kib / 102.4) / 10,
        cpu_s: Math.round(p.cpu_ticks) / TICKS_PER_SECOND,
        ...("cpu_percent" in p ? { cpu_percent: p.cpu_percent as number } : {}),
        cmdline: ctx.cut(p.cmdline.slice(0, 200)),
      }));
    return { processes: top };
  },
});
