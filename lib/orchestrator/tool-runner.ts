/**
 * @module lib/orchestrator/tool-runner
 * Tool calls on behalf of an agent's task, through aios-tools only: a capability token for
 * that agent and task (minted by aios-tools from the agent's grants, never more), a durable
 * "started" marker before the call and its result after (so a restart knows which calls may
 * have run), and approvals: a call aios-tools holds for a human comes back as an approval id.
 */
import { type AiosError, type ServiceClient } from "../rpc/index.ts";
import type { AutonomyLevel } from "../rpc/gen/aios/v1/common.ts";
import type { ToolsServiceDefinition } from "../rpc/gen/aios/v1/tools.ts";
import type { AgentKind } from "./agents.ts";
import type { ToolInfo } from "./plan.ts";
import type { OrchestratorStore } from "./store.ts";

export type ToolOutcome =
  /** backupId: the call can be undone (aiosctl rollback EXECUTION_ID). */
  | { kind: "done"; executionId: string; ok: boolean; output: Record<string, unknown>; error: string; backupId?: string }
  | { kind: "approval"; approvalId: string }
  /** The call itself was refused (no such tool, bad input, capability missing): an observation too. */
  | { kind: "refused"; code: string; message: string };

export interface ToolCallRequest {
  goalId: string;
  taskId: string;
  agent: AgentKind;
  autonomy: AutonomyLevel;
  tool: string;
  input: Record<string, unknown>;
  reason: string;
  /** Unique per call within the task (the model's call id, or "direct-N"). */
  callId: string;
  approvalId?: string;
  signal: AbortSignal;
}

/** What the caller writes with the call's markers, in their commits. */
export interface ToolCallWrites {
  /** Written in the commit of the "started" marker (the call's event). */
  withStart?: () => void;
  /** Written in the commit of the marker's end (the result's event, the task's ids). */
  withFinish?: (outcome: ToolOutcome) => void;
}

const TOKEN_TTL_MS = 15 * 60_000;
const TOKEN_MARGIN_MS = 60_000;

export class ToolRunner {
  private readonly tokens = new Map<string, { token: string; expiresAt: number }>();

  constructor(
    private readonly tools: ServiceClient<typeof ToolsServiceDefinition>,
    private readonly store: OrchestratorStore,
    readonly catalogue: () => ReadonlyMap<string, ToolInfo>,
  ) {}

  private async token(request: ToolCallRequest): Promise<string> {
    const key = `${request.goalId}/${request.taskId}/${request.agent.kind}/${request.autonomy}`;
    const cached = this.tokens.get(key);
    if (cached && cached.expiresAt - TOKEN_MARGIN_MS > Date.now()) return cached.token;
    const issued = await this.tools.issueCapabilityToken(
      // No list: the token carries everything aios-tools holds for the agent, its config and
      // the grants a person made since (aiosctl grant), less what was revoked.
      { agent: request.agent.kind, goalId: request.goalId, taskId: request.taskId, capabilities: [], ttlMs: TOKEN_TTL_MS, autonomy: request.autonomy },
      { signal: request.signal },
    );
    this.tokens.set(key, { token: issued.token, expiresAt: issued.expiresAt?.getTime() ?? Date.now() + TOKEN_TTL_MS });
    return issued.token;
  }

  forgetTask(goalId: string, taskId: string): void {
    for (const key of this.tokens.keys()) if (key.startsWith(`${goalId}/${taskId}/`)) this.tokens.delete(key);
  }

  async call(request: ToolCallRequest, writes: ToolCallWrites = {}): Promise<ToolOutcome> {
    const markerId = `${request.goalId}/${request.taskId}/${request.callId}`;
    const info = this.catalogue().get(request.tool);
    // The token is asked for first: aios-tools signs it while the marker's commit waits for
    // the disk (the token is no permission to run anything before the marker is written).
    const token = this.token(request);
    // Handled where it is awaited; this keeps an early rejection from going unobserved.
    token.catch(() => undefined);
    this.store.transaction(() => {
      writes.withStart?.();
      this.store.startToolCall({
        id: markerId,
        goalId: request.goalId,
        taskId: request.taskId,
        tool: request.tool,
        input: request.input,
        idempotent: info?.idempotent ?? false,
        callId: request.callId,
      });
    });
    // The marker's start waits for the disk before the call (a power cut after it must not
    // let the call run again unseen); its end need not: lost, it leaves a started marker, and
    // a call whose outcome is unknown is asked about before it runs again.
    const finish = (outcome: ToolOutcome, marker: Record<string, unknown>): ToolOutcome => {
      this.store.transaction(
        () => {
          this.store.finishToolCall(markerId, marker);
          writes.withFinish?.(outcome);
        },
        { flush: false },
      );
      return outcome;
    };
    let outcome: ToolOutcome;
    try {
      const response = await this.tools.execute(
        {
          tool: request.tool,
          input: request.input,
          capabilityToken: await token,
          approvalId: request.approvalId ?? "",
          goalId: request.goalId,
          taskId: request.taskId,
          reason: request.reason.slice(0, 1000),
          timeoutMs: 0,
        },
        { signal: request.signal, timeoutMs: 30 * 60_000 },
      );
      outcome = {
        kind: "done",
        executionId: response.executionId,
        ok: response.ok,
        output: response.output ?? {},
        error: response.error ? `${response.error.code}: ${response.error.message}` : "",
        ...(response.backupId ? { backupId: response.backupId } : {}),
      };
    } catch (error) {
      const e = error as AiosError;
      if (request.signal.aborted) throw error;
      if (e.code === "failed_precondition" && e.details?.["approval-id"]) {
        // Held by aios-tools: nothing ran, so the marker is cleared.
        return finish({ kind: "approval", approvalId: e.details["approval-id"] }, { held: e.details["approval-id"] });
      }
      if (e.code === "invalid_argument" || e.code === "permission_denied" || e.code === "not_found" || e.code === "failed_precondition") {
        outcome = { kind: "refused", code: e.code, message: e.message };
      } else {
        // UNAVAILABLE and the like: the call may or may not have run; the marker stays.
        throw error;
      }
    }
    return finish(outcome, outcome as unknown as Record<string, unknown>);
  }
}
