import * as v from "valibot";
import { processes } from "../../../sys/index.ts";
import { defineTool } from "../../registry.ts";

export const monitorTop = defineTool({
  name: "monitor.top",
  description: "The processes using the most memory (by = rss) or CPU time since they started (by = cpu).",
  input: v.strictObject({ by: v.optional(v.picklist(["rss", "cpu"]), "rss"), limit: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(100)), 10) }),
  output: v.object({ processes: v.array(v.object({ pid: v.number(), name: v.string(), rss_mib: v.number(), cpu_s: v.number(), cmdline: v.string() })) }),
  risk: "low",
  capability: "monitor:read",
  readOnly: true,
  idempotent: true,
  reversible: false,
  timeoutMs: 10_000,
  resources: () => [],
  run(input, ctx) {
    const key = input.by === "rss" ? "rss_kib" : "cpu_ticks";
    const top = processes()
      .sort((a, b) => b[key] - a[key])
      .slice(0, input.limit)
      .map((p) => ({ pid: p.pid, name: p.name, rss_mib: Math.round(p.rss_kib / 102.4) / 10, cpu_s: Math.round(p.cpu_ticks) / 100, cmdline: ctx.cut(p.cmdline.slice(0, 200)) }));
    return { processes: top };
  },
});
