import * as v from "valibot";
import { defineTool } from "../../registry.ts";
import { ipJson } from "./common.ts";

interface IpRoute {
  dst: string;
  gateway?: string;
  dev?: string;
  protocol?: string;
  prefsrc?: string;
  metric?: number;
}

export const netRoutes = defineTool({
  name: "net.routes",
  description: "The routing table (IPv4 and IPv6): destination, gateway, device, source and metric.",
  input: v.strictObject({}),
  output: v.object({ routes: v.array(v.object({ family: v.string(), destination: v.string(), gateway: v.string(), device: v.string(), source: v.string(), metric: v.number() })) }),
  risk: "low",
  capability: "net:read",
  readOnly: true,
  idempotent: true,
  reversible: false,
  timeoutMs: 10_000,
  resources: () => [],
  run() {
    const shape = (family: string) => (r: IpRoute) => ({ family, destination: r.dst, gateway: r.gateway ?? "", device: r.dev ?? "", source: r.prefsrc ?? "", metric: r.metric ?? 0 });
    return { routes: [...ipJson<IpRoute[]>(["-4", "route", "show"]).map(shape("inet")), ...ipJson<IpRoute[]>(["-6", "route", "show"]).map(shape("inet6"))] };
  },
});
