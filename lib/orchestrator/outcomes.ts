/**
 * @module lib/orchestrator/outcomes
 * What a finished goal leaves: its lesson for memory (a procedure to replay, the record of a
 * learned one, an incident), its result as one text, and a call's output as words when no
 * intent says it.
 */
import { MemoryKind } from "../rpc/gen/aios/v1/memory.ts";
import { EventKind } from "../rpc/gen/aios/v1/orchestrator.ts";
import { type EngineOptions, RESULT_CHARS } from "./context.ts";
import { lessonOf } from "./learning.ts";
import type { TaskRow } from "./store.ts";

export async function rememberOutcome(options: EngineOptions, goalId: string): Promise<void> {
  const goal = options.store.goal(goalId);
  if (!goal || (goal.state !== "succeeded" && goal.state !== "failed")) return;
  const tasks = options.store.tasks(goalId);
  const calls = options.store.succeededCalls(goalId, EventKind.EVENT_KIND_TOOL_CALLED, EventKind.EVENT_KIND_TOOL_RESULT);
  const toolSequence = options.store.toolsCalled(goalId, EventKind.EVENT_KIND_TOOL_CALLED);
  const lesson = lessonOf(goal, tasks, calls);
  if (lesson?.note) options.events.emit({ kind: EventKind.EVENT_KIND_AGENT_MESSAGE, goalId, message: lesson.note });
  const plan = tasks
    .map(
      (task) => `- ${task.id} (${task.agent}, ${task.layer}): ${task.description} → ${task.state}${task.result ? `: ${task.result.slice(0, 300)}` : task.stateReason ? `: ${task.stateReason}` : ""}`,
    )
    .join("\n");
  const succeeded = goal.state === "succeeded";
  const content = `Goal: ${goal.text}\nPlanned by: ${goal.plannedBy}\nOutcome: ${goal.state} (${goal.stateReason})\nTools: ${toolSequence.join(", ") || "none"}\nTasks:\n${plan}`.slice(0, 60_000);
  const tags = ["goal", goal.source, goal.plannedBy || "unplanned"];
  try {
    if (lesson) {
      await options.clients.memory.remember(
        { kind: MemoryKind.MEMORY_KIND_PROCEDURE, title: `${succeeded ? "Done" : "Failed"}: ${goal.text}`.slice(0, 500), content, tags, goalId, procedure: lesson.procedure },
        { timeoutMs: 30_000 },
      );
    }
    if (!succeeded) {
      await options.clients.memory.remember({ kind: MemoryKind.MEMORY_KIND_INCIDENT, title: `Failed: ${goal.text}`.slice(0, 500), content, tags, goalId }, { timeoutMs: 30_000 });
    }
  } catch (error) {
    options.log.warn("memory did not take a goal's outcome", { goal_id: goalId, error: (error as Error).message });
  }
}

export function summarize(tasks: TaskRow[]): string {
  if (tasks.length === 1) return tasks[0]!.result || tasks[0]!.stateReason;
  return tasks
    .map((task) => `${task.id}: ${task.result || task.stateReason}`)
    .join("\n")
    .slice(0, RESULT_CHARS * 2);
}

/** A direct call's output as the goal's result: readable for the common tools, JSON otherwise. */
export function formatOutput(tool: string, output: Record<string, unknown>): string {
  if (tool === "monitor.disk") {
    const filesystems = (output.filesystems ?? []) as { mount: string; used_percent: number; available_mib: number; size_mib: number }[];
    return filesystems.map((fs) => `${fs.mount}: ${fs.used_percent}% used, ${fs.available_mib} MiB free of ${fs.size_mib} MiB`).join("\n");
  }
  const text = JSON.stringify(output);
  return text.length > RESULT_CHARS ? `${text.slice(0, RESULT_CHARS)}… (cut)` : text;
}
