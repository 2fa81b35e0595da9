/**
 * @module lib/console/api/fleet
 * /api/fleet over the Fleet contract: this machine's link to the fleet and every machine's
 * record; a goal sent to the machines a label selector matches (or one by name); each machine's
 * answer to it. With the fleet off there is no aios-fleet: the answer says so, it is not an error.
 */
import type { AnyElysia } from "elysia";
import * as v from "valibot";
import { GetFleetGoalResponse, GetFleetStatusResponse, Machine } from "../../rpc/gen/aios/v1/fleet.ts";
import { AiosError } from "../../rpc/index.ts";
import type { Backends } from "../backends.ts";
import { listJson, toJson } from "../backends.ts";

export function fleetRoutes(app: AnyElysia, { backends }: { backends: Backends }): AnyElysia {
  return app
    .get(
      "/api/fleet",
      async () => {
        try {
          const status = await backends.fleet.getFleetStatus({});
          const machines = status.connected ? (await backends.fleet.listMachines({ selector: "" })).machines : [];
          return { status: toJson(GetFleetStatusResponse, status), machines: listJson(Machine, machines) };
        } catch (error) {
          // No aios-fleet: [fleet] is off (or it is starting).
          if (error instanceof AiosError && error.code === "unavailable")
            return { status: { enabled: false, error: "this machine is not in a fleet ([fleet] enabled = false in aios.toml)" }, machines: [] };
          throw error;
        }
      },
      { detail: { summary: "This machine's link to the fleet, and every machine's record" } },
    )
    .post(
      "/api/fleet/goals",
      async ({ body, set }) => {
        const sent = await backends.fleet.sendFleetGoal({ text: body.text, selector: body.selector ?? "", machine: body.machine ?? "" });
        set.status = 201;
        return sent;
      },
      {
        body: v.strictObject({
          text: v.pipe(v.string(), v.trim(), v.minLength(1, "say what to do"), v.maxLength(10_000)),
          /** Every reachable machine with these labels: role=web,site=lab. */
          selector: v.optional(v.pipe(v.string(), v.maxLength(500))),
          /** Or one machine by name. */
          machine: v.optional(v.pipe(v.string(), v.maxLength(63))),
        }),
        detail: { summary: "Send a goal, signed by this machine, to the machines a label selector matches or to one by name" },
      },
    )
    .post(
      "/api/fleet/approvals",
      async ({ body, set }) => {
        const sent = await backends.fleet.decideFleetApproval({ machine: body.machine, approvalId: body.approvalId, approve: body.approve, note: body.note ?? "", decidedBy: "human:console" });
        set.status = 201;
        return sent;
      },
      {
        body: v.strictObject({
          machine: v.pipe(v.string(), v.maxLength(63)),
          approvalId: v.pipe(v.string(), v.maxLength(100)),
          approve: v.boolean(),
          note: v.optional(v.pipe(v.string(), v.maxLength(2000))),
        }),
        detail: { summary: "Answer an approval another machine waits on (it acts on it only with [fleet] remote_approvals); follow it as a fleet goal" },
      },
    )
    .get("/api/fleet/goals/:id", async ({ params }) => toJson(GetFleetGoalResponse, await backends.fleet.getFleetGoal({ fleetGoalId: params.id })), {
      params: v.object({ id: v.pipe(v.string(), v.regex(/^fleet-[0-9a-f-]{36}$/, "must be a fleet goal id")) }),
      detail: { summary: "What each machine answered to a fleet goal" },
    });
}
