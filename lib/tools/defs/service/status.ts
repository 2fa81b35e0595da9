import * as v from "valibot";
import { defineTool } from "../../registry.ts";
import { ServiceName, ServiceSummary, summarize } from "./common.ts";

export const serviceStatus = defineTool({
  name: "service.status",
  description: "One service's state, why it is in it, pid, restarts, uptime and how it last exited.",
  input: v.strictObject({ name: ServiceName }),
  output: ServiceSummary,
  risk: "low",
  capability: "service:read",
  readOnly: true,
  idempotent: true,
  reversible: false,
  timeoutMs: 10_000,
  resources: (input) => [input.name],
  async run(input, ctx) {
    return summarize((await ctx.init().getService({ name: input.name }, { signal: ctx.signal })).service);
  },
});
