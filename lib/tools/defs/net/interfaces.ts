import * as v from "valibot";
import { defineTool } from "../../registry.ts";
import { ipJson } from "./common.ts";

interface IpAddr {
  ifname: string;
  link_type?: string;
  address?: string;
  mtu?: number;
  operstate?: string;
  flags?: string[];
  addr_info?: Array<{ family: string; local: string; prefixlen: number; scope?: string }>;
}

const Address = v.object({ family: v.string(), address: v.string(), prefix: v.number(), scope: v.string() });

export const netInterfaces = defineTool({
  name: "net.interfaces",
  description: "Network interfaces: name, MAC, MTU, state (up/down) and their addresses.",
  input: v.strictObject({}),
  output: v.object({ interfaces: v.array(v.object({ name: v.string(), mac: v.string(), mtu: v.number(), state: v.string(), up: v.boolean(), addresses: v.array(Address) })) }),
  risk: "low",
  capability: "net:read",
  readOnly: true,
  idempotent: true,
  reversible: false,
  timeoutMs: 10_000,
  resources: () => [],
  run: () => ({
    interfaces: ipJson<IpAddr[]>(["addr", "show"]).map((i) => ({
      name: i.ifname,
      mac: i.address ?? "",
      mtu: i.mtu ?? 0,
      state: (i.operstate ?? "UNKNOWN").toLowerCase(),
      up: (i.flags ?? []).includes("UP"),
      addresses: (i.addr_info ?? []).map((a) => ({ family: a.family, address: a.local, prefix: a.prefixlen, scope: a.scope ?? "" })),
    })),
  }),
});

export const netAddresses = defineTool({
  name: "net.addresses",
  description: "Every IP address on this machine with its interface and prefix length.",
  input: v.strictObject({ family: v.optional(v.picklist(["inet", "inet6", "any"]), "any") }),
  output: v.object({ addresses: v.array(v.object({ interface: v.string(), family: v.string(), address: v.string(), prefix: v.number() })) }),
  risk: "low",
  capability: "net:read",
  readOnly: true,
  idempotent: true,
  reversible: false,
  timeoutMs: 10_000,
  resources: () => [],
  run: (input) => ({
    addresses: ipJson<IpAddr[]>(["addr", "show"])
      .flatMap((i) => (i.addr_info ?? []).map((a) => ({ interface: i.ifname, family: a.family, address: a.local, prefix: a.prefixlen })))
      .filter((a) => input.family === "any" || a.family === input.family),
  }),
});
