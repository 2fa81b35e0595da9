/**
 * @module lib/console/api/events
 * GET /api/events: the orchestrator's event stream as Server-Sent Events. Resumable: the SSE id
 * of each event is its durable event id, so a browser that reconnects (Last-Event-ID) or a
 * client that passes ?after=ID gets what it missed, then the live stream.
 */
import type { AnyElysia } from "elysia";
import * as v from "valibot";
import { Event } from "../../rpc/gen/aios/v1/orchestrator.ts";
import type { Backends } from "../backends.ts";
import { sseResponse } from "../sse.ts";

const EventsQuery = v.object({
  goalId: v.optional(v.pipe(v.string(), v.regex(/^[A-Za-z0-9_.:-]{1,128}$/, "must be a goal id"))),
  after: v.optional(v.pipe(v.string(), v.regex(/^\d{1,20}$/, "must be an event id (digits)"))),
  untilDone: v.optional(v.picklist(["0", "1", "true", "false"])),
});

export function eventRoutes(app: AnyElysia, { backends }: { backends: Backends }): AnyElysia {
  return app.get(
    "/api/events",
    ({ query, request }) => {
      const lastSeen = request.headers.get("last-event-id");
      const after = lastSeen && /^\d{1,20}$/.test(lastSeen) ? lastSeen : (query.after ?? "");
      const untilGoalDone = Boolean(query.goalId) && (query.untilDone === "1" || query.untilDone === "true");
      return sseResponse(request, async function* (signal) {
        const stream = backends.orchestrator.streamEvents({ goalId: query.goalId ?? "", afterEventId: after, untilGoalDone }, { timeoutMs: 7 * 24 * 3600_000, signal });
        for await (const { event } of stream) if (event) yield { id: event.id, event: "event", data: Event.toJSON(event) };
      });
    },
    { query: EventsQuery, detail: { summary: "Events as Server-Sent Events (resume with Last-Event-ID or after=ID; goalId to follow one goal)" } },
  );
}
