import * as v from "valibot";
import { canConnect } from "../../../rpc/index.ts";
import { defineTool } from "../../registry.ts";
import { Host, Port } from "./common.ts";

export const netPortCheck = defineTool({
  name: "net.port_check",
  description: "Whether a TCP port on a host accepts connections (within one second).",
  input: v.strictObject({ host: v.optional(Host, "127.0.0.1"), port: Port }),
  output: v.object({ host: v.string(), port: v.number(), open: v.boolean() }),
  risk: "low",
  capability: "net:connect",
  readOnly: true,
  idempotent: true,
  reversible: false,
  timeoutMs: 5_000,
  resources: (input) => [`${input.host}:${input.port}`],
  run: async (input) => ({ host: input.host, port: input.port, open: await canConnect({ host: input.host, port: input.port }) }),
});
