/**
 * @module lib/gateway/component
 * aios-gateway as a process: the one door to every model, local or cloud. It kills llama-servers
 * a SIGKILLed predecessor left, builds the models from [gateway] in aios.toml, starts the
 * always-loaded local models in the background (requests wait for them; ListModels shows
 * LOADING), and serves the GatewayService on RUN_DIR/gateway.sock. Stopping stops every child.
 */
import { join } from "node:path";
import { rooted } from "../config/index.ts";
import type { ComponentSpec } from "../rpc/index.ts";
import type { InferResponse } from "../rpc/gen/aios/v1/gateway.ts";
import { ResponseCache } from "./cache.ts";
import { killStaleChildren } from "./local-model.ts";
import { QueueTimes } from "./queue.ts";
import { buildRegistry } from "./registry.ts";
import { Router } from "./router.ts";
import { gatewayService } from "./service.ts";
import { UsageLedger } from "./usage.ts";

export const gatewayComponent: ComponentSpec = {
  name: "gateway",
  summary: "the one door to every model, local or cloud",
  services: ({ config, root, log, onStop }) => {
    const g = config.gateway;
    killStaleChildren(join(rooted(root, config.paths.run_dir), "gateway"), log);
    const queueTimes = new QueueTimes();
    const registry = buildRegistry(config, root, queueTimes, log);
    const ledger = new UsageLedger(join(rooted(root, config.paths.state_dir), "gateway", "usage.db"));
    const cache = new ResponseCache<InferResponse>(g.cache_entries, g.cache_ttl_ms);
    const router = new Router({
      registry,
      cache,
      ledger,
      retry: { retries: g.retries, baseMs: g.retry_base_ms, maxMs: g.retry_max_ms },
      monthlyBudgetUsd: g.monthly_budget_usd,
      requestTimeoutMs: g.request_timeout_ms,
      log,
    });
    for (const entry of registry.models.values()) {
      if (!entry.local) continue;
      if (entry.local.spec.alwaysLoaded) {
        entry.local.ensureReady().catch((error: Error) => log.warn("an always-loaded model is not running", { model: entry.id, error: error.message }));
      } else if (entry.local.state === "unavailable") {
        log.warn("a local model cannot be used", { model: entry.id, error: entry.local.error });
      }
    }
    log.info("gateway ready", { models: [...registry.models.keys()], embedding: registry.embedding?.id ?? null });
    // An exit without onStop (an uncaught error) must not leave llama-servers behind either.
    process.on("exit", () => {
      for (const entry of registry.models.values()) entry.local?.killNow();
    });
    onStop(async () => {
      await Promise.all([...registry.models.values()].map((entry) => entry.local?.close()));
      ledger.close();
    });
    return [gatewayService({ registry, router, ledger, cache, queueTimes, maxPromptBytes: g.max_prompt_bytes, embedBatchSize: g.embed_batch_size, monthlyBudgetUsd: g.monthly_budget_usd, log })];
  },
};
