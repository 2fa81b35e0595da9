import * as v from "valibot";
import { AUDIT_RESULTS } from "../../audit.ts";
import { defineTool } from "../../registry.ts";

export const secAuditQuery = defineTool({
  name: "sec.audit_query",
  description: "Recent entries of the tool audit ledger, newest first, filtered by agent, tool, goal or result.",
  input: v.strictObject({
    agent: v.optional(v.string()),
    tool: v.optional(v.string()),
    goal_id: v.optional(v.string()),
    result: v.optional(v.picklist(AUDIT_RESULTS)),
    limit: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(1000)), 50),
  }),
  output: v.object({
    entries: v.array(v.object({ seq: v.number(), time: v.string(), agent: v.string(), tool: v.string(), result: v.string(), error: v.string(), goal_id: v.string(), reason: v.string() })),
  }),
  risk: "low",
  capability: "sec:audit",
  readOnly: true,
  idempotent: true,
  reversible: false,
  timeoutMs: 10_000,
  resources: () => [],
  run: (input, ctx) => ({
    entries: ctx.audit
      .query({ agent: input.agent, tool: input.tool, goal_id: input.goal_id, result: input.result }, input.limit)
      .map(({ seq, time, agent, tool, result, error, goal_id, reason }) => ({ seq, time, agent, tool, result, error, goal_id, reason })),
  }),
});

export const secAuditVerify = defineTool({
  name: "sec.audit_verify",
  description: "Recompute the audit ledger's hash chain; names the first entry that was edited, removed or reordered.",
  input: v.strictObject({}),
  output: v.object({ ok: v.boolean(), checked: v.number(), first_broken_seq: v.number(), reason: v.string() }),
  risk: "low",
  capability: "sec:audit",
  readOnly: true,
  idempotent: true,
  reversible: false,
  timeoutMs: 120_000,
  resources: () => [],
  run(_input, ctx) {
    const result = ctx.audit.verify();
    return { ok: result.ok, checked: result.checked, first_broken_seq: result.firstBrokenSeq, reason: result.reason };
  },
});
