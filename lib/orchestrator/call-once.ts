/**
 * @module lib/orchestrator/call-once
 * One tool call made exactly once, whoever makes it (a task's direct call or an agent loop's
 * call): an outcome recorded before a restart is used, not made again; a call cut off in
 * flight whose tool is not idempotent runs again only if a person says so; a call held for
 * approval waits for the person's answer, then is made with the approval, as often as aios-tools
 * holds it.
 */
import type { ApprovalDecision } from "./agent-loop.ts";
import type { ToolOutcome } from "./tool-runner.ts";

/** What the store knows of a call from before a restart. */
export type Recorded = { outcome: ToolOutcome } | { heldFor: string } | { unknown: true; idempotent: boolean } | null;

export type CallEnd =
  /** The call's outcome: done (ok or not) or refused; never "approval". */
  | { outcome: Exclude<ToolOutcome, { kind: "approval" }> }
  /** A person said no: to running it again after a restart, or to the call itself. */
  | { declined: "rerun" | "approval"; decision: ApprovalDecision };

export async function callOnce(options: {
  recorded: Recorded;
  askToRerun(): Promise<ApprovalDecision>;
  awaitApproval(approvalId: string): Promise<ApprovalDecision>;
  call(approvalId?: string): Promise<ToolOutcome>;
}): Promise<CallEnd> {
  let outcome: ToolOutcome | null = options.recorded && "outcome" in options.recorded ? options.recorded.outcome : null;
  let approvalId = options.recorded && "heldFor" in options.recorded ? options.recorded.heldFor : undefined;
  if (options.recorded && "unknown" in options.recorded && !options.recorded.idempotent) {
    const decision = await options.askToRerun();
    if (!decision.approved) return { declined: "rerun", decision };
  }
  for (;;) {
    if (!outcome && approvalId) {
      const decision = await options.awaitApproval(approvalId);
      if (!decision.approved) return { declined: "approval", decision };
    }
    outcome ??= await options.call(approvalId);
    if (outcome.kind !== "approval") return { outcome };
    approvalId = outcome.approvalId;
    outcome = null;
  }
}
