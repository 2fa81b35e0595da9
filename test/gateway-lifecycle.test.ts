/**
 * The lives of aios-gateway's llama-server children and of its ledger, through the compiled
 * binary: idle unload and reload on demand, restart after a crash, no llama-server left behind
 * when the gateway is SIGKILLed (under aios-init, and alone), the priority queue in front of a
 * local model, and monthly budgets that switch providers and survive a kill -9.
 */
import { Database } from "bun:sqlite";
import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { InitServiceDefinition } from "../lib/rpc/gen/aios/v1/init.ts";
import { ModelState } from "../lib/rpc/gen/aios/v1/gateway.ts";
import { connect, HealthDefinition } from "../lib/rpc/index.ts";
import { cleanEnv, installBinary, start } from "./support/binary.ts";
import { alive, infer, InferPriority, Layer, modelState, startGateway, user, writeGatewayConfig } from "./support/gateway.ts";
import { refusal } from "./support/memory.ts";
import { ScriptedModelServer } from "./support/model-server.ts";
import { waitFor } from "./support/wait.ts";

const dir = mkdtempSync(join(tmpdir(), "aios-gateway-life-"));
const bin = installBinary(dir);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Every live llama-server whose command line mentions this path. */
function llamaServersUnder(path: string): number[] {
  return readdirSync("/proc")
    .filter((name) => /^\d+$/.test(name))
    .filter((pid) => {
      try {
        const argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
        const state = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.[0];
        return argv[0]?.endsWith("llama-server") && argv.some((arg) => arg.includes(path)) && state !== "Z";
      } catch {
        return false;
      }
    })
    .map(Number);
}

describe("local model lifecycle", () => {
  const root = join(dir, "lifecycle");

  test("idle unload, reload on demand, restart after a crash", async () => {
    writeGatewayConfig(root, {
      models: [
        { id: "operational", layer: "operational", file: "tiny.gguf", context_size: 1024, always_loaded: true },
        { id: "tactical", layer: "tactical", file: "tiny.gguf", context_size: 1024, idle_unload_ms: 1500 },
      ],
    });
    const gateway = await startGateway(bin, root);
    const { client } = gateway;
    try {
      // Idle unload: used once, then stopped after 1.5 s without use.
      await client.infer(infer({ layer: Layer.LAYER_TACTICAL }));
      const loaded = await modelState(client, "tactical");
      expect(loaded.state).toBe(ModelState.MODEL_STATE_READY);
      expect(loaded.idleUnloadMs).toBe(1500);
      await waitFor(async () => (await modelState(client, "tactical")).state === ModelState.MODEL_STATE_STOPPED, "the idle tactical model to stop");
      expect(await alive(loaded.pid)).toBe(false);
      const again = await client.infer(infer({ layer: Layer.LAYER_TACTICAL }));
      expect(again.model).toBe("tactical");
      const reloaded = await modelState(client, "tactical");
      expect(reloaded.state).toBe(ModelState.MODEL_STATE_READY);
      expect(reloaded.pid).not.toBe(loaded.pid);

      // UnloadModel and LoadModel by hand.
      expect((await client.unloadModel({ model: "tactical" })).model!.state).toBe(ModelState.MODEL_STATE_STOPPED);
      expect((await client.loadModel({ model: "tactical" })).model!.state).toBe(ModelState.MODEL_STATE_READY);

      // Crash: the always-loaded model's llama-server is killed; the gateway restarts it.
      const before = await modelState(client, "operational");
      expect(before.state).toBe(ModelState.MODEL_STATE_READY);
      process.kill(before.pid, "SIGKILL");
      await waitFor(async () => {
        const now = await modelState(client, "operational");
        return now.restarts === 1 && now.state === ModelState.MODEL_STATE_READY;
      }, "the crashed operational model to be restarted");
      const after = await modelState(client, "operational");
      expect(after.pid).not.toBe(before.pid);
      expect((await client.infer(infer({ layer: Layer.LAYER_OPERATIONAL }))).model).toBe("operational");
    } finally {
      await gateway.stop();
    }
    // A clean stop leaves no child behind.
    expect(llamaServersUnder(root)).toEqual([]);
  });

  test("a missing GGUF file copied in later is picked up without a restart", async () => {
    const lateRoot = join(dir, "late");
    writeGatewayConfig(lateRoot, { models: [{ id: "late", layer: "operational", file: "late.gguf", context_size: 1024 }] });
    const gateway = await startGateway(bin, lateRoot);
    try {
      expect((await modelState(gateway.client, "late")).state).toBe(ModelState.MODEL_STATE_UNAVAILABLE);
      expect((await refusal(gateway.client.infer(infer({ layer: Layer.LAYER_OPERATIONAL })))).code).toBe("failed_precondition");
      writeFileSync(join(lateRoot, "var/lib/aios/models/late.gguf"), readFileSync(join(lateRoot, "var/lib/aios/models/tiny.gguf")));
      expect((await gateway.client.infer(infer({ layer: Layer.LAYER_OPERATIONAL }))).model).toBe("late");
    } finally {
      await gateway.stop();
    }
  });
});

describe("no orphan llama-server", () => {
  test("under aios-init: SIGKILL the gateway and its llama-server goes with it; the restarted gateway runs exactly one", async () => {
    const root = join(dir, "init");
    installBinary(root, "usr/bin");
    writeGatewayConfig(root, { models: [{ id: "operational", layer: "operational", file: "tiny.gguf", context_size: 1024, always_loaded: true }] });
    mkdirSync(join(root, "etc/aios/services"), { recursive: true });
    writeFileSync(
      join(root, "etc/aios/services/gateway.toml"),
      `command = "/usr/bin/aios-gateway"\ncritical = true\n[readiness]\nkind = "grpc"\n[restart]\npolicy = "always"\nbackoff_initial_ms = 200\n`,
    );
    const init = start([join(root, "usr/bin/aios-init"), "--root", root], dir, cleanEnv());
    try {
      await waitFor(
        () => init.output().includes("AIOS ready"),
        () => `"AIOS ready" in:\n${init.output()}`,
      );
      await waitFor(() => llamaServersUnder(root).length === 1, "the operational llama-server to start");
      const [llama] = llamaServersUnder(root);
      const initClient = connect(InitServiceDefinition, join(root, "run/aios/init.sock"));
      const gatewayPid = (await initClient.getService({ name: "gateway" })).service!.pid;
      process.kill(gatewayPid, "SIGKILL");
      await waitFor(async () => !(await alive(llama!)), "the old llama-server to die with its gateway");
      await waitFor(async () => {
        const service = (await initClient.getService({ name: "gateway" })).service!;
        return service.pid !== gatewayPid && service.pid > 0 && llamaServersUnder(root).length === 1;
      }, "the restarted gateway and its one llama-server");
      expect(llamaServersUnder(root)).not.toContain(llama!);
      initClient.close();
    } finally {
      await init.stop("SIGTERM");
    }
    expect(llamaServersUnder(root)).toEqual([]);
  });

  test("alone: a gateway SIGKILLed outside aios-init leaves a pid file, and the next one kills that llama-server", async () => {
    const root = join(dir, "alone");
    writeGatewayConfig(root, { models: [{ id: "operational", layer: "operational", file: "tiny.gguf", context_size: 1024, always_loaded: true }] });
    const first = await startGateway(bin, root);
    await waitFor(async () => (await modelState(first.client, "operational")).state === ModelState.MODEL_STATE_READY, "the model to load");
    const { pid } = await modelState(first.client, "operational");
    await first.stop("SIGKILL");
    // Started without aios-init, nothing killed its process group: the child is still there.
    expect(await alive(pid)).toBe(true);
    const second = await startGateway(bin, root);
    try {
      expect(await alive(pid)).toBe(false);
      await waitFor(async () => (await modelState(second.client, "operational")).state === ModelState.MODEL_STATE_READY, "the new model to load");
      expect(llamaServersUnder(root)).toHaveLength(1);
    } finally {
      await second.stop();
    }
  });
});

describe("priority queue", () => {
  test("interactive requests are served before background ones that waited longer", async () => {
    const root = join(dir, "queue");
    // One slot, and no end-of-text: every answer is exactly max_tokens long, so requests queue.
    writeGatewayConfig(root, {
      gateway: { cache_entries: 0 },
      models: [{ id: "slow", layer: "operational", file: "tiny.gguf", context_size: 4096, parallel: 1, always_loaded: true, extra_args: ["--ignore-eos"] }],
    });
    const gateway = await startGateway(bin, root);
    const { client } = gateway;
    try {
      await waitFor(async () => (await modelState(client, "slow")).state === ModelState.MODEL_STATE_READY, "the model to load");
      const finished: string[] = [];
      const send = (name: string, priority: InferPriority) =>
        client.infer(infer({ layer: Layer.LAYER_OPERATIONAL, messages: [user(name)], maxTokens: 1500, priority })).then((response) => {
          finished.push(name);
          return response;
        });
      const running = send("first", InferPriority.INFER_PRIORITY_NORMAL);
      await waitFor(async () => (await client.getUsage({})).total!.requests > 0 || (await modelState(client, "slow")).queued === 0, "the first request to start");
      const background = ["b1", "b2", "b3"].map((name) => send(name, InferPriority.INFER_PRIORITY_BACKGROUND));
      await waitFor(async () => (await modelState(client, "slow")).queued === 3, "three background requests to queue");
      const interactive = send("interactive", InferPriority.INFER_PRIORITY_INTERACTIVE);
      const results = await Promise.all([running, ...background, interactive]);
      expect(finished.indexOf("interactive")).toBeLessThan(finished.indexOf("b3"));
      expect(finished.indexOf("interactive")).toBeLessThan(finished.indexOf("b2"));
      const waitOf = (name: string) => results[["first", "b1", "b2", "b3", "interactive"].indexOf(name)]!.queueWaitMs;
      expect(waitOf("interactive")).toBeLessThan(waitOf("b3"));
      const { queue } = await client.getUsage({});
      const byPriority = new Map(queue.map((q) => [q.priority, q]));
      expect(byPriority.get(InferPriority.INFER_PRIORITY_BACKGROUND)!.requests).toBe(3);
      expect(byPriority.get(InferPriority.INFER_PRIORITY_INTERACTIVE)!.requests).toBe(1);
      expect(byPriority.get(InferPriority.INFER_PRIORITY_BACKGROUND)!.waitP90Ms).toBeGreaterThan(byPriority.get(InferPriority.INFER_PRIORITY_INTERACTIVE)!.waitP50Ms);
    } finally {
      await gateway.stop();
    }
  });
});

describe("budgets", () => {
  test("a provider over its monthly budget is passed over, all over budget is RESOURCE_EXHAUSTED, and spending survives kill -9", async () => {
    const root = join(dir, "budget");
    const cloud = new ScriptedModelServer();
    writeGatewayConfig(root, {
      gateway: { monthly_budget_usd: 0.02 },
      layers: { strategic: ["claude", "gpt"] },
      providers: [
        { id: "anthropic", kind: "anthropic", base_url: cloud.anthropicBaseUrl, api_key: "k", monthly_budget_usd: 0.004 },
        { id: "openai", kind: "openai", base_url: cloud.openaiBaseUrl, api_key: "k" },
      ],
      models: [
        { id: "claude", layer: "strategic", provider: "anthropic", name: "claude-test", context_size: 100000, input_usd_per_mtok: 3, output_usd_per_mtok: 15 },
        { id: "gpt", layer: "strategic", provider: "openai", name: "gpt-test", context_size: 100000, input_usd_per_mtok: 10, output_usd_per_mtok: 30 },
      ],
    });
    let gateway = await startGateway(bin, root);
    try {
      // $0.003 + $0.0015 = $0.0045: over Claude's $0.004.
      cloud.enqueue({ text: "expensive", inputTokens: 1000, outputTokens: 100 });
      expect((await gateway.client.infer(infer({ layer: Layer.LAYER_STRATEGIC }))).model).toBe("claude");
      cloud.enqueue({ text: "from gpt", inputTokens: 1000, outputTokens: 200 });
      const switched = await gateway.client.infer(infer({ layer: Layer.LAYER_STRATEGIC }));
      expect(switched.model).toBe("gpt");
      expect(switched.skipped[0]!.reason).toContain("over budget: anthropic spent $0.0045 of its $0.004");
      const budget = await gateway.client.getBudget({});
      expect(budget.providers.find((p) => p.providerId === "anthropic")!.exhausted).toBe(true);
      expect(budget.spentUsd).toBeCloseTo(0.0045 + 0.016, 9);
      expect(budget.exhausted).toBe(true);
      expect(budget.periodEnd!.getTime()).toBeGreaterThan(Date.now());

      // Killed without a chance to flush anything: what was answered was already on disk.
      await gateway.stop("SIGKILL");
      gateway = await startGateway(bin, root);
      const usage = await gateway.client.getUsage({});
      expect(usage.total!.requests).toBe(2);
      expect(usage.total!.costUsd).toBeCloseTo(0.0205, 9);
      expect(usage.models.map((m) => m.model).sort()).toEqual(["claude", "gpt"]);
      expect(usage.days.reduce((sum, day) => sum + day.usage!.requests, 0)).toBe(2);
      expect(usage.days[0]!.day).toMatch(/^\d{4}-\d{2}-\d{2}$/);

      // Now every cloud model is over the total budget.
      const requestsBefore = cloud.requests.length;
      const error = await refusal(gateway.client.infer(infer({ layer: Layer.LAYER_STRATEGIC })));
      expect(error.code).toBe("resource_exhausted");
      expect(error.message).toContain("gateway.monthly_budget_usd");
      expect(cloud.requests.length).toBe(requestsBefore);
    } finally {
      await gateway.stop();
      await cloud.close();
    }
  });
});

/** Rows in the gateway's usage.db, read as another connection would. */
function storedCalls(root: string): number {
  const db = new Database(join(root, "var/lib/aios/gateway/usage.db"), { readonly: true });
  try {
    return db.query<{ n: number }, []>("SELECT COUNT(*) AS n FROM calls").get()!.n;
  } finally {
    db.close();
  }
}

describe("the usage ledger", () => {
  test("free calls are written in groups: a read right after them sees them all; once on disk by themselves, a kill -9 loses none", async () => {
    const root = join(dir, "ledger");
    writeGatewayConfig(root, { models: [{ id: "operational", layer: "operational", file: "tiny.gguf", context_size: 1024, always_loaded: true }] });
    let gateway = await startGateway(bin, root);
    try {
      await waitFor(async () => (await modelState(gateway.client, "operational")).state === ModelState.MODEL_STATE_READY, "the model to load");
      for (let i = 0; i < 5; i++) await gateway.client.infer(infer({ layer: Layer.LAYER_OPERATIONAL, messages: [user(`count me ${i}`)], noCache: true }));
      // A read writes what waits first: all five are there at once.
      expect((await gateway.client.getUsage({})).total!.requests).toBe(5);
      for (let i = 0; i < 3; i++) await gateway.client.infer(infer({ layer: Layer.LAYER_OPERATIONAL, messages: [user(`and me ${i}`)], noCache: true }));
      // With no read to write them, they reach the file by themselves (within 250 ms, DESIGN.md
      // says); once they are there, kill -9.
      await waitFor(() => storedCalls(root) === 8, "the three calls to reach usage.db on their own");
      await gateway.stop("SIGKILL");
      gateway = await startGateway(bin, root);
      const usage = await gateway.client.getUsage({});
      expect(usage.total!.requests).toBe(8);
      expect(usage.total!.costUsd).toBe(0);
      expect(usage.models.map((m) => [m.model, m.usage!.requests])).toEqual([["operational", 8]]);
    } finally {
      await gateway.stop();
    }
  });
});

describe("health", () => {
  test("the gateway serves grpc.health.v1 with no model configured at all", async () => {
    const root = join(dir, "empty");
    mkdirSync(join(root, "etc/aios"), { recursive: true });
    writeFileSync(join(root, "etc/aios/aios.toml"), "[gateway]\nmodels = []\n");
    const gateway = await startGateway(bin, root);
    try {
      const health = connect(HealthDefinition, join(root, "run/aios/gateway.sock"));
      expect((await health.check({ service: "" })).status).toBe(1);
      health.close();
      const error = await refusal(gateway.client.infer(infer({ layer: Layer.LAYER_OPERATIONAL })));
      expect(error.code).toBe("failed_precondition");
      expect(error.message).toContain("[[gateway.models]]");
    } finally {
      await gateway.stop();
    }
  });
});
