/**
 * @module lib/orchestrator/planner
 * From a goal to a plan when no reactive rule matches: a complexity classifier picks the layer
 * (rules first; when they cannot tell, the operational model answers in a JSON schema), then
 * the gateway is asked for a plan as JSON under a valibot schema (sent as JSON Schema, checked
 * again here), with the agents, their tools and what memory recalls of similar goals. A plan
 * that fails the checks of plan.ts is sent back once with the errors; a second failure fails
 * the goal with them.
 */
import { toJsonSchema } from "@valibot/to-json-schema";
import * as v from "valibot";
import { Layer } from "../rpc/gen/aios/v1/common.ts";
import { ChatRole, type ChatMessage, type InferRequest, type InferResponse } from "../rpc/gen/aios/v1/gateway.ts";
import type { AgentKind } from "./agents.ts";
import { type Plan, type ToolInfo, validatePlan } from "./plan.ts";
import type { LayerName } from "./store.ts";

export type ModelLayer = Exclude<LayerName, "reactive">;
export const LAYER_ORDER: readonly ModelLayer[] = ["operational", "tactical", "strategic"];
export const PROTO_LAYER: Record<LayerName, Layer> = { reactive: Layer.LAYER_REACTIVE, operational: Layer.LAYER_OPERATIONAL, tactical: Layer.LAYER_TACTICAL, strategic: Layer.LAYER_STRATEGIC };
export const LAYER_OF_PROTO: Record<number, LayerName> = {
  [Layer.LAYER_REACTIVE]: "reactive",
  [Layer.LAYER_OPERATIONAL]: "operational",
  [Layer.LAYER_TACTICAL]: "tactical",
  [Layer.LAYER_STRATEGIC]: "strategic",
};

const PlanSchema = v.object({
  tasks: v.array(
    v.object({
      id: v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{1,40}$/)),
      description: v.pipe(v.string(), v.minLength(1)),
      agent: v.string(),
      tools: v.array(v.string()),
      depends_on: v.array(v.string()),
      layer: v.picklist(["operational", "tactical", "strategic"]),
      success_check: v.string(),
    }),
  ),
});
const PLAN_JSON_SCHEMA = JSON.stringify(toJsonSchema(PlanSchema, { errorMode: "ignore" }));

const ClassifySchema = v.object({ layer: v.picklist(["operational", "tactical", "strategic"]), reason: v.string() });
const CLASSIFY_JSON_SCHEMA = JSON.stringify(toJsonSchema(ClassifySchema, { errorMode: "ignore" }));

export type Infer = (request: Partial<InferRequest> & { layer: Layer; messages: ChatMessage[] }) => Promise<InferResponse>;

const user = (content: string): ChatMessage => ({ role: ChatRole.CHAT_ROLE_USER, content, toolCalls: [], toolCallId: "" });
const system = (content: string): ChatMessage => ({ role: ChatRole.CHAT_ROLE_SYSTEM, content, toolCalls: [], toolCallId: "" });
const assistant = (content: string): ChatMessage => ({ role: ChatRole.CHAT_ROLE_ASSISTANT, content, toolCalls: [], toolCallId: "" });

/** Rules of thumb; null when they cannot tell. */
export function classifyByRules(text: string): ModelLayer | null {
  const goal = text.toLowerCase();
  if (/\b(security|audit|review|analy[sz]e|plan|design|migrate|harden|architecture|strategy)\b/.test(goal)) return "strategic";
  if (/\b(why|investigate|diagnose|debug|troubleshoot|figure out|explain|configure|set up|setup|write a)\b/.test(goal)) return "tactical";
  if (goal.split(/\s+/).length <= 6) return "operational";
  return null;
}

export async function classify(text: string, infer: Infer): Promise<{ layer: ModelLayer; by: string }> {
  const byRule = classifyByRules(text);
  if (byRule) return { layer: byRule, by: "rules" };
  try {
    const response = await infer({
      layer: Layer.LAYER_OPERATIONAL,
      messages: [
        system(
          "You sort requests to an operating system by how much thinking they need. operational: one simple look or action. tactical: a few steps, some judgement. strategic: analysis, security, planning, many steps.",
        ),
        user(text),
      ],
      responseJsonSchema: CLASSIFY_JSON_SCHEMA,
      maxTokens: 200,
      temperature: 0,
      purpose: "classify",
    });
    const parsed = v.safeParse(ClassifySchema, JSON.parse(response.message?.content ?? "{}"));
    if (parsed.success) return { layer: parsed.output.layer, by: `model ${response.model}` };
  } catch {
    // no operational model: the middle layer is the safe guess
  }
  return { layer: "tactical", by: "default" };
}

function plannerPrompt(agents: ReadonlyMap<string, AgentKind>, tools: ReadonlyMap<string, ToolInfo>, maxTasks: number, memory: string): string {
  const agentLines = [...agents.values()].map((agent) => {
    const names = [...tools.values()].filter((tool) => agent.toolNamespaces.includes(tool.namespace)).map((tool) => tool.name);
    return `- ${agent.kind}: ${agent.description}. Tools: ${names.join(", ") || "(none)"}`;
  });
  return [
    "You plan goals for AIOS, an operating system run by an AI. Split the goal into a few tasks; each is done by one agent with its tools.",
    `Answer with JSON: {"tasks": [{"id", "description", "agent", "tools", "depends_on", "layer", "success_check"}]}, at most ${maxTasks} tasks.`,
    "Use only these agents and only tools of the task's agent:",
    ...agentLines,
    "layer: operational for simple steps, tactical for judgement, strategic for analysis. depends_on lists the ids of tasks that must finish first (no cycles).",
    memory ? `What worked or failed before for similar goals:\n${memory}` : "",
  ]
    .filter(Boolean)
    .join("\n");
}

export interface PlanResult {
  plan: Plan | null;
  /** Why there is no plan. */
  error: string;
  repaired: boolean;
}

export async function planWithModel(options: {
  text: string;
  layer: ModelLayer;
  agents: ReadonlyMap<string, AgentKind>;
  tools: ReadonlyMap<string, ToolInfo>;
  maxTasks: number;
  memory: string;
  infer: Infer;
}): Promise<PlanResult> {
  const messages: ChatMessage[] = [system(plannerPrompt(options.agents, options.tools, options.maxTasks, options.memory)), user(`Goal: ${options.text}`)];
  let errors: string[] = [];
  for (let round = 0; round < 2; round++) {
    const response = await options.infer({
      layer: PROTO_LAYER[options.layer],
      messages,
      responseJsonSchema: PLAN_JSON_SCHEMA,
      maxTokens: 2048,
      temperature: 0,
      purpose: round ? "plan-repair" : "plan",
    });
    const text = response.message?.content ?? "";
    let plan: Plan | null = null;
    try {
      const parsed = v.safeParse(PlanSchema, JSON.parse(text));
      if (parsed.success) {
        plan = {
          layer: options.layer,
          tasks: parsed.output.tasks.map((task) => ({
            id: task.id,
            description: task.description,
            agent: task.agent,
            tools: task.tools,
            dependsOn: task.depends_on,
            layer: task.layer,
            successCheck: task.success_check,
          })),
        };
        errors = validatePlan(plan, options.agents, options.tools, options.maxTasks);
      } else {
        errors = parsed.issues.slice(0, 5).map((issue) => `${v.getDotPath(issue) ?? "plan"}: ${issue.message}`);
      }
    } catch (error) {
      errors = [`the answer is not JSON: ${(error as Error).message}`];
    }
    if (errors.length === 0 && plan) return { plan, error: "", repaired: round > 0 };
    messages.push(assistant(text), user(`That plan cannot run:\n- ${errors.join("\n- ")}\nAnswer with a corrected plan.`));
  }
  return { plan: null, error: `the plan was invalid twice: ${errors.join("; ")}`, repaired: true };
}
