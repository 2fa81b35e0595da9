/**
 * @module lib/orchestrator/engine
 * Goals from submission to outcome. A priority queue with aging feeds at most
 * max_running_goals at once; each goal is planned (reactive rules, else classifier and model
 * planner) and its tasks run as a DAG, up to max_parallel_tasks at once, in dependency order. A
 * failed task is retried with backoff, then escalated one layer up, then fails and its
 * dependants are skipped. A call that needs a human parks only its task. Every transition is
 * written to the store and emitted as an event before anything else happens, so a restart
 * resumes each goal from its last durable state; outcomes go to memory as procedures or
 * incidents.
 */
import type { Logger } from "../log/index.ts";
import { AiosError, alreadyExists, failedPrecondition, notFound, type ServiceClient } from "../rpc/index.ts";
import { ApprovalState, AutonomyLevel, Severity } from "../rpc/gen/aios/v1/common.ts";
import { type ChatMessage, type GatewayServiceDefinition, InferPriority, type InferRequest, type ToolCall } from "../rpc/gen/aios/v1/gateway.ts";
import { MemoryKind, type MemoryServiceDefinition } from "../rpc/gen/aios/v1/memory.ts";
import { EventKind } from "../rpc/gen/aios/v1/orchestrator.ts";
import type { ToolsServiceDefinition } from "../rpc/gen/aios/v1/tools.ts";
import type { Config } from "../config/index.ts";
import { type ApprovalDecision, runAgentLoop } from "./agent-loop.ts";
import type { AgentKind } from "./agents.ts";
import type { EventLog } from "./events.ts";
import { runDag } from "./dag.ts";
import { GOAL_STATE, TASK_STATE } from "./mapping.ts";
import type { Plan, ToolInfo } from "./plan.ts";
import { classify, type Infer, LAYER_ORDER, type ModelLayer, PROTO_LAYER, planWithModel } from "./planner.ts";
import { REACTIVE_EXAMPLES, type RepeatingRequest, reactivePlan } from "./reactive.ts";
import { makeSchedule } from "./schedules.ts";
import { bindInput, outputNeededLater, sayOutput } from "./understanding/steps.ts";
import { learnedPlan, lessonOf } from "./learning.ts";
import { type ApprovalRow, GOAL_TERMINAL, type GoalRow, type GoalStateName, type OrchestratorStore, type SourceName, TASK_TERMINAL, type TaskRow, type TaskStateName } from "./store.ts";
import { type ToolOutcome, ToolRunner } from "./tool-runner.ts";

export interface Clients {
  tools: ServiceClient<typeof ToolsServiceDefinition>;
  gateway: ServiceClient<typeof GatewayServiceDefinition>;
  memory: ServiceClient<typeof MemoryServiceDefinition>;
}

export interface EngineOptions {
  store: OrchestratorStore;
  events: EventLog;
  agents: ReadonlyMap<string, AgentKind>;
  clients: Clients;
  settings: Config["orchestrator"];
  approvalTtlMs: number;
  log: Logger;
  /** Replaces what a task does (tools, models) while keeping everything around it: for
   * bench/orchestrator.ts, which measures the scheduler itself with no-op tasks. */
  executor?: (goal: GoalRow, task: TaskRow, signal: AbortSignal) => Promise<string>;
}

export interface SubmitRequest {
  text: string;
  priority: number;
  source: SourceName;
  autonomy: number;
  idempotencyKey: string;
  scheduleId?: string;
}

/** A task failure: final ones are not retried or escalated (a human said no, a capability is missing). */
class TaskFailure extends Error {
  constructor(
    message: string,
    readonly final = false,
  ) {
    super(message);
  }
}

const newId = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${crypto.randomUUID().slice(0, 8)}`;
const RESULT_CHARS = 4000;

export class Engine {
  private readonly running = new Map<string, { controller: AbortController; done: Promise<void> }>();
  private readonly waiters = new Map<string, (decision: ApprovalDecision) => void>();
  private readonly retryAt = new Map<string, number>();
  private readonly activeTasks = new Map<string, Map<string, TaskStateName>>();
  private catalogue = new Map<string, ToolInfo>();
  private readonly runner: ToolRunner;
  private timer: ReturnType<typeof setInterval> | null = null;
  private stopping = false;
  readonly startedAt = Date.now();

  constructor(private readonly o: EngineOptions) {
    this.runner = new ToolRunner(o.clients.tools, o.store, () => this.catalogue);
  }

  get agents(): ReadonlyMap<string, AgentKind> {
    return this.o.agents;
  }

  get tools(): ReadonlyMap<string, ToolInfo> {
    return this.catalogue;
  }

  get toolRunner(): ToolRunner {
    return this.runner;
  }

  // Settings

  get autonomy(): AutonomyLevel {
    return Number(this.o.store.setting("autonomy") ?? AutonomyLevel.AUTONOMY_LEVEL_SUPERVISED) as AutonomyLevel;
  }

  get emergencyStopped(): boolean {
    return this.o.store.setting("emergency_stop") === "1";
  }

  setAutonomy(level: AutonomyLevel, by: string): AutonomyLevel {
    const previous = this.autonomy;
    this.o.store.setSetting("autonomy", String(level));
    this.o.events.emit({
      kind: EventKind.EVENT_KIND_SYSTEM,
      message: `autonomy set to ${AutonomyLevel[level]} by ${by}`,
      actorKind: "human",
      actorId: by,
      data: { previous: AutonomyLevel[previous], current: AutonomyLevel[level] },
    });
    return previous;
  }

  async emergencyStop(stop: boolean, reason: string, by: string): Promise<string[]> {
    this.o.store.setSetting("emergency_stop", stop ? "1" : "0");
    this.o.events.emit(
      { kind: EventKind.EVENT_KIND_SYSTEM, message: stop ? `EMERGENCY STOP by ${by}: ${reason}` : `resumed by ${by}${reason ? `: ${reason}` : ""}`, actorKind: "human", actorId: by },
      stop ? Severity.SEVERITY_CRITICAL : Severity.SEVERITY_WARNING,
    );
    if (!stop) {
      this.pump();
      return [];
    }
    const cancelled: string[] = [];
    for (const goal of this.o.store.goalsIn(["queued", "planning", "running", "waiting_approval"])) {
      await this.cancel(goal.id, `emergency stop: ${reason || "no reason given"}`, by);
      cancelled.push(goal.id);
    }
    return cancelled;
  }

  // Start and stop

  async start(): Promise<void> {
    this.recover();
    this.timer = setInterval(() => {
      this.expireApprovals();
      this.pump();
    }, 1000);
    await this.refreshCatalogue();
    this.pump();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearInterval(this.timer);
    // Running goals stay in their durable state: the next start resumes them.
    for (const run of this.running.values()) run.controller.abort(new Error("the orchestrator is stopping"));
    await Promise.allSettled([...this.running.values()].map((run) => run.done));
  }

  /** The tool catalogue, from aios-tools (retried in the background until it answers). */
  async refreshCatalogue(): Promise<void> {
    try {
      const { tools } = await this.o.clients.tools.listTools({ namespace: "", pageSize: 1000, pageToken: "" });
      this.catalogue = new Map(
        tools.map((tool) => [
          tool.name,
          {
            name: tool.name,
            namespace: tool.namespace,
            description: tool.description,
            inputSchema: JSON.parse(tool.inputSchemaJson || "{}") as Record<string, unknown>,
            capability: tool.capability,
            risk: tool.risk,
            idempotent: tool.idempotent,
            readOnly: tool.readOnly,
          },
        ]),
      );
    } catch (error) {
      this.o.log.warn("aios-tools did not list its tools; retrying in 2 s", { error: (error as Error).message });
      if (!this.stopping) setTimeout(() => void this.refreshCatalogue().then(() => this.pump()), 2000);
    }
  }

  /** After a restart: planning starts over, running goals resume from their tasks' states. */
  private recover(): void {
    for (const goal of this.o.store.goalsIn(["planning", "running", "waiting_approval"])) {
      this.o.store.transaction(() => {
        if (goal.state === "planning") this.o.store.replaceTasks(goal.id, []);
        for (const task of this.o.store.tasks(goal.id)) {
          if (task.state === "running" || task.state === "retrying") this.o.store.updateTask(goal.id, task.id, { state: "pending", stateReason: "resuming after a restart of aios-orchestrator" });
        }
        this.o.store.updateGoal(goal.id, { state: "queued", stateReason: "resuming after a restart of aios-orchestrator" });
      });
      this.o.events.emit({ kind: EventKind.EVENT_KIND_GOAL_STATE, goalId: goal.id, goalState: GOAL_STATE.queued, message: "resuming after a restart of aios-orchestrator" });
    }
  }

  // Goals

  submit(request: SubmitRequest): GoalRow {
    if (this.emergencyStopped) throw failedPrecondition("an emergency stop is in force: no new goal starts until someone resumes (EmergencyStop with stop = false)");
    if (request.idempotencyKey) {
      const existing = this.o.store.goalByIdempotencyKey(request.idempotencyKey);
      if (existing) {
        if (existing.text !== request.text) throw alreadyExists(`idempotency key "${request.idempotencyKey}" was used for another goal (${existing.id})`);
        return existing;
      }
    }
    const goal: GoalRow = {
      id: newId("goal"),
      text: request.text,
      state: "queued",
      stateReason: "waiting for a free slot",
      priority: request.priority,
      source: request.source,
      autonomy: request.autonomy,
      plannedBy: "",
      result: "",
      createdAt: Date.now(),
      startedAt: null,
      finishedAt: null,
      scheduleId: request.scheduleId ?? "",
      idempotencyKey: request.idempotencyKey,
      inputTokens: 0,
      outputTokens: 0,
      costUsd: 0,
      modelCalls: 0,
    };
    this.o.store.insertGoal(goal);
    this.o.events.emit({
      kind: EventKind.EVENT_KIND_GOAL_STATE,
      goalId: goal.id,
      goalState: GOAL_STATE.queued,
      message: `goal submitted: ${goal.text}`,
      actorKind: request.source,
      actorId: request.source,
      data: { priority: goal.priority },
    });
    queueMicrotask(() => this.pump());
    return goal;
  }

  async cancel(goalId: string, reason: string, by: string): Promise<GoalRow> {
    const goal = this.o.store.goal(goalId);
    if (!goal) throw notFound(`no goal "${goalId}"`);
    if (GOAL_TERMINAL.includes(goal.state)) return goal;
    const why = reason || `cancelled by ${by}`;
    const run = this.running.get(goalId);
    if (run) {
      run.controller.abort(new TaskFailure(why, true));
      await run.done;
    }
    // Whatever is not terminal yet (a queued goal, or what the run left) ends here.
    const now = Date.now();
    for (const approval of this.o.store.approvals({ states: [ApprovalState.APPROVAL_STATE_PENDING], goalId, offset: 0, limit: 1000 })) {
      this.o.store.resolveApproval(approval.id, ApprovalState.APPROVAL_STATE_DENIED, by, `the goal was cancelled: ${why}`, now);
      if (approval.kind === "tool") void this.o.clients.tools.decideApproval({ approvalId: approval.id, approve: false, decidedBy: by }).catch(() => undefined);
    }
    for (const task of this.o.store.tasks(goalId)) {
      if (!TASK_TERMINAL.includes(task.state)) this.setTask(goal, task, "cancelled", why, { finishedAt: now });
    }
    const current = this.o.store.goal(goalId)!;
    if (!GOAL_TERMINAL.includes(current.state)) this.setGoal(current, "cancelled", why, { finishedAt: now });
    return this.o.store.goal(goalId)!;
  }

  /** Starts queued goals while there are free slots: highest priority first, aged by waiting. */
  pump(): void {
    if (this.stopping || this.emergencyStopped) return;
    const free = this.o.settings.max_running_goals - this.running.size;
    if (free <= 0) return;
    const now = Date.now();
    const effective = (goal: GoalRow) => goal.priority + (now - goal.createdAt) / this.o.settings.aging_ms;
    // Planning needs the tool catalogue; a goal that has its tasks (resumed) does not wait for it.
    const canPlan = this.catalogue.size > 0;
    const queued = this.o.store
      .goalsIn(["queued"])
      .filter((goal) => !this.running.has(goal.id) && (canPlan || this.o.store.tasks(goal.id).length > 0))
      .sort((a, b) => effective(b) - effective(a) || a.createdAt - b.createdAt);
    for (const goal of queued.slice(0, free)) {
      const controller = new AbortController();
      const done = this.runGoal(goal, controller.signal).finally(() => {
        this.running.delete(goal.id);
        this.pump();
      });
      this.running.set(goal.id, { controller, done });
    }
  }

  private setGoal(goal: GoalRow, state: GoalStateName, reason: string, fields: Partial<GoalRow> = {}): void {
    this.o.store.updateGoal(goal.id, { state, stateReason: reason, ...fields });
    goal.state = state;
    this.o.events.emit(
      { kind: EventKind.EVENT_KIND_GOAL_STATE, goalId: goal.id, goalState: GOAL_STATE[state], message: reason },
      state === "failed" ? Severity.SEVERITY_WARNING : Severity.SEVERITY_INFO,
    );
  }

  private setTask(goal: GoalRow, task: TaskRow, state: TaskStateName, reason: string, fields: Partial<TaskRow> = {}): void {
    this.o.store.updateTask(goal.id, task.id, { state, stateReason: reason, ...fields });
    Object.assign(task, { state, stateReason: reason, ...fields });
    this.o.events.emit({
      kind: EventKind.EVENT_KIND_TASK_STATE,
      goalId: goal.id,
      taskId: task.id,
      taskState: TASK_STATE[state],
      message: `${task.id} ${state}: ${reason}`,
      data: { agent: task.agent, layer: task.layer, attempts: task.attempts },
    });
    this.refreshWaiting(goal, task);
  }

  /** A goal waits for approval when every task still running waits for one. */
  private refreshWaiting(goal: GoalRow, task: TaskRow): void {
    // Only running and waiting tasks matter; they are few (max_parallel_tasks), so they are
    // tracked here rather than read back from the store on every change.
    let active = this.activeTasks.get(goal.id);
    if (!active) this.activeTasks.set(goal.id, (active = new Map()));
    if (task.state === "running" || task.state === "waiting_approval") active.set(task.id, task.state);
    else active.delete(task.id);
    if (active.size === 0) this.activeTasks.delete(goal.id);
    if (goal.state !== "running" && goal.state !== "waiting_approval") return;
    const current = this.o.store.goal(goal.id);
    if (!current || (current.state !== "running" && current.state !== "waiting_approval")) return;
    const waiting = active.size > 0 && [...active.values()].every((state) => state === "waiting_approval");
    if (waiting && current.state === "running") this.setGoal(goal, "waiting_approval", "every running task waits for a human's approval");
    else if (!waiting && current.state === "waiting_approval") this.setGoal(goal, "running", "running again");
  }

  private async runGoal(goal: GoalRow, signal: AbortSignal): Promise<void> {
    try {
      if (this.o.store.tasks(goal.id).length === 0) {
        this.setGoal(goal, "planning", "planning", { startedAt: goal.startedAt ?? Date.now() });
        const plan = await this.plan(goal, signal);
        this.o.store.transaction(() => {
          this.o.store.replaceTasks(
            goal.id,
            plan.tasks.map((task, seq) => ({
              goalId: goal.id,
              id: task.id,
              seq,
              description: task.description,
              agent: task.agent,
              state: "pending",
              stateReason: "waiting for its dependencies",
              dependsOn: task.dependsOn,
              layer: task.layer,
              suggestedTools: task.tools,
              successCheck: task.successCheck,
              attempts: 0,
              escalations: 0,
              result: "",
              startedAt: null,
              finishedAt: null,
              executionIds: [],
              call: task.call ?? null,
              conversation: null,
            })),
          );
          this.o.store.updateGoal(goal.id, { plannedBy: plan.layer, ...(plan.answer ? { result: plan.answer } : {}) });
        });
        this.o.events.emit({
          kind: EventKind.EVENT_KIND_GOAL_PLANNED,
          goalId: goal.id,
          message: `planned at the ${plan.layer} layer: ${plan.tasks.length} task${plan.tasks.length === 1 ? "" : "s"}`,
          data: { layer: plan.layer, tasks: plan.tasks.map((task) => ({ id: task.id, description: task.description, agent: task.agent, depends_on: task.dependsOn, layer: task.layer })) },
        });
      }
      this.setGoal(goal, "running", "running its tasks", { startedAt: goal.startedAt ?? Date.now() });
      await this.runTasks(goal, signal);
      const tasks = this.o.store.tasks(goal.id);
      const failed = tasks.find((task) => task.state === "failed");
      if (signal.aborted) throw signal.reason;
      if (failed) {
        this.setGoal(goal, "failed", `task ${failed.id} failed: ${failed.stateReason}`, { finishedAt: Date.now(), result: summarize(tasks) });
      } else {
        this.setGoal(goal, "succeeded", tasks.length ? "every task succeeded" : "done while planning", {
          finishedAt: Date.now(),
          result: summarize(tasks) || (this.o.store.goal(goal.id)?.result ?? ""),
        });
      }
      void this.rememberOutcome(goal.id);
    } catch (error) {
      if (this.stopping && !(signal.reason instanceof TaskFailure)) return;
      const current = this.o.store.goal(goal.id)!;
      if (GOAL_TERMINAL.includes(current.state)) return;
      if (signal.aborted) {
        const reason = signal.reason instanceof Error ? signal.reason.message : "cancelled";
        for (const task of this.o.store.tasks(goal.id)) if (!TASK_TERMINAL.includes(task.state)) this.setTask(current, task, "cancelled", reason, { finishedAt: Date.now() });
        this.setGoal(current, "cancelled", reason, { finishedAt: Date.now() });
        return;
      }
      this.o.log.warn("a goal failed", { goal_id: goal.id, error: (error as Error).message });
      this.setGoal(current, "failed", (error as Error).message, { finishedAt: Date.now() });
      void this.rememberOutcome(goal.id);
    }
  }

  private async plan(goal: GoalRow, signal: AbortSignal): Promise<Plan> {
    const reactive = reactivePlan(goal.text, this.o.agents, this.catalogue);
    if ("error" in reactive) throw new Error(reactive.error);
    if ("tasks" in reactive) return reactive;
    if ("schedule" in reactive) return this.planSchedule(goal, reactive.schedule);
    // What a model planned before for a request that meant the same, with this one's values.
    const learned = await learnedPlan({ text: goal.text, memory: this.o.clients.memory, agents: this.o.agents, tools: this.catalogue, log: this.o.log });
    if (learned) {
      const { id, pattern, successes, promoted } = learned.procedure;
      this.o.events.emit({
        kind: EventKind.EVENT_KIND_AGENT_MESSAGE,
        goalId: goal.id,
        message: `planned from the learned procedure ${id} ("${pattern}", worked ${successes} time${successes === 1 ? "" : "s"}${promoted ? ", promoted" : ""}): no model call`,
        data: { procedure_id: id },
      });
      return learned.plan;
    }
    const infer = this.inferFor(goal, "", signal);
    const layers = await this.availableLayers();
    if (layers.length === 0) {
      throw new Error(
        `${reactive.unsure}, and no model is configured to plan it. With no model AIOS understands requests like ${REACTIVE_EXAMPLES.slice(0, 8)
          .map((e) => `"${e}"`)
          .join(", ")} and more (README: what AIOS understands with no model); add a model under [[gateway.models]] for anything else`,
      );
    }
    const { layer, by } = await classify(goal.text, infer);
    this.o.events.emit({ kind: EventKind.EVENT_KIND_AGENT_MESSAGE, goalId: goal.id, message: `classified as ${layer} (by ${by})`, data: { layer, by } });
    const memory = await this.memoryContext(goal.text, signal);
    const result = await planWithModel({ text: goal.text, layer, agents: this.o.agents, tools: this.catalogue, maxTasks: this.o.settings.max_plan_tasks, memory, infer });
    if (result.repaired)
      this.o.events.emit({ kind: EventKind.EVENT_KIND_AGENT_MESSAGE, goalId: goal.id, message: result.plan ? "the first plan was invalid; the repaired plan passed the checks" : result.error });
    if (!result.plan) throw new Error(result.error);
    return result.plan;
  }

  /**
   * "Every day at 03:00 delete ...": a schedule of the request without its time, made only if
   * the request can be planned when it runs (understood, learned, or a model to ask).
   */
  private async planSchedule(goal: GoalRow, asked: RepeatingRequest["schedule"]): Promise<Plan> {
    if (goal.source !== "human") throw new Error("a goal from a schedule or the monitor does not make schedules");
    const inner = reactivePlan(asked.request, this.o.agents, this.catalogue);
    if ("error" in inner) throw new Error(inner.error);
    if ("schedule" in inner) throw new Error(`one repeating time is enough: "${asked.request}" has another`);
    if ("unsure" in inner) {
      const plannable =
        (await this.availableLayers()).length > 0 ||
        (await learnedPlan({ text: asked.request, memory: this.o.clients.memory, agents: this.o.agents, tools: this.catalogue, log: this.o.log })) !== null;
      if (!plannable) throw new Error(`${inner.unsure.replace("I am not sure what you mean", `I would not know what "${asked.request}" means when it runs`)}; and no model is configured to plan it`);
    }
    // Named after the goal: planned again after a crash, it is the same schedule, not a second.
    const schedule = makeSchedule({ id: `sched-${goal.id}`, name: asked.request.slice(0, 200), goalText: asked.request, spec: asked.spec, priority: goal.priority, autonomy: goal.autonomy });
    if ("error" in schedule) throw new Error(schedule.error);
    this.o.store.upsertSchedule(schedule);
    const next = new Date(schedule.nextRunAt!).toISOString().slice(0, 16).replace("T", " ");
    return {
      layer: "reactive",
      tasks: [],
      answer: `scheduled "${asked.request}" ${asked.words} UTC (cron ${asked.spec}), first at ${next} UTC, as ${schedule.id}; aiosctl schedules lists it, aiosctl schedules delete ${schedule.id} stops it`,
    };
  }

  /** Layers whose chain has a model that can answer now (or start on demand). */
  async availableLayers(): Promise<ModelLayer[]> {
    try {
      const { models } = await this.o.clients.gateway.listModels({}, { timeoutMs: 5000, failFast: true });
      const usable = models.filter((model) => model.state !== 5 /* UNAVAILABLE */);
      return LAYER_ORDER.filter((layer) => usable.some((model) => model.layer === PROTO_LAYER[layer] || model.layer < PROTO_LAYER[layer]));
    } catch {
      return [];
    }
  }

  private async memoryContext(text: string, signal: AbortSignal): Promise<string> {
    if (this.o.settings.context_tokens === 0) return "";
    try {
      const response = await this.o.clients.memory.assembleContext(
        { query: text, tokenBudget: this.o.settings.context_tokens, kinds: [MemoryKind.MEMORY_KIND_PROCEDURE, MemoryKind.MEMORY_KIND_INCIDENT], model: "" },
        { signal, timeoutMs: 10_000, failFast: true },
      );
      return response.context;
    } catch {
      return "";
    }
  }

  private inferFor(goal: GoalRow, taskId: string, signal: AbortSignal): Infer {
    return async (request) => {
      const full: Partial<InferRequest> = {
        ...request,
        goalId: goal.id,
        taskId,
        priority: goal.source === "human" ? InferPriority.INFER_PRIORITY_INTERACTIVE : InferPriority.INFER_PRIORITY_BACKGROUND,
      };
      const response = await this.o.clients.gateway.infer(full, { signal, timeoutMs: 10 * 60_000 });
      const usage = response.usage ?? { inputTokens: 0, outputTokens: 0, costUsd: 0, requests: 0 };
      this.o.store.addGoalUsage(goal.id, usage);
      this.o.events.emit({
        kind: EventKind.EVENT_KIND_MODEL_CALLED,
        goalId: goal.id,
        taskId,
        message: `${request.purpose ?? "model"}: ${response.model} (${response.layer}) answered in ${response.latencyMs} ms`,
        data: { model: response.model, purpose: request.purpose ?? "", input_tokens: usage.inputTokens, output_tokens: usage.outputTokens, cost_usd: usage.costUsd, cached: response.cached },
      });
      return response;
    };
  }

  // Tasks

  private async runTasks(goal: GoalRow, signal: AbortSignal): Promise<void> {
    await runDag(this.o.store.tasks(goal.id), {
      maxParallel: this.o.settings.max_parallel_tasks,
      signal,
      run: async (task) => {
        await this.runTask(goal, task, signal);
        return this.o.store.task(goal.id, task.id)!;
      },
      skip: (task, reason) => this.setTask(goal, task, "skipped", reason, { finishedAt: Date.now() }),
      retryAt: (task) => this.retryAt.get(`${goal.id}/${task.id}`) ?? Date.now(),
    });
    for (const task of this.o.store.tasks(goal.id)) {
      if (!TASK_TERMINAL.includes(task.state)) this.setTask(goal, task, "skipped", "its dependencies cannot finish", { finishedAt: Date.now() });
    }
  }

  private async runTask(goal: GoalRow, task: TaskRow, signal: AbortSignal): Promise<void> {
    const agent = this.o.agents.get(task.agent);
    const resuming = task.state === "waiting_approval" || task.conversation !== null;
    const attempts = resuming && task.attempts > 0 ? task.attempts : task.attempts + 1;
    if (task.state !== "waiting_approval") this.setTask(goal, task, "running", `attempt ${attempts} at the ${task.layer} layer`, { attempts, startedAt: task.startedAt ?? Date.now() });
    try {
      if (!agent) throw new TaskFailure(`agent "${task.agent}" is not configured (/etc/aios/agents)`, true);
      const result = this.o.executor
        ? await this.o.executor(goal, task, signal)
        : task.layer === "reactive" && task.call
          ? await this.runDirect(goal, task, agent, signal)
          : await this.runWithModel(goal, task, agent, signal);
      this.runner.forgetTask(goal.id, task.id);
      this.o.store.clearToolCalls(goal.id, task.id);
      this.setTask(goal, task, "succeeded", "done", { result: result.slice(0, RESULT_CHARS), finishedAt: Date.now() });
    } catch (error) {
      if (signal.aborted) return;
      const failure = error instanceof TaskFailure ? error : new TaskFailure(error instanceof AiosError ? `${error.code}: ${error.message}` : (error as Error).message);
      // A call cut off in flight (aios-tools died or the deadline passed) may have run: its
      // started marker stays, so the retry asks a human before running it again. A call that
      // never reached aios-tools (nothing listening) did not run.
      const unknownOutcome = error instanceof AiosError && (error.code === "unavailable" || error.code === "deadline_exceeded") && !error.message.startsWith("cannot reach");
      if (!unknownOutcome) this.o.store.clearToolCalls(goal.id, task.id);
      this.failTask(goal, task, failure);
    }
  }

  private failTask(goal: GoalRow, task: TaskRow, failure: TaskFailure): void {
    const fresh = this.o.store.task(goal.id, task.id)!;
    if (failure.final) {
      this.setTask(goal, fresh, "failed", failure.message, { finishedAt: Date.now(), conversation: null });
      return;
    }
    if (fresh.attempts <= this.o.settings.task_retries) {
      const delay = this.o.settings.task_retry_base_ms * 2 ** (fresh.attempts - 1);
      this.retryAt.set(`${goal.id}/${task.id}`, Date.now() + delay);
      this.setTask(goal, fresh, "retrying", `attempt ${fresh.attempts} failed (${failure.message}); retrying in ${delay} ms`, { conversation: null });
      return;
    }
    const next = fresh.layer === "reactive" ? "operational" : LAYER_ORDER[LAYER_ORDER.indexOf(fresh.layer as ModelLayer) + 1];
    if (next) {
      this.setTask(goal, fresh, "pending", `escalated from the ${fresh.layer} to the ${next} layer after ${fresh.attempts} failed attempts (${failure.message})`, {
        layer: next,
        attempts: 0,
        escalations: fresh.escalations + 1,
        conversation: null,
      });
      return;
    }
    this.setTask(goal, fresh, "failed", `failed at every layer; last: ${failure.message}`, { finishedAt: Date.now(), conversation: null });
  }

  private async runDirect(goal: GoalRow, task: TaskRow, agent: AgentKind, signal: AbortSignal): Promise<string> {
    let call = task.call!;
    // What the steps before it returned, for a step that acts on them or says them.
    const earlier = call.answer ? task.dependsOn.map((id) => this.o.store.task(goal.id, id)?.call?.output ?? null) : [];
    if (call.answer && !call.bound) {
      // A step that acts on what the steps before it found: its input is made once and
      // written before the call, so a restart or an approval sees the same call.
      const bound = bindInput(call.answer, earlier);
      if (bound && "nothing" in bound) return bound.nothing;
      if (bound && "error" in bound) throw new TaskFailure(bound.error, true);
      if (bound) {
        call = { ...call, input: bound.input, bound: true };
        this.o.store.updateTask(goal.id, task.id, { call });
      }
    }
    // One id for the task's one call, whatever the attempt: a restart or a retry after an
    // unknown outcome finds the started marker and asks before running it again.
    const callId = "direct";
    const toolCall: ToolCall = { id: callId, name: call.tool, argumentsJson: JSON.stringify(call.input) };
    const recorded = this.recorded(goal, task, toolCall);
    let approvalId: string | undefined;
    let outcome: ToolOutcome | null = recorded && "outcome" in recorded ? recorded.outcome : null;
    if (recorded && "heldFor" in recorded) approvalId = recorded.heldFor;
    if (recorded && "unknown" in recorded && !recorded.idempotent) {
      const decision = await this.askToRerun(goal, task, agent, toolCall, signal);
      if (!decision.approved) throw new TaskFailure(`${decision.by} decided not to run ${call.tool} again after a restart${decision.note ? `: ${decision.note}` : ""}`, true);
    }
    for (;;) {
      if (!outcome && approvalId) {
        const decision = await this.awaitApproval(goal, task, approvalId, signal);
        if (!decision.approved) throw new TaskFailure(`${call.tool} was denied by ${decision.by}${decision.note ? `: ${decision.note}` : ""}`, true);
      }
      outcome ??= await this.callTool(goal, task, agent, toolCall, call.input, signal, approvalId);
      if (outcome.kind === "approval") {
        approvalId = outcome.approvalId;
        outcome = null;
        continue;
      }
      if (outcome.kind === "refused") throw new TaskFailure(`${call.tool} was refused: ${outcome.message}`, ["permission_denied", "invalid_argument", "not_found"].includes(outcome.code));
      // A file that is not there, a permission the machine refuses, a name taken: asking again
      // gives the same answer, so it is the answer (a timeout or an I/O error may pass).
      if (!outcome.ok) throw new TaskFailure(`${call.tool} failed: ${outcome.error}`, /^(not_found|permission|conflict|invalid|too_large):/.test(outcome.error));
      if (call.answer && outputNeededLater(call.answer)) this.o.store.updateTask(goal.id, task.id, { call: { ...call, output: outcome.output } });
      const said = (call.answer && sayOutput(call.answer, outcome.output, earlier)) ?? formatOutput(call.tool, outcome.output);
      // An effect ends with how to take it back.
      return outcome.backupId ? `${said}\nundo: aiosctl rollback ${outcome.executionId}` : said;
    }
  }

  private async runWithModel(goal: GoalRow, task: TaskRow, agent: AgentKind, signal: AbortSignal): Promise<string> {
    const layers = await this.availableLayers();
    if (!layers.includes(task.layer as ModelLayer)) throw new TaskFailure(`no model can answer at the ${task.layer} layer`);
    const tools = [...this.catalogue.values()].filter((tool) => agent.toolNamespaces.includes(tool.namespace));
    const infer = this.inferFor(goal, task.id, signal);
    const result = await runAgentLoop({
      goalText: goal.text,
      task,
      agent,
      tools,
      memoryContext: task.conversation ? "" : await this.memoryContext(`${goal.text}\n${task.description}`, signal),
      conversation: task.conversation as ChatMessage[] | null,
      toolOutputChars: this.o.settings.tool_output_chars,
      infer: (messages, definitions) => infer({ layer: PROTO_LAYER[task.layer], messages, tools: definitions, maxTokens: 1024, purpose: "agent-step" }),
      callTool: (call, input, approvalId) => this.callTool(goal, task, agent, call, input, signal, approvalId),
      recorded: (call) => this.recorded(goal, task, call),
      awaitApproval: (approvalId) => this.awaitApproval(goal, task, approvalId, signal),
      askToRerun: (call) => this.askToRerun(goal, task, agent, call, signal),
      save: (conversation) => this.o.store.updateTask(goal.id, task.id, { conversation }),
      note: (message) => this.o.events.emit({ kind: EventKind.EVENT_KIND_AGENT_MESSAGE, goalId: goal.id, taskId: task.id, message, actorKind: "agent", actorId: agent.kind }),
      signal,
    });
    if (result.kind === "failed") throw new TaskFailure(result.reason);
    return result.result;
  }

  private async callTool(goal: GoalRow, task: TaskRow, agent: AgentKind, call: ToolCall, input: Record<string, unknown>, signal: AbortSignal, approvalId?: string): Promise<ToolOutcome> {
    this.o.events.emit({
      kind: EventKind.EVENT_KIND_TOOL_CALLED,
      goalId: goal.id,
      taskId: task.id,
      message: `${agent.kind} calls ${call.name}`,
      actorKind: "agent",
      actorId: agent.kind,
      data: { tool: call.name, input, call_id: call.id },
    });
    // A goal may ask for more care than the system's level, never less: the stricter of the two
    // (MANUAL 1 < SUPERVISED 2 < AUTONOMOUS 3; unspecified 0 is the system's).
    const autonomy = (goal.autonomy ? Math.min(goal.autonomy, this.autonomy) : this.autonomy) as AutonomyLevel;
    const outcome = await this.runner.call({ goalId: goal.id, taskId: task.id, agent, autonomy, tool: call.name, input, reason: task.description, callId: call.id, approvalId, signal });
    if (outcome.kind === "done") {
      const ids = [...(this.o.store.task(goal.id, task.id)?.executionIds ?? []), outcome.executionId];
      this.o.store.updateTask(goal.id, task.id, { executionIds: ids });
      task.executionIds = ids;
    }
    const message =
      outcome.kind === "done"
        ? `${call.name} ${outcome.ok ? "ok" : `failed: ${outcome.error}`}`
        : outcome.kind === "refused"
          ? `${call.name} refused: ${outcome.message}`
          : `${call.name} needs approval`;
    this.o.events.emit({
      kind: EventKind.EVENT_KIND_TOOL_RESULT,
      goalId: goal.id,
      taskId: task.id,
      message,
      data: { tool: call.name, call_id: call.id, ...(outcome.kind === "done" ? { execution_id: outcome.executionId, ok: outcome.ok } : { outcome: outcome.kind }) },
    });
    return outcome;
  }

  /** What the store knows of a call from before a restart. */
  private recorded(goal: GoalRow, task: TaskRow, call: ToolCall): { outcome: ToolOutcome } | { heldFor: string } | { unknown: true; idempotent: boolean } | null {
    const row = this.o.store.toolCall(`${goal.id}/${task.id}/${call.id}`);
    if (!row) return null;
    if (row.state === "started") return { unknown: true, idempotent: row.idempotent };
    const result = row.result ?? {};
    if (typeof result.held === "string") {
      const approval = this.o.store.approval(result.held);
      // Approved (or still pending): wait for / use the approval. Otherwise the call is over.
      if (!approval || approval.state === ApprovalState.APPROVAL_STATE_PENDING || approval.state === ApprovalState.APPROVAL_STATE_APPROVED) return { heldFor: result.held };
      return { outcome: { kind: "refused", code: "denied", message: `denied by ${approval.resolvedBy}${approval.note ? `: ${approval.note}` : ""}` } };
    }
    return { outcome: result as unknown as ToolOutcome };
  }

  // Approvals

  private async awaitApproval(goal: GoalRow, task: TaskRow, approvalId: string, signal: AbortSignal): Promise<ApprovalDecision> {
    let approval = this.o.store.approval(approvalId);
    if (!approval) {
      const held = (await this.o.clients.tools.getApproval({ approvalId }, { signal })).approval;
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
        expiresAt: held?.expiresAt?.getTime() ?? Date.now() + this.o.approvalTtlMs,
        resolvedAt: null,
        resolvedBy: "",
        note: "",
        kind: "tool",
        callId: "",
      };
      this.o.store.insertApproval(approval);
      this.o.events.emit(
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

  private async askToRerun(goal: GoalRow, task: TaskRow, agent: AgentKind, call: ToolCall, signal: AbortSignal): Promise<ApprovalDecision> {
    const existing = this.o.store.approvals({ states: [], goalId: goal.id, offset: 0, limit: 1000 }).find((a) => a.kind === "resume" && a.taskId === task.id && a.callId === call.id);
    const approval: ApprovalRow = existing ?? {
      id: newId("resume"),
      goalId: goal.id,
      taskId: task.id,
      agent: agent.kind,
      tool: call.name,
      input: JSON.parse(call.argumentsJson || "{}") as Record<string, unknown>,
      risk: this.catalogue.get(call.name)?.risk ?? 0,
      reason: `aios-orchestrator restarted while ${call.name} was running; it is not known whether it ran. Approve to run it again, deny to stop the task.`,
      state: ApprovalState.APPROVAL_STATE_PENDING,
      requestedAt: Date.now(),
      expiresAt: Date.now() + this.o.approvalTtlMs,
      resolvedAt: null,
      resolvedBy: "",
      note: "",
      kind: "resume",
      callId: call.id,
    };
    if (!existing) {
      this.o.store.insertApproval(approval);
      this.o.events.emit(
        { kind: EventKind.EVENT_KIND_APPROVAL_REQUESTED, goalId: goal.id, taskId: task.id, message: approval.reason, data: { approval_id: approval.id, tool: call.name, resume: true } },
        Severity.SEVERITY_WARNING,
      );
    }
    const decision = await this.waitForDecision(goal, task, approval, signal);
    // Either way the old marker is settled: a rerun gets a fresh one.
    this.o.store.deleteToolCall(`${goal.id}/${task.id}/${call.id}`);
    return decision;
  }

  private async waitForDecision(goal: GoalRow, task: TaskRow, approval: ApprovalRow, signal: AbortSignal): Promise<ApprovalDecision> {
    if (approval.state !== ApprovalState.APPROVAL_STATE_PENDING) {
      return { approved: approval.state === ApprovalState.APPROVAL_STATE_APPROVED, by: approval.resolvedBy || "expiry", note: approval.note };
    }
    this.setTask(goal, task, "waiting_approval", `waiting for approval ${approval.id} of ${approval.tool}`);
    const decision = await new Promise<ApprovalDecision>((resolve, reject) => {
      this.waiters.set(approval.id, resolve);
      signal.addEventListener("abort", () => reject(signal.reason), { once: true });
    }).finally(() => this.waiters.delete(approval.id));
    this.setTask(goal, task, "running", decision.approved ? `approved by ${decision.by}` : `denied by ${decision.by}`);
    return decision;
  }

  async resolveApproval(id: string, approve: boolean, by: string, note: string): Promise<ApprovalRow> {
    const approval = this.o.store.approval(id);
    if (!approval) throw notFound(`no approval "${id}"`);
    if (approval.state !== ApprovalState.APPROVAL_STATE_PENDING) throw failedPrecondition(`approval ${id} is no longer pending (${ApprovalState[approval.state]})`);
    // A tool call's approval is kept by aios-tools, which takes a yes only from a person: the
    // person's client answers there first (lib/rpc/decide), and this checks it was; a no the
    // orchestrator passes on itself.
    if (approval.kind === "tool" && !approve) await this.o.clients.tools.decideApproval({ approvalId: id, approve, decidedBy: by });
    if (approval.kind === "tool" && approve) {
      const held = (await this.o.clients.tools.getApproval({ approvalId: id })).approval;
      if (held?.state !== ApprovalState.APPROVAL_STATE_APPROVED)
        throw failedPrecondition(`approval ${id} has not been approved at aios-tools: approve it with aiosctl approve ${id} or in the console`);
    }
    const state = approve ? ApprovalState.APPROVAL_STATE_APPROVED : ApprovalState.APPROVAL_STATE_DENIED;
    this.o.store.resolveApproval(id, state, by, note, Date.now());
    this.o.events.emit({
      kind: EventKind.EVENT_KIND_APPROVAL_RESOLVED,
      goalId: approval.goalId,
      taskId: approval.taskId,
      message: `${approval.tool} ${approve ? "approved" : "denied"} by ${by}${note ? `: ${note}` : ""}`,
      actorKind: "human",
      actorId: by,
      data: { approval_id: id, approved: approve },
    });
    this.waiters.get(id)?.({ approved: approve, by, note });
    return this.o.store.approval(id)!;
  }

  private expireApprovals(): void {
    const now = Date.now();
    for (const approval of this.o.store.approvals({ states: [ApprovalState.APPROVAL_STATE_PENDING], goalId: "", offset: 0, limit: 1000 })) {
      if (approval.expiresAt > now) continue;
      this.o.store.resolveApproval(approval.id, ApprovalState.APPROVAL_STATE_EXPIRED, "expiry", "nobody answered in time", now);
      this.o.events.emit(
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

  // Outcomes

  private async rememberOutcome(goalId: string): Promise<void> {
    const goal = this.o.store.goal(goalId);
    if (!goal || (goal.state !== "succeeded" && goal.state !== "failed")) return;
    const tasks = this.o.store.tasks(goalId);
    const calls = this.o.store.succeededCalls(goalId, EventKind.EVENT_KIND_TOOL_CALLED, EventKind.EVENT_KIND_TOOL_RESULT);
    const toolSequence = this.o.store.toolsCalled(goalId, EventKind.EVENT_KIND_TOOL_CALLED);
    const lesson = lessonOf(goal, tasks, calls);
    if (lesson?.note) this.o.events.emit({ kind: EventKind.EVENT_KIND_AGENT_MESSAGE, goalId, message: lesson.note });
    const plan = tasks
      .map(
        (task) => `- ${task.id} (${task.agent}, ${task.layer}): ${task.description} → ${task.state}${task.result ? `: ${task.result.slice(0, 300)}` : task.stateReason ? `: ${task.stateReason}` : ""}`,
      )
      .join("\n");
    const succeeded = goal.state === "succeeded";
    const content = `Goal: ${goal.text}\nPlanned by: ${goal.plannedBy}\nOutcome: ${goal.state} (${goal.stateReason})\nTools: ${toolSequence.join(", ") || "none"}\nTasks:\n${plan}`.slice(0, 60_000);
    const tags = ["goal", goal.source, goal.plannedBy || "unplanned"];
    try {
      if (lesson) {
        await this.o.clients.memory.remember(
          { kind: MemoryKind.MEMORY_KIND_PROCEDURE, title: `${succeeded ? "Done" : "Failed"}: ${goal.text}`.slice(0, 500), content, tags, goalId, procedure: lesson.procedure },
          { timeoutMs: 30_000 },
        );
      }
      if (!succeeded) {
        await this.o.clients.memory.remember({ kind: MemoryKind.MEMORY_KIND_INCIDENT, title: `Failed: ${goal.text}`.slice(0, 500), content, tags, goalId }, { timeoutMs: 30_000 });
      }
    } catch (error) {
      this.o.log.warn("memory did not take a goal's outcome", { goal_id: goalId, error: (error as Error).message });
    }
  }
}

function summarize(tasks: TaskRow[]): string {
  if (tasks.length === 1) return tasks[0]!.result || tasks[0]!.stateReason;
  return tasks
    .map((task) => `${task.id}: ${task.result || task.stateReason}`)
    .join("\n")
    .slice(0, RESULT_CHARS * 2);
}

/** A direct call's output as the goal's result: readable for the common tools, JSON otherwise. */
function formatOutput(tool: string, output: Record<string, unknown>): string {
  if (tool === "monitor.disk") {
    const filesystems = (output.filesystems ?? []) as { mount: string; used_percent: number; available_mib: number; size_mib: number }[];
    return filesystems.map((fs) => `${fs.mount}: ${fs.used_percent}% used, ${fs.available_mib} MiB free of ${fs.size_mib} MiB`).join("\n");
  }
  const text = JSON.stringify(output);
  return text.length > RESULT_CHARS ? `${text.slice(0, RESULT_CHARS)}… (cut)` : text;
}
