/**
 * @module lib/orchestrator/schedules
 * Schedules submit goals at the times of a cron expression (croner: five fields, or six with
 * seconds, and nicknames like @hourly), evaluated in UTC. Each schedule's next run is stored,
 * so a restart neither skips nor repeats one: a run missed while the orchestrator was down
 * happens once when it is back.
 */
import { Cron } from "croner";
import type { Logger } from "../log/index.ts";
import type { OrchestratorStore, ScheduleRow } from "./store.ts";

/** The next time the spec fires after `after`, or an error sentence. */
export function nextRun(spec: string, after: Date): { at: number | null } | { error: string } {
  try {
    const next = new Cron(spec, { paused: true, timezone: "UTC" }).nextRun(after);
    return { at: next ? next.getTime() : null };
  } catch (error) {
    return { error: `"${spec}" is not a cron expression (${(error as Error).message}); e.g. "0 3 * * *" for 03:00 every day` };
  }
}

/** A new schedule, or a sentence saying what is wrong with its spec. */
export function makeSchedule(fields: Pick<ScheduleRow, "name" | "goalText" | "spec" | "priority" | "autonomy"> & { id?: string }, now = Date.now()): ScheduleRow | { error: string } {
  const next = nextRun(fields.spec, new Date(now));
  if ("error" in next) return next;
  if (next.at === null) return { error: `"${fields.spec}" never fires again` };
  return { ...fields, id: fields.id ?? `sched-${crypto.randomUUID().slice(0, 12)}`, enabled: true, nextRunAt: next.at, lastRunAt: null, lastGoalId: "", createdAt: now };
}

export class Scheduler {
  constructor(
    private readonly store: OrchestratorStore,
    private readonly submit: (schedule: ScheduleRow) => string,
    private readonly log: Logger,
  ) {}

  /** Submits the goals of schedules that are due; called every second. */
  tick(now = Date.now()): void {
    for (const schedule of this.store.schedules()) {
      if (!schedule.enabled || schedule.nextRunAt === null || schedule.nextRunAt > now) continue;
      let goalId = "";
      try {
        goalId = this.submit(schedule);
      } catch (error) {
        this.log.warn("a schedule could not submit its goal", { schedule: schedule.id, error: (error as Error).message });
      }
      const next = nextRun(schedule.spec, new Date(now));
      this.store.upsertSchedule({ ...schedule, lastRunAt: now, lastGoalId: goalId || schedule.lastGoalId, nextRunAt: "at" in next ? next.at : null });
    }
  }
}
