/**
 * @module lib/console/api/goals
 * /api routes over the Orchestrator contract: status, goals (submit, list, detail, cancel),
 * approvals, agents, autonomy, emergency stop and resume, schedules.
 */
import type { AnyElysia } from "elysia";
import * as v from "valibot";
import { ApprovalState, AutonomyLevel } from "../../rpc/gen/aios/v1/common.ts";
import { Agent, Approval, Goal, GoalSource, GoalState, Schedule } from "../../rpc/gen/aios/v1/orchestrator.ts";
import { GetSystemStatusResponse } from "../../rpc/gen/aios/v1/orchestrator.ts";
import { decideApproval, enumName, enumValue } from "../../rpc/index.ts";
import type { Backends } from "../backends.ts";
import { listJson, toJson } from "../backends.ts";
import type { Actor } from "../guard.ts";
import { AUTONOMY_NAMES } from "../../rpc/autonomy.ts";

export interface RouteDeps {
  backends: Backends;
  actorOf(request: Request): Actor;
}

const GOAL_STATES = ["queued", "planning", "running", "waiting_approval", "succeeded", "failed", "cancelled"] as const;
const AUTONOMY = AUTONOMY_NAMES;

const Id = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_.:-]{1,128}$/, "must be an id as the API returned it"));
export const SubmitGoalBody = v.strictObject({
  text: v.pipe(v.string(), v.trim(), v.minLength(1, "say what to do"), v.maxLength(4000, "at most 4000 characters")),
  priority: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(100))),
  autonomy: v.optional(v.picklist(AUTONOMY)),
  idempotencyKey: v.optional(v.pipe(v.string(), v.maxLength(200))),
});
const CancelBody = v.strictObject({ reason: v.optional(v.pipe(v.string(), v.maxLength(1000))) });
const DecideBody = v.strictObject({ approve: v.boolean("say approve: true or false"), note: v.optional(v.pipe(v.string(), v.maxLength(1000))) });
const AutonomyBody = v.strictObject({ level: v.picklist(AUTONOMY, "must be manual, supervised or autonomous") });
const StopBody = v.strictObject({ reason: v.optional(v.pipe(v.string(), v.maxLength(1000))) });
const ScheduleBody = v.strictObject({
  name: v.pipe(v.string(), v.minLength(1), v.maxLength(100)),
  goalText: v.pipe(v.string(), v.trim(), v.minLength(1), v.maxLength(4000)),
  spec: v.pipe(v.string(), v.minLength(1), v.maxLength(200)),
  priority: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(100))),
});
const GoalsQuery = v.object({
  state: v.optional(v.picklist(GOAL_STATES)),
  limit: v.optional(v.pipe(v.string(), v.toNumber(), v.integer(), v.minValue(1), v.maxValue(500))),
  pageToken: v.optional(v.string()),
});
const ApprovalsQuery = v.object({ all: v.optional(v.picklist(["0", "1", "true", "false"])), goalId: v.optional(Id) });
const IdParams = v.object({ id: Id });

export function goalRoutes(app: AnyElysia, { backends, actorOf }: RouteDeps): AnyElysia {
  return app
    .get("/api/status", async () => toJson(GetSystemStatusResponse, await backends.orchestrator.getSystemStatus({})), {
      detail: { summary: "Autonomy, emergency stop, goals by state, pending approvals, components, layers" },
    })
    .get(
      "/api/goals",
      async ({ query }) => {
        const states = query.state ? [enumValue(GoalState, "GOAL_STATE_", query.state)] : [];
        const r = await backends.orchestrator.listGoals({ states, pageSize: query.limit ?? 50, pageToken: query.pageToken ?? "" });
        return { goals: listJson(Goal, r.goals), nextPageToken: r.nextPageToken };
      },
      { query: GoalsQuery, detail: { summary: "Goals, newest first" } },
    )
    .post(
      "/api/goals",
      async ({ body, set }) => {
        const r = await backends.orchestrator.submitGoal({
          text: body.text,
          priority: body.priority,
          source: GoalSource.GOAL_SOURCE_HUMAN,
          autonomy: body.autonomy ? enumValue(AutonomyLevel, "AUTONOMY_LEVEL_", body.autonomy) : AutonomyLevel.AUTONOMY_LEVEL_UNSPECIFIED,
          idempotencyKey: body.idempotencyKey ?? "",
        });
        set.status = 201;
        return { goal: toJson(Goal, r.goal) };
      },
      { body: SubmitGoalBody, detail: { summary: "Submit a goal (stored before this answers)" } },
    )
    .get("/api/goals/:id", async ({ params }) => ({ goal: toJson(Goal, (await backends.orchestrator.getGoal({ goalId: params.id })).goal) }), {
      params: IdParams,
      detail: { summary: "A goal with its tasks" },
    })
    .post(
      "/api/goals/:id/cancel",
      async ({ params, body }) => ({ goal: toJson(Goal, (await backends.orchestrator.cancelGoal({ goalId: params.id, reason: body.reason ?? "cancelled from the console" })).goal) }),
      { params: IdParams, body: CancelBody, detail: { summary: "Cancel a goal, its tasks and their tool calls" } },
    )
    .get(
      "/api/approvals",
      async ({ query }) => {
        const all = query.all === "1" || query.all === "true";
        const r = await backends.orchestrator.listApprovals({ states: all ? [] : [ApprovalState.APPROVAL_STATE_PENDING], goalId: query.goalId ?? "", pageSize: 200 });
        return { approvals: listJson(Approval, r.approvals) };
      },
      { query: ApprovalsQuery, detail: { summary: "Tool calls waiting for a human (all=1: every one)" } },
    )
    .post(
      "/api/approvals/:id",
      async ({ params, body, request }) => {
        const approval = await decideApproval(backends, { approvalId: params.id, approve: body.approve, by: actorOf(request).name, note: body.note ?? "" });
        return { approval: toJson(Approval, approval) };
      },
      { params: IdParams, body: DecideBody, detail: { summary: "Approve or deny a pending tool call" } },
    )
    .get("/api/agents", async () => ({ agents: listJson(Agent, (await backends.orchestrator.listAgents({})).agents) }), { detail: { summary: "Agent kinds, their tools, grants and activity" } })
    .put(
      "/api/autonomy",
      async ({ body, request }) => {
        const r = await backends.orchestrator.setAutonomy({ level: enumValue(AutonomyLevel, "AUTONOMY_LEVEL_", body.level), setBy: actorOf(request).name });
        return { previous: enumName(r.previous, AutonomyLevel, "AUTONOMY_LEVEL_"), level: enumName(r.current, AutonomyLevel, "AUTONOMY_LEVEL_") };
      },
      { body: AutonomyBody, detail: { summary: "Set the system's autonomy level" } },
    )
    .post(
      "/api/emergency-stop",
      async ({ body, request }) => {
        const r = await backends.orchestrator.emergencyStop({ stop: true, reason: body.reason ?? "emergency stop from the console", requestedBy: actorOf(request).name });
        return { stopped: r.stopped, cancelledGoalIds: r.cancelledGoalIds };
      },
      { body: StopBody, detail: { summary: "Cancel everything open and refuse new goals until resumed" } },
    )
    .post(
      "/api/resume",
      async ({ request }) => {
        const r = await backends.orchestrator.emergencyStop({ stop: false, reason: "resumed from the console", requestedBy: actorOf(request).name });
        return { stopped: r.stopped };
      },
      { body: v.strictObject({}), detail: { summary: "Lift the emergency stop" } },
    )
    .get("/api/schedules", async () => ({ schedules: listJson(Schedule, (await backends.orchestrator.listSchedules({ pageSize: 500 })).schedules) }), { detail: { summary: "Scheduled goals" } })
    .post(
      "/api/schedules",
      async ({ body, set }) => {
        const r = await backends.orchestrator.createSchedule({ name: body.name, goalText: body.goalText, spec: body.spec, priority: body.priority });
        set.status = 201;
        return { schedule: toJson(Schedule, r.schedule) };
      },
      { body: ScheduleBody, detail: { summary: "Schedule a goal (cron expression, UTC)" } },
    )
    .delete(
      "/api/schedules/:id",
      async ({ params }) => {
        await backends.orchestrator.deleteSchedule({ scheduleId: params.id });
        return { deleted: params.id };
      },
      { params: IdParams, detail: { summary: "Delete a schedule" } },
    );
}
