/**
 * @module lib/gateway/registry
 * The configured models, built from [gateway] in aios.toml: local ones with their lifecycle
 * and queue, cloud ones with their SDK client, each with a circuit breaker (one per cloud
 * provider: when an endpoint is down all its models are), and the chain of models per layer.
 * Cross-references the schema cannot check (a model naming an unknown provider, a chain naming
 * an unknown model) are configuration errors.
 */
import { isAbsolute, join } from "node:path";
import { type Config, ConfigError, rooted } from "../config/index.ts";
import type { Logger } from "../log/index.ts";
import { Layer } from "../rpc/gen/aios/v1/common.ts";
import { ModelProvider } from "../rpc/gen/aios/v1/gateway.ts";
import { CircuitBreaker } from "./circuit.ts";
import { LocalModel } from "./local-model.ts";
import { AnthropicProvider } from "./providers/anthropic.ts";
import { OpenAIProvider } from "./providers/openai.ts";
import type { ChatProvider } from "./providers/types.ts";
import type { QueueTimes } from "./queue.ts";

export type LayerName = "operational" | "tactical" | "strategic" | "embedding";
export const CHAT_LAYERS = ["operational", "tactical", "strategic"] as const;
export type ChatLayer = (typeof CHAT_LAYERS)[number];

export const PROTO_LAYER: Record<LayerName, Layer> = {
  operational: Layer.LAYER_OPERATIONAL,
  tactical: Layer.LAYER_TACTICAL,
  strategic: Layer.LAYER_STRATEGIC,
  embedding: Layer.LAYER_UNSPECIFIED,
};

export interface ModelEntry {
  id: string;
  layer: LayerName;
  /** "local" or a provider id. */
  providerId: string;
  kind: ModelProvider;
  /** The name sent to the provider (for local models, the id). */
  remoteName: string;
  contextSize: number;
  maxTokens: number;
  inputUsdPerMtok: number;
  outputUsdPerMtok: number;
  embeddings: boolean;
  local: LocalModel | null;
  chat: ChatProvider;
  circuit: CircuitBreaker;
  /** Why a cloud model cannot be used at all (no key), or null. */
  unusable: string | null;
  /** The provider's monthly limit; 0 for none. */
  providerBudgetUsd: number;
  lastUsedAt: number | null;
}

export interface Registry {
  models: Map<string, ModelEntry>;
  chains: Record<ChatLayer, ModelEntry[]>;
  embedding: ModelEntry | null;
  providers: { id: string; monthlyBudgetUsd: number }[];
}

const CONFIG_FILE = "gateway";

export function buildRegistry(config: Config, root: string, queueTimes: QueueTimes, log: Logger): Registry {
  const g = config.gateway;
  const problems: string[] = [];
  const providers = new Map(g.providers.map((provider) => [provider.id, provider]));
  if (providers.size !== g.providers.length) problems.push("gateway.providers: two providers have the same id");
  const circuits = new Map<string, CircuitBreaker>();
  const circuitFor = (key: string) => {
    let circuit = circuits.get(key);
    if (!circuit) circuits.set(key, (circuit = new CircuitBreaker(g.circuit_failures, g.circuit_open_ms)));
    return circuit;
  };
  const clients = new Map<string, ChatProvider>();
  const runDir = join(rooted(root, config.paths.run_dir), "gateway");
  const modelsDir = rooted(root, g.models_dir);
  const models = new Map<string, ModelEntry>();

  for (const [index, model] of g.models.entries()) {
    const at = `gateway.models[${index}] (${model.id})`;
    if (models.has(model.id)) problems.push(`${at}: the id is used twice`);
    const base = {
      id: model.id,
      layer: model.layer,
      providerId: model.provider,
      contextSize: model.context_size,
      maxTokens: model.max_tokens,
      inputUsdPerMtok: model.input_usd_per_mtok,
      outputUsdPerMtok: model.output_usd_per_mtok,
      embeddings: model.embeddings || model.layer === "embedding",
      lastUsedAt: null,
    };
    if (model.provider === "local") {
      if (!model.file) {
        problems.push(`${at}: a local model needs file (a GGUF in ${g.models_dir}, or an absolute path)`);
        continue;
      }
      const local = new LocalModel(
        {
          id: model.id,
          path: isAbsolute(model.file) ? model.file : join(modelsDir, model.file),
          contextSize: model.context_size,
          threads: model.threads,
          parallel: model.parallel,
          extraArgs: model.extra_args,
          embeddings: base.embeddings,
          alwaysLoaded: model.always_loaded,
          idleUnloadMs: model.always_loaded ? 0 : (model.idle_unload_ms ?? g.idle_unload_ms),
        },
        { binary: g.llama_server, runDir, readyTimeoutMs: g.ready_timeout_ms, requestTimeoutMs: g.request_timeout_ms, queueCapacity: g.queue_capacity, queuePolicy: g.queue_policy, queueTimes, log },
      );
      models.set(model.id, {
        ...base,
        kind: ModelProvider.MODEL_PROVIDER_LOCAL,
        remoteName: model.id,
        local,
        chat: local.provider,
        circuit: circuitFor(`local:${model.id}`),
        unusable: null,
        providerBudgetUsd: 0,
      });
      continue;
    }
    const provider = providers.get(model.provider);
    if (!provider) {
      problems.push(`${at}: provider "${model.provider}" is not in gateway.providers (or "local")`);
      continue;
    }
    if (!model.name) problems.push(`${at}: a cloud model needs name (the model's name at ${provider.id})`);
    if (base.embeddings) problems.push(`${at}: Embed uses local models only; remove embeddings = true`);
    const apiKey = provider.api_key || (provider.api_key_env ? (process.env[provider.api_key_env] ?? "") : "");
    // The vendors' own endpoints need a key; a self-hosted OpenAI-compatible one may not.
    const unusable = !apiKey && !provider.base_url ? `no API key for ${provider.id}: set ${provider.api_key_env || "api_key_env"} in the gateway's environment, or gateway.providers.api_key` : null;
    let chat = clients.get(provider.id);
    if (!chat) {
      chat =
        provider.kind === "anthropic"
          ? new AnthropicProvider({ baseURL: provider.base_url, apiKey, timeoutMs: g.request_timeout_ms })
          : new OpenAIProvider({ baseURL: provider.base_url || "https://api.openai.com/v1", apiKey, timeoutMs: g.request_timeout_ms });
      clients.set(provider.id, chat);
    }
    models.set(model.id, {
      ...base,
      kind: provider.kind === "anthropic" ? ModelProvider.MODEL_PROVIDER_ANTHROPIC : ModelProvider.MODEL_PROVIDER_OPENAI_COMPATIBLE,
      remoteName: model.name,
      local: null,
      chat,
      circuit: circuitFor(`provider:${provider.id}`),
      unusable,
      providerBudgetUsd: provider.monthly_budget_usd,
    });
  }

  const chains = {} as Record<ChatLayer, ModelEntry[]>;
  for (const [rank, layer] of CHAT_LAYERS.entries()) {
    const explicit = g.layers[layer];
    if (explicit.length) {
      chains[layer] = explicit.flatMap((id) => {
        const entry = models.get(id);
        if (!entry) problems.push(`gateway.layers.${layer}: no model has the id "${id}"`);
        else if (entry.layer === "embedding") problems.push(`gateway.layers.${layer}: "${id}" is an embedding model`);
        return entry && entry.layer !== "embedding" ? [entry] : [];
      });
    } else {
      // The layer's own models, then the layers beneath it: when the cloud is down a local
      // model still answers, and says so in the response (model, layer, skipped).
      const below = CHAT_LAYERS.slice(0, rank + 1).reverse();
      chains[layer] = below.flatMap((name) => [...models.values()].filter((entry) => entry.layer === name));
    }
  }

  let embedding: ModelEntry | null = null;
  if (g.embedding_model) {
    embedding = models.get(g.embedding_model) ?? null;
    if (!embedding) problems.push(`gateway.embedding_model: no model has the id "${g.embedding_model}"`);
    else if (!embedding.embeddings) problems.push(`gateway.embedding_model: "${g.embedding_model}" does not have embeddings = true`);
  } else {
    embedding = [...models.values()].find((entry) => entry.embeddings) ?? null;
  }

  if (problems.length) throw new ConfigError(CONFIG_FILE, problems);
  return { models, chains, embedding, providers: g.providers.map((provider) => ({ id: provider.id, monthlyBudgetUsd: provider.monthly_budget_usd })) };
}
