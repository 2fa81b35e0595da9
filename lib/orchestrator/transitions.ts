/**
 * @module lib/orchestrator/transitions
 * The one owner of a goal's and a task's state: each change is checked against the lifecycle
 * tables (lifecycle.ts), written to the store, made on the row the caller holds, and emitted
 * as an event, in that order; a goal waits for approval exactly when every task still
 * running waits for one.
 */
import { Severity } from "../rpc/gen/aios/v1/common.ts";
import { EventKind } from "../rpc/gen/aios/v1/orchestrator.ts";
import type { EngineOptions } from "./context.ts";
import { checkTransition, GOAL_LIFECYCLE, TASK_LIFECYCLE } from "./lifecycle.ts";
import { GOAL_STATE, TASK_STATE } from "./mapping.ts";
import type { GoalRow, GoalStateName, TaskRow, TaskStateName } from "./store.ts";

export class Transitions {
  private readonly activeTasks = new Map<string, Map<string, TaskStateName>>();

  constructor(private readonly options: Pick<EngineOptions, "store" | "events">) {}

  setGoal(goal: GoalRow, state: GoalStateName, reason: string, fields: Partial<GoalRow> = {}): void {
    // The stored state, not the caller's copy of the row: that is the one the table speaks of.
    const { store, events } = this.options;
    checkTransition(GOAL_LIFECYCLE, `goal ${goal.id}`, store.goalState(goal.id) ?? goal.state, state);
    events.emitWith(
      () => store.updateGoal(goal.id, { state, stateReason: reason, ...fields }),
      { kind: EventKind.EVENT_KIND_GOAL_STATE, goalId: goal.id, goalState: GOAL_STATE[state], message: reason },
      state === "failed" ? Severity.SEVERITY_WARNING : Severity.SEVERITY_INFO,
    );
    goal.state = state;
  }

  /** causeId: the event that caused the change (a tool result), when there is one. */
  setTask(goal: GoalRow, task: TaskRow, state: TaskStateName, reason: string, fields: Partial<TaskRow> = {}, causeId = ""): void {
    const { store, events } = this.options;
    checkTransition(TASK_LIFECYCLE, `task ${goal.id}/${task.id}`, store.taskState(goal.id, task.id) ?? task.state, state);
    const changed = { ...task, state, stateReason: reason, ...fields };
    events.emitWith(() => store.updateTask(goal.id, task.id, { state, stateReason: reason, ...fields }), {
      kind: EventKind.EVENT_KIND_TASK_STATE,
      causeId,
      goalId: goal.id,
      taskId: task.id,
      taskState: TASK_STATE[state],
      message: `${task.id} ${state}: ${reason}`,
      data: { agent: changed.agent, layer: changed.layer, attempts: changed.attempts },
    });
    Object.assign(task, { state, stateReason: reason, ...fields });
    this.refreshWaiting(goal, task);
  }

  /** A goal waits for approval when every task still running waits for one. */
  refreshWaiting(goal: GoalRow, task: TaskRow): void {
    // Only running and waiting tasks matter; they are few (max_parallel_tasks), so they are
    // tracked here rather than read back from the store on every change.
    let active = this.activeTasks.get(goal.id);
    if (!active) this.activeTasks.set(goal.id, (active = new Map()));
    if (task.state === "running" || task.state === "waiting_approval") active.set(task.id, task.state);
    else active.delete(task.id);
    if (active.size === 0) this.activeTasks.delete(goal.id);
    if (goal.state !== "running" && goal.state !== "waiting_approval") return;
    const current = this.options.store.goalState(goal.id);
    if (current !== "running" && current !== "waiting_approval") return;
    const waiting = active.size > 0 && [...active.values()].every((state) => state === "waiting_approval");
    if (waiting && current === "running") this.setGoal(goal, "waiting_approval", "every running task waits for a human's approval");
    else if (!waiting && current === "waiting_approval") this.setGoal(goal, "running", "running again");
  }
}
