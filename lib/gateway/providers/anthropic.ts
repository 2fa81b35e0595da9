/**
 * @module lib/gateway/providers/anthropic
 * Chat through `@anthropic-ai/sdk` (the messages API). System messages become the system
 * prompt; tool results become tool_result blocks of a user turn. A JSON schema is enforced the
 * way Anthropic documents for structured output: a tool whose input_schema is the schema, which
 * the model is made to call (or, when other tools are offered, may call instead of them); its
 * input is the answer.
 */
import type Anthropic from "@anthropic-ai/sdk";
import type { MessageCreateParamsBase, MessageParam, RawMessageStreamEvent } from "@anthropic-ai/sdk/resources/messages";
import { ChatRole, FinishReason, type ToolCall } from "../../rpc/gen/aios/v1/gateway.ts";
import { type ChatAnswer, type ChatCall, type ChatChunk, type ChatProvider, finishFromAnthropic, parametersOf, ToolNames } from "./types.ts";

/** The tool that carries a structured answer. */
const ANSWER_TOOL = "json_answer";

export interface AnthropicProviderOptions {
  baseURL: string;
  apiKey: string;
  timeoutMs: number;
}

export class AnthropicProvider implements ChatProvider {
  private sdkClient?: Promise<Anthropic>;

  constructor(private readonly options: AnthropicProviderOptions) {}

  /** The SDK loads on the first call: a gateway with no Anthropic model never pays for its ~1.6 MB of modules. */
  private client(): Promise<Anthropic> {
    const { apiKey, baseURL, timeoutMs } = this.options;
    this.sdkClient ??= import("@anthropic-ai/sdk").then(({ default: Sdk }) => new Sdk({ apiKey: apiKey || "none", ...(baseURL ? { baseURL } : {}), maxRetries: 0, timeout: timeoutMs }));
    return this.sdkClient;
  }

  async complete(call: ChatCall): Promise<ChatAnswer> {
    const names = ToolNames.forCall(call);
    const message = await (await this.client()).messages.create({ ...this.params(call, names), stream: false }, { signal: call.signal });
    let text = "";
    const toolCalls: ToolCall[] = [];
    for (const block of message.content) {
      if (block.type === "text") text += block.text;
      else if (block.type === "tool_use") {
        if (call.jsonSchema && block.name === ANSWER_TOOL) text = JSON.stringify(block.input);
        else toolCalls.push({ id: block.id, name: names.original(block.name), argumentsJson: JSON.stringify(block.input ?? {}) });
      }
    }
    return answer(call, text, toolCalls, message.stop_reason, message.usage.input_tokens, message.usage.output_tokens);
  }

  async *stream(call: ChatCall): AsyncIterable<ChatChunk> {
    const names = ToolNames.forCall(call);
    const events = await (await this.client()).messages.create({ ...this.params(call, names), stream: true }, { signal: call.signal });
    let text = "";
    let inputTokens = 0;
    let outputTokens = 0;
    let stopReason: string | null = null;
    const blocks = new Map<number, { id: string; name: string; json: string }>();
    const toolCalls: ToolCall[] = [];
    for await (const event of events as AsyncIterable<RawMessageStreamEvent>) {
      switch (event.type) {
        case "message_start":
          inputTokens = event.message.usage.input_tokens;
          outputTokens = event.message.usage.output_tokens;
          break;
        case "content_block_start":
          if (event.content_block.type === "tool_use") blocks.set(event.index, { id: event.content_block.id, name: event.content_block.name, json: "" });
          break;
        case "content_block_delta":
          if (event.delta.type === "text_delta") {
            text += event.delta.text;
            yield { delta: event.delta.text, toolCalls: [] };
          } else if (event.delta.type === "input_json_delta") {
            const block = blocks.get(event.index);
            if (block) block.json += event.delta.partial_json;
          }
          break;
        case "content_block_stop": {
          const block = blocks.get(event.index);
          if (!block) break;
          blocks.delete(event.index);
          if (call.jsonSchema && block.name === ANSWER_TOOL) {
            // The structured answer streams as the answer tool's input: it is the text.
            const json = block.json || "{}";
            text += json;
            yield { delta: json, toolCalls: [] };
          } else {
            const toolCall = { id: block.id, name: names.original(block.name), argumentsJson: block.json || "{}" };
            toolCalls.push(toolCall);
            yield { delta: "", toolCalls: [toolCall] };
          }
          break;
        }
        case "message_delta":
          stopReason = event.delta.stop_reason ?? stopReason;
          outputTokens = event.usage.output_tokens;
          if (event.usage.input_tokens) inputTokens = event.usage.input_tokens;
          break;
        default:
          break;
      }
    }
    yield { done: answer(call, text, toolCalls, stopReason, inputTokens, outputTokens) };
  }

  private params(call: ChatCall, names: ToolNames): MessageCreateParamsBase {
    const system = call.messages
      .filter((m) => m.role === ChatRole.CHAT_ROLE_SYSTEM)
      .map((m) => m.content)
      .join("\n\n");
    const tools = call.tools.map((tool) => ({ name: names.wire(tool.name), description: tool.description, input_schema: parametersOf(tool) as Anthropic.Tool.InputSchema }));
    if (call.jsonSchema) tools.push({ name: ANSWER_TOOL, description: "Give the answer, as this tool's input.", input_schema: call.jsonSchema as Anthropic.Tool.InputSchema });
    return {
      model: call.model,
      max_tokens: call.maxTokens,
      messages: toAnthropicMessages(call, names),
      ...(system ? { system } : {}),
      ...(call.temperature !== undefined ? { temperature: call.temperature } : {}),
      ...(call.stop.length ? { stop_sequences: [...call.stop] } : {}),
      ...(tools.length ? { tools } : {}),
      ...(call.jsonSchema ? { tool_choice: call.tools.length ? { type: "any" as const } : { type: "tool" as const, name: ANSWER_TOOL } } : {}),
    };
  }
}

function answer(call: ChatCall, text: string, toolCalls: ToolCall[], stopReason: string | null, inputTokens: number, outputTokens: number): ChatAnswer {
  // A forced answer tool ends in stop_reason "tool_use", but for the caller it is an answer.
  const finish = toolCalls.length ? FinishReason.FINISH_REASON_TOOL_CALLS : call.jsonSchema && stopReason === "tool_use" ? FinishReason.FINISH_REASON_STOP : finishFromAnthropic(stopReason);
  return { text, toolCalls, finish, inputTokens, outputTokens };
}

/** Anthropic wants user and assistant turns; consecutive tool results share one user turn. */
function toAnthropicMessages(call: ChatCall, names: ToolNames): MessageParam[] {
  const out: MessageParam[] = [];
  for (const message of call.messages) {
    if (message.role === ChatRole.CHAT_ROLE_SYSTEM) continue;
    if (message.role === ChatRole.CHAT_ROLE_ASSISTANT) {
      const content: Anthropic.ContentBlockParam[] = [];
      if (message.content) content.push({ type: "text", text: message.content });
      for (const toolCall of message.toolCalls) content.push({ type: "tool_use", id: toolCall.id, name: names.wire(toolCall.name), input: JSON.parse(toolCall.argumentsJson || "{}") });
      out.push({ role: "assistant", content });
      continue;
    }
    const block: Anthropic.ContentBlockParam =
      message.role === ChatRole.CHAT_ROLE_TOOL ? { type: "tool_result", tool_use_id: message.toolCallId, content: message.content } : { type: "text", text: message.content };
    const last = out.at(-1);
    if (last?.role === "user" && Array.isArray(last.content)) last.content.push(block);
    else out.push({ role: "user", content: [block] });
  }
  return out;
}
