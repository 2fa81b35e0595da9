/**
 * @module lib/orchestrator/service
 * The Orchestrator gRPC service (proto/aios/v1/orchestrator.proto): requests checked at the
 * boundary with valibot (INVALID_ARGUMENT naming the field), then the engine, the store, the
 * event log and the schedules.
 */
import * as v from "valibot";
import { VERSION } from "../config/index.ts";
import { ApprovalState, AutonomyLevel, Layer } from "../rpc/gen/aios/v1/common.ts";
import { type Event, type Goal, OrchestratorServiceDefinition, type Task } from "../rpc/gen/aios/v1/orchestrator.ts";
import {
  AsyncQueue,
  connect,
  cursorToken,
  HealthDefinition,
  implement,
  invalidArgument,
  notFound,
  pageCursor,
  pageLimit,
  pageOffset,
  parseRequest,
  type ServiceImplementation,
  ServingStatus,
} from "../rpc/index.ts";
import type { Engine } from "./engine.ts";
import type { EventLog } from "./events.ts";
import { GOAL_STATE, GOAL_STATE_NAME, SOURCE, SOURCE_NAME, TASK_STATE } from "./mapping.ts";
import { PROTO_LAYER } from "./planner.ts";
import { makeSchedule } from "./schedules.ts";
import { type ApprovalRow, type EventRow, GOAL_TERMINAL, type GoalRow, type OrchestratorStore, type ScheduleRow, type TaskRow } from "./store.ts";

export interface OrchestratorServiceOptions {
  engine: Engine;
  store: OrchestratorStore;
  events: EventLog;
  /** Sockets of the components the orchestrator depends on, by name. */
  dependencies: Record<string, string>;
}

const MAX_GOAL_CHARS = 4000;
const DEFAULT_PRIORITY = 50;
const REPLAY_BATCH = 500;

const textField = (name: string, max: number) => v.pipe(v.string(), v.trim(), v.nonEmpty(`${name} is required`), v.maxLength(max, `${name} is at most ${max} characters`));
const priorityField = v.optional(v.pipe(v.number(), v.integer(), v.maxValue(100, "priority is 0 (lowest) to 100 (highest)")));
const autonomyField = v.pipe(
  v.number(),
  v.check((n) => n >= 0 && n <= 3, "must be MANUAL, SUPERVISED or AUTONOMOUS"),
);

const time = (ms: number | null) => (ms === null ? undefined : new Date(ms));

function toTask(task: TaskRow): Task {
  return {
    id: task.id,
    description: task.description,
    agent: task.agent,
    state: TASK_STATE[task.state],
    stateReason: task.stateReason,
    dependsOn: task.dependsOn,
    layer: PROTO_LAYER[task.layer],
    suggestedTools: task.suggestedTools,
    successCheck: task.successCheck,
    attempts: task.attempts,
    result: task.result,
    startedAt: time(task.startedAt),
    finishedAt: time(task.finishedAt),
    executionIds: task.executionIds,
  };
}

/** What a person reads first: each task's words when it worked, why not when it did not. */
function answerOf(goal: GoalRow, tasks: TaskRow[]): string {
  if (goal.state === "succeeded")
    return (
      tasks
        .map((task) => task.result.trim())
        .filter(Boolean)
        .join("\n") || goal.result
    );
  if (goal.state === "failed") return `could not do it: ${goal.stateReason}`;
  if (goal.state === "cancelled") return `cancelled: ${goal.stateReason}`;
  return "";
}

function toGoal(goal: GoalRow, tasks: TaskRow[]): Goal {
  return {
    id: goal.id,
    text: goal.text,
    state: GOAL_STATE[goal.state],
    stateReason: goal.stateReason,
    priority: goal.priority,
    source: SOURCE[goal.source],
    autonomy: goal.autonomy as AutonomyLevel,
    plannedBy: goal.plannedBy ? PROTO_LAYER[goal.plannedBy] : Layer.LAYER_UNSPECIFIED,
    tasks: tasks.map(toTask),
    result: goal.result,
    usage: { inputTokens: goal.inputTokens, outputTokens: goal.outputTokens, costUsd: goal.costUsd, requests: goal.modelCalls },
    createdAt: new Date(goal.createdAt),
    startedAt: time(goal.startedAt),
    finishedAt: time(goal.finishedAt),
    scheduleId: goal.scheduleId,
    answer: answerOf(goal, tasks),
  };
}

export function toEvent(event: EventRow): Event {
  return {
    id: String(event.id),
    time: new Date(event.time),
    kind: event.kind,
    goalId: event.goalId,
    taskId: event.taskId,
    source: { kind: event.actorKind, id: event.actorId },
    causeId: event.causeId,
    message: event.message,
    goalState: event.goalState,
    taskState: event.taskState,
    data: event.data,
  };
}

function toApproval(a: ApprovalRow) {
  return {
    id: a.id,
    goalId: a.goalId,
    taskId: a.taskId,
    agent: a.agent,
    tool: a.tool,
    input: a.input,
    risk: a.risk,
    reason: a.reason,
    state: a.state,
    requestedAt: new Date(a.requestedAt),
    expiresAt: new Date(a.expiresAt),
    resolvedAt: time(a.resolvedAt),
    resolvedBy: a.resolvedBy,
    resolutionNote: a.note,
  };
}

function toSchedule(s: ScheduleRow) {
  return {
    id: s.id,
    name: s.name,
    goalText: s.goalText,
    spec: s.spec,
    priority: s.priority,
    autonomy: s.autonomy as AutonomyLevel,
    enabled: s.enabled,
    nextRunAt: time(s.nextRunAt),
    lastRunAt: time(s.lastRunAt),
    lastGoalId: s.lastGoalId,
    createdAt: new Date(s.createdAt),
  };
}

/** The sort key of the last goal of a page: the next page starts after it. */
const GoalCursor = v.object({ createdAt: v.number(), id: v.string() });

export function orchestratorService(options: OrchestratorServiceOptions): ServiceImplementation {
  const { engine, store, events } = options;
  // Kept for the process's life: a channel per status call cost ~2 ms each (connect, close),
  // and the console's dashboard asks for the status every 2 s.
  const healthClients = Object.entries(options.dependencies).map(([name, socket]) => [name, connect(HealthDefinition, socket)] as const);
  const goalOrNotFound = (id: string) => {
    if (!id.trim()) throw invalidArgument("goal_id", "goal_id is required");
    const goal = store.goal(id);
    if (!goal) throw notFound(`no goal "${id}": ListGoals shows the goals there are`);
    return goal;
  };

  return implement(OrchestratorServiceDefinition, {
    submitGoal: (request) => {
      const parsed = parseRequest(
        v.object({
          text: textField("text", MAX_GOAL_CHARS),
          priority: priorityField,
          source: v.pipe(
            v.number(),
            v.check((n) => SOURCE_NAME.has(n), "must be HUMAN, SCHEDULE or MONITOR"),
          ),
          autonomy: autonomyField,
          idempotencyKey: v.pipe(v.string(), v.maxLength(200, "idempotency_key is at most 200 characters")),
        }),
        request,
      );
      const goal = engine.submit({
        text: parsed.text,
        priority: parsed.priority ?? DEFAULT_PRIORITY,
        source: SOURCE_NAME.get(parsed.source)!,
        autonomy: parsed.autonomy,
        idempotencyKey: parsed.idempotencyKey,
      });
      return { goal: toGoal(goal, store.tasks(goal.id)) };
    },

    getGoal: (request) => {
      const goal = goalOrNotFound(request.goalId);
      return { goal: toGoal(goal, store.tasks(goal.id)) };
    },

    listGoals: (request) => {
      const states = request.states.map((state, i) => {
        const name = GOAL_STATE_NAME.get(state);
        if (!name) throw invalidArgument(`states.${i}`, "must be a goal state");
        return name;
      });
      const limit = pageLimit(request.pageSize, 50, 500);
      const before = pageCursor(request.pageToken, GoalCursor);
      const goals = store.listGoals({ states, source: request.source ? (SOURCE_NAME.get(request.source) ?? null) : null, before, limit: limit + 1 });
      const page = goals.slice(0, limit);
      const last = page.at(-1);
      return { goals: page.map((goal) => toGoal(goal, store.tasks(goal.id))), nextPageToken: goals.length > limit && last ? cursorToken({ createdAt: last.createdAt, id: last.id }) : "" };
    },

    cancelGoal: async (request) => {
      goalOrNotFound(request.goalId);
      const goal = await engine.cancel(request.goalId, request.reason.trim(), "api");
      return { goal: toGoal(goal, store.tasks(goal.id)) };
    },

    streamEvents: async function* (request, ctx) {
      // A goal's stream replays it from its start; the whole stream starts from now.
      let after = request.goalId ? 0 : store.lastEventId();
      if (request.afterEventId) {
        after = Number(request.afterEventId);
        if (!Number.isInteger(after) || after < 0) throw invalidArgument("after_event_id", "after_event_id is an event id this service gave out");
      }
      if (request.goalId) goalOrNotFound(request.goalId);
      if (request.untilGoalDone && !request.goalId) throw invalidArgument("until_goal_done", "until_goal_done needs goal_id");
      const live = new AsyncQueue<EventRow>(ctx.signal);
      const unsubscribe = events.subscribe((event) => {
        if (!request.goalId || event.goalId === request.goalId) live.push(event);
      });
      const ends = (event: EventRow) => request.untilGoalDone && event.kind === 1 /* GOAL_STATE */ && GOAL_TERMINAL.some((state) => GOAL_STATE[state] === event.goalState);
      try {
        for (;;) {
          const batch = store.eventsAfter(after, request.goalId, REPLAY_BATCH);
          for (const event of batch) {
            yield { event: toEvent(event) };
            after = event.id;
            if (ends(event)) return;
          }
          if (batch.length < REPLAY_BATCH) break;
        }
        if (request.untilGoalDone && GOAL_TERMINAL.includes(store.goal(request.goalId)!.state)) return;
        for await (const event of live) {
          if (event.id <= after) continue;
          after = event.id;
          yield { event: toEvent(event) };
          if (ends(event)) return;
        }
      } finally {
        unsubscribe();
      }
    },

    listAgents: () => {
      const { active, finished: counts } = store.agentActivity();
      const count = (agent: string, state: string) => counts.find((c) => c.agent === agent && c.state === state)?.n ?? 0;
      return {
        agents: [...engine.agents.values()].map((agent) => {
          const current = active.filter((task) => task.agent === agent.kind).map((task) => `${task.goalId}/${task.id}`);
          const missing = agent.toolNamespaces.filter((namespace) => engine.tools.size > 0 && ![...engine.tools.values()].some((tool) => tool.namespace === namespace));
          return {
            kind: agent.kind,
            description: agent.description,
            toolNamespaces: agent.toolNamespaces,
            capabilities: agent.capabilities,
            defaultLayer: PROTO_LAYER[agent.defaultLayer],
            stepLimit: agent.stepLimit,
            health: missing.length ? 3 : current.length ? 2 : 1,
            currentTasks: current,
            tasksSucceeded: count(agent.kind, "succeeded"),
            tasksFailed: count(agent.kind, "failed"),
          };
        }),
      };
    },

    listApprovals: (request) => {
      const limit = pageLimit(request.pageSize, 50, 500);
      const offset = pageOffset(request.pageToken);
      const rows = store.approvals({ states: request.states, goalId: request.goalId, offset, limit: limit + 1 });
      return { approvals: rows.slice(0, limit).map(toApproval), nextPageToken: rows.length > limit ? String(offset + limit) : "" };
    },

    resolveApproval: async (request) => {
      const parsed = parseRequest(v.object({ approvalId: textField("approval_id", 200), resolvedBy: textField("resolved_by", 200), note: v.pipe(v.string(), v.maxLength(2000)) }), request);
      return { approval: toApproval(await engine.resolveApproval(parsed.approvalId, request.approve, parsed.resolvedBy, parsed.note.trim())) };
    },

    setAutonomy: (request) => {
      if (request.level < AutonomyLevel.AUTONOMY_LEVEL_MANUAL || request.level > AutonomyLevel.AUTONOMY_LEVEL_AUTONOMOUS) throw invalidArgument("level", "must be MANUAL, SUPERVISED or AUTONOMOUS");
      const by = request.setBy.trim();
      if (!by) throw invalidArgument("set_by", "set_by is required: who changes the autonomy level");
      const previous = engine.setAutonomy(request.level, by);
      return { previous, current: request.level };
    },

    emergencyStop: async (request) => {
      const by = request.requestedBy.trim();
      if (!by) throw invalidArgument("requested_by", "requested_by is required");
      const cancelled = await engine.emergencyStop(request.stop, request.reason.trim(), by);
      return { stopped: engine.emergencyStopped, cancelledGoalIds: cancelled };
    },

    createSchedule: (request) => {
      const parsed = parseRequest(
        v.object({ name: textField("name", 200), goalText: textField("goal_text", MAX_GOAL_CHARS), spec: textField("spec", 200), priority: priorityField, autonomy: autonomyField }),
        request,
      );
      const schedule = makeSchedule({ name: parsed.name, goalText: parsed.goalText, spec: parsed.spec, priority: parsed.priority ?? DEFAULT_PRIORITY, autonomy: parsed.autonomy });
      if ("error" in schedule) throw invalidArgument("spec", schedule.error);
      store.upsertSchedule(schedule);
      return { schedule: toSchedule(schedule) };
    },

    listSchedules: (request) => {
      const limit = pageLimit(request.pageSize, 100, 1000);
      const offset = pageOffset(request.pageToken);
      const all = store.schedules();
      return { schedules: all.slice(offset, offset + limit).map(toSchedule), nextPageToken: all.length > offset + limit ? String(offset + limit) : "" };
    },

    deleteSchedule: (request) => {
      if (!request.scheduleId.trim()) throw invalidArgument("schedule_id", "schedule_id is required");
      if (!store.deleteSchedule(request.scheduleId)) throw notFound(`no schedule "${request.scheduleId}"`);
      return {};
    },

    getSystemStatus: async () => {
      const components = await Promise.all(
        healthClients.map(async ([name, health]) => {
          try {
            const { status } = await health.check({ service: "" }, { timeoutMs: 2000, failFast: true });
            return { name, serving: status === ServingStatus.SERVING, error: status === ServingStatus.SERVING ? "" : `health is ${ServingStatus[status]}` };
          } catch (error) {
            return { name, serving: false, error: (error as Error).message };
          }
        }),
      );
      const layers = await engine.availableLayers();
      const planned = store.countPlannedGoals();
      return {
        goalsPlanned: planned.planned,
        goalsWithoutModel: planned.withoutModel,
        planningByDay: store.countPlannedGoalsByDay(Date.now() - 30 * 86_400_000),
        autonomy: engine.autonomy,
        emergencyStopped: engine.emergencyStopped,
        goals: store.countGoalsByState().map((row) => ({ state: GOAL_STATE[row.state], count: row.count })),
        pendingApprovals: store.countApprovals(ApprovalState.APPROVAL_STATE_PENDING),
        components,
        availableLayers: [Layer.LAYER_REACTIVE, ...layers.map((layer) => PROTO_LAYER[layer])],
        version: VERSION,
        startedAt: new Date(engine.startedAt),
      };
    },
  });
}
