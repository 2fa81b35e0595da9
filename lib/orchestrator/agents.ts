/**
 * @module lib/orchestrator/agents
 * The agent kinds of CONFIG_DIR/agents/*.toml: what each is for, which tools it is shown,
 * the capabilities its tokens carry (aios-tools reads the same files for its grants), the
 * layer it starts at, how many model turns a task may take, and its system prompt, from the
 * one reader of those files (lib/config/agents).
 */
import { readAgentFiles } from "../config/agents.ts";
import { mcpGrants, mcpNamespaces } from "../mcp/grants.ts";
import type { LayerName } from "./store.ts";

export interface AgentKind {
  kind: string;
  description: string;
  toolNamespaces: string[];
  capabilities: string[];
  defaultLayer: Exclude<LayerName, "reactive">;
  stepLimit: number;
  prompt: string;
}

/** mcpServers: [[mcp.servers]], whose `agents` are shown that server's tools (mcp.NAME) besides their own. */
export function loadAgents(dir: string, mcpServers: ReadonlyArray<{ name: string; agents: readonly string[] }> = []): Map<string, AgentKind> {
  const agents = new Map<string, AgentKind>();
  for (const [kind, file] of readAgentFiles(dir)) {
    // An outside client's kind (MCP): its grants are for that client, not for planning.
    if (file.external) continue;
    agents.set(kind, {
      kind,
      description: file.description,
      toolNamespaces: [...new Set([...file.tool_namespaces, ...mcpNamespaces(mcpServers, kind)])],
      capabilities: [...file.capabilities, ...(mcpGrants(mcpServers).get(kind) ?? [])],
      defaultLayer: file.default_layer,
      stepLimit: file.step_limit,
      prompt: file.prompt.trim(),
    });
  }
  return agents;
}
