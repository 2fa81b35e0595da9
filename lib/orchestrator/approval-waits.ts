/**
 * @module lib/orchestrator/approval-waits
 * A task that waits for a person: the approval aios-tools holds for a risky call, or the
 * question whether to run again a call a restart cut off. The task waits (waiting_approval)
 * until a person answers, the approval expires (a no), or the goal is cancelled.
 */
import type { ToolCall } from "../rpc/gen/aios/v1/gateway.ts";
import { ApprovalState, Severity } from "../rpc/gen/aios/v1/common.ts";
import { EventKind } from "../rpc/gen/aios/v1/orchestrator.ts";
import { failedPrecondition, notFound } from "../rpc/index.ts";
import type { ApprovalDecision } from "./agent-loop.ts";
import type { AgentKind } from "./agents.ts";
import { type Catalogue, type EngineOptions, newId } from "./context.ts";
import type { ApprovalRow, GoalRow, TaskRow } from "./store.ts";
import type { Transitions } from "./transitions.ts";

export class ApprovalWaits {
  private readonly waiters = new Map<string, (decision: ApprovalDecision) => void>();

  constructor(
    private readonly options: EngineOptions,
    private readonly catalogue: Catalogue,
    private readonly transitions: Transitions,
  ) {}

  async awaitApproval(goal: GoalRow, task: TaskRow, approvalId: string, signal: AbortSignal): Promise<ApprovalDecision> {
    let approval = this.options.store.approval(approvalId);
    if (!approval) {
      const held = (await this.options.clients.tools.getApproval({ approvalId }, { signal })).approval;
      approval = {
        id: approvalId,
        goalId: goal.id,
        taskId: task.id,
        agent: task.agent,
        tool: held?.tool ?? "",
        input: held?.input ?? {},
        risk: held?.risk ?? 0,
        reason: held?.reason || task.description,
        state: ApprovalState.APPROVAL_STATE_PENDING,
        requestedAt: Date.now(),
        expiresAt: held?.expiresAt?.getTime() ?? Date.now() + this.options.approvalTtlMs,
        resolvedAt: null,
        resolvedBy: "",
        note: "",
        kind: "tool",
        callId: "",
      };
      this.options.store.insertApproval(approval);
      this.options.events.emit(
        {
          kind: EventKind.EVENT_KIND_APPROVAL_REQUESTED,
          goalId: goal.id,
          taskId: task.id,
          message: `${approval.tool} needs a human's approval (approval ${approval.id})`,
          data: { approval_id: approval.id, tool: approval.tool, risk: approval.risk },
        },
        Severity.SEVERITY_WARNING,
      );
    }
    return this.waitForDecision(goal, task, approval, signal);
  }

  async askToRerun(goal: GoalRow, task: TaskRow, agent: AgentKind, call: ToolCall, signal: AbortSignal): Promise<ApprovalDecision> {
    const existing = this.options.store.approvals({ states: [], goalId: goal.id, offset: 0, limit: 1000 }).find((a) => a.kind === "resume" && a.taskId === task.id && a.callId === call.id);
    const approval: ApprovalRow = existing ?? {
      id: newId("resume"),
      goalId: goal.id,
      taskId: task.id,
      agent: agent.kind,
      tool: call.name,
      input: JSON.parse(call.argumentsJson || "{}") as Record<string, unknown>,
      risk: this.catalogue().get(call.name)?.risk ?? 0,
      reason: `aios-orchestrator restarted while ${call.name} was running; it is not known whether it ran. Approve to run it again, deny to stop the task.`,
      state: ApprovalState.APPROVAL_STATE_PENDING,
      requestedAt: Date.now(),
      expiresAt: Date.now() + this.options.approvalTtlMs,
      resolvedAt: null,
      resolvedBy: "",
      note: "",
      kind: "resume",
      callId: call.id,
    };
    if (!existing) {
      this.options.store.insertApproval(approval);
      this.options.events.emit(
        { kind: EventKind.EVENT_KIND_APPROVAL_REQUESTED, goalId: goal.id, taskId: task.id, message: approval.reason, data: { approval_id: approval.id, tool: call.name, resume: true } },
        Severity.SEVERITY_WARNING,
      );
    }
    const decision = await this.waitForDecision(goal, task, approval, signal);
    // Either way the old marker is settled: a rerun gets a fresh one.
    this.options.store.deleteToolCall(`${goal.id}/${task.id}/${call.id}`);
    return decision;
  }

  async waitForDecision(goal: GoalRow, task: TaskRow, approval: ApprovalRow, signal: AbortSignal): Promise<ApprovalDecision> {
    if (approval.state !== ApprovalState.APPROVAL_STATE_PENDING) {
      return { approved: approval.state === ApprovalState.APPROVAL_STATE_APPROVED, by: approval.resolvedBy || "expiry", note: approval.note };
    }
    this.transitions.setTask(goal, task, "waiting_approval", `waiting for approval ${approval.id} of ${approval.tool}`);
    const decision = await new Promise<ApprovalDecision>((resolve, reject) => {
      this.waiters.set(approval.id, resolve);
      signal.addEventListener("abort", () => reject(signal.reason), { once: true });
    }).finally(() => this.waiters.delete(approval.id));
    this.transitions.setTask(goal, task, "running", decision.approved ? `approved by ${decision.by}` : `denied by ${decision.by}`);
    return decision;
  }

  async resolve(id: string, approve: boolean, by: string, note: string): Promise<ApprovalRow> {
    const approval = this.options.store.approval(id);
    if (!approval) throw notFound(`no approval "${id}"`);
    if (approval.state !== ApprovalState.APPROVAL_STATE_PENDING) throw failedPrecondition(`approval ${id} is no longer pending (${ApprovalState[approval.state]})`);
    // A tool call's approval is kept by aios-tools, which takes a yes only from a person: the
    // person's client answers there first (lib/rpc/decide), and this checks it was; a no the
    // orchestrator passes on itself.
    if (approval.kind === "tool" && !approve) await this.options.clients.tools.decideApproval({ approvalId: id, approve, decidedBy: by });
    if (approval.kind === "tool" && approve) {
      const held = (await this.options.clients.tools.getApproval({ approvalId: id })).approval;
      if (held?.state !== ApprovalState.APPROVAL_STATE_APPROVED)
        throw failedPrecondition(`approval ${id} has not been approved at aios-tools: approve it with aiosctl approve ${id} or in the console`);
    }
    const state = approve ? ApprovalState.APPROVAL_STATE_APPROVED : ApprovalState.APPROVAL_STATE_DENIED;
    this.options.store.resolveApproval(id, state, by, note, Date.now());
    this.options.events.emit({
      kind: EventKind.EVENT_KIND_APPROVAL_RESOLVED,
      goalId: approval.goalId,
      taskId: approval.taskId,
      message: `${approval.tool} ${approve ? "approved" : "denied"} by ${by}${note ? `: ${note}` : ""}`,
      actorKind: "human",
      actorId: by,
      data: { approval_id: id, approved: approve },
    });
    this.waiters.get(id)?.({ approved: approve, by, note });
    return this.options.store.approval(id)!;
  }

  expire(): void {
    const now = Date.now();
    for (const approval of this.options.store.approvals({ states: [ApprovalState.APPROVAL_STATE_PENDING], goalId: "", offset: 0, limit: 1000 })) {
      if (approval.expiresAt > now) continue;
      this.options.store.resolveApproval(approval.id, ApprovalState.APPROVAL_STATE_EXPIRED, "expiry", "nobody answered in time", now);
      this.options.events.emit(
        {
          kind: EventKind.EVENT_KIND_APPROVAL_RESOLVED,
          goalId: approval.goalId,
          taskId: approval.taskId,
          message: `${approval.tool}: approval ${approval.id} expired unanswered; treated as denied`,
          data: { approval_id: approval.id, approved: false },
        },
        Severity.SEVERITY_WARNING,
      );
      this.waiters.get(approval.id)?.({ approved: false, by: "expiry", note: "nobody answered in time" });
    }
  }
}
