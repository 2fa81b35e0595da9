/**
 * @module lib/orchestrator/store-rows
 * The rows of orchestrator.db as the code sees them (goals, tasks, events, approvals,
 * schedules, tool calls in flight), the schema's versions (lib/sys/migrate), and the mapping
 * between a SQLite row and each of them.
 */
import type { Migration } from "../sys/index.ts";

export type GoalStateName = "queued" | "planning" | "running" | "waiting_approval" | "succeeded" | "failed" | "cancelled";
export type TaskStateName = "pending" | "running" | "waiting_approval" | "retrying" | "succeeded" | "failed" | "skipped" | "cancelled";
export type LayerName = "reactive" | "operational" | "tactical" | "strategic";
export type SourceName = "human" | "schedule" | "monitor" | "fleet";

export const GOAL_TERMINAL: readonly GoalStateName[] = ["succeeded", "failed", "cancelled"];
export const TASK_TERMINAL: readonly TaskStateName[] = ["succeeded", "failed", "skipped", "cancelled"];

export interface GoalRow {
  id: string;
  text: string;
  state: GoalStateName;
  stateReason: string;
  priority: number;
  source: SourceName;
  /** AutonomyLevel of the goal (0: the system's). */
  autonomy: number;
  plannedBy: LayerName | "";
  result: string;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  scheduleId: string;
  idempotencyKey: string;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  modelCalls: number;
}

/** A direct tool call (reactive plans): no model decides anything. */
export interface DirectCall {
  tool: string;
  input: Record<string, unknown>;
  /** How its output is said in words: the understanding layer's intent, step and values. */
  answer?: { intent: string; step: number; slots: Record<string, unknown> };
  /** Its input was made from the earlier steps' outputs (and written here before the call). */
  bound?: boolean;
  /** What the call returned, kept when a later step acts on it. */
  output?: Record<string, unknown>;
  /** Planned from this learned procedure (a memory id, and the pattern it answers). */
  procedure?: { id: string; pattern: string };
}

export interface TaskRow {
  goalId: string;
  id: string;
  seq: number;
  description: string;
  agent: string;
  state: TaskStateName;
  stateReason: string;
  dependsOn: string[];
  layer: LayerName;
  suggestedTools: string[];
  successCheck: string;
  attempts: number;
  escalations: number;
  result: string;
  startedAt: number | null;
  finishedAt: number | null;
  executionIds: string[];
  call: DirectCall | null;
  /** The agent loop's messages so far (JSON of the gateway's ChatMessage), for resuming. */
  conversation: unknown[] | null;
}

/** A task as planned: pending, no attempts, no result yet; what is given overrides. */
export function newTaskRow(task: Pick<TaskRow, "goalId" | "id" | "seq" | "description" | "agent"> & Partial<TaskRow>): TaskRow {
  return {
    state: "pending",
    stateReason: "",
    dependsOn: [],
    layer: "reactive",
    suggestedTools: [],
    successCheck: "",
    attempts: 0,
    escalations: 0,
    result: "",
    startedAt: null,
    finishedAt: null,
    executionIds: [],
    call: null,
    conversation: null,
    ...task,
  };
}

export interface EventRow {
  id: number;
  time: number;
  kind: number;
  goalId: string;
  taskId: string;
  actorKind: string;
  actorId: string;
  causeId: string;
  message: string;
  goalState: number;
  taskState: number;
  data: Record<string, unknown>;
}

export interface ApprovalRow {
  id: string;
  goalId: string;
  taskId: string;
  agent: string;
  tool: string;
  input: Record<string, unknown>;
  risk: number;
  reason: string;
  /** ApprovalState. */
  state: number;
  requestedAt: number;
  expiresAt: number;
  resolvedAt: number | null;
  resolvedBy: string;
  note: string;
  /** "tool": held by aios-tools; "resume": a call whose outcome a restart lost. */
  kind: "tool" | "resume";
  /** The tool call id of the agent conversation it answers ("" for direct calls). */
  callId: string;
}

export interface ScheduleRow {
  id: string;
  name: string;
  goalText: string;
  spec: string;
  priority: number;
  autonomy: number;
  enabled: boolean;
  nextRunAt: number | null;
  lastRunAt: number | null;
  lastGoalId: string;
  createdAt: number;
}

export interface ToolCallRow {
  id: string;
  goalId: string;
  taskId: string;
  tool: string;
  input: Record<string, unknown>;
  idempotent: boolean;
  /** "started": sent to aios-tools, outcome unknown; "done": result recorded. */
  state: "started" | "done";
  result: Record<string, unknown> | null;
  callId: string;
}

/** The schema's versions in order (lib/sys/migrate): add one to change it, never edit one. */
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: "goals, tasks, events, approvals, schedules, tool calls, settings, monitor",
    apply: `
CREATE TABLE IF NOT EXISTS goals (
  id TEXT PRIMARY KEY, text TEXT NOT NULL, state TEXT NOT NULL, state_reason TEXT NOT NULL,
  priority INTEGER NOT NULL, source TEXT NOT NULL, autonomy INTEGER NOT NULL, planned_by TEXT NOT NULL,
  result TEXT NOT NULL, created_at INTEGER NOT NULL, started_at INTEGER, finished_at INTEGER,
  schedule_id TEXT NOT NULL, idempotency_key TEXT NOT NULL,
  input_tokens INTEGER NOT NULL DEFAULT 0, output_tokens INTEGER NOT NULL DEFAULT 0,
  cost_usd REAL NOT NULL DEFAULT 0, model_calls INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX IF NOT EXISTS goals_idempotency ON goals(idempotency_key) WHERE idempotency_key != '';
CREATE INDEX IF NOT EXISTS goals_state ON goals(state);
CREATE INDEX IF NOT EXISTS goals_created ON goals(created_at);
CREATE TABLE IF NOT EXISTS tasks (
  goal_id TEXT NOT NULL, id TEXT NOT NULL, seq INTEGER NOT NULL, description TEXT NOT NULL, agent TEXT NOT NULL,
  state TEXT NOT NULL, state_reason TEXT NOT NULL, depends_on TEXT NOT NULL, layer TEXT NOT NULL,
  suggested_tools TEXT NOT NULL, success_check TEXT NOT NULL, attempts INTEGER NOT NULL, escalations INTEGER NOT NULL,
  result TEXT NOT NULL, started_at INTEGER, finished_at INTEGER, execution_ids TEXT NOT NULL,
  call TEXT, conversation TEXT,
  PRIMARY KEY (goal_id, id)
);
CREATE TABLE IF NOT EXISTS events (
  id INTEGER PRIMARY KEY AUTOINCREMENT, time INTEGER NOT NULL, kind INTEGER NOT NULL, goal_id TEXT NOT NULL,
  task_id TEXT NOT NULL, actor_kind TEXT NOT NULL, actor_id TEXT NOT NULL, cause_id TEXT NOT NULL,
  message TEXT NOT NULL, goal_state INTEGER NOT NULL, task_state INTEGER NOT NULL, data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS events_goal ON events(goal_id, id);
CREATE TABLE IF NOT EXISTS approvals (
  id TEXT PRIMARY KEY, goal_id TEXT NOT NULL, task_id TEXT NOT NULL, agent TEXT NOT NULL, tool TEXT NOT NULL,
  input TEXT NOT NULL, risk INTEGER NOT NULL, reason TEXT NOT NULL, state INTEGER NOT NULL,
  requested_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, resolved_at INTEGER, resolved_by TEXT NOT NULL,
  note TEXT NOT NULL, kind TEXT NOT NULL, call_id TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS schedules (
  id TEXT PRIMARY KEY, name TEXT NOT NULL, goal_text TEXT NOT NULL, spec TEXT NOT NULL, priority INTEGER NOT NULL,
  autonomy INTEGER NOT NULL, enabled INTEGER NOT NULL, next_run_at INTEGER, last_run_at INTEGER,
  last_goal_id TEXT NOT NULL, created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS tool_calls (
  id TEXT PRIMARY KEY, goal_id TEXT NOT NULL, task_id TEXT NOT NULL, tool TEXT NOT NULL, input TEXT NOT NULL,
  idempotent INTEGER NOT NULL, state TEXT NOT NULL, result TEXT, call_id TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS monitor (finding TEXT PRIMARY KEY, last_goal_id TEXT NOT NULL, last_at INTEGER NOT NULL);
`,
  },
];

export type Row = Record<string, unknown>;
export const json = (value: unknown) => JSON.stringify(value);
export const parse = <T>(text: unknown, fallback: T): T => (typeof text === "string" ? (JSON.parse(text) as T) : fallback);

export function goalFrom(r: Row): GoalRow {
  return {
    id: r.id as string,
    text: r.text as string,
    state: r.state as GoalStateName,
    stateReason: r.state_reason as string,
    priority: r.priority as number,
    source: r.source as SourceName,
    autonomy: r.autonomy as number,
    plannedBy: r.planned_by as LayerName | "",
    result: r.result as string,
    createdAt: r.created_at as number,
    startedAt: r.started_at as number | null,
    finishedAt: r.finished_at as number | null,
    scheduleId: r.schedule_id as string,
    idempotencyKey: r.idempotency_key as string,
    inputTokens: r.input_tokens as number,
    outputTokens: r.output_tokens as number,
    costUsd: r.cost_usd as number,
    modelCalls: r.model_calls as number,
  };
}

export function taskFrom(r: Row): TaskRow {
  return {
    goalId: r.goal_id as string,
    id: r.id as string,
    seq: r.seq as number,
    description: r.description as string,
    agent: r.agent as string,
    state: r.state as TaskStateName,
    stateReason: r.state_reason as string,
    dependsOn: parse(r.depends_on, []),
    layer: r.layer as LayerName,
    suggestedTools: parse(r.suggested_tools, []),
    successCheck: r.success_check as string,
    attempts: r.attempts as number,
    escalations: r.escalations as number,
    result: r.result as string,
    startedAt: r.started_at as number | null,
    finishedAt: r.finished_at as number | null,
    executionIds: parse(r.execution_ids, []),
    call: parse(r.call, null),
    conversation: parse(r.conversation, null),
  };
}

export function eventFrom(r: Row): EventRow {
  return {
    id: r.id as number,
    time: r.time as number,
    kind: r.kind as number,
    goalId: r.goal_id as string,
    taskId: r.task_id as string,
    actorKind: r.actor_kind as string,
    actorId: r.actor_id as string,
    causeId: r.cause_id as string,
    message: r.message as string,
    goalState: r.goal_state as number,
    taskState: r.task_state as number,
    data: parse(r.data, {}),
  };
}

export function approvalFrom(r: Row): ApprovalRow {
  return {
    id: r.id as string,
    goalId: r.goal_id as string,
    taskId: r.task_id as string,
    agent: r.agent as string,
    tool: r.tool as string,
    input: parse(r.input, {}),
    risk: r.risk as number,
    reason: r.reason as string,
    state: r.state as number,
    requestedAt: r.requested_at as number,
    expiresAt: r.expires_at as number,
    resolvedAt: r.resolved_at as number | null,
    resolvedBy: r.resolved_by as string,
    note: r.note as string,
    kind: r.kind as "tool" | "resume",
    callId: r.call_id as string,
  };
}

export function scheduleFrom(r: Row): ScheduleRow {
  return {
    id: r.id as string,
    name: r.name as string,
    goalText: r.goal_text as string,
    spec: r.spec as string,
    priority: r.priority as number,
    autonomy: r.autonomy as number,
    enabled: Boolean(r.enabled),
    nextRunAt: r.next_run_at as number | null,
    lastRunAt: r.last_run_at as number | null,
    lastGoalId: r.last_goal_id as string,
    createdAt: r.created_at as number,
  };
}

export function toolCallFrom(r: Row): ToolCallRow {
  return {
    id: r.id as string,
    goalId: r.goal_id as string,
    taskId: r.task_id as string,
    tool: r.tool as string,
    input: parse(r.input, {}),
    idempotent: Boolean(r.idempotent),
    state: r.state as "started" | "done",
    result: parse(r.result, null),
    callId: r.call_id as string,
  };
}

export type SqlArg = string | number;
export type Condition = readonly [sql: string, ...args: SqlArg[]] | null;

/** "WHERE a AND b" from the conditions that apply (null ones are left out), with their arguments. */
export function whereClause(conditions: readonly Condition[]): { where: string; args: SqlArg[] } {
  const used = conditions.filter((c): c is NonNullable<Condition> => c !== null);
  return { where: used.length ? `WHERE ${used.map(([sql]) => sql).join(" AND ")}` : "", args: used.flatMap(([, ...args]) => args) };
}

export const stateIn = (states: readonly SqlArg[]): Condition => (states.length ? [`state IN (${states.map(() => "?").join(",")})`, ...states] : null);
