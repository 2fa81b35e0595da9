/**
 * @module lib/cli/rollback
 * `aiosctl rollback EXECUTION_ID`: undo a reversible tool call from its backup, with the
 * authority of the agent that made it. The undo goes through the tools' pipeline like the call
 * did: when it is risky enough to need a person's approval, the person running aiosctl is asked
 * (or gives it ahead with --yes) and the approval is recorded under their name.
 */
import { AuditEntry, type RollbackResponse, ToolsServiceDefinition } from "../rpc/gen/aios/v1/tools.ts";
import { type ToolsClient, withPersonsApproval } from "./approve.ts";
import { json, runCommand, usageError } from "./command.ts";

export function rollbackCommand(argv: readonly string[]): Promise<number> {
  return runCommand(
    argv,
    {
      name: "rollback",
      usage: "aiosctl rollback EXECUTION_ID [--yes]",
      summary: "undo a reversible tool call (a file write, a firewall change) from its backup",
      flags: {
        reason: { type: "string", help: "why, for the audit ledger" },
        yes: { type: "boolean", help: "approve the undo yourself if it needs approval (else you are asked)" },
      },
      component: "tools",
      service: ToolsServiceDefinition,
    },
    async (c, { positionals, values }) => {
      const [executionId] = positionals;
      if (!executionId || positionals.length !== 1) return usageError("rollback", "give one execution id (aiosctl audit lists them, --json shows executionId)");
      const { entries } = await c.queryAudit({ executionId, pageSize: 1, agent: "", tool: "", goalId: "", pageToken: "" });
      const entry = entries[0];
      if (!entry) {
        process.stderr.write(`aiosctl rollback: no execution ${executionId} in the audit ledger (aiosctl audit lists them)\n`);
        return 1;
      }
      const by = process.env.SUDO_USER || process.env.USER || "root";
      // Undoing a call needs what doing it needed: a short-lived token of the agent that made it.
      const { token } = await c.issueCapabilityToken({ agent: entry.agent, goalId: entry.goalId, taskId: entry.taskId, capabilities: [], ttlMs: 120_000 });
      const request = { executionId, capabilityToken: token, reason: String(values.reason ?? `rollback by human:${by} with aiosctl`), approvalId: "", timeoutMs: 0 };
      const r = await undo(c, request, Boolean(values.yes), by);
      if (!r) return 1;
      if (values.json) json({ executionId: r.executionId, summary: r.summary, undid: AuditEntry.toJSON(entry) });
      else process.stdout.write(`${entry.tool} ${executionId} undone: ${r.summary}\n(audited as ${r.executionId})\n`);
      return 0;
    },
  );
}

/** The undo, asking the person first when it needs approval; null when they said no or could not be asked. */
function undo(c: ToolsClient, request: Parameters<ToolsClient["rollback"]>[0], yes: boolean, by: string): Promise<RollbackResponse | null> {
  return withPersonsApproval(c, (approvalId) => c.rollback({ ...request, approvalId }), { yes, by, command: "rollback", what: "the undo" });
}
