/**
 * @module lib/orchestrator/lifecycle
 * The lifecycle of a goal and of a task as tables: from each state, the states it may go to.
 * transitions.ts checks every change against them, so an illegal transition is an error (a
 * bug, said with both states) and never a silent write. Terminal states go nowhere.
 *
 *   goal:  queued → planning → running ⇄ waiting_approval → succeeded | failed | cancelled
 *          (a restart puts planning, running and waiting goals back in the queue)
 *   task:  pending → running ⇄ waiting_approval → succeeded | failed | skipped | cancelled
 *          running → retrying → running;  running → pending (escalated one layer up)
 */
import type { GoalStateName, TaskStateName } from "./store.ts";

export const GOAL_LIFECYCLE: Readonly<Record<GoalStateName, readonly GoalStateName[]>> = {
  queued: ["planning", "running", "failed", "cancelled"],
  planning: ["running", "failed", "cancelled", "queued"],
  running: ["waiting_approval", "succeeded", "failed", "cancelled", "queued"],
  waiting_approval: ["running", "succeeded", "failed", "cancelled", "queued"],
  succeeded: [],
  failed: [],
  cancelled: [],
};

export const TASK_LIFECYCLE: Readonly<Record<TaskStateName, readonly TaskStateName[]>> = {
  pending: ["running", "waiting_approval", "failed", "skipped", "cancelled"],
  // running → running: a new attempt's note; running → pending: escalated to the next layer.
  running: ["running", "waiting_approval", "retrying", "pending", "succeeded", "failed", "skipped", "cancelled"],
  // waiting → waiting: a resumed task waits again for the approval it was waiting for.
  waiting_approval: ["waiting_approval", "running", "succeeded", "failed", "skipped", "cancelled"],
  retrying: ["running", "pending", "failed", "skipped", "cancelled"],
  succeeded: [],
  failed: [],
  skipped: [],
  cancelled: [],
};

export class IllegalTransition extends Error {
  override readonly name = "IllegalTransition";
}

/** Throws IllegalTransition unless the table lets `what` go from one state to the other. */
export function checkTransition<S extends string>(table: Readonly<Record<S, readonly S[]>>, what: string, from: S, to: S): void {
  if (!table[from]?.includes(to)) throw new IllegalTransition(`${what} may not go from ${from} to ${to} (lib/orchestrator/lifecycle.ts)`);
}
