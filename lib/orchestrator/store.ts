/**
 * @module lib/orchestrator/store
 * The orchestrator's durable state, STATE_DIR/orchestrator/orchestrator.db (WAL,
 * synchronous=FULL): goals, their tasks (with each agent conversation so far, so a restarted
 * orchestrator resumes a task from its last step), the event log (whose row ids are the event
 * ids StreamEvents resumes from), approvals, schedules, tool calls in flight, and settings.
 * Everything a client was told is here before the RPC that told it returns.
 */
import { Database } from "bun:sqlite";
import { ensurePrivateFile, migrate } from "../sys/index.ts";
import {
  type ApprovalRow,
  approvalFrom,
  type EventRow,
  eventFrom,
  type GoalRow,
  type GoalStateName,
  type TaskStateName,
  goalFrom,
  json,
  MIGRATIONS,
  type Row,
  type ScheduleRow,
  scheduleFrom,
  type SourceName,
  stateIn,
  TASK_TERMINAL,
  type TaskRow,
  taskFrom,
  type ToolCallRow,
  toolCallFrom,
  whereClause,
} from "./store-rows.ts";

export * from "./store-rows.ts";

/** The tasks table's column for each field updateTask may change, and those stored as JSON. */
const TASK_COLUMNS: Readonly<Record<string, string>> = {
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
const TASK_JSON_FIELDS: ReadonlySet<string> = new Set(["dependsOn", "suggestedTools", "executionIds", "call", "conversation"]);

export class OrchestratorStore {
  readonly db: Database;
  /** What waits for the open transaction's commit (afterCommit). */
  private readonly committed: (() => void)[] = [];

  constructor(path: string) {
    ensurePrivateFile(path);
    this.db = new Database(path, { create: true });
    this.db.run("PRAGMA journal_mode = WAL");
    this.db.run("PRAGMA synchronous = FULL");
    this.db.run("PRAGMA busy_timeout = 5000");
    migrate(this.db, "orchestrator.db", MIGRATIONS);
  }

  /**
   * Runs work in one transaction; inside another, as a savepoint of it, so that everything a
   * caller's transaction wraps reaches the disk in its one commit. What waits for the commit
   * (afterCommit) runs once the outermost one is done; if it rolls back, it never runs.
   *
   * Every commit waits for the disk (synchronous = FULL: the WAL is fsynced) unless the
   * outermost caller says `flush: false`: that commit is in the WAL, which the kernel holds, so
   * a kill -9 of this process loses nothing of it; it reaches the disk with the next commit that
   * waits, which flushes the whole WAL, everything before it included. The scheduler's steps
   * commit so: whatever a task does outside this process (a tool call) first commits its call
   * marker waiting for the disk, so its task's state is on the disk before anything acts on it
   * (DESIGN.md §3).
   */
  transaction<T>(work: () => T, options: { flush?: boolean } = {}): T {
    if (this.db.inTransaction) return this.db.transaction(work)();
    const deferred = options.flush === false;
    if (deferred) this.db.run("PRAGMA synchronous = NORMAL");
    let result: T;
    try {
      result = this.db.transaction(work)();
    } catch (error) {
      this.committed.length = 0;
      throw error;
    } finally {
      if (deferred) this.db.run("PRAGMA synchronous = FULL");
    }
    for (const callback of this.committed.splice(0)) callback();
    return result;
  }

  /** The connection's synchronous setting (2 = FULL), for tests: no commit may leave it lower. */
  synchronousLevel(): number {
    return this.db.query<{ synchronous: number }, []>("PRAGMA synchronous").get()!.synchronous;
  }

  /** Calls back once what has been written is committed: now, outside a transaction. */
  afterCommit(callback: () => void): void {
    if (this.db.inTransaction) this.committed.push(callback);
    else callback();
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

  /** Only the stored state: what a transition is checked against, without reading the whole row. */
  goalState(id: string): GoalStateName | null {
    return this.db.query<{ state: GoalStateName }, [string]>("SELECT state FROM goals WHERE id = ?").get(id)?.state ?? null;
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

  /** The goal's tasks not in a final state yet, in plan order (what a goal's end settles). */
  unfinishedTasks(goalId: string): TaskRow[] {
    return this.db
      .query<Row, string[]>(`SELECT * FROM tasks WHERE goal_id = ? AND state NOT IN (${TASK_TERMINAL.map(() => "?").join(", ")}) ORDER BY seq`)
      .all(goalId, ...TASK_TERMINAL)
      .map(taskFrom);
  }

  /** How many tasks the goal has (0: not planned yet), without reading them. */
  taskCount(goalId: string): number {
    return this.db.query<{ n: number }, [string]>("SELECT count(*) AS n FROM tasks WHERE goal_id = ?").get(goalId)!.n;
  }

  task(goalId: string, id: string): TaskRow | null {
    const row = this.db.query<Row, [string, string]>("SELECT * FROM tasks WHERE goal_id = ? AND id = ?").get(goalId, id);
    return row ? taskFrom(row) : null;
  }

  /** Only the stored state (see goalState). */
  taskState(goalId: string, id: string): TaskStateName | null {
    return this.db.query<{ state: TaskStateName }, [string, string]>("SELECT state FROM tasks WHERE goal_id = ? AND id = ?").get(goalId, id)?.state ?? null;
  }

  updateTask(goalId: string, id: string, fields: Partial<Omit<TaskRow, "goalId" | "id" | "seq">>): void {
    const entries = Object.entries(fields).filter(([, value]) => value !== undefined);
    if (!entries.length) return;
    const values = entries.map(([key, value]) => (TASK_JSON_FIELDS.has(key) ? (value === null ? null : json(value)) : value)) as (string | number | null)[];
    this.db.query(`UPDATE tasks SET ${entries.map(([key]) => `${TASK_COLUMNS[key]} = ?`).join(", ")} WHERE goal_id = ? AND id = ?`).run(...values, goalId, id);
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
