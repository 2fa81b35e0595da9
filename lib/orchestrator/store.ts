/**
 * @module lib/orchestrator/store
 * The orchestrator's durable state, STATE_DIR/orchestrator/orchestrator.db (WAL,
 * synchronous=FULL): goals, their tasks (with each agent conversation so far, so a restarted
 * orchestrator resumes a task from its last step), the event log (whose row ids are the event
 * ids StreamEvents resumes from), approvals, schedules, tool calls in flight, and settings.
 * Everything a client was told is here before the RPC that told it returns.
 */
import { Database } from "bun:sqlite";
import { ensurePrivateFile, type Migration, migrate } from "../sys/index.ts";

export type GoalStateName = "queued" | "planning" | "running" | "waiting_approval" | "succeeded" | "failed" | "cancelled";
export type TaskStateName = "pending" | "running" | "waiting_approval" | "retrying" | "succeeded" | "failed" | "skipped" | "cancelled";
export type LayerName = "reactive" | "operational" | "tactical" | "strategic";
export type SourceName = "human" | "schedule" | "monitor";

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
const MIGRATIONS: readonly Migration[] = [
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

type Row = Record<string, unknown>;
const json = (value: unknown) => JSON.stringify(value);
const parse = <T>(text: unknown, fallback: T): T => (typeof text === "string" ? (JSON.parse(text) as T) : fallback);

function goalFrom(r: Row): GoalRow {
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

function taskFrom(r: Row): TaskRow {
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

function eventFrom(r: Row): EventRow {
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

function approvalFrom(r: Row): ApprovalRow {
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

function scheduleFrom(r: Row): ScheduleRow {
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

function toolCallFrom(r: Row): ToolCallRow {
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

type SqlArg = string | number;
type Condition = readonly [sql: string, ...args: SqlArg[]] | null;

/** "WHERE a AND b" from the conditions that apply (null ones are left out), with their arguments. */
function whereClause(conditions: readonly Condition[]): { where: string; args: SqlArg[] } {
  const used = conditions.filter((c): c is NonNullable<Condition> => c !== null);
  return { where: used.length ? `WHERE ${used.map(([sql]) => sql).join(" AND ")}` : "", args: used.flatMap(([, ...args]) => args) };
}

const stateIn = (states: readonly SqlArg[]): Condition => (states.length ? [`state IN (${states.map(() => "?").join(",")})`, ...states] : null);

export class OrchestratorStore {
  readonly db: Database;

  constructor(path: string) {
    ensurePrivateFile(path);
    this.db = new Database(path, { create: true });
    this.db.run("PRAGMA journal_mode = WAL");
    this.db.run("PRAGMA synchronous = FULL");
    this.db.run("PRAGMA busy_timeout = 5000");
    migrate(this.db, "orchestrator.db", MIGRATIONS);
  }

  transaction<T>(work: () => T): T {
    return this.db.transaction(work)();
  }

  // Goals

  insertGoal(goal: GoalRow): void {
    this.db
      .query(
        `INSERT INTO goals (id, text, state, state_reason, priority, source, autonomy, planned_by, result, created_at, started_at, finished_at, schedule_id, idempotency_key)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        goal.id,
        goal.text,
        goal.state,
        goal.stateReason,
        goal.priority,
        goal.source,
        goal.autonomy,
        goal.plannedBy,
        goal.result,
        goal.createdAt,
        goal.startedAt,
        goal.finishedAt,
        goal.scheduleId,
        goal.idempotencyKey,
      );
  }

  goal(id: string): GoalRow | null {
    const row = this.db.query<Row, [string]>("SELECT * FROM goals WHERE id = ?").get(id);
    return row ? goalFrom(row) : null;
  }

  goalByIdempotencyKey(key: string): GoalRow | null {
    const row = this.db.query<Row, [string]>("SELECT * FROM goals WHERE idempotency_key = ?").get(key);
    return row ? goalFrom(row) : null;
  }

  goalsIn(states: readonly GoalStateName[]): GoalRow[] {
    return this.db
      .query<Row, string[]>(`SELECT * FROM goals WHERE state IN (${states.map(() => "?").join(",")}) ORDER BY created_at`)
      .all(...states)
      .map(goalFrom);
  }

  listGoals(filter: { states: GoalStateName[]; source: SourceName | null; before: { createdAt: number; id: string } | null; limit: number }): GoalRow[] {
    const { where, args } = whereClause([
      stateIn(filter.states),
      filter.source ? ["source = ?", filter.source] : null,
      filter.before ? ["(created_at < ? OR (created_at = ? AND id < ?))", filter.before.createdAt, filter.before.createdAt, filter.before.id] : null,
    ]);
    const sql = `SELECT * FROM goals ${where} ORDER BY created_at DESC, id DESC LIMIT ?`;
    return this.db
      .query<Row, (string | number)[]>(sql)
      .all(...args, filter.limit)
      .map(goalFrom);
  }

  /** The same per day (UTC) since a time, oldest first. */
  countPlannedGoalsByDay(since: number): Array<{ day: string; planned: number; withoutModel: number }> {
    return this.db
      .query<{ day: string; planned: number; without_model: number }, [number]>(
        "SELECT strftime('%Y-%m-%d', created_at / 1000, 'unixepoch') AS day, COUNT(*) AS planned, COALESCE(SUM(CASE WHEN model_calls = 0 THEN 1 ELSE 0 END), 0) AS without_model FROM goals WHERE planned_by != '' AND created_at >= ? GROUP BY day ORDER BY day",
      )
      .all(since)
      .map((r) => ({ day: r.day, planned: r.planned, withoutModel: r.without_model }));
  }

  /** Goals that were planned, and how many of them cost no model call: how far the reactive layer carries. */
  countPlannedGoals(): { planned: number; withoutModel: number } {
    const row = this.db
      .query<{ planned: number; without_model: number }, []>(
        "SELECT COUNT(*) AS planned, COALESCE(SUM(CASE WHEN model_calls = 0 THEN 1 ELSE 0 END), 0) AS without_model FROM goals WHERE planned_by != ''",
      )
      .get();
    return { planned: row?.planned ?? 0, withoutModel: row?.without_model ?? 0 };
  }

  countGoalsByState(): { state: GoalStateName; count: number }[] {
    return this.db.query<{ state: GoalStateName; count: number }, []>("SELECT state, COUNT(*) AS count FROM goals GROUP BY state").all();
  }

  updateGoal(id: string, fields: Partial<Pick<GoalRow, "state" | "stateReason" | "plannedBy" | "result" | "startedAt" | "finishedAt">>): void {
    const columns: Record<string, string> = { state: "state", stateReason: "state_reason", plannedBy: "planned_by", result: "result", startedAt: "started_at", finishedAt: "finished_at" };
    const entries = Object.entries(fields).filter(([, value]) => value !== undefined);
    if (!entries.length) return;
    this.db.query(`UPDATE goals SET ${entries.map(([key]) => `${columns[key]} = ?`).join(", ")} WHERE id = ?`).run(...(entries.map(([, value]) => value) as (string | number | null)[]), id);
  }

  addGoalUsage(id: string, usage: { inputTokens: number; outputTokens: number; costUsd: number }): void {
    this.db
      .query("UPDATE goals SET input_tokens = input_tokens + ?, output_tokens = output_tokens + ?, cost_usd = cost_usd + ?, model_calls = model_calls + 1 WHERE id = ?")
      .run(usage.inputTokens, usage.outputTokens, usage.costUsd, id);
  }

  // Tasks

  replaceTasks(goalId: string, tasks: TaskRow[]): void {
    this.db.query("DELETE FROM tasks WHERE goal_id = ?").run(goalId);
    for (const task of tasks) this.insertTask(task);
  }

  private insertTask(t: TaskRow): void {
    this.db
      .query(
        `INSERT INTO tasks (goal_id, id, seq, description, agent, state, state_reason, depends_on, layer, suggested_tools, success_check, attempts, escalations, result, started_at, finished_at, execution_ids, call, conversation)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        t.goalId,
        t.id,
        t.seq,
        t.description,
        t.agent,
        t.state,
        t.stateReason,
        json(t.dependsOn),
        t.layer,
        json(t.suggestedTools),
        t.successCheck,
        t.attempts,
        t.escalations,
        t.result,
        t.startedAt,
        t.finishedAt,
        json(t.executionIds),
        t.call ? json(t.call) : null,
        t.conversation ? json(t.conversation) : null,
      );
  }

  tasks(goalId: string): TaskRow[] {
    return this.db.query<Row, [string]>("SELECT * FROM tasks WHERE goal_id = ? ORDER BY seq").all(goalId).map(taskFrom);
  }

  task(goalId: string, id: string): TaskRow | null {
    const row = this.db.query<Row, [string, string]>("SELECT * FROM tasks WHERE goal_id = ? AND id = ?").get(goalId, id);
    return row ? taskFrom(row) : null;
  }

  updateTask(goalId: string, id: string, fields: Partial<Omit<TaskRow, "goalId" | "id" | "seq">>): void {
    const columns: Record<string, string> = {
      description: "description",
      agent: "agent",
      state: "state",
      stateReason: "state_reason",
      dependsOn: "depends_on",
      layer: "layer",
      suggestedTools: "suggested_tools",
      successCheck: "success_check",
      attempts: "attempts",
      escalations: "escalations",
      result: "result",
      startedAt: "started_at",
      finishedAt: "finished_at",
      executionIds: "execution_ids",
      call: "call",
      conversation: "conversation",
    };
    const jsonFields = new Set(["dependsOn", "suggestedTools", "executionIds", "call", "conversation"]);
    const entries = Object.entries(fields).filter(([, value]) => value !== undefined);
    if (!entries.length) return;
    const values = entries.map(([key, value]) => (jsonFields.has(key) ? (value === null ? null : json(value)) : value)) as (string | number | null)[];
    this.db.query(`UPDATE tasks SET ${entries.map(([key]) => `${columns[key]} = ?`).join(", ")} WHERE goal_id = ? AND id = ?`).run(...values, goalId, id);
  }

  // Events

  appendEvent(event: Omit<EventRow, "id">): EventRow {
    const result = this.db
      .query("INSERT INTO events (time, kind, goal_id, task_id, actor_kind, actor_id, cause_id, message, goal_state, task_state, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
      .run(event.time, event.kind, event.goalId, event.taskId, event.actorKind, event.actorId, event.causeId, event.message, event.goalState, event.taskState, json(event.data));
    return { ...event, id: Number(result.lastInsertRowid) };
  }

  eventsAfter(afterId: number, goalId: string, limit: number): EventRow[] {
    return goalId
      ? this.db.query<Row, [number, string, number]>("SELECT * FROM events WHERE id > ? AND goal_id = ? ORDER BY id LIMIT ?").all(afterId, goalId, limit).map(eventFrom)
      : this.db.query<Row, [number, number]>("SELECT * FROM events WHERE id > ? ORDER BY id LIMIT ?").all(afterId, limit).map(eventFrom);
  }

  lastEventId(): number {
    return this.db.query<{ id: number | null }, []>("SELECT MAX(id) AS id FROM events").get()?.id ?? 0;
  }

  // Approvals

  insertApproval(a: ApprovalRow): void {
    this.db
      .query(
        `INSERT OR REPLACE INTO approvals (id, goal_id, task_id, agent, tool, input, risk, reason, state, requested_at, expires_at, resolved_at, resolved_by, note, kind, call_id)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(a.id, a.goalId, a.taskId, a.agent, a.tool, json(a.input), a.risk, a.reason, a.state, a.requestedAt, a.expiresAt, a.resolvedAt, a.resolvedBy, a.note, a.kind, a.callId);
  }

  approval(id: string): ApprovalRow | null {
    const row = this.db.query<Row, [string]>("SELECT * FROM approvals WHERE id = ?").get(id);
    return row ? approvalFrom(row) : null;
  }

  approvals(filter: { states: number[]; goalId: string; offset: number; limit: number }): ApprovalRow[] {
    const { where, args } = whereClause([stateIn(filter.states), filter.goalId ? ["goal_id = ?", filter.goalId] : null]);
    // Pending first, then newest first.
    const sql = `SELECT * FROM approvals ${where} ORDER BY (state = 1) DESC, requested_at DESC, id LIMIT ? OFFSET ?`;
    return this.db
      .query<Row, (string | number)[]>(sql)
      .all(...args, filter.limit, filter.offset)
      .map(approvalFrom);
  }

  countApprovals(state: number): number {
    return this.db.query<{ count: number }, [number]>("SELECT COUNT(*) AS count FROM approvals WHERE state = ?").get(state)?.count ?? 0;
  }

  pendingApprovalFor(goalId: string, taskId: string): ApprovalRow | null {
    const row = this.db.query<Row, [string, string]>("SELECT * FROM approvals WHERE goal_id = ? AND task_id = ? AND state = 1 ORDER BY requested_at DESC LIMIT 1").get(goalId, taskId);
    return row ? approvalFrom(row) : null;
  }

  resolveApproval(id: string, state: number, by: string, note: string, at: number): void {
    this.db.query("UPDATE approvals SET state = ?, resolved_by = ?, note = ?, resolved_at = ? WHERE id = ?").run(state, by, note, at, id);
  }

  // Schedules

  upsertSchedule(s: ScheduleRow): void {
    this.db
      .query(
        `INSERT OR REPLACE INTO schedules (id, name, goal_text, spec, priority, autonomy, enabled, next_run_at, last_run_at, last_goal_id, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(s.id, s.name, s.goalText, s.spec, s.priority, s.autonomy, s.enabled ? 1 : 0, s.nextRunAt, s.lastRunAt, s.lastGoalId, s.createdAt);
  }

  schedules(): ScheduleRow[] {
    return this.db.query<Row, []>("SELECT * FROM schedules ORDER BY created_at, id").all().map(scheduleFrom);
  }

  schedule(id: string): ScheduleRow | null {
    const row = this.db.query<Row, [string]>("SELECT * FROM schedules WHERE id = ?").get(id);
    return row ? scheduleFrom(row) : null;
  }

  deleteSchedule(id: string): boolean {
    return this.db.query("DELETE FROM schedules WHERE id = ?").run(id).changes > 0;
  }

  // Tool calls in flight

  startToolCall(call: Omit<ToolCallRow, "state" | "result">): void {
    this.db
      .query("INSERT OR REPLACE INTO tool_calls (id, goal_id, task_id, tool, input, idempotent, state, result, call_id) VALUES (?, ?, ?, ?, ?, ?, 'started', NULL, ?)")
      .run(call.id, call.goalId, call.taskId, call.tool, json(call.input), call.idempotent ? 1 : 0, call.callId);
  }

  finishToolCall(id: string, result: Record<string, unknown>): void {
    this.db.query("UPDATE tool_calls SET state = 'done', result = ? WHERE id = ?").run(json(result), id);
  }

  unfinishedToolCalls(goalId: string, taskId: string): ToolCallRow[] {
    return this.db.query<Row, [string, string]>("SELECT * FROM tool_calls WHERE goal_id = ? AND task_id = ? AND state = 'started'").all(goalId, taskId).map(toolCallFrom);
  }

  toolCall(id: string): ToolCallRow | null {
    const row = this.db.query<Row, [string]>("SELECT * FROM tool_calls WHERE id = ?").get(id);
    return row ? toolCallFrom(row) : null;
  }

  deleteToolCall(id: string): void {
    this.db.query("DELETE FROM tool_calls WHERE id = ?").run(id);
  }

  /** The tools a goal called, in order (from its TOOL_CALLED events). */
  toolsCalled(goalId: string, toolCalledKind: number): string[] {
    return this.db
      .query<{ data: string }, [string, number]>("SELECT data FROM events WHERE goal_id = ? AND kind = ? ORDER BY id")
      .all(goalId, toolCalledKind)
      .map((row) => String((JSON.parse(row.data) as { tool?: string }).tool ?? ""))
      .filter(Boolean);
  }

  /**
   * The tool calls of a goal that worked, in the order they were made: the last attempt of
   * each call (a call held for approval is sent again with it) whose result was ok.
   */
  succeededCalls(goalId: string, calledKind: number, resultKind: number): Array<{ taskId: string; tool: string; agent: string; input: Record<string, unknown> }> {
    const rows = this.db
      .query<{ kind: number; task_id: string; actor_id: string; data: string }, [string, number, number]>(
        "SELECT kind, task_id, actor_id, data FROM events WHERE goal_id = ? AND kind IN (?, ?) ORDER BY id",
      )
      .all(goalId, calledKind, resultKind);
    const calls = new Map<string, { taskId: string; tool: string; agent: string; input: Record<string, unknown>; ok: boolean }>();
    for (const row of rows) {
      const data = JSON.parse(row.data) as { tool?: string; input?: Record<string, unknown>; call_id?: string; ok?: boolean };
      const key = `${row.task_id}\u0000${data.call_id ?? ""}`;
      if (row.kind === calledKind) {
        calls.delete(key);
        calls.set(key, { taskId: row.task_id, tool: data.tool ?? "", agent: row.actor_id, input: data.input ?? {}, ok: false });
      } else if (data.ok === true && calls.has(key)) calls.get(key)!.ok = true;
    }
    return [...calls.values()].filter((call) => call.ok).map(({ ok: _, ...call }) => call);
  }

  /** Tasks now running or waiting, and finished tasks counted by agent and state. */
  agentActivity(): { active: { agent: string; goalId: string; id: string }[]; finished: { agent: string; state: string; n: number }[] } {
    return {
      active: this.db
        .query<{ agent: string; goal_id: string; id: string }, []>("SELECT agent, goal_id, id FROM tasks WHERE state IN ('running', 'waiting_approval')")
        .all()
        .map((r) => ({ agent: r.agent, goalId: r.goal_id, id: r.id })),
      finished: this.db.query<{ agent: string; state: string; n: number }, []>("SELECT agent, state, COUNT(*) AS n FROM tasks WHERE state IN ('succeeded', 'failed') GROUP BY agent, state").all(),
    };
  }

  clearToolCalls(goalId: string, taskId: string): void {
    this.db.query("DELETE FROM tool_calls WHERE goal_id = ? AND task_id = ?").run(goalId, taskId);
  }

  // Settings and monitor findings

  setting(key: string): string | null {
    return this.db.query<{ value: string }, [string]>("SELECT value FROM settings WHERE key = ?").get(key)?.value ?? null;
  }

  setSetting(key: string, value: string): void {
    this.db.query("INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)").run(key, value);
  }

  finding(key: string): { lastGoalId: string; lastAt: number } | null {
    const row = this.db.query<{ last_goal_id: string; last_at: number }, [string]>("SELECT last_goal_id, last_at FROM monitor WHERE finding = ?").get(key);
    return row ? { lastGoalId: row.last_goal_id, lastAt: row.last_at } : null;
  }

  recordFinding(key: string, goalId: string, at: number): void {
    this.db.query("INSERT OR REPLACE INTO monitor (finding, last_goal_id, last_at) VALUES (?, ?, ?)").run(key, goalId, at);
  }

  close(): void {
    this.db.close();
  }
}
