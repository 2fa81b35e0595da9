import * as v from "valibot";
import { parseCapability } from "../../capability.ts";
import { defineTool } from "../../registry.ts";
import { toolError } from "../../tool-error.ts";

const Agent = v.pipe(v.string(), v.regex(/^[a-z][a-z0-9-]{0,62}$/, "must be an agent kind"));
const CapabilityText = v.pipe(
  v.string(),
  v.check((text) => {
    try {
      parseCapability(text);
      return true;
    } catch {
      return false;
    }
  }, "must be a capability: namespace:action[:resource-glob]"),
);
const Grant = v.object({ id: v.string(), agent: v.string(), capability: v.string(), granted_by: v.string(), from_config: v.boolean() });

export const secGrant = defineTool({
  name: "sec.grant",
  description: "Grant another agent kind a capability (never the calling agent itself), optionally for a limited time.",
  input: v.strictObject({ agent: Agent, capability: CapabilityText, reason: v.pipe(v.string(), v.nonEmpty("say why")), ttl_ms: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0)), 0) }),
  output: Grant,
  risk: "critical",
  capability: "sec:grant",
  readOnly: false,
  idempotent: false,
  reversible: false,
  timeoutMs: 10_000,
  resources: (input) => [input.agent],
  run(input, ctx) {
    if (input.agent === ctx.agent) throw toolError("permission", "an agent cannot grant itself a capability");
    const g = ctx.grants.grant(input.agent, input.capability, `agent:${ctx.agent}`, input.reason, input.ttl_ms);
    return { id: g.id, agent: g.agent, capability: g.capability, granted_by: g.granted_by, from_config: false };
  },
});

export const secRevoke = defineTool({
  name: "sec.revoke",
  description: "Revoke a capability grant by its id (grants from an agent's TOML are changed in the file).",
  input: v.strictObject({ grant_id: v.pipe(v.string(), v.startsWith("grant_", "must be a grant id (grant_...)")) }),
  output: Grant,
  risk: "high",
  capability: "sec:revoke",
  readOnly: false,
  idempotent: false,
  reversible: false,
  timeoutMs: 10_000,
  resources: () => [],
  run(input, ctx) {
    const g = ctx.grants.revoke(input.grant_id);
    return { id: g.id, agent: g.agent, capability: g.capability, granted_by: g.granted_by, from_config: false };
  },
});

export const secListCapabilities = defineTool({
  name: "sec.list_capabilities",
  description: "The capabilities each agent kind holds, from its TOML and from grants.",
  input: v.strictObject({ agent: v.optional(Agent) }),
  output: v.object({ grants: v.array(Grant) }),
  risk: "low",
  capability: "sec:read",
  readOnly: true,
  idempotent: true,
  reversible: false,
  timeoutMs: 10_000,
  resources: () => [],
  run: (input, ctx) => ({ grants: ctx.grants.list(input.agent).map(({ id, agent, capability, granted_by, from_config }) => ({ id, agent, capability, granted_by, from_config })) }),
});
