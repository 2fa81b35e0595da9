/**
 * @module lib/orchestrator/goal-planner
 * A goal's plan, from the cheapest intelligence that can make it: the understanding layer (no
 * model), a schedule when it is said with a repeating time, a learned procedure, else a model
 * (a classifier picks the layer, the planner asks it for a plan). Also what a model call of a
 * goal needs: the layers that can answer, memory's context, and usage accounting.
 */
import { InferPriority, type InferRequest } from "../rpc/gen/aios/v1/gateway.ts";
import { MemoryKind } from "../rpc/gen/aios/v1/memory.ts";
import { EventKind } from "../rpc/gen/aios/v1/orchestrator.ts";
import type { Catalogue, EngineOptions } from "./context.ts";
import { learnedPlan } from "./learning.ts";
import type { Plan } from "./plan.ts";
import { classify, type Infer, LAYER_ORDER, type ModelLayer, PROTO_LAYER, planWithModel } from "./planner.ts";
import { REACTIVE_EXAMPLES, type RepeatingRequest, reactivePlan } from "./reactive.ts";
import { makeSchedule } from "./schedules.ts";
import type { GoalRow } from "./store.ts";

/** ModelState.MODEL_STATE_UNAVAILABLE: a model that cannot answer now. */
const UNAVAILABLE = 5;

export class GoalPlanner {
  constructor(
    private readonly options: EngineOptions,
    private readonly catalogue: Catalogue,
    /** Asks aios-tools again when the list is older than a moment (an MCP server's tools come and go). */
    private readonly freshen: () => Promise<void> = async () => {},
  ) {}

  async plan(goal: GoalRow, signal: AbortSignal): Promise<Plan> {
    await this.freshen();
    const reactive = reactivePlan(goal.text, this.options.agents, this.catalogue());
    if ("error" in reactive) throw new Error(reactive.error);
    if ("tasks" in reactive) return reactive;
    if ("schedule" in reactive) return this.planSchedule(goal, reactive.schedule);
    // What a model planned before for a request that meant the same, with this one's values.
    const learned = await learnedPlan({ text: goal.text, memory: this.options.clients.memory, agents: this.options.agents, tools: this.catalogue(), log: this.options.log });
    if (learned) {
      const { id, pattern, successes, promoted } = learned.procedure;
      this.options.events.emit({
        kind: EventKind.EVENT_KIND_AGENT_MESSAGE,
        goalId: goal.id,
        message: `planned from the learned procedure ${id} ("${pattern}", worked ${successes} time${successes === 1 ? "" : "s"}${promoted ? ", promoted" : ""}): no model call`,
        data: { procedure_id: id },
      });
      return learned.plan;
    }
    const infer = this.inferFor(goal, "", signal);
    const { layers, unreachable } = await this.modelLayers();
    if (unreachable) throw new Error(`${reactive.unsure}; and aios-gateway does not answer (${unreachable}), so no model can plan it now: \`aiosctl health\` says which components answer`);
    if (layers.length === 0) {
      throw new Error(
        `${reactive.unsure}, and no model is configured to plan it. With no model AIOS understands requests like ${REACTIVE_EXAMPLES.slice(0, 8)
          .map((e) => `"${e}"`)
          .join(", ")} and more (README: what AIOS understands with no model); add a model under [[gateway.models]] for anything else`,
      );
    }
    const { layer, by } = await classify(goal.text, infer);
    this.options.events.emit({ kind: EventKind.EVENT_KIND_AGENT_MESSAGE, goalId: goal.id, message: `classified as ${layer} (by ${by})`, data: { layer, by } });
    const memory = await this.memoryContext(goal.text, signal);
    const result = await planWithModel({ text: goal.text, layer, agents: this.options.agents, tools: this.catalogue(), maxTasks: this.options.settings.max_plan_tasks, memory, infer });
    if (result.repaired)
      this.options.events.emit({ kind: EventKind.EVENT_KIND_AGENT_MESSAGE, goalId: goal.id, message: result.plan ? "the first plan was invalid; the repaired plan passed the checks" : result.error });
    if (!result.plan) throw new Error(result.error);
    return result.plan;
  }

  /**
   * "Every day at 03:00 delete ...": a schedule of the request without its time, made only if
   * the request can be planned when it runs (understood, learned, or a model to ask).
   */
  async planSchedule(goal: GoalRow, asked: RepeatingRequest["schedule"]): Promise<Plan> {
    if (goal.source !== "human") throw new Error("a goal from a schedule or the monitor does not make schedules");
    const inner = reactivePlan(asked.request, this.options.agents, this.catalogue());
    if ("error" in inner) throw new Error(inner.error);
    if ("schedule" in inner) throw new Error(`one repeating time is enough: "${asked.request}" has another`);
    if ("unsure" in inner) {
      const plannable =
        (await this.availableLayers()).length > 0 ||
        (await learnedPlan({ text: asked.request, memory: this.options.clients.memory, agents: this.options.agents, tools: this.catalogue(), log: this.options.log })) !== null;
      if (!plannable) throw new Error(`${inner.unsure.replace("I am not sure what you mean", `I would not know what "${asked.request}" means when it runs`)}; and no model is configured to plan it`);
    }
    // Named after the goal: planned again after a crash, it is the same schedule, not a second.
    const schedule = makeSchedule({ id: `sched-${goal.id}`, name: asked.request.slice(0, 200), goalText: asked.request, spec: asked.spec, priority: goal.priority, autonomy: goal.autonomy });
    if ("error" in schedule) throw new Error(schedule.error);
    this.options.store.upsertSchedule(schedule);
    const next = new Date(schedule.nextRunAt!).toISOString().slice(0, 16).replace("T", " ");
    return {
      layer: "reactive",
      tasks: [],
      answer: `scheduled "${asked.request}" ${asked.words} UTC (cron ${asked.spec}), first at ${next} UTC, as ${schedule.id}; aiosctl schedules lists it, aiosctl schedules delete ${schedule.id} stops it`,
    };
  }

  /** Layers whose chain has a model that can answer now (or start on demand); none when the gateway does not answer. */
  async availableLayers(): Promise<ModelLayer[]> {
    return (await this.modelLayers()).layers;
  }

  /** The layers, or why the gateway could not be asked: down is not the same as no model. */
  async modelLayers(): Promise<{ layers: ModelLayer[]; unreachable?: string }> {
    try {
      const { models } = await this.options.clients.gateway.listModels({}, { timeoutMs: 5000, failFast: true });
      const usable = models.filter((model) => model.state !== UNAVAILABLE);
      return { layers: LAYER_ORDER.filter((layer) => usable.some((model) => model.layer === PROTO_LAYER[layer] || model.layer < PROTO_LAYER[layer])) };
    } catch (error) {
      return { layers: [], unreachable: (error as Error).message };
    }
  }

  async memoryContext(text: string, signal: AbortSignal): Promise<string> {
    if (this.options.settings.context_tokens === 0) return "";
    try {
      const response = await this.options.clients.memory.assembleContext(
        { query: text, tokenBudget: this.options.settings.context_tokens, kinds: [MemoryKind.MEMORY_KIND_PROCEDURE, MemoryKind.MEMORY_KIND_INCIDENT], model: "" },
        { signal, timeoutMs: 10_000, failFast: true },
      );
      return response.context;
    } catch {
      return "";
    }
  }

  inferFor(goal: GoalRow, taskId: string, signal: AbortSignal): Infer {
    return async (request) => {
      const full: Partial<InferRequest> = {
        ...request,
        goalId: goal.id,
        taskId,
        priority: goal.source === "human" ? InferPriority.INFER_PRIORITY_INTERACTIVE : InferPriority.INFER_PRIORITY_BACKGROUND,
      };
      const response = await this.options.clients.gateway.infer(full, { signal, timeoutMs: 10 * 60_000 });
      const usage = response.usage ?? { inputTokens: 0, outputTokens: 0, costUsd: 0, requests: 0 };
      this.options.store.addGoalUsage(goal.id, usage);
      this.options.events.emit({
        kind: EventKind.EVENT_KIND_MODEL_CALLED,
        goalId: goal.id,
        taskId,
        message: `${request.purpose ?? "model"}: ${response.model} (${response.layer}) answered in ${response.latencyMs} ms`,
        data: { model: response.model, purpose: request.purpose ?? "", input_tokens: usage.inputTokens, output_tokens: usage.outputTokens, cost_usd: usage.costUsd, cached: response.cached },
      });
      return response;
    };
  }
}
