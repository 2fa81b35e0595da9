/**
 * @module lib/console/openai-api
 * AIOS's models in OpenAI's HTTP format at /v1 on the console, so that a program written
 * against the OpenAI API (the official clients, LangChain, curl) uses them unchanged:
 * GET /v1/models, POST /v1/chat/completions (streamed or not, tools, JSON schema answers) and
 * POST /v1/embeddings. Every call goes to aios-gateway (its routing, fallback chain, cache,
 * budget and usage ledger; purpose "openai-api:NAME"), under an API token whose monthly budget
 * is checked before the call and whose usage line is written before the answer is sent.
 *
 * `model` is a model id from /v1/models, or a layer's name (operational, tactical, strategic)
 * for the gateway's chain of that layer, or "auto" (the tactical layer's chain).
 */
import type { AnyElysia } from "elysia";
import * as v from "valibot";
import type { Logger } from "../log/index.ts";
import { Layer } from "../rpc/gen/aios/v1/common.ts";
import { ChatRole, FinishReason, type GatewayServiceDefinition, type InferRequest, type InferResponse, InferPriority, type ToolCall } from "../rpc/gen/aios/v1/gateway.ts";
import { AiosError, type ServiceClient } from "../rpc/index.ts";
import { type CallerDeps, apiCallerOf } from "./api-caller.ts";
import type { ApiCaller, ApiTokens } from "./api-tokens.ts";

export interface OpenAiDeps extends CallerDeps {
  gateway: ServiceClient<typeof GatewayServiceDefinition>;
  tokens: ApiTokens;
  log: Logger;
}

/** A model answers slowly on a small machine; the caller's disconnect cancels sooner. */
const INFER_TIMEOUT_MS = 600_000;
const LAYERS: Record<string, Layer> = { operational: Layer.LAYER_OPERATIONAL, tactical: Layer.LAYER_TACTICAL, strategic: Layer.LAYER_STRATEGIC, auto: Layer.LAYER_TACTICAL };

const Text = v.pipe(v.string(), v.maxLength(1_000_000, "is longer than 1,000,000 characters"));
// OpenAI's content may be a list of parts; AIOS's models take text.
const Content = v.union([Text, v.array(v.union([v.looseObject({ type: v.literal("text"), text: Text }), v.looseObject({ type: v.string() })])), v.null()]);
const Message = v.looseObject({
  role: v.picklist(["system", "developer", "user", "assistant", "tool"], "must be system, developer, user, assistant or tool"),
  content: v.optional(Content),
  tool_calls: v.optional(v.array(v.looseObject({ id: v.string(), type: v.optional(v.literal("function")), function: v.looseObject({ name: v.string(), arguments: v.string() }) }))),
  tool_call_id: v.optional(v.string()),
});
const FunctionName = v.pipe(v.string(), v.regex(/^[A-Za-z0-9_.-]{1,64}$/, "must be 1-64 letters, digits, _, . or -"));
const ChatRequest = v.looseObject({
  model: v.pipe(v.string(), v.nonEmpty("is required (GET /v1/models lists them)"), v.maxLength(200)),
  messages: v.pipe(v.array(Message), v.minLength(1, "needs at least one message"), v.maxLength(1000)),
  tools: v.optional(
    v.array(
      v.looseObject({
        type: v.literal("function", 'must be "function"'),
        function: v.looseObject({ name: FunctionName, description: v.optional(v.string()), parameters: v.optional(v.record(v.string(), v.unknown())) }),
      }),
    ),
  ),
  tool_choice: v.optional(v.union([v.picklist(["auto", "none", "required"]), v.looseObject({ type: v.literal("function") })])),
  response_format: v.optional(
    v.variant("type", [
      v.looseObject({ type: v.literal("text") }),
      v.looseObject({ type: v.literal("json_object") }),
      v.looseObject({ type: v.literal("json_schema"), json_schema: v.looseObject({ name: v.optional(v.string()), schema: v.record(v.string(), v.unknown()) }) }),
    ]),
  ),
  max_tokens: v.optional(v.nullable(v.pipe(v.number(), v.integer(), v.minValue(1)))),
  max_completion_tokens: v.optional(v.nullable(v.pipe(v.number(), v.integer(), v.minValue(1)))),
  temperature: v.optional(v.nullable(v.pipe(v.number(), v.minValue(0), v.maxValue(2)))),
  stop: v.optional(v.nullable(v.union([v.string(), v.pipe(v.array(v.string()), v.maxLength(4))]))),
  n: v.optional(v.nullable(v.literal(1, "must be 1: AIOS gives one answer a request"))),
  stream: v.optional(v.nullable(v.boolean())),
  stream_options: v.optional(v.nullable(v.looseObject({ include_usage: v.optional(v.boolean()) }))),
});
type ChatRequest = v.InferOutput<typeof ChatRequest>;
const EmbeddingsRequest = v.looseObject({
  model: v.optional(v.string()),
  input: v.union([Text, v.pipe(v.array(Text), v.minLength(1, "needs at least one text"), v.maxLength(2048))], "must be a text or a list of texts (token arrays are not taken)"),
  encoding_format: v.optional(v.picklist(["float", "base64"])),
  dimensions: v.optional(v.number()),
});

/** OpenAI's error shape, which its clients read (error.message, error.type, error.param). */
function openAiError(status: number, message: string, type: string, param: string | null = null, headers: Record<string, string> = {}): Response {
  return Response.json({ error: { message, type, param, code: type } }, { status, headers });
}

const STATUS_OF: Partial<Record<string, [number, string]>> = {
  invalid_argument: [400, "invalid_request_error"],
  not_found: [404, "not_found_error"],
  resource_exhausted: [429, "insufficient_quota"],
  failed_precondition: [409, "conflict_error"],
  unavailable: [503, "service_unavailable"],
  deadline_exceeded: [504, "timeout"],
  cancelled: [499, "cancelled"],
};

function fromGatewayError(error: unknown): Response {
  if (error instanceof AiosError) {
    const [status, type] = STATUS_OF[error.code] ?? [502, "api_error"];
    return openAiError(status, error.message, type, error.field ?? null);
  }
  return openAiError(502, `the gateway failed: ${(error as Error).message}`, "api_error");
}

function invalid(issues: v.BaseIssue<unknown>[]): Response {
  const issue = issues[0]!;
  const param = v.getDotPath(issue) ?? null;
  return openAiError(400, `${param ?? "the body"}: ${issue.message}`, "invalid_request_error", param);
}

const ROLES: Record<string, ChatRole> = {
  system: ChatRole.CHAT_ROLE_SYSTEM,
  developer: ChatRole.CHAT_ROLE_SYSTEM,
  user: ChatRole.CHAT_ROLE_USER,
  assistant: ChatRole.CHAT_ROLE_ASSISTANT,
  tool: ChatRole.CHAT_ROLE_TOOL,
};

const textOf = (content: ChatRequest["messages"][number]["content"]): string =>
  typeof content === "string" ? content : Array.isArray(content) ? content.map((part) => (part.type === "text" ? String(part.text) : "")).join("") : "";

/** The gateway's request for an OpenAI chat request, or a 400 naming the field. */
function inferRequestOf(body: ChatRequest, caller: ApiCaller, models: ReadonlySet<string>): InferRequest | Response {
  const layer = LAYERS[body.model];
  if (layer === undefined && !models.has(body.model)) {
    return openAiError(404, `no model "${body.model}": GET /v1/models lists them (or use operational, tactical, strategic or auto)`, "model_not_found", "model");
  }
  const format = body.response_format;
  const schema = format?.type === "json_schema" ? JSON.stringify(format.json_schema.schema) : format?.type === "json_object" ? JSON.stringify({ type: "object" }) : "";
  const tools = body.tool_choice === "none" ? [] : (body.tools ?? []);
  return {
    layer: layer ?? Layer.LAYER_UNSPECIFIED,
    model: layer === undefined ? body.model : "",
    messages: body.messages.map((message) => ({
      role: ROLES[message.role]!,
      content: textOf(message.content),
      toolCalls: (message.tool_calls ?? []).map((call) => ({ id: call.id, name: call.function.name, argumentsJson: call.function.arguments })),
      toolCallId: message.tool_call_id ?? "",
    })),
    tools: tools.map((tool) => ({
      name: tool.function.name,
      description: tool.function.description ?? "",
      parametersJson: JSON.stringify(tool.function.parameters ?? { type: "object", properties: {} }),
    })),
    responseJsonSchema: schema,
    maxTokens: body.max_completion_tokens ?? body.max_tokens ?? 0,
    temperature: body.temperature ?? undefined,
    stop: typeof body.stop === "string" ? [body.stop] : (body.stop ?? []),
    goalId: "",
    taskId: "",
    purpose: `openai-api:${caller.name}`,
    priority: InferPriority.INFER_PRIORITY_INTERACTIVE,
    noCache: false,
  };
}

const FINISH: Record<number, string> = {
  [FinishReason.FINISH_REASON_STOP]: "stop",
  [FinishReason.FINISH_REASON_LENGTH]: "length",
  [FinishReason.FINISH_REASON_TOOL_CALLS]: "tool_calls",
  [FinishReason.FINISH_REASON_CONTENT_FILTER]: "content_filter",
};

const toolCallsOf = (calls: readonly ToolCall[]) =>
  calls.map((call, index) => ({ index, id: call.id || `call_${index}`, type: "function" as const, function: { name: call.name, arguments: call.argumentsJson } }));

function usageOf(response: InferResponse) {
  const input = response.usage?.inputTokens ?? 0;
  const output = response.usage?.outputTokens ?? 0;
  return { prompt_tokens: input, completion_tokens: output, total_tokens: input + output };
}

export function openAiRoutes(app: AnyElysia, deps: OpenAiDeps): AnyElysia {
  /** The caller, or the refusal: no token, a wrong one, a locked-out address, a spent budget. */
  const admit = (request: Request): ApiCaller | Response => {
    const who = apiCallerOf(request, deps, "aios-v1");
    if ("refusal" in who) return openAiError(who.refusal.status, who.refusal.message, who.refusal.status === 401 ? "invalid_api_key" : "rate_limit_exceeded", null, who.refusal.headers);
    const spent = deps.tokens.overBudget(who.caller);
    if (spent) return openAiError(429, spent, "insufficient_quota");
    return who.caller;
  };
  const modelIds = async () => new Set((await deps.gateway.listModels({})).models.map((model) => model.id));
  const record = (caller: ApiCaller, response: InferResponse) =>
    deps.tokens.record(caller, { input_tokens: response.usage?.inputTokens ?? 0, output_tokens: response.usage?.outputTokens ?? 0, cost_usd: response.usage?.costUsd ?? 0 });

  const chat = async (request: Request, raw: unknown): Promise<Response> => {
    const caller = admit(request);
    if (caller instanceof Response) return caller;
    const parsed = v.safeParse(ChatRequest, raw);
    if (!parsed.success) return invalid(parsed.issues);
    const body = parsed.output;
    let infer: InferRequest | Response;
    try {
      infer = inferRequestOf(body, caller, await modelIds());
    } catch (error) {
      return fromGatewayError(error);
    }
    if (infer instanceof Response) return infer;
    const id = `chatcmpl-${crypto.randomUUID().replaceAll("-", "")}`;
    const created = Math.floor(Date.now() / 1000);
    const options = { timeoutMs: INFER_TIMEOUT_MS, failFast: false, signal: request.signal };
    if (!body.stream) {
      let answer: InferResponse;
      try {
        answer = await deps.gateway.infer(infer, options);
      } catch (error) {
        return fromGatewayError(error);
      }
      record(caller, answer);
      const calls = toolCallsOf(answer.message?.toolCalls ?? []);
      return Response.json({
        id,
        object: "chat.completion",
        created,
        model: answer.model,
        choices: [
          {
            index: 0,
            message: {
              role: "assistant",
              content: answer.message?.content || (calls.length ? null : ""),
              refusal: null,
              ...(calls.length ? { tool_calls: calls.map(({ index: _, ...call }) => call) } : {}),
            },
            finish_reason: FINISH[answer.finishReason] ?? "stop",
            logprobs: null,
          },
        ],
        usage: usageOf(answer),
      });
    }
    return streamChat(deps, caller, infer, options, { id, created, includeUsage: body.stream_options?.include_usage === true, record });
  };

  const embeddings = async (request: Request, raw: unknown): Promise<Response> => {
    const caller = admit(request);
    if (caller instanceof Response) return caller;
    const parsed = v.safeParse(EmbeddingsRequest, raw);
    if (!parsed.success) return invalid(parsed.issues);
    const texts = typeof parsed.output.input === "string" ? [parsed.output.input] : parsed.output.input;
    const model = parsed.output.model && parsed.output.model !== "auto" ? parsed.output.model : "";
    try {
      const answer = await deps.gateway.embed({ texts, model }, { timeoutMs: INFER_TIMEOUT_MS, failFast: false, signal: request.signal });
      // The gateway does not count embedding tokens: a request is counted, its tokens as none.
      deps.tokens.record(caller, { input_tokens: 0, output_tokens: 0, cost_usd: 0 });
      const base64 = parsed.output.encoding_format === "base64";
      return Response.json({
        object: "list",
        model: answer.model,
        data: answer.vectors.map((vector, index) => ({
          object: "embedding",
          index,
          embedding: base64 ? Buffer.from(new Float32Array(vector.values).buffer).toString("base64") : vector.values,
        })),
        usage: { prompt_tokens: 0, total_tokens: 0 },
      });
    } catch (error) {
      return fromGatewayError(error);
    }
  };

  const models = async (request: Request): Promise<Response> => {
    const caller = admit(request);
    if (caller instanceof Response) return caller;
    try {
      const { models } = await deps.gateway.listModels({});
      const data = [
        ...models.map((model) => ({ id: model.id, object: "model", created: 0, owned_by: model.providerId || "aios" })),
        ...Object.keys(LAYERS).map((layer) => ({ id: layer, object: "model", created: 0, owned_by: "aios" })),
      ].filter((model, index, all) => all.findIndex((other) => other.id === model.id) === index);
      return Response.json({ object: "list", data });
    } catch (error) {
      return fromGatewayError(error);
    }
  };

  const hidden = { detail: { hide: true } };
  return app
    .get("/v1/models", ({ request }) => models(request), hidden)
    .post("/v1/chat/completions", ({ request, body }) => chat(request, body), hidden)
    .post("/v1/embeddings", ({ request, body }) => embeddings(request, body), hidden);
}

/** Server-sent events in OpenAI's chunk format, from the gateway's stream; the usage written before [DONE]. */
function streamChat(
  deps: OpenAiDeps,
  caller: ApiCaller,
  infer: InferRequest,
  options: { timeoutMs: number; failFast: boolean; signal: AbortSignal },
  chunk: { id: string; created: number; includeUsage: boolean; record(caller: ApiCaller, response: InferResponse): void },
): Response {
  const encoder = new TextEncoder();
  const stream = new ReadableStream<Uint8Array>({
    async start(controller) {
      const send = (value: unknown) => controller.enqueue(encoder.encode(`data: ${JSON.stringify(value)}\n\n`));
      const piece = (model: string, delta: Record<string, unknown>, finish: string | null = null) =>
        send({ id: chunk.id, object: "chat.completion.chunk", created: chunk.created, model, choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }] });
      let model = infer.model || "auto";
      let first = true;
      let calls = 0;
      try {
        for await (const part of deps.gateway.streamInfer({ request: infer }, options)) {
          if (part.done) {
            model = part.done.model;
            chunk.record(caller, part.done);
            if (first) piece(model, { role: "assistant", content: "" });
            piece(model, {}, FINISH[part.done.finishReason] ?? "stop");
            if (chunk.includeUsage) send({ id: chunk.id, object: "chat.completion.chunk", created: chunk.created, model, choices: [], usage: usageOf(part.done) });
            break;
          }
          const delta: Record<string, unknown> = first ? { role: "assistant" } : {};
          if (part.delta) delta.content = part.delta;
          if (part.toolCalls.length) delta.tool_calls = toolCallsOf(part.toolCalls).map((call) => ({ ...call, index: calls++ }));
          if (Object.keys(delta).length === 0) continue;
          first = false;
          piece(model, delta);
        }
      } catch (error) {
        // Headers are sent: the failure is said in the stream, as OpenAI's API does.
        const message = error instanceof AiosError ? error.message : `the gateway failed: ${(error as Error).message}`;
        send({ error: { message, type: "api_error", param: null, code: error instanceof AiosError ? error.code : "api_error" } });
      }
      controller.enqueue(encoder.encode("data: [DONE]\n\n"));
      controller.close();
    },
  });
  return new Response(stream, { headers: { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache", "x-accel-buffering": "no" } });
}
