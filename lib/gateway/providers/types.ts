/**
 * @module lib/gateway/providers/types
 * What every model provider (llama-server, OpenAI-compatible, Anthropic) is given and gives
 * back, in the proto's own message types, and the helpers they share: tool-name mapping and
 * error classification.
 */
import { type ChatMessage, FinishReason, type ToolCall, type ToolDefinition } from "../../rpc/gen/aios/v1/gateway.ts";
import type { CallFailure } from "../retry.ts";
import { retryAfterMs } from "../retry.ts";

export interface ChatCall {
  /** The model's name at the provider. */
  model: string;
  messages: readonly ChatMessage[];
  tools: readonly ToolDefinition[];
  /** The answer must be JSON matching this schema. */
  jsonSchema: Record<string, unknown> | null;
  maxTokens: number;
  temperature: number | undefined;
  stop: readonly string[];
  signal: AbortSignal;
}

export interface ChatAnswer {
  text: string;
  toolCalls: ToolCall[];
  finish: FinishReason;
  inputTokens: number;
  outputTokens: number;
}

export type ChatChunk = { delta: string; toolCalls: ToolCall[] } | { done: ChatAnswer };

export interface ChatProvider {
  complete(call: ChatCall): Promise<ChatAnswer>;
  stream(call: ChatCall): AsyncIterable<ChatChunk>;
}

/**
 * Providers accept only [a-zA-Z0-9_-]{1,64} as function names; AIOS tools are "fs.read". Each
 * call maps names one to one (fs.read → fs_read, a clash gets a suffix) and maps them back in
 * the model's tool calls.
 */
export class ToolNames {
  private readonly toWireMap = new Map<string, string>();
  private readonly fromWireMap = new Map<string, string>();

  constructor(names: Iterable<string>) {
    for (const name of names) this.wire(name);
  }

  wire(name: string): string {
    const known = this.toWireMap.get(name);
    if (known) return known;
    const base = name.replace(/[^a-zA-Z0-9_-]/g, "_").slice(0, 60) || "tool";
    let candidate = base;
    for (let i = 2; this.fromWireMap.has(candidate); i++) candidate = `${base}_${i}`;
    this.toWireMap.set(name, candidate);
    this.fromWireMap.set(candidate, name);
    return candidate;
  }

  original(wireName: string): string {
    return this.fromWireMap.get(wireName) ?? wireName;
  }

  static forCall(call: ChatCall): ToolNames {
    return new ToolNames([...call.tools.map((tool) => tool.name), ...call.messages.flatMap((message) => message.toolCalls.map((toolCall) => toolCall.name))]);
  }
}

/** A tool's parameters as a JSON Schema object (checked at the RPC boundary). */
export const parametersOf = (tool: ToolDefinition): Record<string, unknown> =>
  tool.parametersJson.trim() ? (JSON.parse(tool.parametersJson) as Record<string, unknown>) : { type: "object", properties: {} };

/** What an SDK error means for retries and the circuit breaker (both SDKs share the shape). */
export function classifyProviderError(error: unknown): CallFailure {
  const e = error as { status?: unknown; headers?: Headers; message?: string; name?: string };
  const message = e?.message ?? String(error);
  if (e?.name === "AbortError" || /aborted/i.test(e?.name ?? "")) return { retryable: false, modelFault: false, message };
  if (typeof e?.status === "number") {
    const status = e.status;
    const retryable = status === 408 || status === 409 || status === 429 || status >= 500;
    return { retryable, modelFault: retryable, retryAfterMs: retryAfterMs(e.headers), message: `HTTP ${status}: ${message.replace(/^\d{3}\s*/, "")}` };
  }
  // No status: the connection failed or timed out.
  return { retryable: true, modelFault: true, message: `no answer: ${message}` };
}

export const finishFromOpenAI = (reason: string | null | undefined): FinishReason =>
  reason === "length"
    ? FinishReason.FINISH_REASON_LENGTH
    : reason === "tool_calls" || reason === "function_call"
      ? FinishReason.FINISH_REASON_TOOL_CALLS
      : reason === "content_filter"
        ? FinishReason.FINISH_REASON_CONTENT_FILTER
        : FinishReason.FINISH_REASON_STOP;

export const finishFromAnthropic = (reason: string | null | undefined): FinishReason =>
  reason === "max_tokens"
    ? FinishReason.FINISH_REASON_LENGTH
    : reason === "tool_use"
      ? FinishReason.FINISH_REASON_TOOL_CALLS
      : reason === "refusal"
        ? FinishReason.FINISH_REASON_CONTENT_FILTER
        : FinishReason.FINISH_REASON_STOP;
