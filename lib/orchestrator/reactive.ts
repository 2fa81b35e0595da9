/**
 * @module lib/orchestrator/reactive
 * The reactive layer: requests turned into plans of direct tool calls with no model at all,
 * so AIOS is useful with no model configured. What a request means is the understanding
 * layer's (lib/orchestrator/understanding); this module makes its steps a plan, each task
 * under an agent that may use the tool. `call TOOL ARGS` runs any tool: ARGS is a JSON object,
 * or one value for the tool's single required field ("call fs.stat /etc").
 */
import type { AgentKind } from "./agents.ts";
import type { Plan, PlannedTask, ToolInfo } from "./plan.ts";
import { INTENTS, readWhen, understand } from "./understanding/index.ts";

/** What a person can type with no model, one per intent, for help texts. */
export const REACTIVE_EXAMPLES = INTENTS.map((intent) => intent.usage);

/** Why the reactive layer did not plan a request, for a person to read. */
export interface NotUnderstood {
  unsure: string;
}

/** A request to do something at a repeating time: a schedule of the request without the time. */
export interface RepeatingRequest {
  schedule: { spec: string; words: string; request: string };
}

type Built = Omit<PlannedTask, "id" | "dependsOn" | "layer" | "tools">;

function directCall(text: string, tools: ReadonlyMap<string, ToolInfo>): Built | { error: string } | null {
  // An MCP server's tools are mcp.SERVER.TOOL, and their names keep their own case.
  const m = /^call ([a-z][a-z0-9_]*\.(?:[a-z0-9_-]+\.)?[a-z0-9_-]*[a-z0-9_])\s*([\s\S]*)$/i.exec(text);
  if (!m) return null;
  const name = tools.has(m[1]!) ? m[1]! : m[1]!.toLowerCase();
  const tool = tools.get(name);
  if (!tool) return { error: `there is no tool "${name}" (aiosctl tools lists them)` };
  const args = m[2]!.trim();
  let input: Record<string, unknown>;
  if (!args) input = {};
  else if (args.startsWith("{")) {
    try {
      input = JSON.parse(args) as Record<string, unknown>;
    } catch (error) {
      return { error: `the arguments of ${name} are not a JSON object: ${(error as Error).message}` };
    }
  } else {
    const required = (tool.inputSchema.required as string[] | undefined) ?? [];
    if (required.length !== 1) return { error: `${name} takes ${required.length ? `the fields ${required.join(", ")}` : "no required field"}: give them as a JSON object` };
    const property = (tool.inputSchema.properties as Record<string, { type?: string }> | undefined)?.[required[0]!];
    input = { [required[0]!]: property?.type === "number" || property?.type === "integer" ? Number(args) : args };
  }
  return { description: `Call ${name}`, agent: "", successCheck: `${name} answers`, call: { tool: name, input } };
}

/** Whether a held capability ("process:spawn:/bin/*", "fs:*") covers a tool's "namespace:action" at all. */
function grantsAction(held: string, needed: string): boolean {
  const [ns, action] = held.split(":");
  const [needNs, needAction] = needed.split(":");
  return (ns === "*" || ns === needNs) && (action === undefined || action === "*" || action === needAction);
}

/**
 * The agent a call runs under: the one named if it may use the tool's namespace; else one of
 * the agents that may use it and hold its capability; else the first that may use it (which
 * aios-tools refuses, naming the capability).
 */
function agentFor(named: string, tool: string, agents: ReadonlyMap<string, AgentKind>, tools: ReadonlyMap<string, ToolInfo>): string | { error: string } {
  const namespace = tools.get(tool)?.namespace ?? tool.split(".")[0]!;
  const needed = tools.get(tool)?.capability;
  const candidates = ["general", ...agents.keys()].filter((kind) => agents.get(kind)?.toolNamespaces.includes(namespace));
  const holds = (kind: string) => needed !== undefined && agents.get(kind)!.capabilities.some((held) => grantsAction(held, needed));
  if (named && agents.get(named)?.toolNamespaces.includes(namespace) && (holds(named) || !candidates.some(holds))) return named;
  const agent = candidates.find(holds) ?? candidates[0];
  return agent ?? { error: `no agent may use ${tool}: add "${namespace}" to an agent's tool_namespaces in /etc/aios/agents` };
}

/** A plan for the request, an error saying why it cannot be done, why it was not understood, or the schedule it asks for. */
export function reactivePlan(text: string, agents: ReadonlyMap<string, AgentKind>, tools: ReadonlyMap<string, ToolInfo>): Plan | { error: string } | NotUnderstood | RepeatingRequest {
  const goal = text.trim().replace(/\s+/g, " ");
  const when = readWhen(goal);
  if (when.kind === "repeating") {
    if (!when.request) return { error: `say what to do ${when.words}: "${when.words} show disk usage"` };
    return { schedule: { spec: when.spec, words: when.words, request: when.request } };
  }
  const direct = directCall(goal, tools);
  if (direct && "error" in direct) return direct;
  if (direct) {
    const agent = agentFor("", direct.call!.tool, agents, tools);
    if (typeof agent !== "string") return agent;
    return { layer: "reactive", tasks: [{ ...direct, agent, id: "t1", dependsOn: [], layer: "reactive", tools: [direct.call!.tool] }] };
  }
  const understood = understand(goal);
  if (understood.kind === "error") return { error: understood.message };
  if (understood.kind === "unsure") {
    // Only suggestions that are somewhat alike; "create a directory" is no help for "make it faster".
    const closest = understood.closest.filter((c) => c.score >= 0.3).map((c) => `"${c.intent.usage}"`);
    return { unsure: `I am not sure what you mean${closest.length ? `. The closest things I can do: ${closest.join(" or ")}` : ""}` };
  }
  const tasks: PlannedTask[] = [];
  for (const [index, step] of understood.steps.entries()) {
    if (!tools.has(step.tool)) return { error: `${understood.intent.id} needs the tool ${step.tool}, which aios-tools does not have` };
    const agent = agentFor(step.agent, step.tool, agents, tools);
    if (typeof agent !== "string") return agent;
    tasks.push({
      id: `t${index + 1}`,
      description: step.description,
      agent,
      tools: [step.tool],
      // A step that acts on what the steps before it found waits for them all.
      dependsOn: step.bind ? tasks.map((earlier) => earlier.id) : [],
      layer: "reactive",
      successCheck: step.successCheck,
      call: { tool: step.tool, input: step.input, answer: { intent: understood.intent.id, step: index, slots: { ...understood.slots } } },
    });
  }
  return { layer: "reactive", tasks };
}
