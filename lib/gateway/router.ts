/**
 * @module lib/gateway/router
 * One model call, from a checked request to an answer: the layer's chain of models is walked
 * in order, passing over models that cannot answer now (GGUF missing, no key, circuit open,
 * over budget, prompt too long for their context, queue full) and retrying each with backoff
 * on 429/5xx/network errors before moving on. Deterministic requests are answered from the
 * cache when they can be; every model call is written to the usage ledger before its answer is
 * returned; a structured answer is checked against the caller's schema, and one that does not
 * match counts as that model failing.
 */
import { existsSync } from "node:fs";
import type * as v from "valibot";
import { AiosError, failedPrecondition, invalidArgument, notFound, unavailable } from "../rpc/index.ts";
import type { Logger } from "../log/index.ts";
import { type ChatMessage, type InferRequest, type InferResponse, InferPriority, ModelProvider, type SkippedModel, type ToolCall, type ToolDefinition } from "../rpc/gen/aios/v1/gateway.ts";
import { cacheKey, type ResponseCache } from "./cache.ts";
import { checkAnswer } from "./json-schema.ts";
import type { ChatAnswer, ChatCall, ChatChunk } from "./providers/types.ts";
import { classifyProviderError } from "./providers/types.ts";
import { QueueFullError } from "./queue.ts";
import { type ChatLayer, type ModelEntry, PROTO_LAYER, type Registry } from "./registry.ts";
import { type CallFailure, RetriesExhausted, type RetryPolicy, withRetries } from "./retry.ts";
import type { UsageLedger } from "./usage.ts";

/** A request after the service checked it. */
export interface CheckedRequest {
  layer: ChatLayer;
  model: string;
  messages: ChatMessage[];
  tools: ToolDefinition[];
  jsonSchema: Record<string, unknown> | null;
  validator: v.GenericSchema<unknown, unknown> | null;
  maxTokens: number;
  temperature: number | undefined;
  stop: string[];
  priority: InferPriority;
  noCache: boolean;
  goalId: string;
  taskId: string;
  purpose: string;
  /** UTF-8 bytes of everything sent to the model. */
  promptBytes: number;
}

export interface RouterOptions {
  registry: Registry;
  cache: ResponseCache<InferResponse>;
  ledger: UsageLedger;
  retry: RetryPolicy;
  monthlyBudgetUsd: number;
  requestTimeoutMs: number;
  log: Logger;
}

/** Tokens are estimated from bytes to refuse prompts that cannot fit, before calling anything.
 * 4 bytes per token is on the generous side for BPE tokenizers, so nothing that fits is refused. */
const BYTES_PER_TOKEN_ESTIMATE = 4;

/** Why a model was passed over, and whether that is the caller's configuration, budget or an outage. */
type SkipKind = "missing" | "budget" | "busy" | "outage" | "size";
interface Skip extends SkippedModel {
  kind: SkipKind;
}

export class Router {
  constructor(private readonly options: RouterOptions) {}

  /** The chain a request walks: one named model, or the layer's chain. */
  chainFor(request: CheckedRequest): ModelEntry[] {
    if (request.model) {
      const entry = this.options.registry.models.get(request.model);
      if (!entry) throw notFound(`no model has the id "${request.model}": ListModels shows the configured ones`);
      if (entry.layer === "embedding") throw invalidArgument("model", `"${request.model}" is an embedding model; use Embed`);
      return [entry];
    }
    const chain = this.options.registry.chains[request.layer];
    if (chain.length === 0) throw failedPrecondition(`no model is configured for the ${request.layer} layer: add one under [[gateway.models]] in aios.toml`);
    return chain;
  }

  async infer(request: CheckedRequest, callerSignal: AbortSignal): Promise<InferResponse> {
    const started = performance.now();
    const chain = this.chainFor(request);
    const key = this.cacheable(request) ? cacheKey({ chain: chain.map((entry) => entry.id), ...this.cacheFields(request) }) : null;
    if (key) {
      const hit = this.options.cache.get(key);
      if (hit) return { ...hit, cached: true, latencyMs: Math.round(performance.now() - started), queueWaitMs: 0, skipped: [], usage: { inputTokens: 0, outputTokens: 0, costUsd: 0, requests: 0 } };
    }
    const signal = AbortSignal.any([callerSignal, AbortSignal.timeout(this.options.requestTimeoutMs)]);
    const skipped: Skip[] = [];
    for (const entry of chain) {
      if (!this.usable(entry, request, skipped)) continue;
      try {
        const { answer, waitMs } = await this.callWithRetries(entry, request, signal, async (call) => {
          if (!entry.local) return { answer: await entry.chat.complete(call), waitMs: 0 };
          return entry.local.use(async () => {
            const { value, waitMs } = await entry.local!.queue.run(request.priority, signal, () => entry.chat.complete(call));
            return { answer: value, waitMs };
          });
        });
        const response = this.finish(entry, request, answer, started, waitMs, skipped);
        if (request.validator) {
          const verdict = checkAnswer(request.validator, answer.text);
          if ("problem" in verdict) {
            entry.circuit.released();
            skipped.push({ model: entry.id, reason: verdict.problem, kind: "outage" });
            this.options.log.warn("a model's answer did not match the requested schema", { model: entry.id, problem: verdict.problem, goal_id: request.goalId, task_id: request.taskId });
            continue;
          }
        }
        entry.circuit.succeeded();
        if (key) this.options.cache.set(key, response);
        return response;
      } catch (error) {
        if (signal.aborted) throw callerSignal.aborted ? error : unavailable(`no answer within gateway.request_timeout_ms (${this.options.requestTimeoutMs} ms)`);
        skipped.push(this.failure(entry, error));
      }
    }
    throw this.exhausted(request, chain, skipped);
  }

  /** The same walk, answered piece by piece; once text has been sent it cannot fall back. */
  async *stream(request: CheckedRequest, callerSignal: AbortSignal): AsyncIterable<{ delta: string; toolCalls: ToolCall[] } | { done: InferResponse }> {
    const started = performance.now();
    const chain = this.chainFor(request);
    const key = this.cacheable(request) ? cacheKey({ chain: chain.map((entry) => entry.id), ...this.cacheFields(request) }) : null;
    const hit = key ? this.options.cache.get(key) : undefined;
    if (hit) {
      yield { delta: hit.message?.content ?? "", toolCalls: hit.message?.toolCalls ?? [] };
      yield { done: { ...hit, cached: true, latencyMs: Math.round(performance.now() - started), queueWaitMs: 0, skipped: [], usage: { inputTokens: 0, outputTokens: 0, costUsd: 0, requests: 0 } } };
      return;
    }
    const signal = AbortSignal.any([callerSignal, AbortSignal.timeout(this.options.requestTimeoutMs)]);
    const skipped: Skip[] = [];
    for (const entry of chain) {
      if (!this.usable(entry, request, skipped)) continue;
      let endUse: (() => void) | null = null;
      let slot: { waitMs: number; release: () => void } | null = null;
      let sent = false;
      try {
        const opened = await this.callWithRetries(
          entry,
          request,
          signal,
          async (call) => {
            if (entry.local) {
              endUse = await entry.local.begin();
              slot = await entry.local.queue.hold(request.priority, signal);
            }
            const iterator = entry.chat.stream(call)[Symbol.asyncIterator]();
            // The first piece proves the model answers; failures before it are retried.
            const first = await iterator.next();
            return { iterator, first, waitMs: (slot as { waitMs: number } | null)?.waitMs ?? 0 };
          },
          () => {
            (slot as { release: () => void } | null)?.release();
            (endUse as (() => void) | null)?.();
            slot = null;
            endUse = null;
          },
        );
        let result = opened.first;
        let answer: ChatAnswer | null = null;
        while (!result.done) {
          const chunk: ChatChunk = result.value;
          if ("done" in chunk) answer = chunk.done;
          else {
            sent = true;
            yield chunk;
          }
          result = await opened.iterator.next();
        }
        if (!answer) throw new Error("the model's stream ended without a final message");
        const response = this.finish(entry, request, answer, started, opened.waitMs, skipped);
        if (request.validator) {
          const verdict = checkAnswer(request.validator, answer.text);
          if ("problem" in verdict) throw unavailable(`${entry.id}: ${verdict.problem}`);
        }
        entry.circuit.succeeded();
        if (key) this.options.cache.set(key, response);
        yield { done: response };
        return;
      } catch (error) {
        if (sent || error instanceof AiosError) {
          entry.circuit.released();
          throw error instanceof AiosError ? error : unavailable(`${entry.id} failed in the middle of its answer: ${(error as Error).message}`);
        }
        if (signal.aborted) throw callerSignal.aborted ? error : unavailable(`no answer within gateway.request_timeout_ms (${this.options.requestTimeoutMs} ms)`);
        skipped.push(this.failure(entry, error));
      } finally {
        (slot as { release: () => void } | null)?.release();
        (endUse as (() => void) | null)?.();
      }
    }
    throw this.exhausted(request, chain, skipped);
  }

  private cacheable(request: CheckedRequest): boolean {
    return this.options.cache.enabled && !request.noCache && request.temperature === 0;
  }

  private cacheFields(request: CheckedRequest) {
    return { messages: request.messages, tools: request.tools, schema: request.jsonSchema, maxTokens: request.maxTokens, temperature: request.temperature, stop: request.stop };
  }

  /** Can this model take the request now? If not, say why in skipped. */
  private usable(entry: ModelEntry, request: CheckedRequest, skipped: Skip[]): boolean {
    const skip = (reason: string, kind: SkipKind) => {
      skipped.push({ model: entry.id, reason, kind });
      return false;
    };
    const tokens = Math.ceil(request.promptBytes / BYTES_PER_TOKEN_ESTIMATE);
    if (tokens >= entry.contextSize) return skip(`the prompt is about ${tokens} tokens, more than its context of ${entry.contextSize}`, "size");
    if (entry.unusable) return skip(entry.unusable, "missing");
    // A missing GGUF may have been copied in since: then ensureReady starts it.
    if (entry.local?.state === "unavailable" && !existsSync(entry.local.spec.path)) return skip(entry.local.error, "missing");
    if (entry.kind !== ModelProvider.MODEL_PROVIDER_LOCAL) {
      const over = this.overBudget(entry);
      if (over) return skip(over, "budget");
    }
    if (!entry.circuit.tryAcquire()) return skip(entry.circuit.describe(), "outage");
    return true;
  }

  /** Why a cloud model may not spend more this month, or null. */
  overBudget(entry: ModelEntry): string | null {
    if (entry.providerBudgetUsd > 0) {
      const spent = this.options.ledger.spentThisMonth(entry.providerId);
      if (spent >= entry.providerBudgetUsd) return `over budget: ${entry.providerId} spent $${spent.toFixed(4)} of its $${entry.providerBudgetUsd} this month`;
    }
    if (this.options.monthlyBudgetUsd > 0) {
      const spent = this.options.ledger.spentThisMonth(null);
      if (spent >= this.options.monthlyBudgetUsd) return `over budget: cloud models spent $${spent.toFixed(4)} of gateway.monthly_budget_usd ($${this.options.monthlyBudgetUsd}) this month`;
    }
    return null;
  }

  private async callWithRetries<T>(entry: ModelEntry, request: CheckedRequest, signal: AbortSignal, call: (call: ChatCall) => Promise<T>, cleanup?: () => void): Promise<T> {
    const chatCall: ChatCall = {
      model: entry.remoteName,
      messages: request.messages,
      tools: request.tools,
      jsonSchema: request.jsonSchema,
      maxTokens: Math.min(request.maxTokens || entry.maxTokens, Math.max(1, entry.contextSize - Math.ceil(request.promptBytes / BYTES_PER_TOKEN_ESTIMATE))),
      temperature: request.temperature,
      stop: request.stop,
      signal,
    };
    return withRetries(
      async (attempt) => {
        if (attempt > 0) this.options.log.info("retrying a model call", { model: entry.id, attempt, goal_id: request.goalId, task_id: request.taskId });
        try {
          return await call(chatCall);
        } catch (error) {
          cleanup?.();
          throw error;
        }
      },
      (error) => this.classify(error),
      this.options.retry,
      signal,
    );
  }

  private classify(error: unknown): CallFailure {
    if (error instanceof QueueFullError) return { retryable: false, modelFault: false, message: `queue full: ${error.message}` };
    if (error instanceof AiosError) {
      // From the local model's lifecycle: missing file (configuration), or it failed to start.
      return { retryable: false, modelFault: error.code !== "failed_precondition", message: error.message };
    }
    return classifyProviderError(error);
  }

  private failure(entry: ModelEntry, error: unknown): Skip {
    const failure = error instanceof RetriesExhausted ? error.failure : this.classify(error);
    const attempts = error instanceof RetriesExhausted && error.attempts > 1 ? ` (after ${error.attempts} attempts)` : "";
    if (failure.modelFault) entry.circuit.failed(failure.message, failure.retryAfterMs !== undefined && failure.retryAfterMs > this.options.retry.maxMs ? failure.retryAfterMs : undefined);
    else entry.circuit.released();
    this.options.log.warn("a model did not answer; trying the next of the chain", { model: entry.id, error: failure.message });
    const kind: SkipKind = error instanceof QueueFullError ? "busy" : error instanceof AiosError && error.code === "failed_precondition" ? "missing" : "outage";
    return { model: entry.id, reason: `${failure.message}${attempts}`, kind };
  }

  /** No model answered: the status says whose problem it is. */
  private exhausted(request: CheckedRequest, chain: ModelEntry[], skipped: Skip[]): AiosError {
    const what = request.model ? `model ${request.model}` : `the ${request.layer} layer (${chain.map((entry) => entry.id).join(", ")})`;
    const reasons = skipped.map((skip) => `${skip.model}: ${skip.reason}`).join("; ");
    const every = (kind: SkipKind) => skipped.length > 0 && skipped.every((skip) => skip.kind === kind);
    const details = { skipped: JSON.stringify(skipped.map(({ model, reason }) => ({ model, reason }))) };
    if (every("size")) return new AiosError("invalid_argument", `invalid messages: the prompt is too long for every model of ${what}: ${reasons}`, { field: "messages", details });
    if (every("budget")) return new AiosError("resource_exhausted", `no model of ${what} may spend more this month: ${reasons}`, { details });
    if (skipped.length > 0 && skipped.every((skip) => skip.kind === "busy" || skip.kind === "budget"))
      return new AiosError("resource_exhausted", `every model of ${what} is busy or over budget; try again later: ${reasons}`, { details });
    if (skipped.every((skip) => skip.kind === "missing" || skip.kind === "size")) return new AiosError("failed_precondition", `no model of ${what} can answer: ${reasons}`, { details });
    return new AiosError("unavailable", `no model of ${what} answered: ${reasons}`, { details });
  }

  /** The response, with usage written to the ledger first (durable before acknowledged). */
  private finish(entry: ModelEntry, request: CheckedRequest, answer: ChatAnswer, started: number, waitMs: number, skipped: Skip[]): InferResponse {
    const latencyMs = performance.now() - started;
    const costUsd = (answer.inputTokens * entry.inputUsdPerMtok + answer.outputTokens * entry.outputUsdPerMtok) / 1_000_000;
    this.options.ledger.record({
      time: Date.now(),
      providerId: entry.providerId,
      model: entry.id,
      layer: entry.layer,
      inputTokens: answer.inputTokens,
      outputTokens: answer.outputTokens,
      costUsd,
      latencyMs,
      waitMs,
      goalId: request.goalId,
      taskId: request.taskId,
      purpose: request.purpose,
    });
    entry.lastUsedAt = Date.now();
    return {
      message: { role: 3, content: answer.text, toolCalls: answer.toolCalls, toolCallId: "" },
      finishReason: answer.finish,
      model: entry.id,
      provider: entry.kind,
      layer: PROTO_LAYER[entry.layer],
      usage: { inputTokens: answer.inputTokens, outputTokens: answer.outputTokens, costUsd, requests: 1 },
      latencyMs: Math.round(latencyMs),
      cached: false,
      skipped: skipped.map(({ model, reason }) => ({ model, reason })),
      queueWaitMs: Math.round(waitMs),
    };
  }
}

export { InferPriority };
export type { InferRequest };
