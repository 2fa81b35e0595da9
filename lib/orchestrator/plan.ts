/**
 * @module lib/orchestrator/plan
 * A plan as the planners make it and the checks every plan passes before anything runs:
 * bounded size, unique ids, dependencies that exist and form no cycle, known agents, and tools
 * that exist and that the task's agent may be shown. The errors are sentences, so that a model
 * can be asked to repair its plan with them.
 */
import type { AgentKind } from "./agents.ts";
import type { DirectCall, LayerName } from "./store.ts";

export interface PlannedTask {
  id: string;
  description: string;
  agent: string;
  tools: string[];
  dependsOn: string[];
  layer: LayerName;
  successCheck: string;
  /** Reactive plans: the one tool call that does the task. */
  call?: DirectCall;
}

export interface Plan {
  /** The layer that made the plan. */
  layer: LayerName;
  tasks: PlannedTask[];
  /** Done while planning (a schedule made): what to tell the person; then there are no tasks. */
  answer?: string;
}

export interface ToolInfo {
  name: string;
  namespace: string;
  description: string;
  inputSchema: Record<string, unknown>;
  /** "namespace:action" a call needs. */
  capability: string;
  risk: number;
  idempotent: boolean;
  readOnly: boolean;
}

export function validatePlan(plan: Plan, agents: ReadonlyMap<string, AgentKind>, tools: ReadonlyMap<string, ToolInfo>, maxTasks: number): string[] {
  const errors: string[] = [];
  if (plan.tasks.length === 0) errors.push("the plan has no tasks");
  if (plan.tasks.length > maxTasks) errors.push(`the plan has ${plan.tasks.length} tasks; at most ${maxTasks} are allowed`);
  const ids = new Set<string>();
  for (const task of plan.tasks) {
    if (ids.has(task.id)) errors.push(`task id "${task.id}" is used twice`);
    ids.add(task.id);
  }
  for (const task of plan.tasks) {
    const agent = agents.get(task.agent);
    if (!agent) errors.push(`task "${task.id}": agent "${task.agent}" does not exist (agents: ${[...agents.keys()].join(", ")})`);
    for (const dependency of task.dependsOn) {
      if (!ids.has(dependency)) errors.push(`task "${task.id}" depends on "${dependency}", which is not a task of the plan`);
      if (dependency === task.id) errors.push(`task "${task.id}" depends on itself`);
    }
    for (const name of task.call ? [task.call.tool, ...task.tools] : task.tools) {
      const tool = tools.get(name);
      if (!tool) errors.push(`task "${task.id}": tool "${name}" does not exist`);
      else if (agent && !agent.toolNamespaces.includes(tool.namespace))
        errors.push(`task "${task.id}": agent "${agent.kind}" may not use ${name} (its namespaces: ${agent.toolNamespaces.join(", ")})`);
    }
  }
  const cycle = findCycle(plan.tasks);
  if (cycle) errors.push(`the dependencies form a cycle: ${cycle.join(" → ")}`);
  return errors;
}

/** A dependency cycle as a list of task ids, or null (depth-first search, three colours). */
export function findCycle(tasks: readonly Pick<PlannedTask, "id" | "dependsOn">[]): string[] | null {
  const byId = new Map(tasks.map((task) => [task.id, task]));
  const state = new Map<string, "visiting" | "done">();
  const path: string[] = [];
  const visit = (id: string): string[] | null => {
    if (state.get(id) === "done") return null;
    if (state.get(id) === "visiting") return [...path.slice(path.indexOf(id)), id];
    state.set(id, "visiting");
    path.push(id);
    for (const dependency of byId.get(id)?.dependsOn ?? []) {
      if (!byId.has(dependency)) continue;
      const cycle = visit(dependency);
      if (cycle) return cycle;
    }
    path.pop();
    state.set(id, "done");
    return null;
  };
  for (const task of tasks) {
    const cycle = visit(task.id);
    if (cycle) return cycle;
  }
  return null;
}
