/**
 * bench/gateway.ts: what the gateway costs and what its queue buys, on the real llama-server
 * with the tiny GGUF (answers of exactly max_tokens: --ignore-eos), in one run:
 *  - chat completion through aios-gateway (gRPC → router → queue → llama-server) versus
 *    straight to the same llama-server over its Unix socket with the OpenAI SDK (the baseline);
 *  - a response-cache hit through the gateway;
 *  - 50 concurrent requests (10 interactive among 40 background) under the "fifo" policy versus
 *    the "priority" queue: waiting and turnaround p50/p90 per priority.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import OpenAI from "openai";
import { installBinary } from "../test/support/binary.ts";
import { type GatewayProcess, infer, InferPriority, Layer, modelState, startGateway, user, writeGatewayConfig } from "../test/support/gateway.ts";
import { ModelState } from "../lib/rpc/gen/aios/v1/gateway.ts";
import { percentile, round } from "./support/stats.ts";
import { waitFor } from "../test/support/wait.ts";

const CHAT_CALLS = Number(process.env.CHAT_CALLS ?? 40);
const CHAT_TOKENS = 16;
const CACHE_CALLS = 300;
const CONCURRENT = 50;
const INTERACTIVE_EVERY = 5;
const QUEUE_TOKENS = 48;

const dir = mkdtempSync(join(tmpdir(), "aios-bench-gateway-"));
const bin = installBinary(dir);

async function gatewayWith(policy: "fifo" | "priority"): Promise<{ gateway: GatewayProcess; root: string }> {
  const root = join(dir, policy);
  writeGatewayConfig(root, {
    gateway: { queue_policy: policy, queue_capacity: 100 },
    models: [{ id: "op", layer: "operational", file: "tiny.gguf", context_size: 2048, parallel: 1, always_loaded: true, extra_args: ["--ignore-eos"] }],
  });
  const gateway = await startGateway(bin, root);
  await waitFor(async () => (await modelState(gateway.client, "op")).state === ModelState.MODEL_STATE_READY, "the model to load");
  return { gateway, root };
}

const ms = (values: number[]) => ({ p50_ms: round(percentile(values, 50), 2), p90_ms: round(percentile(values, 90), 2), p99_ms: round(percentile(values, 99), 2) });

async function overhead(gateway: GatewayProcess, root: string) {
  const socket = join(root, "run/aios/gateway/op.sock");
  const direct = new OpenAI({ apiKey: "none", baseURL: "http://llama/v1", maxRetries: 0, fetch: ((url: string, init: RequestInit) => fetch(url, { ...init, unix: socket } as RequestInit)) as never });
  const through: number[] = [];
  const straight: number[] = [];
  // Each call its own prompt, never the one before it: llama-server keeps the last prompt in
  // its slot, and a call repeating it would skip the prompt's evaluation. Both paths then
  // follow a call whose prompt differs in its last tokens.
  const request = (i: number) => infer({ layer: Layer.LAYER_OPERATIONAL, messages: [user(`status report g${i}`)], maxTokens: CHAT_TOKENS, noCache: true });
  for (let i = 0; i < 5; i++) {
    await gateway.client.infer(request(i));
    await direct.chat.completions.create({ model: "op", messages: [{ role: "user", content: `status report d${i}` }], max_tokens: CHAT_TOKENS });
  }
  // Alternating, so that both see the same machine load.
  for (let i = 0; i < CHAT_CALLS; i++) {
    let t = performance.now();
    await gateway.client.infer(request(i));
    through.push(performance.now() - t);
    t = performance.now();
    await direct.chat.completions.create({ model: "op", messages: [{ role: "user", content: `status report d${i}` }], max_tokens: CHAT_TOKENS });
    straight.push(performance.now() - t);
  }
  const gatewayP50 = percentile(through, 50);
  const directP50 = percentile(straight, 50);
  return { calls: CHAT_CALLS, max_tokens: CHAT_TOKENS, direct: ms(straight), gateway: ms(through), overhead_ratio: round(gatewayP50 / directP50, 3), overhead_ms: round(gatewayP50 - directP50, 2) };
}

async function cacheHits(gateway: GatewayProcess) {
  const request = infer({ layer: Layer.LAYER_OPERATIONAL, messages: [user("cached question")], maxTokens: CHAT_TOKENS, temperature: 0 });
  await gateway.client.infer(request);
  const samples: number[] = [];
  for (let i = 0; i < CACHE_CALLS; i++) {
    const t = performance.now();
    const response = await gateway.client.infer(request);
    samples.push(performance.now() - t);
    if (!response.cached) throw new Error("expected a cache hit");
  }
  return { calls: CACHE_CALLS, ...ms(samples) };
}

async function concurrent(gateway: GatewayProcess) {
  const byPriority = new Map<string, { wait: number[]; turnaround: number[] }>([
    ["interactive", { wait: [], turnaround: [] }],
    ["background", { wait: [], turnaround: [] }],
  ]);
  // One request occupies the slot first, so that all 50 find a queue.
  const blocker = gateway.client.infer(infer({ layer: Layer.LAYER_OPERATIONAL, maxTokens: QUEUE_TOKENS * 4, noCache: true }));
  await Bun.sleep(50);
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENT }, async (_, i) => {
      const interactive = i % INTERACTIVE_EVERY === INTERACTIVE_EVERY - 1;
      const t = performance.now();
      const response = await gateway.client.infer(
        infer({
          layer: Layer.LAYER_OPERATIONAL,
          messages: [user(`request ${i}`)],
          maxTokens: QUEUE_TOKENS,
          noCache: true,
          priority: interactive ? InferPriority.INFER_PRIORITY_INTERACTIVE : InferPriority.INFER_PRIORITY_BACKGROUND,
        }),
      );
      const entry = byPriority.get(interactive ? "interactive" : "background")!;
      entry.wait.push(response.queueWaitMs);
      entry.turnaround.push(performance.now() - t);
    }),
  );
  await blocker;
  const summary = (name: string) => {
    const entry = byPriority.get(name)!;
    return {
      requests: entry.wait.length,
      wait_p50_ms: round(percentile(entry.wait, 50)),
      wait_p90_ms: round(percentile(entry.wait, 90)),
      turnaround_p50_ms: round(percentile(entry.turnaround, 50)),
      turnaround_p90_ms: round(percentile(entry.turnaround, 90)),
    };
  };
  return { total_s: round((performance.now() - started) / 1000, 2), interactive: summary("interactive"), background: summary("background") };
}

try {
  const fifo = await gatewayWith("fifo");
  const chat = await overhead(fifo.gateway, fifo.root);
  const cache = await cacheHits(fifo.gateway);
  const fifoQueue = await concurrent(fifo.gateway);
  await fifo.gateway.stop();
  const priority = await gatewayWith("priority");
  const priorityQueue = await concurrent(priority.gateway);
  await priority.gateway.stop();

  const result = { bench: "gateway", chat, cache_hit: cache, queue: { concurrent: CONCURRENT, max_tokens: QUEUE_TOKENS, fifo: fifoQueue, priority: priorityQueue } };
  console.log(JSON.stringify(result));
  const row = (label: string, q: Awaited<ReturnType<typeof concurrent>>["interactive"]) =>
    `  ${label.padEnd(26)}${String(q.requests).padStart(5)}${String(q.wait_p50_ms).padStart(10)}${String(q.wait_p90_ms).padStart(10)}${String(q.turnaround_p50_ms).padStart(12)}${String(q.turnaround_p90_ms).padStart(12)}`;
  console.log(`
chat completion, ${CHAT_TOKENS} tokens (${CHAT_CALLS} calls each)     p50 ms    p90 ms    p99 ms
  baseline: straight to llama-server    ${String(chat.direct.p50_ms).padStart(8)}  ${String(chat.direct.p90_ms).padStart(8)}  ${String(chat.direct.p99_ms).padStart(8)}
  through aios-gateway (gRPC)           ${String(chat.gateway.p50_ms).padStart(8)}  ${String(chat.gateway.p90_ms).padStart(8)}  ${String(chat.gateway.p99_ms).padStart(8)}
  overhead: ${chat.overhead_ms} ms at p50 (ratio ${chat.overhead_ratio})
cache hit through the gateway (${CACHE_CALLS} calls)   ${cache.p50_ms} ms p50, ${cache.p99_ms} ms p99

${CONCURRENT} concurrent requests, one slot, ${QUEUE_TOKENS} tokens each   n   wait p50  wait p90  turn p50    turn p90 (ms)
${row("fifo: interactive", fifoQueue.interactive)}
${row("fifo: background", fifoQueue.background)}
${row("priority: interactive", priorityQueue.interactive)}
${row("priority: background", priorityQueue.background)}
`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
