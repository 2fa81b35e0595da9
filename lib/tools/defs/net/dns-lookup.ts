import { lookup } from "node:dns/promises";
import * as v from "valibot";
import { defineTool } from "../../registry.ts";
import { Host } from "./common.ts";

export const netDnsLookup = defineTool({
  name: "net.dns_lookup",
  description: "Resolve a host name to its addresses the way programs on this machine do (/etc/hosts, then DNS).",
  input: v.strictObject({ name: Host }),
  output: v.object({ name: v.string(), addresses: v.array(v.object({ address: v.string(), family: v.number() })) }),
  risk: "low",
  capability: "net:dns",
  readOnly: true,
  idempotent: true,
  reversible: false,
  timeoutMs: 15_000,
  resources: (input) => [input.name],
  run: async (input) => ({ name: input.name, addresses: await lookup(input.name, { all: true }) }),
});
