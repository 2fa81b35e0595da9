/**
 * The real llama-server (dist/llama-server, built by `just llama-server` from
 * node-llama-cpp's llama.cpp sources) on the tiny random-weight GGUF the tests generate,
 * driven through lib/gateway's process wrapper and the real OpenAI SDK over its Unix socket:
 * the paths the gateway relies on (chat, JSON-schema output, embeddings, tokenize) work, its
 * output never holds bytes that break UTF-8, and failures say why.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import OpenAI from "openai";
import { LlamaProcess, type LlamaProcessOptions } from "../lib/gateway/llama-process.ts";
import { REPO } from "./support/binary.ts";
import { writeTinyGguf } from "./support/tiny-gguf.ts";

const dir = mkdtempSync(join(tmpdir(), "aios-llama-"));
const model = writeTinyGguf(join(dir, "tiny.gguf"));
const options = (overrides: Partial<LlamaProcessOptions> = {}): LlamaProcessOptions => ({
  binary: join(REPO, "dist/llama-server"),
  model,
  socket: join(dir, "llama.sock"),
  contextSize: 2048,
  threads: 1,
  parallel: 2,
  embeddings: false,
  extraArgs: [],
  ...overrides,
});
const clientFor = (llama: LlamaProcess) =>
  new OpenAI({ apiKey: "none", baseURL: "http://llama/v1", maxRetries: 0, fetch: ((url: string, init: RequestInit) => fetch(url, { ...init, unix: llama.options.socket } as RequestInit)) as never });

let llama: LlamaProcess;
beforeAll(async () => {
  llama = new LlamaProcess(options());
  await llama.start(120_000);
});
afterAll(async () => {
  await llama.stop(5000);
  rmSync(dir, { recursive: true, force: true });
});

test("chat completions answer with ASCII only, through the OpenAI SDK", async () => {
  const answer = await clientFor(llama).chat.completions.create({ model: "tiny", messages: [{ role: "user", content: "héllo, wörld" }], max_tokens: 200, temperature: 1 });
  const text = answer.choices[0]!.message.content ?? "";
  expect(answer.usage!.completion_tokens).toBeGreaterThan(0);
  expect([...text].every((char) => char.charCodeAt(0) < 0x80)).toBe(true);
});

test("a JSON schema constrains the answer", async () => {
  const schema = { type: "object", properties: { ok: { type: "boolean" }, count: { type: "integer" } }, required: ["ok", "count"], additionalProperties: false };
  for (let i = 0; i < 3; i++) {
    const answer = await clientFor(llama).chat.completions.create({
      model: "tiny",
      messages: [{ role: "user", content: `answer ${i}` }],
      max_tokens: 200,
      response_format: { type: "json_schema", json_schema: { name: "answer", schema, strict: true } },
    });
    const parsed = JSON.parse(answer.choices[0]!.message.content!) as Record<string, unknown>;
    expect(Object.keys(parsed).sort()).toEqual(["count", "ok"]);
    expect(typeof parsed.ok).toBe("boolean");
    expect(Number.isInteger(parsed.count)).toBe(true);
  }
});

test("tokenize counts with the model's own tokenizer", async () => {
  const response = await llama.fetch("/tokenize", { method: "POST", body: JSON.stringify({ content: "disk" }), headers: { "content-type": "application/json" } });
  // Byte fallback: one token per byte.
  expect(((await response.json()) as { tokens: number[] }).tokens).toHaveLength(4);
});

test("embeddings: one vector per text, of the model's width, the same text the same vector", async () => {
  const embedder = new LlamaProcess(options({ socket: join(dir, "embed.sock"), embeddings: true }));
  await embedder.start(120_000);
  try {
    const client = clientFor(embedder);
    const response = await client.embeddings.create({ model: "tiny", input: ["free disk space", "restart sshd", "free disk space"] });
    expect(response.data.map((item) => item.embedding.length)).toEqual([64, 64, 64]);
    const alone = await client.embeddings.create({ model: "tiny", input: "free disk space" });
    // One text, one vector: in a batch, twice, or alone.
    expect(response.data[2]!.embedding).toEqual(response.data[0]!.embedding);
    expect(alone.data[0]!.embedding).toEqual(response.data[0]!.embedding);
    expect(response.data[1]!.embedding).not.toEqual(response.data[0]!.embedding);
  } finally {
    await embedder.stop(5000);
  }
});

test("a model file that is not a GGUF fails the start with llama-server's own words", async () => {
  const broken = join(dir, "broken.gguf");
  writeFileSync(broken, "this is not a model");
  const process = new LlamaProcess(options({ socket: join(dir, "broken.sock"), model: broken }));
  const error = (await process.start(120_000).catch((e: unknown) => e)) as Error;
  expect(error.message).toMatch(/exited with status \d+ while starting/);
  expect(error.message).toMatch(/gguf|model/i);
  const missing = new LlamaProcess(options({ socket: join(dir, "missing.sock"), model: join(dir, "absent.gguf") }));
  expect(((await missing.start(1000).catch((e: unknown) => e)) as Error).message).toContain("does not exist");
});

test("a killed llama-server is seen as crashed; a stopped one is not", async () => {
  const victim = new LlamaProcess(options({ socket: join(dir, "victim.sock") }));
  await victim.start(120_000);
  process.kill(victim.pid!, "SIGKILL");
  await victim.exited;
  expect(victim.crashed).toBe(true);
  expect(await victim.healthy()).toBe(false);

  const calm = new LlamaProcess(options({ socket: join(dir, "calm.sock") }));
  await calm.start(120_000);
  await calm.stop(5000);
  expect(calm.crashed).toBe(false);
});
