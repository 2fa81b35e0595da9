import * as v from "valibot";
import { defineTool } from "../../registry.ts";
import { ServiceSummary, summarize } from "./common.ts";

export const serviceList = defineTool({
  name: "service.list",
  description: "Every supervised service with its state, pid, restarts and uptime, and whether the system is degraded.",
  input: v.strictObject({}),
  output: v.object({ services: v.array(ServiceSummary), degraded_reasons: v.array(v.string()) }),
  risk: "low",
  capability: "service:read",
  readOnly: true,
  idempotent: true,
  reversible: false,
  timeoutMs: 10_000,
  resources: () => [],
  async run(_input, ctx) {
    const response = await ctx.init().listServices({ pageSize: 1000 }, { signal: ctx.signal });
    return { services: response.services.map(summarize), degraded_reasons: response.degradedReasons };
  },
});
