/**
 * @module lib/orchestrator/task-runs
 * A goal's tasks run as a DAG: each task runs its one direct call (reactive plans, learned
 * procedures) or an agent loop with a model; a failure is retried with backoff, then
 * escalated one layer up, then fails (its dependants are skipped). Every tool call is recorded
 * before it is sent and its outcome after, so a restart neither loses nor silently repeats
 * one.
 */
import { AiosError } from "../rpc/index.ts";
import type { ChatMessage, ToolCall } from "../rpc/gen/aios/v1/gateway.ts";
import { ApprovalState, type AutonomyLevel } from "../rpc/gen/aios/v1/common.ts";
import { EventKind } from "../rpc/gen/aios/v1/orchestrator.ts";
import { runAgentLoop } from "./agent-loop.ts";
import { callOnce, type Recorded } from "./call-once.ts";
import type { AgentKind } from "./agents.ts";
import type { ApprovalWaits } from "./approval-waits.ts";
import { type Catalogue, type EngineOptions, RESULT_CHARS, systemAutonomy, TaskFailure } from "./context.ts";
import { runDag } from "./dag.ts";
import type { GoalPlanner } from "./goal-planner.ts";
import { formatOutput } from "./outcomes.ts";
import { LAYER_ORDER, type ModelLayer, PROTO_LAYER } from "./planner.ts";
import { type EventRow, type GoalRow, type TaskRow } from "./store.ts";
import type { ToolOutcome, ToolRunner } from "./tool-runner.ts";
import type { Transitions } from "./transitions.ts";
import { redactSecrets } from "./redact.ts";
import { bindInput, outputNeededLater, sayOutput } from "./understanding/steps.ts";

/** How a task's work ended: what it returned, or what it threw. */
type TaskOutcome = { result: string } | { error: unknown };

export class TaskRuns {
  /** When a retrying task may run again, by "goal/task". */
  private readonly retryAt = new Map<string, number>();
  /** The event id of each task's last tool result, the cause of its next state. */
  private readonly lastResult = new Map<string, string>();

  constructor(
    private readonly options: EngineOptions,
    private readonly catalogue: Catalogue,
    private readonly runner: ToolRunner,
    private readonly transitions: Transitions,
    private readonly planner: GoalPlanner,
    private readonly approvals: ApprovalWaits,
  ) {}

  async runTasks(goal: GoalRow, signal: AbortSignal): Promise<void> {
    const { store } = this.options;
    await runDag<TaskOutcome>(store.tasks(goal.id), {
      maxParallel: this.options.settings.max_parallel_tasks,
      signal,
      // A step's commit does not wait for the disk: the call marker of any tool call that
      // follows does, and flushes the step with it (OrchestratorStore.transaction).
      step: (writes) => store.transaction(writes, { flush: false }),
      begin: (task) => this.beginTask(goal, task),
      work: (task) => this.workTask(goal, task, signal),
      end: (task, outcome) => this.endTask(goal, task, outcome, signal),
      skip: (task, reason) => this.transitions.setTask(goal, task, "skipped", reason, { finishedAt: Date.now() }),
      retryAt: (task) => this.retryAt.get(`${goal.id}/${task.id}`) ?? Date.now(),
    });
    for (const task of store.unfinishedTasks(goal.id)) this.transitions.setTask(goal, task, "skipped", "its dependencies cannot finish", { finishedAt: Date.now() });
  }

  /** The task runs now: its attempt is counted and its state written (not for a task resuming its wait for approval). */
  beginTask(goal: GoalRow, task: TaskRow): void {
    const resuming = task.state === "waiting_approval" || task.conversation !== null;
    const attempts = resuming && task.attempts > 0 ? task.attempts : task.attempts + 1;
    if (task.state !== "waiting_approval") this.transitions.setTask(goal, task, "running", `attempt ${attempts} at the ${task.layer} layer`, { attempts, startedAt: task.startedAt ?? Date.now() });
  }

  /** What the task does: its direct call or its agent loop. Its end is written by endTask. */
  async workTask(goal: GoalRow, task: TaskRow, signal: AbortSignal): Promise<TaskOutcome> {
    try {
      const agent = this.options.agents.get(task.agent);
      if (!agent) throw new TaskFailure(`agent "${task.agent}" is not configured (/etc/aios/agents)`, true);
      const result = this.options.executor
        ? await this.options.executor(goal, task, signal)
        : task.layer === "reactive" && task.call
          ? await this.runDirect(goal, task, agent, signal)
          : await this.runWithModel(goal, task, agent, signal);
      return { result };
    } catch (error) {
      return { error };
    }
  }

  /**
   * Writes where the task's work left it (succeeded, or its failure's next state) and returns
   * the task as stored. Called inside a scheduling step: all it writes is one commit.
   */
  endTask(goal: GoalRow, task: TaskRow, outcome: TaskOutcome, signal: AbortSignal): TaskRow {
    if ("result" in outcome) {
      this.runner.forgetTask(goal.id, task.id);
      // Its call markers go with its success: a kill -9 between them would leave a running
      // task whose call looked never started.
      this.options.store.clearToolCalls(goal.id, task.id);
      // The row in hand, its state made current by setTask: a task that succeeded never runs
      // again, so what its work wrote to the row besides (a bound call) is not needed here.
      this.transitions.setTask(goal, task, "succeeded", "done", { result: outcome.result.slice(0, RESULT_CHARS), finishedAt: Date.now() }, this.causeOf(goal, task));
      return task;
    }
    const { error } = outcome;
    if (signal.aborted) return this.options.store.task(goal.id, task.id)!;
    const failure = error instanceof TaskFailure ? error : new TaskFailure(error instanceof AiosError ? `${error.code}: ${error.message}` : (error as Error).message);
    // A call cut off in flight (aios-tools died or the deadline passed) may have run: its
    // started marker stays, so the retry asks a human before running it again. A call that
    // never reached aios-tools (nothing listening) did not run.
    const unknownOutcome = error instanceof AiosError && (error.code === "unavailable" || error.code === "deadline_exceeded") && !error.message.startsWith("cannot reach");
    if (!unknownOutcome) this.options.store.clearToolCalls(goal.id, task.id);
    return this.failTask(goal, task, failure);
  }

  /** Writes the failed attempt's next state (failed, retrying or escalated) and returns the task as stored. */
  failTask(goal: GoalRow, task: TaskRow, failure: TaskFailure): TaskRow {
    const fresh = this.options.store.task(goal.id, task.id)!;
    if (failure.final) {
      this.transitions.setTask(goal, fresh, "failed", failure.message, { finishedAt: Date.now(), conversation: null }, this.causeOf(goal, task));
      return fresh;
    }
    if (fresh.attempts <= this.options.settings.task_retries) {
      const delay = this.options.settings.task_retry_base_ms * 2 ** (fresh.attempts - 1);
      this.retryAt.set(`${goal.id}/${task.id}`, Date.now() + delay);
      this.transitions.setTask(goal, fresh, "retrying", `attempt ${fresh.attempts} failed (${failure.message}); retrying in ${delay} ms`, { conversation: null }, this.causeOf(goal, task));
      return fresh;
    }
    const next = fresh.layer === "reactive" ? "operational" : LAYER_ORDER[LAYER_ORDER.indexOf(fresh.layer as ModelLayer) + 1];
    if (next) {
      this.transitions.setTask(
        goal,
        fresh,
        "pending",
        `escalated from the ${fresh.layer} to the ${next} layer after ${fresh.attempts} failed attempts (${failure.message})`,
        {
          layer: next,
          attempts: 0,
          escalations: fresh.escalations + 1,
          conversation: null,
        },
        this.causeOf(goal, task),
      );
      return fresh;
    }
    this.transitions.setTask(goal, fresh, "failed", `failed at every layer; last: ${failure.message}`, { finishedAt: Date.now(), conversation: null }, this.causeOf(goal, task));
    return fresh;
  }

  async runDirect(goal: GoalRow, task: TaskRow, agent: AgentKind, signal: AbortSignal): Promise<string> {
    let call = task.call!;
    // What the steps before it returned, for a step that acts on them or says them.
    const earlier = call.answer ? task.dependsOn.map((id) => this.options.store.task(goal.id, id)?.call?.output ?? null) : [];
    if (call.answer && !call.bound) {
      // A step that acts on what the steps before it found: its input is made once and
      // written before the call, so a restart or an approval sees the same call.
      const bound = bindInput(call.answer, earlier);
      if (bound && "nothing" in bound) return bound.nothing;
      if (bound && "error" in bound) throw new TaskFailure(bound.error, true);
      if (bound) {
        call = { ...call, input: bound.input, bound: true };
        this.options.store.updateTask(goal.id, task.id, { call });
      }
    }
    // One id for the task's one call, whatever the attempt: a restart or a retry after an
    // unknown outcome finds the started marker and asks before running it again.
    const callId = "direct";
    const toolCall: ToolCall = { id: callId, name: call.tool, argumentsJson: JSON.stringify(call.input) };
    const end = await callOnce({
      recorded: this.recorded(goal, task, toolCall),
      askToRerun: () => this.approvals.askToRerun(goal, task, agent, toolCall, signal),
      awaitApproval: (approvalId) => this.approvals.awaitApproval(goal, task, approvalId, signal),
      call: (approvalId) => this.callTool(goal, task, agent, toolCall, call.input, signal, approvalId),
    });
    if ("declined" in end) {
      const { by, note } = end.decision;
      throw new TaskFailure(
        end.declined === "rerun" ? `${by} decided not to run ${call.tool} again after a restart${note ? `: ${note}` : ""}` : `${call.tool} was denied by ${by}${note ? `: ${note}` : ""}`,
        true,
      );
    }
    const outcome = end.outcome;
    if (outcome.kind === "refused") throw new TaskFailure(`${call.tool} was refused: ${outcome.message}`, ["permission_denied", "invalid_argument", "not_found"].includes(outcome.code));
    // A file that is not there, a permission the machine refuses, a name taken: asking again
    // gives the same answer, so it is the answer (a timeout or an I/O error may pass).
    if (!outcome.ok) throw new TaskFailure(`${call.tool} failed: ${outcome.error}`, /^(not_found|permission|conflict|invalid|too_large):/.test(outcome.error));
    if (call.answer && outputNeededLater(call.answer)) this.options.store.updateTask(goal.id, task.id, { call: { ...call, output: outcome.output } });
    const said = (call.answer && sayOutput(call.answer, outcome.output, earlier)) ?? formatOutput(call.tool, outcome.output);
    // An effect ends with how to take it back.
    return outcome.backupId ? `${said}\nundo: aiosctl rollback ${outcome.executionId}` : said;
  }

  async runWithModel(goal: GoalRow, task: TaskRow, agent: AgentKind, signal: AbortSignal): Promise<string> {
    const layers = await this.planner.availableLayers();
    if (!layers.includes(task.layer as ModelLayer)) throw new TaskFailure(`no model can answer at the ${task.layer} layer`);
    const tools = [...this.catalogue().values()].filter((tool) => agent.toolNamespaces.includes(tool.namespace));
    const infer = this.planner.inferFor(goal, task.id, signal);
    const result = await runAgentLoop({
      goalText: goal.text,
      task,
      agent,
      tools,
      memoryContext: task.conversation ? "" : await this.planner.memoryContext(`${goal.text}\n${task.description}`, signal),
      conversation: task.conversation as ChatMessage[] | null,
      toolOutputChars: this.options.settings.tool_output_chars,
      infer: (messages, definitions) => infer({ layer: PROTO_LAYER[task.layer], messages, tools: definitions, maxTokens: 1024, purpose: "agent-step" }),
      callTool: (call, input, approvalId) => this.callTool(goal, task, agent, call, input, signal, approvalId),
      recorded: (call) => this.recorded(goal, task, call),
      awaitApproval: (approvalId) => this.approvals.awaitApproval(goal, task, approvalId, signal),
      askToRerun: (call) => this.approvals.askToRerun(goal, task, agent, call, signal),
      save: (conversation) => this.options.store.updateTask(goal.id, task.id, { conversation }),
      note: (message) => this.options.events.emit({ kind: EventKind.EVENT_KIND_AGENT_MESSAGE, goalId: goal.id, taskId: task.id, message, actorKind: "agent", actorId: agent.kind }),
      signal,
    });
    if (result.kind === "failed") throw new TaskFailure(result.reason);
    return result.result;
  }

  async callTool(goal: GoalRow, task: TaskRow, agent: AgentKind, call: ToolCall, input: Record<string, unknown>, signal: AbortSignal, approvalId?: string): Promise<ToolOutcome> {
    const { store, events } = this.options;
    // A goal may ask for more care than the system's level, never less: the stricter of the two
    // (MANUAL 1 < SUPERVISED 2 < AUTONOMOUS 3; unspecified 0 is the system's).
    const system = systemAutonomy(store);
    const autonomy = (goal.autonomy ? Math.min(goal.autonomy, system) : system) as AutonomyLevel;
    // The call's event goes in the commit of its "started" marker, and its result's event (with
    // the task's execution ids) in the commit of the marker's end; emitted inside those
    // transactions, each is announced once its commit is done.
    let called: EventRow | undefined;
    let result: EventRow | undefined;
    let ids: string[] | null = null;
    const outcome = await this.runner.call(
      { goalId: goal.id, taskId: task.id, agent, autonomy, tool: call.name, input, reason: task.description, callId: call.id, approvalId, signal },
      {
        withStart: () => {
          called = events.emit({
            kind: EventKind.EVENT_KIND_TOOL_CALLED,
            goalId: goal.id,
            taskId: task.id,
            message: `${agent.kind} calls ${call.name}`,
            actorKind: "agent",
            actorId: agent.kind,
            // Kept in the event log and copied to memory: without the secrets a call may carry.
            data: { tool: call.name, input: redactSecrets(input), call_id: call.id },
          });
        },
        withFinish: (outcome) => {
          ids = outcome.kind === "done" ? [...(store.task(goal.id, task.id)?.executionIds ?? []), outcome.executionId] : null;
          if (ids) store.updateTask(goal.id, task.id, { executionIds: ids });
          const message =
            outcome.kind === "done"
              ? `${call.name} ${outcome.ok ? "ok" : `failed: ${outcome.error}`}`
              : outcome.kind === "refused"
                ? `${call.name} refused: ${outcome.message}`
                : `${call.name} needs approval`;
          result = events.emit({
            kind: EventKind.EVENT_KIND_TOOL_RESULT,
            goalId: goal.id,
            taskId: task.id,
            causeId: String(called!.id),
            message,
            data: { tool: call.name, call_id: call.id, ...(outcome.kind === "done" ? { execution_id: outcome.executionId, ok: outcome.ok } : { outcome: outcome.kind }) },
          });
        },
      },
    );
    if (ids) task.executionIds = ids;
    // What the task does next (succeed, retry, escalate, fail) was caused by this result.
    this.lastResult.set(`${goal.id}/${task.id}`, String(result!.id));
    return outcome;
  }

  /** The last tool result of the task, which caused what the task does next ("" if none). */
  private causeOf(goal: GoalRow, task: TaskRow): string {
    const key = `${goal.id}/${task.id}`;
    const cause = this.lastResult.get(key) ?? "";
    this.lastResult.delete(key);
    return cause;
  }

  /** What the store knows of a call from before a restart. */
  recorded(goal: GoalRow, task: TaskRow, call: ToolCall): Recorded {
    const row = this.options.store.toolCall(`${goal.id}/${task.id}/${call.id}`);
    if (!row) return null;
    if (row.state === "started") return { unknown: true, idempotent: row.idempotent };
    const result = row.result ?? {};
    if (typeof result.held === "string") {
      const approval = this.options.store.approval(result.held);
      // Approved (or still pending): wait for / use the approval. Otherwise the call is over.
      if (!approval || approval.state === ApprovalState.APPROVAL_STATE_PENDING || approval.state === ApprovalState.APPROVAL_STATE_APPROVED) return { heldFor: result.held };
      return { outcome: { kind: "refused", code: "denied", message: `denied by ${approval.resolvedBy}${approval.note ? `: ${approval.note}` : ""}` } };
    }
    return { outcome: result as unknown as ToolOutcome };
  }
}
