/**
 * @module lib/orchestrator/mapping
 * The store's state names and the proto's enums, both ways.
 */
import { GoalSource, GoalState, TaskState } from "../rpc/gen/aios/v1/orchestrator.ts";
import type { GoalStateName, SourceName, TaskStateName } from "./store.ts";

export const GOAL_STATE: Record<GoalStateName, GoalState> = {
  queued: GoalState.GOAL_STATE_QUEUED,
  planning: GoalState.GOAL_STATE_PLANNING,
  running: GoalState.GOAL_STATE_RUNNING,
  waiting_approval: GoalState.GOAL_STATE_WAITING_APPROVAL,
  succeeded: GoalState.GOAL_STATE_SUCCEEDED,
  failed: GoalState.GOAL_STATE_FAILED,
  cancelled: GoalState.GOAL_STATE_CANCELLED,
};

export const TASK_STATE: Record<TaskStateName, TaskState> = {
  pending: TaskState.TASK_STATE_PENDING,
  running: TaskState.TASK_STATE_RUNNING,
  waiting_approval: TaskState.TASK_STATE_WAITING_APPROVAL,
  retrying: TaskState.TASK_STATE_RETRYING,
  succeeded: TaskState.TASK_STATE_SUCCEEDED,
  failed: TaskState.TASK_STATE_FAILED,
  skipped: TaskState.TASK_STATE_SKIPPED,
  cancelled: TaskState.TASK_STATE_CANCELLED,
};

export const GOAL_STATE_NAME = new Map<GoalState, GoalStateName>(Object.entries(GOAL_STATE).map(([name, value]) => [value, name as GoalStateName]));

export const SOURCE: Record<SourceName, GoalSource> = {
  human: GoalSource.GOAL_SOURCE_HUMAN,
  schedule: GoalSource.GOAL_SOURCE_SCHEDULE,
  monitor: GoalSource.GOAL_SOURCE_MONITOR,
  fleet: GoalSource.GOAL_SOURCE_FLEET,
};

export const SOURCE_NAME = new Map<GoalSource, SourceName>([
  [GoalSource.GOAL_SOURCE_UNSPECIFIED, "human"],
  [GoalSource.GOAL_SOURCE_HUMAN, "human"],
  [GoalSource.GOAL_SOURCE_SCHEDULE, "schedule"],
  [GoalSource.GOAL_SOURCE_MONITOR, "monitor"],
  [GoalSource.GOAL_SOURCE_FLEET, "fleet"],
]);
