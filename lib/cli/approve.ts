/**
 * @module lib/cli/approve
 * A tool call made by a person through aiosctl that needs approval: the tools service holds it
 * (FAILED_PRECONDITION with aios-approval-id), the person at the terminal is asked (or said yes
 * ahead with --yes), the answer is recorded under their name, and the call is made again with
 * the approval. Answered either way, so no approval is left pending that nothing will use.
 */
import type { ToolsServiceDefinition } from "../rpc/gen/aios/v1/tools.ts";
import { AiosError, type ServiceClient } from "../rpc/index.ts";
import { askYesNo } from "./ask.ts";

export type ToolsClient = ServiceClient<typeof ToolsServiceDefinition>;

/** The call's result, or null when the person said no or could not be asked (the reason is printed). */
export async function withPersonsApproval<T>(tools: ToolsClient, call: (approvalId: string) => Promise<T>, options: { yes: boolean; by: string; command: string; what: string }): Promise<T | null> {
  try {
    return await call("");
  } catch (error) {
    const approvalId = error instanceof AiosError && error.code === "failed_precondition" ? error.details["approval-id"] : undefined;
    if (!approvalId) throw error;
    const question = (error as AiosError).message.split(":")[0];
    const approve = options.yes || (process.stdin.isTTY && (await askYesNo(`${question}.\nApprove ${options.what} as ${options.by}?`)));
    await tools.decideApproval({ approvalId, approve, decidedBy: `human:${options.by}` });
    if (!approve) {
      process.stderr.write(process.stdin.isTTY ? "not done\n" : `aiosctl ${options.command}: ${question}.\nRun it again with --yes to approve ${options.what} yourself.\n`);
      return null;
    }
    return call(approvalId);
  }
}
