/**
 * Test support: aios-gateway from the compiled binary with a config written for the test (the
 * real llama-server on the tiny GGUF, the scripted model server as the cloud), and helpers to
 * build requests without repeating every proto field.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Layer } from "../../lib/rpc/gen/aios/v1/common.ts";
import { type ChatMessage, ChatRole, GatewayServiceDefinition, type InferRequest, InferPriority, type Model } from "../../lib/rpc/gen/aios/v1/gateway.ts";
import type { ServiceClient } from "../../lib/rpc/index.ts";
import { REPO } from "./binary.ts";
import { type ComponentProcess, startComponent } from "./component.ts";
import { writeTinyGguf } from "./tiny-gguf.ts";

export type GatewayClient = ServiceClient<typeof GatewayServiceDefinition>;
export type GatewayProcess = ComponentProcess<typeof GatewayServiceDefinition>;

export const LLAMA_SERVER = join(REPO, "dist/llama-server");

type TomlValue = string | number | boolean | string[];
const toml = (value: TomlValue): string => (Array.isArray(value) ? `[${value.map((item) => JSON.stringify(item)).join(", ")}]` : typeof value === "string" ? JSON.stringify(value) : String(value));
const table = (entries: Record<string, TomlValue>) =>
  Object.entries(entries)
    .map(([key, value]) => `${key} = ${toml(value)}`)
    .join("\n");

export interface GatewayConfig {
  gateway?: Record<string, TomlValue>;
  layers?: Partial<Record<"operational" | "tactical" | "strategic", string[]>>;
  providers?: Record<string, TomlValue>[];
  models: Record<string, TomlValue>[];
}

/** Writes ROOT/etc/aios/aios.toml and the tiny GGUF at ROOT/var/lib/aios/models/tiny.gguf. */
export function writeGatewayConfig(root: string, config: GatewayConfig): void {
  mkdirSync(join(root, "etc/aios"), { recursive: true });
  mkdirSync(join(root, "var/lib/aios/models"), { recursive: true });
  writeTinyGguf(join(root, "var/lib/aios/models/tiny.gguf"));
  const parts = [
    `[log]\nlevel = "info"`,
    `[memory]\nembedder = "gateway"`,
    `[gateway]\n${table({ llama_server: LLAMA_SERVER, retry_base_ms: 50, ...config.gateway })}`,
    `[gateway.layers]\n${table(config.layers ?? {})}`,
    ...(config.providers ?? []).map((provider) => `[[gateway.providers]]\n${table(provider)}`),
    ...config.models.map((model) => `[[gateway.models]]\n${table(model)}`),
  ];
  writeFileSync(join(root, "etc/aios/aios.toml"), `${parts.join("\n\n")}\n`);
}

export const startGateway = (bin: string, root: string, env: Record<string, string> = {}): Promise<GatewayProcess> => startComponent("gateway", GatewayServiceDefinition, bin, root, env);

export const user = (content: string): ChatMessage => ({ role: ChatRole.CHAT_ROLE_USER, content, toolCalls: [], toolCallId: "" });
export const system = (content: string): ChatMessage => ({ role: ChatRole.CHAT_ROLE_SYSTEM, content, toolCalls: [], toolCallId: "" });

export function infer(fields: Partial<InferRequest> & { layer: Layer }): InferRequest {
  return {
    model: "",
    messages: [user("hello")],
    tools: [],
    responseJsonSchema: "",
    maxTokens: 16,
    stop: [],
    goalId: "",
    taskId: "",
    purpose: "test",
    priority: InferPriority.INFER_PRIORITY_NORMAL,
    noCache: false,
    ...fields,
  };
}

export async function modelState(client: GatewayClient, id: string): Promise<Model> {
  const { models } = await client.listModels({});
  const model = models.find((m) => m.id === id);
  if (!model) throw new Error(`no model ${id} in ListModels`);
  return model;
}

/** Is a process alive (and not a zombie)? */
export async function alive(pid: number): Promise<boolean> {
  try {
    const stat = await Bun.file(`/proc/${pid}/stat`).text();
    return stat.split(") ")[1]?.[0] !== "Z";
  } catch {
    return false;
  }
}

export { ChatRole, InferPriority, Layer };
