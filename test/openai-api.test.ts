/**
 * The console's OpenAI-compatible /v1, through the official `openai` npm client unchanged,
 * against the whole stack under `aios init --root` (compiled binary) whose gateway has the
 * scripted model server as a cloud provider and the real llama-server on the tiny GGUF as its
 * local models: models listed; chat answered and streamed; tool calls both ways; a JSON schema
 * answer from the local model; embeddings (the client's default base64 and floats); every call
 * on the token's usage line; a spent budget refused with 429 and a sentence; no token, a wrong
 * one and a revoked one refused with 401.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import OpenAI from "openai";
import { freePort } from "../rootfs/qemu.ts";
import { run } from "./support/binary.ts";
import { consoleConfig, consoleService } from "./support/console.ts";
import { LLAMA_SERVER } from "./support/gateway.ts";
import { ScriptedModelServer } from "./support/model-server.ts";
import { QUIET, type Stack, startStack } from "./support/stack.ts";
import { writeTinyGguf } from "./support/tiny-gguf.ts";

const dir = mkdtempSync(join(tmpdir(), "aios-openai-api-"));
const cloud = new ScriptedModelServer();
let stack: Stack;
let base: string;

const aiosctl = (...args: string[]) => run([join(stack.root, "usr/bin/aiosctl"), ...args, "--root", stack.root], stack.root);
const client = (apiKey: string) => new OpenAI({ apiKey, baseURL: `${base}/v1`, maxRetries: 0 });
async function token(name: string, ...flags: string[]): Promise<string> {
  const made = await aiosctl("tokens", "create", name, ...flags);
  if (made.code !== 0) throw new Error(`aiosctl tokens create failed: ${made.stderr}`);
  return made.stdout.split("\n")[0]!;
}

beforeAll(async () => {
  const port = await freePort();
  const root = join(dir, "root");
  mkdirSync(join(root, "var/lib/aios/models"), { recursive: true });
  writeTinyGguf(join(root, "var/lib/aios/models/tiny.gguf"));
  const config = [
    QUIET,
    '[memory]\nembedder = "hashing"\n',
    "[orchestrator]\nmonitor_interval_ms = 0\n",
    `[gateway]\nllama_server = ${JSON.stringify(LLAMA_SERVER)}\nretry_base_ms = 50\n`,
    "[[gateway.providers]]",
    'id = "cloud"\nkind = "openai"',
    `base_url = ${JSON.stringify(cloud.openaiBaseUrl)}`,
    'api_key = "scripted"\n',
    "[[gateway.models]]",
    'id = "cloud-model"\nlayer = "strategic"\nprovider = "cloud"\nname = "gpt-scripted"\ncontext_size = 128000\ninput_usd_per_mtok = 1\noutput_usd_per_mtok = 2\n',
    "[[gateway.models]]",
    'id = "tiny"\nlayer = "operational"\nfile = "tiny.gguf"\ncontext_size = 2048\n',
    "[[gateway.models]]",
    'id = "tiny-embed"\nlayer = "embedding"\nfile = "tiny.gguf"\ncontext_size = 1024\n',
    consoleConfig(port),
  ].join("\n");
  stack = await startStack(root, { config, services: { console: consoleService(port) } });
  base = `http://127.0.0.1:${port}`;
});
afterAll(async () => {
  await stack?.stop();
  await cloud.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("/v1, OpenAI's API on the console", () => {
  test("no token, a wrong one: 401 in OpenAI's error shape", async () => {
    const none = await fetch(`${base}/v1/models`);
    expect(none.status).toBe(401);
    expect(((await none.json()) as { error: { message: string } }).error.message).toContain("an API token is needed");
    const wrong = await client("aios_not-a-token")
      .models.list()
      .catch((e) => e);
    expect(wrong).toBeInstanceOf(OpenAI.AuthenticationError);
  });

  test("models: the gateway's, and the layers by name", async () => {
    const openai = client(await token("lister"));
    const ids = [];
    for await (const model of openai.models.list()) ids.push(model.id);
    expect(ids).toEqual(expect.arrayContaining(["cloud-model", "tiny", "tiny-embed", "operational", "tactical", "strategic", "auto"]));
  });

  test("chat, then streamed: the model's words, the usage, each call on the token's usage line", async () => {
    const openai = client(await token("chatter"));
    cloud.enqueue({ text: "the disk is 40% full", inputTokens: 21, outputTokens: 7 });
    const answer = await openai.chat.completions.create({
      model: "cloud-model",
      messages: [
        { role: "system", content: "be brief" },
        { role: "user", content: "how full is the disk?" },
      ],
    });
    expect(answer.choices[0]!.message.content).toBe("the disk is 40% full");
    expect(answer.choices[0]!.finish_reason).toBe("stop");
    expect(answer.usage).toMatchObject({ prompt_tokens: 21, completion_tokens: 7, total_tokens: 28 });
    const sent = cloud.requests.at(-1)!;
    expect(sent.body.model).toBe("gpt-scripted");
    expect(JSON.stringify(sent.body.messages)).toContain("how full is the disk?");

    cloud.enqueue({ text: "streamed words arrive in pieces", inputTokens: 5, outputTokens: 6 });
    const stream = await openai.chat.completions.create({ model: "cloud-model", messages: [{ role: "user", content: "stream it" }], stream: true, stream_options: { include_usage: true } });
    let text = "";
    let finish = "";
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? "";
      finish ||= chunk.choices[0]?.finish_reason ?? "";
      usage ??= chunk.usage ?? undefined;
    }
    expect([text, finish]).toEqual(["streamed words arrive in pieces", "stop"]);
    expect(usage?.total_tokens).toBe(11);

    const listed = await aiosctl("tokens", "list", "--json");
    const line = (JSON.parse(listed.stdout) as { tokens: { name: string; usage: Record<string, number> }[] }).tokens.find((t) => t.name === "chatter")!;
    expect(line.usage).toMatchObject({ requests: 2, input_tokens: 26, output_tokens: 13 });
    expect(line.usage.cost_usd).toBeGreaterThan(0);
  });

  test("tools: the model's calls come back as tool_calls; the results go to the model", async () => {
    const openai = client(await token("agentic"));
    const tools: OpenAI.ChatCompletionTool[] = [
      { type: "function", function: { name: "get_weather", description: "the weather in a city", parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } } },
    ];
    cloud.enqueue({ toolCalls: [{ name: "get_weather", arguments: { city: "Oslo" } }] });
    const first = await openai.chat.completions.create({ model: "cloud-model", messages: [{ role: "user", content: "weather in Oslo?" }], tools });
    const call = first.choices[0]!.message.tool_calls![0]! as OpenAI.ChatCompletionMessageFunctionToolCall;
    expect(first.choices[0]!.finish_reason).toBe("tool_calls");
    expect([call.function.name, JSON.parse(call.function.arguments)]).toEqual(["get_weather", { city: "Oslo" }]);
    expect(JSON.stringify(cloud.requests.at(-1)!.body.tools)).toContain("get_weather");

    cloud.enqueue({ text: "it is 3 degrees in Oslo" });
    const second = await openai.chat.completions.create({
      model: "cloud-model",
      tools,
      messages: [{ role: "user", content: "weather in Oslo?" }, first.choices[0]!.message, { role: "tool", tool_call_id: call.id, content: '{"celsius": 3}' }],
    });
    expect(second.choices[0]!.message.content).toBe("it is 3 degrees in Oslo");
    const sent = JSON.stringify(cloud.requests.at(-1)!.body.messages);
    expect(sent).toContain(call.id);
    expect(sent).toContain("celsius");
  });

  test("the local model (real llama-server on the tiny GGUF): an answer in the JSON schema asked for", async () => {
    const openai = client(await token("local"));
    const schema = { type: "object", properties: { ok: { type: "boolean" }, count: { type: "integer" } }, required: ["ok", "count"], additionalProperties: false };
    const answer = await openai.chat.completions.create({
      model: "tiny",
      messages: [{ role: "user", content: "answer" }],
      max_tokens: 200,
      response_format: { type: "json_schema", json_schema: { name: "answer", schema, strict: true } },
    });
    const parsed = JSON.parse(answer.choices[0]!.message.content!) as Record<string, unknown>;
    expect(Object.keys(parsed).sort()).toEqual(["count", "ok"]);
    expect(typeof parsed.ok).toBe("boolean");
    expect(answer.model).toBe("tiny");
  });

  test("embeddings: one vector a text, the client's base64 and plain floats alike", async () => {
    const openai = client(await token("embedder"));
    const texts = ["free some disk space", "why is sshd failing?"];
    const packed = await openai.embeddings.create({ model: "tiny-embed", input: texts });
    const plain = await openai.embeddings.create({ model: "tiny-embed", input: texts, encoding_format: "float" });
    expect(packed.data.map((d) => d.index)).toEqual([0, 1]);
    const width = packed.data[0]!.embedding.length;
    expect(width).toBeGreaterThan(0);
    expect(plain.data[1]!.embedding).toHaveLength(width);
    // The same vectors either way (base64 carries float32, as the floats are).
    expect(packed.data[0]!.embedding.map((x) => Math.fround(x))).toEqual(plain.data[0]!.embedding.map((x) => Math.fround(x)));
    expect(packed.data[0]!.embedding).not.toEqual(packed.data[1]!.embedding);
  });

  test("a spent budget is refused with 429 and says what to do; a revoked token with 401", async () => {
    const secret = await token("thrifty", "--budget-tokens", "20");
    const openai = client(secret);
    cloud.enqueue({ text: "one answer", inputTokens: 15, outputTokens: 10 });
    await openai.chat.completions.create({ model: "cloud-model", messages: [{ role: "user", content: "once" }] });
    const asked = cloud.requests.length;
    const refused = await openai.chat.completions.create({ model: "cloud-model", messages: [{ role: "user", content: "twice" }] }).catch((e) => e);
    expect(refused).toBeInstanceOf(OpenAI.RateLimitError);
    expect((refused as Error).message).toContain('"thrifty" has used its budget of 20 model tokens');
    // Refused before any model was asked.
    expect(cloud.requests.length).toBe(asked);

    expect((await aiosctl("tokens", "revoke", "thrifty")).code).toBe(0);
    const revoked = await openai.models.list().catch((e) => e);
    expect(revoked).toBeInstanceOf(OpenAI.AuthenticationError);
  });

  test("a request OpenAI's API would refuse is refused the same way, naming the field", async () => {
    const openai = client(await token("careless"));
    const unknown = await openai.chat.completions.create({ model: "no-such-model", messages: [{ role: "user", content: "hi" }] }).catch((e) => e);
    expect(unknown).toBeInstanceOf(OpenAI.NotFoundError);
    const empty = await openai.chat.completions.create({ model: "cloud-model", messages: [] }).catch((e) => e);
    expect(empty).toBeInstanceOf(OpenAI.BadRequestError);
    expect((empty as { param?: string }).param).toBe("messages");
  });
});
