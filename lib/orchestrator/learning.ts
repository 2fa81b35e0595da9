/**
 * @module lib/orchestrator/learning
 * Learned procedures between the engine and aios-memory: a plan from the procedure that means
 * what a request says (asked of memory when the understanding layer is not sure, before any
 * model), and what a finished goal teaches (a model's plan that worked becomes a procedure; a
 * learned one that worked or failed adds to its record, which memory merges by pattern).
 */
import type { Logger } from "../log/index.ts";
import type { ServiceClient } from "../rpc/index.ts";
import type { Procedure, MemoryServiceDefinition } from "../rpc/gen/aios/v1/memory.ts";
import { parseProcedureSteps } from "../rpc/procedure-steps.ts";
import type { AgentKind } from "./agents.ts";
import { type KnownProcedure, learnFrom, matchProcedure } from "./learned.ts";
import type { Plan, ToolInfo } from "./plan.ts";
import type { GoalRow, TaskRow } from "./store.ts";

export interface LearnedPlan {
  plan: Plan;
  procedure: KnownProcedure;
}

/** A plan from a trusted learned procedure, or null (none matches, or memory cannot say). */
export async function learnedPlan(options: {
  text: string;
  memory: ServiceClient<typeof MemoryServiceDefinition>;
  agents: ReadonlyMap<string, AgentKind>;
  tools: ReadonlyMap<string, ToolInfo>;
  log: Logger;
}): Promise<LearnedPlan | null> {
  let known: KnownProcedure[];
  try {
    const { procedures } = await options.memory.listProcedures({ replayableOnly: true, limit: 1000 }, { timeoutMs: 5000, failFast: true });
    known = procedures.flatMap((memory) => {
      const steps = memory.procedure ? parseProcedureSteps(memory.procedure.stepsJson) : { error: "none" };
      if ("error" in steps) return [];
      const p = memory.procedure!;
      return [{ id: memory.id, pattern: p.goalPattern, steps, successes: p.successes, failures: p.failures, promoted: p.promoted }];
    });
  } catch (error) {
    options.log.warn("could not read the learned procedures; planning without them", { error: (error as Error).message });
    return null;
  }
  const match = matchProcedure(options.text, known);
  if (!match) return null;
  // The machine may have changed since: a tool gone or an agent removed is no plan.
  for (const call of match.calls) {
    const agent = options.agents.get(call.agent);
    const tool = options.tools.get(call.tool);
    if (!agent || !tool || !agent.toolNamespaces.includes(tool.namespace)) return null;
  }
  const procedure = { id: match.procedure.id, pattern: match.procedure.pattern };
  return {
    procedure: match.procedure,
    plan: {
      layer: "reactive",
      tasks: match.calls.map((call, index) => ({
        id: `t${index + 1}`,
        description: call.description || `Call ${call.tool}`,
        agent: call.agent,
        tools: [call.tool],
        // In the order the model's plan made them.
        dependsOn: index ? [`t${index}`] : [],
        layer: "reactive" as const,
        successCheck: `${call.tool} answers`,
        call: { tool: call.tool, input: call.input, procedure },
      })),
    },
  };
}

/** What a finished goal teaches, as the procedure to remember; null when nothing. */
export function lessonOf(
  goal: GoalRow,
  tasks: readonly TaskRow[],
  calls: ReadonlyArray<{ taskId: string; tool: string; agent: string; input: Record<string, unknown> }>,
): { procedure: Procedure; note: string } | null {
  const succeeded = goal.state === "succeeded";
  const learned = tasks.find((task) => task.call?.procedure)?.call?.procedure;
  const toolSequence = calls.map((call) => call.tool);
  if (learned) {
    // Its record: the pattern and tools make memory merge it into the procedure it came from.
    const sequence = tasks.map((task) => task.call?.tool ?? "").filter(Boolean);
    return {
      procedure: { goalPattern: learned.pattern, toolSequence: sequence, successes: succeeded ? 1 : 0, failures: succeeded ? 0 : 1, stepsJson: "", promoted: false },
      note: `learned procedure ${learned.id} ${succeeded ? "worked" : "failed"}`,
    };
  }
  if (!succeeded) return null;
  const modelPlanned = goal.plannedBy !== "" && goal.plannedBy !== "reactive";
  if (!modelPlanned) return { procedure: { goalPattern: goal.text, toolSequence, successes: 1, failures: 0, stepsJson: "", promoted: false }, note: "" };
  const byTask = new Map(tasks.map((task) => [task.id, task]));
  const made = calls.map((call) => ({ ...call, description: byTask.get(call.taskId)?.description ?? "" }));
  const outputs = tasks
    .flatMap((task) => (task.conversation ?? []) as Array<{ role?: number; content?: string; toolCallId?: string }>)
    .filter((m) => m.toolCallId)
    .map((m) => m.content ?? "")
    .join("\n");
  const lesson = learnFrom(goal.text, made, outputs);
  if ("notLearned" in lesson)
    return { procedure: { goalPattern: goal.text, toolSequence, successes: 1, failures: 0, stepsJson: "", promoted: false }, note: `not learned for reuse: ${lesson.notLearned}` };
  return {
    procedure: { goalPattern: lesson.pattern, toolSequence: lesson.steps.map((s) => s.tool), successes: 1, failures: 0, stepsJson: JSON.stringify(lesson.steps), promoted: false },
    note: `learned "${lesson.pattern}" for reuse with no model`,
  };
}
