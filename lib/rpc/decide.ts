/**
 * @module lib/rpc/decide
 * A person's answer to an approval, as aiosctl and the console give it. A tool call's approval
 * is kept by aios-tools, which takes a yes only from a person (lib/rpc/authorization): the yes
 * goes there first, then to the orchestrator, whose task is waiting. A no goes only to the
 * orchestrator, which passes it on. An approval that is not a tool call's (a plan's) is
 * unknown to aios-tools and is the orchestrator's alone.
 */
import type { Approval, OrchestratorServiceDefinition } from "./gen/aios/v1/orchestrator.ts";
import type { ToolsServiceDefinition } from "./gen/aios/v1/tools.ts";
import type { ServiceClient } from "./client.ts";
import { AiosError } from "./errors.ts";

export async function decideApproval(
  clients: { tools: ServiceClient<typeof ToolsServiceDefinition>; orchestrator: ServiceClient<typeof OrchestratorServiceDefinition> },
  answer: { approvalId: string; approve: boolean; by: string; note: string },
): Promise<Approval | undefined> {
  if (answer.approve) {
    try {
      await clients.tools.decideApproval({ approvalId: answer.approvalId, approve: true, decidedBy: answer.by });
    } catch (error) {
      // Not a tool call's approval (NOT_FOUND), or a yes already given there by an earlier try
      // that did not reach the orchestrator (FAILED_PRECONDITION): the orchestrator decides.
      if (!(error instanceof AiosError) || (error.code !== "not_found" && error.code !== "failed_precondition")) throw error;
    }
  }
  const { approval } = await clients.orchestrator.resolveApproval({ approvalId: answer.approvalId, approve: answer.approve, resolvedBy: answer.by, note: answer.note });
  return approval;
}
