import * as v from "valibot";
import { loadavg, uptimeSeconds } from "../../../sys/index.ts";
import { defineTool } from "../../registry.ts";

export const monitorLoad = defineTool({
  name: "monitor.load",
  description: "Load averages over 1, 5 and 15 minutes, runnable and total tasks, CPU count and uptime.",
  input: v.strictObject({}),
  output: v.object({ one: v.number(), five: v.number(), fifteen: v.number(), running: v.number(), total: v.number(), cpus: v.number(), uptime_s: v.number() }),
  risk: "low",
  capability: "monitor:read",
  readOnly: true,
  idempotent: true,
  reversible: false,
  timeoutMs: 5_000,
  resources: () => [],
  run: () => ({ ...loadavg(), cpus: navigator.hardwareConcurrency, uptime_s: Math.round(uptimeSeconds()) }),
});
