/**
 * @module lib/gateway/providers/openai
 * Chat through the `openai` SDK: OpenAI itself, any OpenAI-compatible endpoint (vLLM, Ollama,
 * a remote llama-server) and the gateway's own llama-server children (over their Unix socket).
 * A JSON schema goes as `response_format: json_schema` (llama-server turns it into a grammar);
 * tools as functions. The SDK's own retries are off: the router retries, honouring Retry-After.
 */
import type OpenAI from "openai";
import type { ChatCompletionChunk, ChatCompletionCreateParamsBase, ChatCompletionMessageParam } from "openai/resources/chat/completions";
import { ChatRole, FinishReason, type ToolCall } from "../../rpc/gen/aios/v1/gateway.ts";
import { type ChatAnswer, type ChatCall, type ChatChunk, type ChatProvider, finishFromOpenAI, parametersOf, ToolNames } from "./types.ts";

export interface OpenAIProviderOptions {
  baseURL: string;
  apiKey: string;
  timeoutMs: number;
  /** Replaces fetch (the local models are reached over a Unix socket). */
  fetch?: typeof fetch;
}

export class OpenAIProvider implements ChatProvider {
  private sdkClient?: Promise<OpenAI>;

  constructor(private readonly options: OpenAIProviderOptions) {}

  /** The SDK loads on the first call: a gateway with no model never pays for its ~1.4 MB of modules. */
  private client(): Promise<OpenAI> {
    const { apiKey, baseURL, timeoutMs, fetch } = this.options;
    this.sdkClient ??= import("openai").then(({ default: Sdk }) => new Sdk({ apiKey: apiKey || "none", baseURL, maxRetries: 0, timeout: timeoutMs, ...(fetch ? { fetch: fetch as never } : {}) }));
    return this.sdkClient;
  }

  async complete(call: ChatCall): Promise<ChatAnswer> {
    const names = ToolNames.forCall(call);
    const response = await (await this.client()).chat.completions.create({ ...this.params(call, names), stream: false }, { signal: call.signal });
    const choice = response.choices[0];
    const toolCalls: ToolCall[] = (choice?.message.tool_calls ?? []).flatMap((toolCall) =>
      toolCall.type === "function" ? [{ id: toolCall.id, name: names.original(toolCall.function.name), argumentsJson: toolCall.function.arguments || "{}" }] : [],
    );
    return {
      text: choice?.message.content ?? "",
      toolCalls,
      finish: toolCalls.length ? FinishReason.FINISH_REASON_TOOL_CALLS : finishFromOpenAI(choice?.finish_reason),
      inputTokens: response.usage?.prompt_tokens ?? 0,
      outputTokens: response.usage?.completion_tokens ?? 0,
    };
  }

  async *stream(call: ChatCall): AsyncIterable<ChatChunk> {
    const names = ToolNames.forCall(call);
    const stream = await (await this.client()).chat.completions.create({ ...this.params(call, names), stream: true, stream_options: { include_usage: true } }, { signal: call.signal });
    let text = "";
    let finish: string | null = null;
    let inputTokens = 0;
    let outputTokens = 0;
    const partial = new Map<number, { id: string; name: string; arguments: string }>();
    const completed: ToolCall[] = [];
    const complete = (): ToolCall[] => {
      const done = [...partial.values()].map((p) => ({ id: p.id, name: names.original(p.name), argumentsJson: p.arguments || "{}" }));
      partial.clear();
      completed.push(...done);
      return done;
    };
    for await (const chunk of stream as AsyncIterable<ChatCompletionChunk>) {
      if (chunk.usage) {
        inputTokens = chunk.usage.prompt_tokens;
        outputTokens = chunk.usage.completion_tokens;
      }
      const choice = chunk.choices[0];
      if (!choice) continue;
      const delta = choice.delta.content ?? "";
      for (const toolDelta of choice.delta.tool_calls ?? []) {
        const entry = partial.get(toolDelta.index) ?? { id: "", name: "", arguments: "" };
        if (toolDelta.id) entry.id = toolDelta.id;
        if (toolDelta.function?.name) entry.name += toolDelta.function.name;
        if (toolDelta.function?.arguments) entry.arguments += toolDelta.function.arguments;
        partial.set(toolDelta.index, entry);
      }
      if (choice.finish_reason) finish = choice.finish_reason;
      const toolCalls = choice.finish_reason ? complete() : [];
      if (delta || toolCalls.length) {
        text += delta;
        yield { delta, toolCalls };
      }
    }
    const rest = complete();
    if (rest.length) yield { delta: "", toolCalls: rest };
    yield {
      done: {
        text,
        toolCalls: completed,
        finish: completed.length ? FinishReason.FINISH_REASON_TOOL_CALLS : finishFromOpenAI(finish),
        inputTokens,
        outputTokens,
      },
    };
  }

  private params(call: ChatCall, names: ToolNames): ChatCompletionCreateParamsBase {
    return {
      model: call.model,
      messages: call.messages.map((message) => toOpenAIMessage(message, names)),
      max_tokens: call.maxTokens,
      ...(call.temperature !== undefined ? { temperature: call.temperature } : {}),
      ...(call.stop.length ? { stop: [...call.stop] } : {}),
      ...(call.tools.length
        ? { tools: call.tools.map((tool) => ({ type: "function" as const, function: { name: names.wire(tool.name), description: tool.description, parameters: parametersOf(tool) } })) }
        : {}),
      ...(call.jsonSchema ? { response_format: { type: "json_schema" as const, json_schema: { name: "answer", schema: call.jsonSchema, strict: true } } } : {}),
    };
  }
}

function toOpenAIMessage(message: ChatCall["messages"][number], names: ToolNames): ChatCompletionMessageParam {
  switch (message.role) {
    case ChatRole.CHAT_ROLE_SYSTEM:
      return { role: "system", content: message.content };
    case ChatRole.CHAT_ROLE_ASSISTANT:
      return {
        role: "assistant",
        content: message.content || null,
        ...(message.toolCalls.length
          ? {
              tool_calls: message.toolCalls.map((toolCall) => ({
                id: toolCall.id,
                type: "function" as const,
                function: { name: names.wire(toolCall.name), arguments: toolCall.argumentsJson || "{}" },
              })),
            }
          : {}),
      };
    case ChatRole.CHAT_ROLE_TOOL:
      return { role: "tool", tool_call_id: message.toolCallId, content: message.content };
    default:
      return { role: "user", content: message.content };
  }
}
