/**
 * aios-gateway through its real gRPC socket, from the compiled binary: local layers answered
 * by the real llama-server on the tiny GGUF, the strategic layer by the scripted model server
 * through the real Anthropic and OpenAI SDKs; fallback along the chain on 500/429/outage, the
 * circuit breaker, the response cache, structured output checked against the schema, tool calls
 * round-tripped in both cloud formats, streaming, Embed and CountTokens (and aios-memory using
 * them), and bad input refused before any model is called.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FinishReason, ModelProvider, ModelState, type StreamInferResponse } from "../lib/rpc/gen/aios/v1/gateway.ts";
import { MemoryKind, MemoryServiceDefinition, SearchMode } from "../lib/rpc/gen/aios/v1/memory.ts";
import type { ErrorCode } from "../lib/rpc/index.ts";
import { installBinary } from "./support/binary.ts";
import { startComponent } from "./support/component.ts";
import { ChatRole, type GatewayClient, type GatewayProcess, infer, Layer, modelState, startGateway, system, user, writeGatewayConfig } from "./support/gateway.ts";
import { refusal } from "./support/memory.ts";
import { ScriptedModelServer } from "./support/model-server.ts";
import { waitFor } from "./support/wait.ts";

const dir = mkdtempSync(join(tmpdir(), "aios-gateway-"));
const root = join(dir, "root");
const bin = installBinary(dir);
const cloud = new ScriptedModelServer();
let gateway: GatewayProcess;
let client: GatewayClient;

const readFile = { name: "fs.read", description: "Reads a file", parametersJson: JSON.stringify({ type: "object", properties: { path: { type: "string" } }, required: ["path"] }) };
const answerSchema = { type: "object", properties: { ok: { type: "boolean" }, count: { type: "integer", minimum: 0 } }, required: ["ok", "count"], additionalProperties: false };

beforeAll(async () => {
  writeGatewayConfig(root, {
    gateway: { retries: 2, retry_max_ms: 3000, circuit_failures: 3, circuit_open_ms: 1500 },
    layers: { operational: ["operational"], tactical: ["tactical"], strategic: ["claude", "gpt", "tactical"] },
    providers: [
      { id: "anthropic", kind: "anthropic", base_url: cloud.anthropicBaseUrl, api_key: "test-anthropic-key" },
      { id: "openai", kind: "openai", base_url: cloud.openaiBaseUrl, api_key_env: "AIOS_TEST_OPENAI_KEY" },
      // Nothing listens there: connections are refused, as when an endpoint is down.
      { id: "dead", kind: "openai", base_url: "http://127.0.0.1:9/v1", api_key: "k" },
      { id: "keyless", kind: "anthropic", api_key_env: "AIOS_TEST_UNSET_KEY" },
    ],
    models: [
      { id: "operational", layer: "operational", file: "tiny.gguf", context_size: 2048, parallel: 2, always_loaded: true },
      { id: "tactical", layer: "tactical", file: "tiny.gguf", context_size: 1024 },
      { id: "embedder", layer: "embedding", file: "tiny.gguf", context_size: 1024 },
      { id: "absent", layer: "tactical", file: "absent.gguf" },
      { id: "claude", layer: "strategic", provider: "anthropic", name: "claude-test", context_size: 200000, input_usd_per_mtok: 3, output_usd_per_mtok: 15 },
      { id: "gpt", layer: "strategic", provider: "openai", name: "gpt-test", context_size: 128000, input_usd_per_mtok: 1, output_usd_per_mtok: 2 },
      { id: "dead", layer: "strategic", provider: "dead", name: "gone", context_size: 8000 },
      { id: "keyless", layer: "strategic", provider: "keyless", name: "claude-x", context_size: 8000 },
    ],
  });
  gateway = await startGateway(bin, root, { AIOS_TEST_OPENAI_KEY: "test-openai-key" });
  client = gateway.client;
});

afterAll(async () => {
  await gateway?.stop();
  await cloud.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Requests the scripted server got from here on. */
const since = () => {
  const start = cloud.requests.length;
  return () => cloud.requests.slice(start);
};

describe("layers", () => {
  test("the operational layer is answered by its always-loaded local model", async () => {
    const response = await client.infer(infer({ layer: Layer.LAYER_OPERATIONAL, maxTokens: 8, temperature: 0, noCache: true }));
    expect(response.model).toBe("operational");
    expect(response.provider).toBe(ModelProvider.MODEL_PROVIDER_LOCAL);
    expect(response.layer).toBe(Layer.LAYER_OPERATIONAL);
    expect(response.usage!.outputTokens).toBeGreaterThan(0);
    expect(response.usage!.costUsd).toBe(0);
    expect((await modelState(client, "operational")).pid).toBeGreaterThan(0);
  });

  test("the tactical model starts on first use", async () => {
    expect((await modelState(client, "tactical")).state).toBe(ModelState.MODEL_STATE_STOPPED);
    const response = await client.infer(infer({ layer: Layer.LAYER_TACTICAL }));
    expect(response.model).toBe("tactical");
    const model = await modelState(client, "tactical");
    expect(model.state).toBe(ModelState.MODEL_STATE_READY);
    expect(model.pid).toBeGreaterThan(0);
  });

  test("the strategic layer goes to Claude through the Anthropic SDK, with the key and the system prompt", async () => {
    const got = since();
    cloud.enqueue({ text: "Disk usage is fine.", inputTokens: 1000, outputTokens: 200 });
    const response = await client.infer(infer({ layer: Layer.LAYER_STRATEGIC, messages: [system("You operate AIOS."), user("how is the disk?")], maxTokens: 300 }));
    expect(response.message!.content).toBe("Disk usage is fine.");
    expect(response.model).toBe("claude");
    expect(response.provider).toBe(ModelProvider.MODEL_PROVIDER_ANTHROPIC);
    expect(response.usage!.costUsd).toBeCloseTo((1000 * 3 + 200 * 15) / 1e6, 9);
    const [request] = got();
    expect(request!.api).toBe("anthropic");
    // This SDK version sends the key as a bearer token; older ones used x-api-key.
    expect([request!.headers.authorization, request!.headers["x-api-key"]]).toContain(request!.headers.authorization === undefined ? "test-anthropic-key" : "Bearer test-anthropic-key");
    expect(request!.body.model).toBe("claude-test");
    expect(request!.body.system).toBe("You operate AIOS.");
    expect(request!.body.max_tokens).toBe(300);
  });
});

describe("cache", () => {
  test("a deterministic request is answered from the cache the second time; no_cache and other requests are not", async () => {
    const request = infer({ layer: Layer.LAYER_OPERATIONAL, temperature: 0, messages: [user("cache me")], maxTokens: 12 });
    const before = await client.getUsage({});
    const first = await client.infer(request);
    const second = await client.infer(request);
    expect(first.cached).toBe(false);
    expect(second.cached).toBe(true);
    expect(second.message!.content).toBe(first.message!.content);
    expect(second.usage!.requests).toBe(0);
    const bypass = await client.infer({ ...request, noCache: true });
    expect(bypass.cached).toBe(false);
    const other = await client.infer({ ...request, messages: [user("something else")] });
    expect(other.cached).toBe(false);
    const sampled = await client.infer({ ...request, temperature: 0.8 });
    expect(sampled.cached).toBe(false);
    const after = await client.getUsage({});
    expect(after.cacheHits - before.cacheHits).toBe(1);
    expect(after.cacheMisses - before.cacheMisses).toBe(2);
    // Three model calls were made and recorded (the hit is not a call).
    expect(after.total!.requests - before.total!.requests).toBe(4);
  });
});

describe("structured output", () => {
  test("the local model's answer follows the JSON schema (llama-server grammar) and is checked again", async () => {
    for (let i = 0; i < 3; i++) {
      const response = await client.infer(infer({ layer: Layer.LAYER_OPERATIONAL, messages: [user(`count ${i}`)], responseJsonSchema: JSON.stringify(answerSchema), maxTokens: 200 }));
      const parsed = JSON.parse(response.message!.content) as { ok: boolean; count: number };
      expect(Object.keys(parsed).sort()).toEqual(["count", "ok"]);
      expect(typeof parsed.ok).toBe("boolean");
      expect(Number.isInteger(parsed.count) && parsed.count >= 0).toBe(true);
    }
  });

  test("Anthropic is made to answer through a tool whose input schema is the schema", async () => {
    const got = since();
    cloud.enqueue({ toolCalls: [{ name: "json_answer", arguments: { ok: true, count: 3 } }] });
    const response = await client.infer(infer({ layer: Layer.LAYER_STRATEGIC, responseJsonSchema: JSON.stringify(answerSchema), maxTokens: 200 }));
    expect(response.model).toBe("claude");
    expect(JSON.parse(response.message!.content)).toEqual({ ok: true, count: 3 });
    expect(response.finishReason).toBe(FinishReason.FINISH_REASON_STOP);
    const body = got()[0]!.body as { tools: { name: string; input_schema: unknown }[]; tool_choice: unknown };
    expect(body.tool_choice).toEqual({ type: "tool", name: "json_answer" });
    expect(body.tools[0]!.input_schema).toEqual(answerSchema);
  });

  test("answers that do not match the schema are not passed on: the next model of the chain answers", async () => {
    const got = since();
    // Claude answers in text instead of through the answer tool; gpt's JSON has the wrong type.
    cloud.enqueue({ text: "ok, 3" }, { text: '{"ok": "yes", "count": 3}' });
    const response = await client.infer(infer({ layer: Layer.LAYER_STRATEGIC, responseJsonSchema: JSON.stringify(answerSchema), maxTokens: 200 }));
    expect(response.model).toBe("tactical");
    expect(response.skipped.map((s) => s.model)).toEqual(["claude", "gpt"]);
    expect(response.skipped[0]!.reason).toContain("the answer is not JSON");
    expect(response.skipped[1]!.reason).toContain("does not match the schema at ok");
    const sent = got().find((r) => r.api === "openai")!;
    expect((sent.body.response_format as { type: string }).type).toBe("json_schema");
    expect(JSON.parse(response.message!.content)).toHaveProperty("ok");
  });

  test("when no model gives a valid answer the call fails, naming why", async () => {
    cloud.enqueue({ text: "[]" });
    const error = await refusal(client.infer(infer({ layer: Layer.LAYER_OPERATIONAL, model: "gpt", responseJsonSchema: JSON.stringify(answerSchema) })));
    expect(error.code).toBe("unavailable");
    expect(error.message).toContain("does not match the schema");
  });
});

describe("tool calls", () => {
  const history = (call: { id: string; name: string; argumentsJson: string }) => [
    user("what is the host name?"),
    { role: ChatRole.CHAT_ROLE_ASSISTANT, content: "", toolCalls: [call], toolCallId: "" },
    { role: ChatRole.CHAT_ROLE_TOOL, content: "aios", toolCalls: [], toolCallId: call.id },
  ];

  test("OpenAI format: tool names are mapped both ways and a tool result goes back", async () => {
    const got = since();
    cloud.enqueue({ toolCalls: [{ name: "fs_read", arguments: { path: "/etc/hostname" } }] });
    const response = await client.infer(infer({ layer: Layer.LAYER_STRATEGIC, model: "gpt", tools: [readFile], messages: [user("what is the host name?")] }));
    expect(response.finishReason).toBe(FinishReason.FINISH_REASON_TOOL_CALLS);
    const [call] = response.message!.toolCalls;
    expect(call!.name).toBe("fs.read");
    expect(JSON.parse(call!.argumentsJson)).toEqual({ path: "/etc/hostname" });
    const sentTools = got()[0]!.body.tools as { function: { name: string; parameters: unknown } }[];
    expect(sentTools[0]!.function.name).toBe("fs_read");
    expect(sentTools[0]!.function.parameters).toEqual(JSON.parse(readFile.parametersJson));

    cloud.enqueue({ text: "The host name is aios." });
    const next = await client.infer(infer({ layer: Layer.LAYER_STRATEGIC, model: "gpt", tools: [readFile], messages: history(call!) }));
    expect(next.message!.content).toBe("The host name is aios.");
    const messages = got()[1]!.body.messages as { role: string; tool_calls?: { id: string; function: { name: string } }[]; tool_call_id?: string; content: string }[];
    expect(messages.map((m) => m.role)).toEqual(["user", "assistant", "tool"]);
    expect(messages[1]!.tool_calls![0]!.function.name).toBe("fs_read");
    expect(messages[2]!.tool_call_id).toBe(call!.id);
    expect(messages[2]!.content).toBe("aios");
  });

  test("Anthropic format: tool_use comes back as a tool call and the result goes back as tool_result", async () => {
    const got = since();
    cloud.enqueue({ text: "Let me look.", toolCalls: [{ name: "fs_read", arguments: { path: "/etc/hostname" } }] });
    const response = await client.infer(infer({ layer: Layer.LAYER_STRATEGIC, tools: [readFile], messages: [user("what is the host name?")] }));
    expect(response.model).toBe("claude");
    expect(response.finishReason).toBe(FinishReason.FINISH_REASON_TOOL_CALLS);
    expect(response.message!.content).toBe("Let me look.");
    const [call] = response.message!.toolCalls;
    expect(call!.name).toBe("fs.read");
    expect(call!.id).toMatch(/^toolu_/);
    expect((got()[0]!.body.tools as { name: string }[])[0]!.name).toBe("fs_read");

    cloud.enqueue({ text: "aios" });
    await client.infer(infer({ layer: Layer.LAYER_STRATEGIC, tools: [readFile], messages: history(call!) }));
    const messages = got()[1]!.body.messages as { role: string; content: { type: string; tool_use_id?: string; name?: string; content?: string }[] }[];
    expect(messages.map((m) => m.role)).toEqual(["user", "assistant", "user"]);
    expect(messages[1]!.content[0]).toMatchObject({ type: "tool_use", name: "fs_read" });
    expect(messages[2]!.content[0]).toMatchObject({ type: "tool_result", tool_use_id: call!.id, content: "aios" });
  });
});

describe("streaming", () => {
  const collect = async (request: ReturnType<typeof infer>) => {
    const pieces: StreamInferResponse[] = [];
    for await (const piece of client.streamInfer({ request })) pieces.push(piece);
    return { pieces, done: pieces.at(-1)!.done!, text: pieces.map((p) => p.delta).join("") };
  };

  test("a local model streams its answer; the pieces add up to the final message", async () => {
    // Greedy, so the answer is the same on every run: sampled, the random model sometimes ends
    // at its first token and there is no text to stream (CI saw that once).
    const { pieces, done, text } = await collect(infer({ layer: Layer.LAYER_OPERATIONAL, maxTokens: 40, temperature: 0, noCache: true }));
    expect(pieces.length).toBeGreaterThanOrEqual(2);
    expect(pieces.slice(0, -1).every((p) => !p.done && p.delta.length > 0)).toBe(true);
    expect(done.model).toBe("operational");
    expect(text).toBe(done.message!.content);
    expect(done.usage!.outputTokens).toBeGreaterThan(0);
  });

  test("Anthropic and OpenAI streams carry text and completed tool calls", async () => {
    cloud.enqueue({ text: "Reading the file now.", toolCalls: [{ name: "fs_read", arguments: { path: "/etc/os-release" } }] });
    const claude = await collect(infer({ layer: Layer.LAYER_STRATEGIC, tools: [readFile] }));
    expect(claude.done.model).toBe("claude");
    expect(claude.text).toBe("Reading the file now.");
    const calls = claude.pieces.flatMap((p) => p.toolCalls);
    expect(calls.map((c) => c.name)).toEqual(["fs.read"]);
    expect(JSON.parse(calls[0]!.argumentsJson)).toEqual({ path: "/etc/os-release" });
    expect(claude.done.message!.toolCalls).toHaveLength(1);

    cloud.enqueue({ text: "Reading it.", toolCalls: [{ name: "fs_read", arguments: { path: "/etc/hosts" } }] });
    const gpt = await collect(infer({ layer: Layer.LAYER_STRATEGIC, model: "gpt", tools: [readFile] }));
    expect(gpt.text).toBe("Reading it.");
    expect(gpt.pieces.flatMap((p) => p.toolCalls).map((c) => [c.name, JSON.parse(c.argumentsJson).path])).toEqual([["fs.read", "/etc/hosts"]]);
    expect(gpt.done.finishReason).toBe(FinishReason.FINISH_REASON_TOOL_CALLS);
    expect(gpt.done.usage!.inputTokens).toBeGreaterThan(0);
  });

  test("a stream falls back like Infer when the first model fails before answering", async () => {
    cloud.enqueue({ status: 500 }, { status: 500 }, { status: 500 }, { text: "streamed by gpt" });
    const { done, text } = await collect(infer({ layer: Layer.LAYER_STRATEGIC }));
    expect(done.model).toBe("gpt");
    expect(text).toBe("streamed by gpt");
    expect(done.skipped[0]!.model).toBe("claude");
  });
});

describe("embeddings and tokens", () => {
  test("Embed gives one vector per text, in order, the same for a text alone or in a batch", async () => {
    const texts = ["disk is full", "sshd failed to start", "open port 8080"];
    const batch = await client.embed({ texts, model: "" });
    expect(batch.model).toBe("embedder");
    expect(batch.vectors).toHaveLength(3);
    expect(batch.dimensions).toBeGreaterThan(0);
    for (const vector of batch.vectors) expect(vector.values).toHaveLength(batch.dimensions);
    const alone = await client.embed({ texts: [texts[1]!], model: "embedder" });
    const a = alone.vectors[0]!.values;
    const b = batch.vectors[1]!.values;
    a.forEach((value, i) => expect(value).toBeCloseTo(b[i]!, 4));
    expect(batch.vectors[0]!.values).not.toEqual(batch.vectors[1]!.values);
  });

  test("CountTokens uses the model's own tokenizer", async () => {
    const { counts, model } = await client.countTokens({ texts: ["a", "a much longer text than that"], model: "operational" });
    expect(model).toBe("operational");
    expect(counts[0]).toBeGreaterThan(0);
    expect(counts[1]).toBeGreaterThan(counts[0]!);
    const error = await refusal(client.countTokens({ texts: ["x"], model: "claude" }));
    expect(error.code).toBe("failed_precondition");
  });

  test("aios-memory embeds through the gateway and counts context with the model's tokenizer", async () => {
    const memory = await startComponent("memory", MemoryServiceDefinition, bin, root);
    try {
      // embedder = "gateway": memory asks the gateway in the background once it is up.
      await waitFor(async () => (await memory.client.stats({})).embedder.includes("embedder"), "memory to take the gateway's embedding model");
      const stored = await memory.client.remember({ kind: MemoryKind.MEMORY_KIND_KNOWLEDGE, title: "ssh", content: "sshd listens on port 22", tags: [], goalId: "", taskId: "", vector: [] });
      expect(stored.memory!.embedder).toContain("embedder");
      const { hits } = await memory.client.search({ query: "sshd port", kinds: [], tags: [], limit: 5, mode: SearchMode.SEARCH_MODE_VECTOR, vector: [] });
      expect(hits[0]!.memory!.id).toBe(stored.memory!.id);
      const context = await memory.client.assembleContext({ query: "sshd", tokenBudget: 500, kinds: [], model: "operational" });
      expect(context.tokenizer).toBe("model:operational");
    } finally {
      await memory.stop();
    }
  });
});

describe("bad input is refused before any model is called", () => {
  const refusedBeforeCalling = async (request: Parameters<GatewayClient["infer"]>[0], code: ErrorCode, field?: string) => {
    const got = since();
    const before = (await client.getUsage({})).total!.requests;
    const error = await refusal(client.infer(request));
    expect(error.code).toBe(code);
    if (field) expect(error.field).toBe(field);
    expect(got()).toHaveLength(0);
    expect((await client.getUsage({})).total!.requests).toBe(before);
    return error;
  };

  test("unknown and reactive layers", async () => {
    const unknown = await refusedBeforeCalling(infer({ layer: 9 as Layer }), "invalid_argument", "layer");
    expect(unknown.message).toContain("OPERATIONAL, TACTICAL or STRATEGIC");
    const reactive = await refusedBeforeCalling(infer({ layer: Layer.LAYER_REACTIVE }), "invalid_argument", "layer");
    expect(reactive.message).toContain("reactive layer has no model");
  });

  test("no messages, an empty user message, a tool result without its call id", async () => {
    await refusedBeforeCalling(infer({ layer: Layer.LAYER_STRATEGIC, messages: [] }), "invalid_argument", "messages");
    await refusedBeforeCalling(infer({ layer: Layer.LAYER_STRATEGIC, messages: [user("  ")] }), "invalid_argument", "messages.0");
    await refusedBeforeCalling(
      infer({ layer: Layer.LAYER_STRATEGIC, messages: [user("x"), { role: ChatRole.CHAT_ROLE_TOOL, content: "r", toolCalls: [], toolCallId: "" }] }),
      "invalid_argument",
      "messages.1",
    );
  });

  test("a prompt over max_prompt_bytes, and one too long for every model's context", async () => {
    const huge = await refusedBeforeCalling(infer({ layer: Layer.LAYER_STRATEGIC, messages: [user("x".repeat(1_100_000))] }), "invalid_argument", "messages");
    expect(huge.message).toContain("gateway.max_prompt_bytes");
    // 20,000 bytes is ~5,000 tokens: over operational's 2,048-token context.
    const long = await refusedBeforeCalling(infer({ layer: Layer.LAYER_OPERATIONAL, messages: [user("word ".repeat(4000))] }), "invalid_argument", "messages");
    expect(long.message).toContain("context of 2048");
  });

  test("a JSON schema the gateway cannot enforce, and tool parameters that are not JSON", async () => {
    const notJson = await refusedBeforeCalling(infer({ layer: Layer.LAYER_OPERATIONAL, responseJsonSchema: "{not json" }), "invalid_argument", "response_json_schema");
    expect(notJson.message).toContain("is not JSON");
    const badType = await refusedBeforeCalling(
      infer({ layer: Layer.LAYER_OPERATIONAL, responseJsonSchema: JSON.stringify({ type: "object", properties: { a: { type: "strange" } } }) }),
      "invalid_argument",
      "response_json_schema",
    );
    expect(badType.message).toContain("schema.properties.a.type");
    const unsupported = await refusedBeforeCalling(
      infer({ layer: Layer.LAYER_OPERATIONAL, responseJsonSchema: JSON.stringify({ type: "string", $ref: "#/x" }) }),
      "invalid_argument",
      "response_json_schema",
    );
    expect(unsupported.message).toContain("$ref");
    await refusedBeforeCalling(infer({ layer: Layer.LAYER_OPERATIONAL, tools: [{ ...readFile, parametersJson: "[1" }] }), "invalid_argument", "tools.0.parameters_json");
  });

  test("unknown models; a missing GGUF file is FAILED_PRECONDITION saying which file", async () => {
    await refusedBeforeCalling(infer({ layer: Layer.LAYER_OPERATIONAL, model: "nope" }), "not_found");
    const missing = await refusedBeforeCalling(infer({ layer: Layer.LAYER_TACTICAL, model: "absent" }), "failed_precondition");
    expect(missing.message).toContain("absent.gguf");
    const load = await refusal(client.loadModel({ model: "absent" }));
    expect(load.code).toBe("failed_precondition");
    const listed = await modelState(client, "absent");
    expect(listed.state).toBe(ModelState.MODEL_STATE_UNAVAILABLE);
    expect(listed.error).toContain("copy a GGUF model there");
    expect((await refusal(client.embed({ texts: [], model: "" }))).field).toBe("texts");
    expect((await refusal(client.unloadModel({ model: "gpt" }))).code).toBe("failed_precondition");
  });
});

describe("fallback, retries and the circuit breaker", () => {
  test("a cloud model answering 500 is retried, then the next model of the chain answers and the skip is reported", async () => {
    const got = since();
    cloud.enqueue({ status: 500 }, { status: 500 }, { status: 500 }, { text: "from gpt" });
    const response = await client.infer(infer({ layer: Layer.LAYER_STRATEGIC }));
    expect(response.model).toBe("gpt");
    expect(response.provider).toBe(ModelProvider.MODEL_PROVIDER_OPENAI_COMPATIBLE);
    expect(response.message!.content).toBe("from gpt");
    expect(response.skipped).toHaveLength(1);
    expect(response.skipped[0]!.model).toBe("claude");
    expect(response.skipped[0]!.reason).toContain("HTTP 500");
    expect(response.skipped[0]!.reason).toContain("after 3 attempts");
    expect(got().map((r) => r.api)).toEqual(["anthropic", "anthropic", "anthropic", "openai"]);
    expect(got()[3]!.headers.authorization).toBe("Bearer test-openai-key");
  });

  test("429 with Retry-After is waited out and the same model answers", async () => {
    const got = since();
    cloud.enqueue({ status: 429, retryAfterSeconds: 1 }, { text: "after the wait" });
    const response = await client.infer(infer({ layer: Layer.LAYER_STRATEGIC }));
    expect(response.model).toBe("claude");
    expect(response.skipped).toHaveLength(0);
    const [first, second] = got();
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(1000);
  });

  test("a Retry-After longer than the gateway waits moves on at once", async () => {
    const got = since();
    cloud.enqueue({ status: 429, retryAfterSeconds: 3600 }, { text: "gpt instead" });
    const response = await client.infer(infer({ layer: Layer.LAYER_STRATEGIC }));
    expect(response.model).toBe("gpt");
    expect(got()).toHaveLength(2);
    // Claude's circuit stays open for the hour it asked for.
    expect((await modelState(client, "claude")).state).toBe(ModelState.MODEL_STATE_FAILED);
  });

  test("with the cloud down a local model answers; after repeated failures the circuit skips the cloud without calling it, then a probe closes it", async () => {
    // Claude's circuit is open (previous test); gpt fails now until its circuit opens
    // (circuit_failures = 3 failed calls in a row, each after its retries).
    let rounds = 0;
    while ((await modelState(client, "gpt")).state !== ModelState.MODEL_STATE_FAILED) {
      expect(++rounds).toBeLessThanOrEqual(3);
      cloud.enqueue({ status: 503 }, { status: 503 }, { status: 503 });
      const response = await client.infer(infer({ layer: Layer.LAYER_STRATEGIC }));
      expect(response.model).toBe("tactical");
      expect(response.provider).toBe(ModelProvider.MODEL_PROVIDER_LOCAL);
      expect(response.skipped.map((s) => s.model)).toEqual(["claude", "gpt"]);
      expect(response.skipped[0]!.reason).toContain("circuit open");
      expect(response.skipped[1]!.reason).toContain("HTTP 503");
    }
    expect(cloud.remaining).toBe(0);
    const got = since();
    const skippedAll = await client.infer(infer({ layer: Layer.LAYER_STRATEGIC }));
    expect(skippedAll.model).toBe("tactical");
    expect(skippedAll.skipped.every((s) => s.reason.includes("circuit open"))).toBe(true);
    expect(got()).toHaveLength(0);
    // After circuit_open_ms (1.5 s) gpt gets one probe call; Claude asked for an hour.
    await Bun.sleep(1600);
    cloud.enqueue({ text: "gpt is back" });
    const probe = await client.infer(infer({ layer: Layer.LAYER_STRATEGIC }));
    expect(probe.model).toBe("gpt");
    expect(probe.message!.content).toBe("gpt is back");
    expect((await modelState(client, "gpt")).state).toBe(ModelState.MODEL_STATE_READY);
  });

  test("an endpoint that refuses connections is retried, then reported; a vendor endpoint without a key is unavailable", async () => {
    const dead = await refusal(client.infer(infer({ layer: Layer.LAYER_STRATEGIC, model: "dead" })));
    expect(dead.code).toBe("unavailable");
    expect(dead.message).toContain("no answer");
    expect(dead.message).toContain("after 3 attempts");
    const keyless = await refusal(client.infer(infer({ layer: Layer.LAYER_STRATEGIC, model: "keyless" })));
    expect(keyless.code).toBe("failed_precondition");
    expect(keyless.message).toContain("AIOS_TEST_UNSET_KEY");
    expect((await modelState(client, "keyless")).state).toBe(ModelState.MODEL_STATE_UNAVAILABLE);
  });

  test("a model named in the request answers alone, without the layer's fallback", async () => {
    cloud.enqueue({ text: "direct" });
    const response = await client.infer(infer({ layer: Layer.LAYER_OPERATIONAL, model: "gpt" }));
    expect(response.model).toBe("gpt");
    const error = await refusal(client.infer(infer({ layer: Layer.LAYER_STRATEGIC, model: "claude" })));
    expect(error.code).toBe("unavailable");
    expect(error.message).toContain("circuit open");
  });
});
