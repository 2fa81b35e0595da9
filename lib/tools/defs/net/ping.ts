import { spawnSync } from "node:child_process";
import * as v from "valibot";
import { defineTool } from "../../registry.ts";
import { Host } from "./common.ts";

export const netPing = defineTool({
  name: "net.ping",
  description: "Send ICMP echo requests to a host (BusyBox ping): packets sent and received, loss, and round-trip times.",
  input: v.strictObject({
    host: Host,
    count: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(20)), 3),
    timeout_s: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(30)), 5),
  }),
  output: v.object({
    host: v.string(),
    sent: v.number(),
    received: v.number(),
    loss_percent: v.number(),
    rtt_ms: v.object({ min: v.number(), avg: v.number(), max: v.number() }),
    reachable: v.boolean(),
  }),
  risk: "low",
  capability: "net:ping",
  readOnly: true,
  idempotent: true,
  reversible: false,
  timeoutMs: 40_000,
  resources: (input) => [input.host],
  run(input) {
    const result = spawnSync("/bin/busybox", ["ping", "-c", String(input.count), "-W", String(input.timeout_s), "-w", String(input.timeout_s + input.count), input.host], {
      encoding: "utf8",
      timeout: 35_000,
    });
    const text = `${result.stdout}${result.stderr}`;
    const counts = /(\d+) packets transmitted, (\d+) packets received/.exec(text);
    if (!counts) throw new Error(`ping ${input.host}: ${text.trim() || result.error?.message || "no answer"}`);
    const [min = 0, avg = 0, max = 0] = (/= ([\d.]+)\/([\d.]+)\/([\d.]+) ms/.exec(text) ?? []).slice(1).map(Number);
    const sent = Number(counts[1]);
    const received = Number(counts[2]);
    return { host: input.host, sent, received, loss_percent: sent ? Math.round(((sent - received) / sent) * 100) : 100, rtt_ms: { min, avg, max }, reachable: received > 0 };
  },
});
