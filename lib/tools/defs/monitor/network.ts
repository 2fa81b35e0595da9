import * as v from "valibot";
import { netdev } from "../../../sys/index.ts";
import { defineTool } from "../../registry.ts";

export const monitorNetwork = defineTool({
  name: "monitor.network",
  description: "Per-interface traffic counters since boot: bytes, packets and errors received and sent.",
  input: v.strictObject({}),
  output: v.object({
    interfaces: v.array(v.object({ name: v.string(), rx_bytes: v.number(), rx_packets: v.number(), rx_errors: v.number(), tx_bytes: v.number(), tx_packets: v.number(), tx_errors: v.number() })),
  }),
  risk: "low",
  capability: "monitor:read",
  readOnly: true,
  idempotent: true,
  reversible: false,
  timeoutMs: 5_000,
  resources: () => [],
  run: () => ({ interfaces: netdev() }),
});
