/**
 * @module lib/gateway/service
 * The Gateway gRPC service (proto/aios/v1/gateway.proto): requests checked at the boundary
 * (INVALID_ARGUMENT naming the field: an unknown layer, no messages, a prompt over
 * gateway.max_prompt_bytes, a JSON schema the gateway cannot enforce), then the router for
 * Infer/StreamInfer, the embedding model for Embed, the model's tokenizer for CountTokens, the
 * model lifecycle, and the usage ledger.
 */
import * as v from "valibot";
import type { Logger } from "../log/index.ts";
import { Layer } from "../rpc/gen/aios/v1/common.ts";
import { ChatRole, GatewayServiceDefinition, InferPriority, type InferRequest, type Model, ModelState } from "../rpc/gen/aios/v1/gateway.ts";
import { failedPrecondition, implement, invalidArgument, notFound, parseRequest, type ServiceImplementation, unavailable } from "../rpc/index.ts";
import type { ResponseCache } from "./cache.ts";
import { compileJsonSchema, JsonSchemaError } from "./json-schema.ts";
import type { QueueTimes } from "./queue.ts";
import { type ChatLayer, type ModelEntry, PROTO_LAYER, type Registry } from "./registry.ts";
import type { CheckedRequest, Router } from "./router.ts";
import { monthBounds, type UsageLedger } from "./usage.ts";

export interface GatewayServiceOptions {
  registry: Registry;
  router: Router;
  ledger: UsageLedger;
  cache: ResponseCache<unknown>;
  queueTimes: QueueTimes;
  maxPromptBytes: number;
  embedBatchSize: number;
  monthlyBudgetUsd: number;
  log: Logger;
}

const LAYER_NAMES: Partial<Record<Layer, ChatLayer>> = {
  [Layer.LAYER_UNSPECIFIED]: "operational",
  [Layer.LAYER_OPERATIONAL]: "operational",
  [Layer.LAYER_TACTICAL]: "tactical",
  [Layer.LAYER_STRATEGIC]: "strategic",
};
const MAX_MESSAGES = 1000;
const MAX_TOOLS = 128;
const MAX_OUTPUT_TOKENS = 65_536;
const MAX_TEXTS = 4096;

const messageSchema = v.pipe(
  v.object({
    role: v.pipe(
      v.number(),
      v.check((role) => role >= ChatRole.CHAT_ROLE_SYSTEM && role <= ChatRole.CHAT_ROLE_TOOL, "must be SYSTEM, USER, ASSISTANT or TOOL"),
    ),
    content: v.string(),
    toolCalls: v.array(v.object({ id: v.string(), name: v.pipe(v.string(), v.nonEmpty("a tool call needs a name")), argumentsJson: v.string() })),
    toolCallId: v.string(),
  }),
  v.check((m) => m.role !== ChatRole.CHAT_ROLE_TOOL || m.toolCallId.length > 0, "a TOOL message needs tool_call_id: the id of the call it answers"),
  v.check((m) => m.role === ChatRole.CHAT_ROLE_ASSISTANT || m.role === ChatRole.CHAT_ROLE_TOOL || m.content.trim().length > 0, "a SYSTEM or USER message needs content"),
  v.check((m) => m.role === ChatRole.CHAT_ROLE_ASSISTANT || m.toolCalls.length === 0, "only ASSISTANT messages carry tool_calls"),
);

const inferSchema = v.object({
  layer: v.pipe(
    v.number(),
    v.check((layer) => layer !== Layer.LAYER_REACTIVE, "the reactive layer has no model (it is the orchestrator's rules): ask OPERATIONAL, TACTICAL or STRATEGIC"),
    v.check((layer) => layer in LAYER_NAMES, "must be OPERATIONAL, TACTICAL or STRATEGIC"),
  ),
  messages: v.pipe(v.array(messageSchema), v.minLength(1, "at least one message is required"), v.maxLength(MAX_MESSAGES, `at most ${MAX_MESSAGES} messages`)),
  tools: v.pipe(
    v.array(
      v.object({ name: v.pipe(v.string(), v.regex(/^[A-Za-z0-9_.:-]{1,64}$/, "must be a tool name (letters, digits, . : _ -, at most 64)")), description: v.string(), parametersJson: v.string() }),
    ),
    v.maxLength(MAX_TOOLS, `at most ${MAX_TOOLS} tools`),
  ),
  maxTokens: v.pipe(v.number(), v.maxValue(MAX_OUTPUT_TOKENS, `at most ${MAX_OUTPUT_TOKENS}`)),
  temperature: v.optional(v.pipe(v.number(), v.minValue(0, "must be between 0 and 2"), v.maxValue(2, "must be between 0 and 2"))),
  stop: v.pipe(v.array(v.pipe(v.string(), v.nonEmpty("a stop text may not be empty"))), v.maxLength(4, "at most 4 stop texts")),
  priority: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(3, "must be INTERACTIVE, NORMAL or BACKGROUND")),
});

function parseJsonObject(text: string, field: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw invalidArgument(field, `is not JSON (${(error as Error).message})`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw invalidArgument(field, "must be a JSON object");
  return parsed as Record<string, unknown>;
}

/** Checks an InferRequest and measures it; throws INVALID_ARGUMENT naming the field. */
export function checkInferRequest(request: InferRequest, maxPromptBytes: number): CheckedRequest {
  const parsed = parseRequest(inferSchema, request);
  request.tools.forEach((tool, i) => {
    if (tool.parametersJson.trim()) parseJsonObject(tool.parametersJson, `tools.${i}.parameters_json`);
  });
  request.messages.forEach((message, i) =>
    message.toolCalls.forEach((call, j) => {
      if (call.argumentsJson.trim()) parseJsonObject(call.argumentsJson, `messages.${i}.tool_calls.${j}.arguments_json`);
    }),
  );
  let jsonSchema: Record<string, unknown> | null = null;
  let validator: CheckedRequest["validator"] = null;
  if (request.responseJsonSchema.trim()) {
    try {
      const compiled = compileJsonSchema(request.responseJsonSchema);
      jsonSchema = compiled.jsonSchema;
      validator = compiled.validator;
    } catch (error) {
      if (error instanceof JsonSchemaError) throw invalidArgument("response_json_schema", `cannot be enforced: ${error.message}`);
      throw error;
    }
  }
  const promptBytes =
    request.messages.reduce((sum, m) => sum + Buffer.byteLength(m.content) + m.toolCalls.reduce((s, c) => s + Buffer.byteLength(c.name) + Buffer.byteLength(c.argumentsJson), 0), 0) +
    request.tools.reduce((sum, t) => sum + Buffer.byteLength(t.name) + Buffer.byteLength(t.description) + Buffer.byteLength(t.parametersJson), 0) +
    Buffer.byteLength(request.responseJsonSchema);
  if (promptBytes > maxPromptBytes) {
    throw invalidArgument("messages", `the prompt is ${promptBytes} bytes; the gateway accepts at most ${maxPromptBytes} (gateway.max_prompt_bytes): shorten or summarise it`);
  }
  return {
    layer: LAYER_NAMES[parsed.layer as Layer]!,
    model: request.model.trim(),
    messages: request.messages,
    tools: request.tools,
    jsonSchema,
    validator,
    maxTokens: parsed.maxTokens,
    temperature: parsed.temperature,
    stop: parsed.stop,
    priority: parsed.priority,
    noCache: request.noCache,
    goalId: request.goalId,
    taskId: request.taskId,
    purpose: request.purpose,
    promptBytes,
  };
}

const STATE: Record<string, ModelState> = {
  stopped: ModelState.MODEL_STATE_STOPPED,
  loading: ModelState.MODEL_STATE_LOADING,
  ready: ModelState.MODEL_STATE_READY,
  failed: ModelState.MODEL_STATE_FAILED,
  unavailable: ModelState.MODEL_STATE_UNAVAILABLE,
};

function toProtoModel(entry: ModelEntry, overBudget: string | null): Model {
  const local = entry.local;
  const lastUsed = local?.lastUsedAt ?? entry.lastUsedAt;
  let state: ModelState;
  let error = "";
  if (local) {
    state = STATE[local.state]!;
    error = local.error;
  } else if (entry.unusable || overBudget) {
    state = ModelState.MODEL_STATE_UNAVAILABLE;
    error = entry.unusable ?? overBudget!;
  } else if (entry.circuit.state === "open") {
    state = ModelState.MODEL_STATE_FAILED;
    error = entry.circuit.describe();
  } else state = ModelState.MODEL_STATE_READY;
  return {
    id: entry.id,
    layer: PROTO_LAYER[entry.layer],
    provider: entry.kind,
    state,
    error,
    path: local?.spec.path ?? "",
    contextSize: entry.contextSize,
    pid: local?.pid ?? 0,
    lastUsedAt: lastUsed ? new Date(lastUsed) : undefined,
    idleUnloadMs: local ? local.spec.idleUnloadMs : 0,
    embeddings: entry.embeddings,
    providerId: entry.providerId,
    remoteName: local ? local.spec.path.split("/").pop()! : entry.remoteName,
    restarts: local?.restarts ?? 0,
    queued: local?.queue.queued ?? 0,
  };
}

export function gatewayService(options: GatewayServiceOptions): ServiceImplementation {
  const { registry, router, ledger } = options;
  const modelById = (id: string, field = "model"): ModelEntry => {
    if (!id.trim()) throw invalidArgument(field, "a model id is required");
    const entry = registry.models.get(id.trim());
    if (!entry) throw notFound(`no model has the id "${id}": ListModels shows the configured ones`);
    return entry;
  };
  const describe = (entry: ModelEntry) => toProtoModel(entry, entry.local ? null : router.overBudget(entry));
  const checkTexts = (texts: string[]) => {
    if (texts.length === 0) throw invalidArgument("texts", "at least one text is required");
    if (texts.length > MAX_TEXTS) throw invalidArgument("texts", `at most ${MAX_TEXTS} texts`);
    const bytes = texts.reduce((sum, text) => sum + Buffer.byteLength(text), 0);
    if (bytes > options.maxPromptBytes) throw invalidArgument("texts", `the texts are ${bytes} bytes; at most ${options.maxPromptBytes} (gateway.max_prompt_bytes)`);
  };
  const localOf = (entry: ModelEntry, what: string) => {
    if (!entry.local) throw failedPrecondition(`${entry.id} is a cloud model: ${what} needs a local model (llama-server)`);
    return entry.local;
  };

  return implement(GatewayServiceDefinition, {
    infer: (request, ctx) => router.infer(checkInferRequest(request, options.maxPromptBytes), ctx.signal),

    streamInfer: async function* (request, ctx) {
      if (!request.request) throw invalidArgument("request", "request is required");
      for await (const piece of router.stream(checkInferRequest(request.request, options.maxPromptBytes), ctx.signal)) {
        yield "done" in piece ? { done: piece.done } : { delta: piece.delta, toolCalls: piece.toolCalls };
      }
    },

    embed: async (request, ctx) => {
      checkTexts(request.texts);
      const entry = request.model ? modelById(request.model) : registry.embedding;
      if (!entry) throw failedPrecondition("no embedding model is configured: add a local model with embeddings = true under [[gateway.models]]");
      if (!entry.embeddings) throw invalidArgument("model", `${entry.id} does not make embeddings (embeddings = true in its config)`);
      const local = localOf(entry, "Embed");
      const started = performance.now();
      const vectors: number[][] = [];
      let tokens = 0;
      let waited = 0;
      await local.use(async () => {
        for (let i = 0; i < request.texts.length; i += options.embedBatchSize) {
          const batch = request.texts.slice(i, i + options.embedBatchSize);
          const { value, waitMs } = await local.queue.run(InferPriority.INFER_PRIORITY_NORMAL, ctx.signal, async () => {
            const response = await local.fetch("/v1/embeddings", {
              method: "POST",
              headers: { "content-type": "application/json" },
              body: JSON.stringify({ input: batch, model: entry.id }),
              signal: ctx.signal,
            });
            if (!response.ok) throw unavailable(`${entry.id} could not embed: HTTP ${response.status} ${(await response.text()).slice(0, 300)}`);
            return (await response.json()) as { data: { index: number; embedding: number[] }[]; usage?: { prompt_tokens?: number } };
          });
          waited += waitMs;
          tokens += value.usage?.prompt_tokens ?? 0;
          for (const item of [...value.data].sort((a, b) => a.index - b.index)) vectors.push(item.embedding);
        }
      });
      ledger.record({
        time: Date.now(),
        providerId: "local",
        model: entry.id,
        layer: entry.layer,
        inputTokens: tokens,
        outputTokens: 0,
        costUsd: 0,
        latencyMs: performance.now() - started,
        waitMs: waited,
        goalId: "",
        taskId: "",
        purpose: "embed",
      });
      return { vectors: vectors.map((values) => ({ values })), model: entry.id, dimensions: vectors[0]?.length ?? 0 };
    },

    countTokens: async (request, ctx) => {
      checkTexts(request.texts);
      const entry = modelById(request.model);
      const local = localOf(entry, "CountTokens");
      const counts = await local.use(() =>
        Promise.all(
          request.texts.map(async (content) => {
            const response = await local.fetch("/tokenize", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ content }), signal: ctx.signal });
            if (!response.ok) throw unavailable(`${entry.id} could not tokenize: HTTP ${response.status}`);
            return ((await response.json()) as { tokens: unknown[] }).tokens.length;
          }),
        ),
      );
      return { counts, model: entry.id };
    },

    listModels: () => ({ models: [...registry.models.values()].sort((a, b) => PROTO_LAYER[a.layer] - PROTO_LAYER[b.layer]).map(describe) }),

    loadModel: async (request) => {
      const entry = modelById(request.model);
      if (entry.local) {
        try {
          await entry.local.ensureReady();
        } catch (error) {
          // A missing file is the caller's to fix; a failed start is reported in the model.
          if ((error as { code?: string }).code === "failed_precondition") throw error;
        }
      }
      return { model: describe(entry) };
    },

    unloadModel: async (request) => {
      const entry = modelById(request.model);
      await localOf(entry, "UnloadModel").unload();
      return { model: describe(entry) };
    },

    getUsage: (request) => {
      const { start } = monthBounds(Date.now());
      const since = request.since?.getTime() ?? start.getTime();
      const until = request.until?.getTime() ?? Date.now() + 1;
      if (since >= until) throw invalidArgument("since", "since must be before until");
      const layerOf = (name: string) => PROTO_LAYER[name as ChatLayer] ?? Layer.LAYER_UNSPECIFIED;
      const models = ledger.byModel(since, until);
      const total = models.reduce(
        (sum, m) => ({
          inputTokens: sum.inputTokens + m.usage.inputTokens,
          outputTokens: sum.outputTokens + m.usage.outputTokens,
          costUsd: sum.costUsd + m.usage.costUsd,
          requests: sum.requests + m.usage.requests,
        }),
        { inputTokens: 0, outputTokens: 0, costUsd: 0, requests: 0 },
      );
      return {
        models: models.map((m) => ({ model: m.model, provider: registry.models.get(m.model)?.kind ?? 0, layer: layerOf(m.layer), usage: m.usage })),
        total,
        days: ledger.byDay(since, until),
        cacheHits: options.cache.hits,
        cacheMisses: options.cache.misses,
        queue: options.queueTimes.summary(),
      };
    },

    getBudget: () => {
      const { start, end } = monthBounds(Date.now());
      const spent = ledger.spentThisMonth(null);
      return {
        limitUsd: options.monthlyBudgetUsd,
        spentUsd: spent,
        periodStart: start,
        periodEnd: end,
        exhausted: options.monthlyBudgetUsd > 0 && spent >= options.monthlyBudgetUsd,
        providers: registry.providers.map((provider) => {
          const providerSpent = ledger.spentThisMonth(provider.id);
          return { providerId: provider.id, limitUsd: provider.monthlyBudgetUsd, spentUsd: providerSpent, exhausted: provider.monthlyBudgetUsd > 0 && providerSpent >= provider.monthlyBudgetUsd };
        }),
      };
    },
  });
}
