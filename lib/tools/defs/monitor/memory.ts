import * as v from "valibot";
import { meminfo } from "../../../sys/index.ts";
import { defineTool } from "../../registry.ts";

export const monitorMemory = defineTool({
  name: "monitor.memory",
  description: "Memory and swap: total, available, used (MiB) and the percentage used.",
  input: v.strictObject({}),
  output: v.object({ total_mib: v.number(), available_mib: v.number(), used_mib: v.number(), used_percent: v.number(), swap_total_mib: v.number(), swap_free_mib: v.number() }),
  risk: "low",
  capability: "monitor:read",
  readOnly: true,
  idempotent: true,
  reversible: false,
  timeoutMs: 5_000,
  resources: () => [],
  run() {
    const m = meminfo();
    const mib = (kib = 0) => Math.round(kib / 1024);
    const total = m.MemTotal ?? 0;
    const available = m.MemAvailable ?? m.MemFree ?? 0;
    return {
      total_mib: mib(total),
      available_mib: mib(available),
      used_mib: mib(total - available),
      used_percent: total ? Math.round(((total - available) / total) * 1000) / 10 : 0,
      swap_total_mib: mib(m.SwapTotal),
      swap_free_mib: mib(m.SwapFree),
    };
  },
});
