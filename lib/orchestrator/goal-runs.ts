/**
 * @module lib/orchestrator/goal-runs
 * One goal's run: planned when it has no tasks yet (the plan, its layer, its event and the
 * goal's running state written in one transaction, then announced), its tasks run to their
 * ends, then the goal ends succeeded, failed or cancelled with its result, and what it teaches
 * goes to memory. A resumed goal (its tasks are there) goes straight to its tasks.
 */
import { EventKind } from "../rpc/gen/aios/v1/orchestrator.ts";
import { type EngineOptions, TaskFailure } from "./context.ts";
import { GOAL_STATE } from "./mapping.ts";
import type { GoalPlanner } from "./goal-planner.ts";
import { rememberOutcome, summarize } from "./outcomes.ts";
import { GOAL_TERMINAL, type GoalRow, newTaskRow } from "./store.ts";
import type { TaskRuns } from "./task-runs.ts";
import type { Transitions } from "./transitions.ts";

export class GoalRuns {
  constructor(
    private readonly options: EngineOptions,
    private readonly transitions: Transitions,
    private readonly planner: GoalPlanner,
    private readonly tasks: TaskRuns,
    /** The orchestrator is stopping: a run cut short stays as it is, to be resumed. */
    private readonly stopping: () => boolean,
  ) {}

  /** After a restart: planning starts over, running goals resume from their tasks' states. */
  recover(): void {
    for (const goal of this.options.store.goalsIn(["planning", "running", "waiting_approval"])) {
      this.options.store.transaction(() => {
        if (goal.state === "planning") this.options.store.replaceTasks(goal.id, []);
        for (const task of this.options.store.tasks(goal.id)) {
          if (task.state === "running" || task.state === "retrying")
            this.options.store.updateTask(goal.id, task.id, { state: "pending", stateReason: "resuming after a restart of aios-orchestrator" });
        }
        this.options.store.updateGoal(goal.id, { state: "queued", stateReason: "resuming after a restart of aios-orchestrator" });
      });
      this.options.events.emit({ kind: EventKind.EVENT_KIND_GOAL_STATE, goalId: goal.id, goalState: GOAL_STATE.queued, message: "resuming after a restart of aios-orchestrator" });
    }
  }

  async run(goal: GoalRow, signal: AbortSignal): Promise<void> {
    try {
      if (this.options.store.taskCount(goal.id) === 0) {
        // Nothing acts on this state: it need not wait for the disk (lost to a power cut, the
        // goal is planned again from the start).
        this.options.store.transaction(() => this.transitions.setGoal(goal, "planning", "planning", { startedAt: goal.startedAt ?? Date.now() }), { flush: false });
        const plan = await this.planner.plan(goal, signal);
        // The plan, its event and the goal's running state: one commit, which need not wait
        // for the disk: nothing acts on it before a commit that does (a tool call's marker).
        this.options.store.transaction(
          () => {
            this.options.store.replaceTasks(
              goal.id,
              plan.tasks.map((task, seq) =>
                newTaskRow({
                  goalId: goal.id,
                  id: task.id,
                  seq,
                  description: task.description,
                  agent: task.agent,
                  stateReason: "waiting for its dependencies",
                  dependsOn: task.dependsOn,
                  layer: task.layer,
                  suggestedTools: task.tools,
                  successCheck: task.successCheck,
                  call: task.call ?? null,
                }),
              ),
            );
            this.options.store.updateGoal(goal.id, { plannedBy: plan.layer, ...(plan.answer ? { result: plan.answer } : {}) });
            this.options.events.emit({
              kind: EventKind.EVENT_KIND_GOAL_PLANNED,
              goalId: goal.id,
              message: `planned at the ${plan.layer} layer: ${plan.tasks.length} task${plan.tasks.length === 1 ? "" : "s"}`,
              data: { layer: plan.layer, tasks: plan.tasks.map((task) => ({ id: task.id, description: task.description, agent: task.agent, depends_on: task.dependsOn, layer: task.layer })) },
            });
            this.transitions.setGoal(goal, "running", "running its tasks", { startedAt: goal.startedAt ?? Date.now() });
          },
          { flush: false },
        );
      } else {
        this.transitions.setGoal(goal, "running", "running its tasks", { startedAt: goal.startedAt ?? Date.now() });
      }
      await this.tasks.runTasks(goal, signal);
      const tasks = this.options.store.tasks(goal.id);
      const failed = tasks.find((task) => task.state === "failed");
      if (signal.aborted) throw signal.reason;
      if (failed) {
        this.transitions.setGoal(goal, "failed", `task ${failed.id} failed: ${failed.stateReason}`, { finishedAt: Date.now(), result: summarize(tasks) });
      } else {
        this.transitions.setGoal(goal, "succeeded", tasks.length ? "every task succeeded" : "done while planning", {
          finishedAt: Date.now(),
          result: summarize(tasks) || (this.options.store.goal(goal.id)?.result ?? ""),
        });
      }
      void rememberOutcome(this.options, goal.id);
    } catch (error) {
      if (this.stopping() && !(signal.reason instanceof TaskFailure)) return;
      const current = this.options.store.goal(goal.id)!;
      if (GOAL_TERMINAL.includes(current.state)) return;
      if (signal.aborted) {
        const reason = signal.reason instanceof Error ? signal.reason.message : "cancelled";
        for (const task of this.options.store.unfinishedTasks(goal.id)) this.transitions.setTask(current, task, "cancelled", reason, { finishedAt: Date.now() });
        this.transitions.setGoal(current, "cancelled", reason, { finishedAt: Date.now() });
        return;
      }
      this.options.log.warn("a goal failed", { goal_id: goal.id, error: (error as Error).message });
      this.transitions.setGoal(current, "failed", (error as Error).message, { finishedAt: Date.now() });
      void rememberOutcome(this.options, goal.id);
    }
  }
}
