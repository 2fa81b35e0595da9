/**
 * Test support: a scripted model server on loopback. It speaks the OpenAI chat-completions and
 * Anthropic messages wire formats (JSON and server-sent-event streams, text and tool calls,
 * provider-shaped errors with Retry-After), answers each request with the next reply of its
 * script, and records every request it received, so a test can drive the real SDKs through
 * the gateway and then check exactly what was sent.
 */
import type { Server } from "bun";

export type ScriptedReply =
  /** A text answer. */
  | { text: string; inputTokens?: number; outputTokens?: number; delayMs?: number }
  /** Tool calls (function calls), optionally with text before them. */
  | { toolCalls: { name: string; arguments: Record<string, unknown> }[]; text?: string; delayMs?: number }
  /** An HTTP error in the provider's own error shape. */
  | { status: number; message?: string; retryAfterSeconds?: number; delayMs?: number };

export interface RecordedRequest {
  api: "openai" | "anthropic";
  path: string;
  headers: Record<string, string>;
  body: Record<string, unknown>;
  /** When it arrived (Date.now()). */
  at: number;
}

const sse = (chunks: string[]) => new Response(chunks.join(""), { headers: { "content-type": "text/event-stream", "cache-control": "no-cache" } });

export class ScriptedModelServer {
  readonly requests: RecordedRequest[] = [];
  private readonly script: ScriptedReply[] = [];
  private readonly server: Server<undefined>;
  private counter = 0;

  constructor() {
    this.server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: (request) => this.handle(request) });
  }

  /** The base URL for the OpenAI SDK (…/v1) and the Anthropic SDK (without /v1). */
  get openaiBaseUrl(): string {
    return `http://127.0.0.1:${this.server.port}/v1`;
  }
  get anthropicBaseUrl(): string {
    return `http://127.0.0.1:${this.server.port}`;
  }
  get port(): number {
    return this.server.port!;
  }

  enqueue(...replies: ScriptedReply[]): this {
    this.script.push(...replies);
    return this;
  }

  get remaining(): number {
    return this.script.length;
  }

  async close(): Promise<void> {
    await this.server.stop(true);
  }

  private async handle(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const api = url.pathname === "/v1/chat/completions" ? "openai" : url.pathname === "/v1/messages" ? "anthropic" : null;
    if (!api || request.method !== "POST") return Response.json({ error: { message: `no route ${request.method} ${url.pathname}` } }, { status: 404 });
    const body = (await request.json()) as Record<string, unknown>;
    this.requests.push({ api, path: url.pathname, headers: Object.fromEntries(request.headers), body, at: Date.now() });
    const reply = this.script.shift();
    if (!reply) return this.error(api, { status: 500, message: "the scripted model server has no reply left for this request" });
    if (reply.delayMs) await Bun.sleep(reply.delayMs);
    if ("status" in reply) return this.error(api, reply);
    const model = String(body.model ?? "scripted");
    const stream = body.stream === true;
    return api === "openai" ? this.openai(reply, model, stream) : this.anthropic(reply, model, stream);
  }

  private error(api: "openai" | "anthropic", reply: { status: number; message?: string; retryAfterSeconds?: number }): Response {
    const message = reply.message ?? `scripted error ${reply.status}`;
    const headers: Record<string, string> = reply.retryAfterSeconds !== undefined ? { "retry-after": String(reply.retryAfterSeconds) } : {};
    const body =
      api === "openai"
        ? { error: { message, type: reply.status === 429 ? "rate_limit_exceeded" : "server_error", code: null } }
        : { type: "error", error: { type: reply.status === 429 ? "rate_limit_error" : reply.status === 529 ? "overloaded_error" : "api_error", message } };
    return Response.json(body, { status: reply.status, headers });
  }

  private openai(reply: Exclude<ScriptedReply, { status: number }>, model: string, stream: boolean): Response {
    const id = `chatcmpl-${++this.counter}`;
    const created = Math.floor(Date.now() / 1000);
    const text = ("text" in reply ? reply.text : undefined) ?? null;
    const toolCalls =
      "toolCalls" in reply
        ? reply.toolCalls.map((call, i) => ({ id: `call_${this.counter}_${i}`, type: "function" as const, function: { name: call.name, arguments: JSON.stringify(call.arguments) } }))
        : [];
    const finish = toolCalls.length ? "tool_calls" : "stop";
    const usage = {
      prompt_tokens: ("inputTokens" in reply && reply.inputTokens) || 10,
      completion_tokens: ("outputTokens" in reply && reply.outputTokens) || Math.max(1, Math.ceil((text ?? "").length / 4)),
      total_tokens: 0,
    };
    usage.total_tokens = usage.prompt_tokens + usage.completion_tokens;
    if (!stream) {
      return Response.json({
        id,
        object: "chat.completion",
        created,
        model,
        choices: [{ index: 0, message: { role: "assistant", content: text, ...(toolCalls.length ? { tool_calls: toolCalls } : {}), refusal: null }, finish_reason: finish, logprobs: null }],
        usage,
      });
    }
    const chunk = (delta: Record<string, unknown>, finishReason: string | null, extra: Record<string, unknown> = {}) =>
      `data: ${JSON.stringify({ id, object: "chat.completion.chunk", created, model, choices: [{ index: 0, delta, finish_reason: finishReason, logprobs: null }], ...extra })}\n\n`;
    const chunks = [chunk({ role: "assistant", content: "" }, null)];
    // Text in a few pieces, as a model would stream it.
    for (const piece of (text ?? "").match(/.{1,8}/gs) ?? []) chunks.push(chunk({ content: piece }, null));
    toolCalls.forEach((call, index) => {
      chunks.push(chunk({ tool_calls: [{ index, id: call.id, type: "function", function: { name: call.function.name, arguments: "" } }] }, null));
      for (const piece of call.function.arguments.match(/.{1,10}/gs) ?? []) chunks.push(chunk({ tool_calls: [{ index, function: { arguments: piece } }] }, null));
    });
    chunks.push(chunk({}, finish));
    chunks.push(`data: ${JSON.stringify({ id, object: "chat.completion.chunk", created, model, choices: [], usage })}\n\n`, "data: [DONE]\n\n");
    return sse(chunks);
  }

  private anthropic(reply: Exclude<ScriptedReply, { status: number }>, model: string, stream: boolean): Response {
    const id = `msg_${++this.counter}`;
    const text = "text" in reply ? reply.text : undefined;
    const blocks: ({ type: "text"; text: string } | { type: "tool_use"; id: string; name: string; input: Record<string, unknown> })[] = [];
    if (text) blocks.push({ type: "text", text });
    if ("toolCalls" in reply) reply.toolCalls.forEach((call, i) => blocks.push({ type: "tool_use", id: `toolu_${this.counter}_${i}`, name: call.name, input: call.arguments }));
    const stopReason = "toolCalls" in reply ? "tool_use" : "end_turn";
    const usage = {
      input_tokens: ("inputTokens" in reply && reply.inputTokens) || 10,
      output_tokens: ("outputTokens" in reply && reply.outputTokens) || Math.max(1, Math.ceil((text ?? "").length / 4)),
    };
    if (!stream) return Response.json({ id, type: "message", role: "assistant", model, content: blocks, stop_reason: stopReason, stop_sequence: null, usage });
    const event = (name: string, data: Record<string, unknown>) => `event: ${name}\ndata: ${JSON.stringify({ type: name, ...data })}\n\n`;
    const chunks = [
      event("message_start", {
        message: { id, type: "message", role: "assistant", model, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: usage.input_tokens, output_tokens: 1 } },
      }),
    ];
    blocks.forEach((block, index) => {
      if (block.type === "text") {
        chunks.push(event("content_block_start", { index, content_block: { type: "text", text: "" } }));
        for (const piece of block.text.match(/.{1,8}/gs) ?? []) chunks.push(event("content_block_delta", { index, delta: { type: "text_delta", text: piece } }));
      } else {
        chunks.push(event("content_block_start", { index, content_block: { type: "tool_use", id: block.id, name: block.name, input: {} } }));
        for (const piece of JSON.stringify(block.input).match(/.{1,10}/gs) ?? []) chunks.push(event("content_block_delta", { index, delta: { type: "input_json_delta", partial_json: piece } }));
      }
      chunks.push(event("content_block_stop", { index }));
    });
    chunks.push(event("message_delta", { delta: { stop_reason: stopReason, stop_sequence: null }, usage: { output_tokens: usage.output_tokens } }), event("message_stop", {}));
    return sse(chunks);
  }
}
