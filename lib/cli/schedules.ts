/**
 * @module lib/cli/schedules
 * `aiosctl schedules`: the goals AIOS submits at repeating times (made by CreateSchedule, the
 * console, or a goal said with a time: "every day at 03:00 delete the .tmp files in /tmp"),
 * and `aiosctl schedules delete ID` to stop one.
 */
import { ListSchedulesResponse, OrchestratorServiceDefinition } from "../rpc/gen/aios/v1/orchestrator.ts";
import { json, runCommand, usageError } from "./command.ts";

const when = (date: Date | undefined) => (date ? `${date.toISOString().slice(0, 16).replace("T", " ")} UTC` : "never");

export function schedulesCommand(argv: readonly string[]): Promise<number> {
  return runCommand(
    argv,
    {
      name: "schedules",
      usage: "aiosctl schedules [delete ID]",
      summary: "goals submitted at repeating times (cron, UTC)",
      flags: {},
      component: "orchestrator",
      service: OrchestratorServiceDefinition,
    },
    async (c, { positionals, values }) => {
      const [action, id] = positionals;
      if (action === "delete") {
        if (!id) return usageError("schedules", "say which: aiosctl schedules delete ID (aiosctl schedules lists them)");
        await c.deleteSchedule({ scheduleId: id });
        if (values.json) json({ deleted: id });
        else process.stdout.write(`deleted ${id}\n`);
        return 0;
      }
      if (action) return usageError("schedules", `no such action "${action}": aiosctl schedules [delete ID]`);
      const r = await c.listSchedules({ pageSize: 1000, pageToken: "" });
      if (values.json) json(ListSchedulesResponse.toJSON(r));
      else if (!r.schedules.length) process.stdout.write('no schedules: say "every day at 03:00 <what to do>" as a goal to make one\n');
      else
        for (const s of r.schedules)
          process.stdout.write(`${s.id}  ${s.spec.padEnd(14)} next ${when(s.nextRunAt)}${s.enabled ? "" : " (disabled)"}  "${s.goalText}"${s.lastGoalId ? `  last: ${s.lastGoalId}` : ""}\n`);
      return 0;
    },
  );
}
