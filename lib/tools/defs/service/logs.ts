import * as v from "valibot";
import { LogStream } from "../../../rpc/gen/aios/v1/init.ts";
import { defineTool } from "../../registry.ts";
import { ServiceName } from "./common.ts";

export const serviceLogs = defineTool({
  name: "service.logs",
  description: "The last lines a service wrote (stdout, stderr) and what the supervisor noted about it.",
  input: v.strictObject({ name: ServiceName, lines: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(1000)), 100) }),
  output: v.object({ name: v.string(), lines: v.array(v.object({ time: v.string(), stream: v.string(), text: v.string() })), truncated: v.boolean() }),
  risk: "low",
  capability: "service:read",
  readOnly: true,
  idempotent: true,
  reversible: false,
  timeoutMs: 10_000,
  resources: (input) => [input.name],
  async run(input, ctx) {
    const all: Array<{ time: string; stream: string; text: string }> = [];
    for await (const line of ctx.init().streamLogs({ name: input.name, tailLines: input.lines }, { signal: ctx.signal })) {
      all.push({ time: line.time?.toISOString() ?? "", stream: (LogStream[line.stream] ?? "").replace("LOG_STREAM_", "").toLowerCase(), text: line.text.slice(0, 2000) });
    }
    // When the output cap bites, the newest lines are the ones kept.
    let budget = ctx.outputCap;
    let first = all.length;
    while (first > 0 && (budget -= Buffer.byteLength(all[first - 1]!.text) + 40) >= 0) first--;
    return { name: input.name, lines: all.slice(first), truncated: first > 0 };
  },
});
