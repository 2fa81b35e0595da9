import * as v from "valibot";
import { cpuTimes } from "../../../sys/index.ts";
import { defineTool } from "../../registry.ts";

export const monitorCpu = defineTool({
  name: "monitor.cpu",
  description: "CPU use in percent, in total and per CPU, measured over a short interval (default 500 ms).",
  input: v.strictObject({ interval_ms: v.optional(v.pipe(v.number(), v.integer(), v.minValue(50), v.maxValue(5000)), 500) }),
  output: v.object({ total_percent: v.number(), cpus: v.array(v.object({ name: v.string(), percent: v.number() })) }),
  risk: "low",
  capability: "monitor:read",
  readOnly: true,
  idempotent: true,
  reversible: false,
  timeoutMs: 10_000,
  resources: () => [],
  async run(input) {
    const before = cpuTimes();
    await Bun.sleep(input.interval_ms);
    const after = cpuTimes();
    const percent = (name: string) => {
      const a = before.get(name)!;
      const b = after.get(name)!;
      const busy = b.busy - a.busy;
      const total = busy + (b.idle - a.idle);
      return total > 0 ? Math.round((busy / total) * 1000) / 10 : 0;
    };
    return { total_percent: percent("cpu"), cpus: [...after.keys()].filter((n) => n !== "cpu").map((name) => ({ name, percent: percent(name) })) };
  },
});
