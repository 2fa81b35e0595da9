/**
 * @module lib/orchestrator/engine
 * Goals from submission to outcome: the settings (autonomy, emergency stop), the queue (a
 * priority queue with aging feeds at most max_running_goals at once), submit and cancel. Each
 * goal's run (goal-runs.ts): planned (goal-planner.ts), its tasks run as a DAG (task-runs.ts),
 * a task that needs a person parked (approval-waits.ts), every change of state written and
 * emitted by one owner (transitions.ts) before anything else happens, and what the goal
 * teaches remembered (outcomes.ts).
 */
import { alreadyExists, failedPrecondition, notFound } from "../rpc/index.ts";
import { ApprovalState, AutonomyLevel, Severity } from "../rpc/gen/aios/v1/common.ts";
import { EventKind } from "../rpc/gen/aios/v1/orchestrator.ts";
import type { AgentKind } from "./agents.ts";
import { ApprovalWaits } from "./approval-waits.ts";
import { type EngineOptions, newId, systemAutonomy, TaskFailure } from "./context.ts";
import { GoalPlanner } from "./goal-planner.ts";
import { GoalRuns } from "./goal-runs.ts";
import { GOAL_STATE } from "./mapping.ts";
import type { ToolInfo } from "./plan.ts";
import type { ModelLayer } from "./planner.ts";
import { type ApprovalRow, GOAL_TERMINAL, type GoalRow, type SourceName } from "./store.ts";
import { TaskRuns } from "./task-runs.ts";
import { ToolRunner } from "./tool-runner.ts";
import { ToolCatalogue } from "./tool-catalogue.ts";
import { Transitions } from "./transitions.ts";

export type { Clients, EngineOptions } from "./context.ts";

export interface SubmitRequest {
  text: string;
  priority: number;
  source: SourceName;
  autonomy: number;
  idempotencyKey: string;
  scheduleId?: string;
}

export class Engine {
  private readonly running = new Map<string, { controller: AbortController; done: Promise<void> }>();
  private readonly catalogue: ToolCatalogue;
  private readonly goalRuns: GoalRuns;
  private readonly runner: ToolRunner;
  private readonly transitions: Transitions;
  private readonly planner: GoalPlanner;
  private readonly approvals: ApprovalWaits;
  private readonly tasks: TaskRuns;
  private timer: ReturnType<typeof setInterval> | null = null;
  private stopping = false;
  readonly startedAt = Date.now();

  constructor(private readonly options: EngineOptions) {
    this.catalogue = new ToolCatalogue(options.clients.tools, options.log);
    const catalogue = () => this.catalogue.current;
    this.runner = new ToolRunner(options.clients.tools, options.store, catalogue);
    this.transitions = new Transitions(options);
    this.planner = new GoalPlanner(options, catalogue, () => this.catalogue.fresh());
    this.approvals = new ApprovalWaits(options, catalogue, this.transitions);
    this.tasks = new TaskRuns(options, catalogue, this.runner, this.transitions, this.planner, this.approvals);
    this.goalRuns = new GoalRuns(options, this.transitions, this.planner, this.tasks, () => this.stopping);
  }

  get agents(): ReadonlyMap<string, AgentKind> {
    return this.options.agents;
  }

  get tools(): ReadonlyMap<string, ToolInfo> {
    return this.catalogue.current;
  }

  get toolRunner(): ToolRunner {
    return this.runner;
  }

  // Settings

  get autonomy(): AutonomyLevel {
    return systemAutonomy(this.options.store);
  }

  get emergencyStopped(): boolean {
    return this.options.store.setting("emergency_stop") === "1";
  }

  setAutonomy(level: AutonomyLevel, by: string): AutonomyLevel {
    const previous = this.autonomy;
    this.options.store.setSetting("autonomy", String(level));
    this.options.events.emit({
      kind: EventKind.EVENT_KIND_SYSTEM,
      message: `autonomy set to ${AutonomyLevel[level]} by ${by}`,
      actorKind: "human",
      actorId: by,
      data: { previous: AutonomyLevel[previous], current: AutonomyLevel[level] },
    });
    return previous;
  }

  async emergencyStop(stop: boolean, reason: string, by: string): Promise<string[]> {
    this.options.store.setSetting("emergency_stop", stop ? "1" : "0");
    this.options.events.emit(
      { kind: EventKind.EVENT_KIND_SYSTEM, message: stop ? `EMERGENCY STOP by ${by}: ${reason}` : `resumed by ${by}${reason ? `: ${reason}` : ""}`, actorKind: "human", actorId: by },
      stop ? Severity.SEVERITY_CRITICAL : Severity.SEVERITY_WARNING,
    );
    if (!stop) {
      this.pump();
      return [];
    }
    const cancelled: string[] = [];
    for (const goal of this.options.store.goalsIn(["queued", "planning", "running", "waiting_approval"])) {
      await this.cancel(goal.id, `emergency stop: ${reason || "no reason given"}`, by);
      cancelled.push(goal.id);
    }
    return cancelled;
  }

  /** A person's answer to an approval (see approval-waits.ts). */
  resolveApproval(id: string, approve: boolean, by: string, note: string): Promise<ApprovalRow> {
    return this.approvals.resolve(id, approve, by, note);
  }

  /** Layers whose chain has a model that can answer now. */
  availableLayers(): Promise<ModelLayer[]> {
    return this.planner.availableLayers();
  }

  // Start and stop

  async start(): Promise<void> {
    this.goalRuns.recover();
    this.timer = setInterval(() => {
      this.approvals.expire();
      this.pump();
    }, 1000);
    await this.catalogue.refresh(() => this.pump());
    this.pump();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.catalogue.stop();
    if (this.timer) clearInterval(this.timer);
    // Running goals stay in their durable state: the next start resumes them.
    for (const run of this.running.values()) run.controller.abort(new Error("the orchestrator is stopping"));
    await Promise.allSettled([...this.running.values()].map((run) => run.done));
  }

  // Goals

  submit(request: SubmitRequest): GoalRow {
    if (this.emergencyStopped) throw failedPrecondition("an emergency stop is in force: no new goal starts until someone resumes (EmergencyStop with stop = false)");
    if (request.idempotencyKey) {
      const existing = this.options.store.goalByIdempotencyKey(request.idempotencyKey);
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
    // The goal and its first event in one commit, announced once it is done.
    this.options.events.emitWith(() => this.options.store.insertGoal(goal), {
      kind: EventKind.EVENT_KIND_GOAL_STATE,
      goalId: goal.id,
      goalState: GOAL_STATE.queued,
      message: `goal submitted: ${goal.text}`,
      actorKind: request.source,
      actorId: request.source,
      data: { priority: goal.priority },
    });
    // After this turn of the event loop, so that the caller's answer (the goal, committed) is
    // sent before planning starts rather than after its first commit.
    setImmediate(() => this.pump());
    return goal;
  }

  async cancel(goalId: string, reason: string, by: string): Promise<GoalRow> {
    const goal = this.options.store.goal(goalId);
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
    for (const approval of this.options.store.approvals({ states: [ApprovalState.APPROVAL_STATE_PENDING], goalId, offset: 0, limit: 1000 })) {
      this.options.store.resolveApproval(approval.id, ApprovalState.APPROVAL_STATE_DENIED, by, `the goal was cancelled: ${why}`, now);
      if (approval.kind === "tool") void this.options.clients.tools.decideApproval({ approvalId: approval.id, approve: false, decidedBy: by }).catch(() => undefined);
    }
    for (const task of this.options.store.unfinishedTasks(goalId)) this.transitions.setTask(goal, task, "cancelled", why, { finishedAt: now });
    const current = this.options.store.goal(goalId)!;
    if (!GOAL_TERMINAL.includes(current.state)) this.transitions.setGoal(current, "cancelled", why, { finishedAt: now });
    return this.options.store.goal(goalId)!;
  }

  /** Starts queued goals while there are free slots: highest priority first, aged by waiting. */
  pump(): void {
    if (this.stopping || this.emergencyStopped) return;
    const free = this.options.settings.max_running_goals - this.running.size;
    if (free <= 0) return;
    const now = Date.now();
    const effective = (goal: GoalRow) => goal.priority + (now - goal.createdAt) / this.options.settings.aging_ms;
    // Planning needs the tool catalogue; a goal that has its tasks (resumed) does not wait for it.
    const canPlan = this.catalogue.current.size > 0;
    const queued = this.options.store
      .goalsIn(["queued"])
      .filter((goal) => !this.running.has(goal.id) && (canPlan || this.options.store.taskCount(goal.id) > 0))
      .sort((a, b) => effective(b) - effective(a) || a.createdAt - b.createdAt);
    for (const goal of queued.slice(0, free)) {
      const controller = new AbortController();
      const done = this.goalRuns.run(goal, controller.signal).finally(() => {
        this.running.delete(goal.id);
        this.pump();
      });
      this.running.set(goal.id, { controller, done });
    }
  }
}
