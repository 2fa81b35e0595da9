/**
 * @module lib/orchestrator/agents
 * The agent kinds of CONFIG_DIR/agents/*.toml: what each is for, which tools it is shown,
 * the capabilities its tokens carry (aios-tools reads the same files for its grants), the
 * layer it starts at, how many model turns a task may take, and its system prompt. A bad file
 * is a configuration error naming the file and the key.
 */
import { readdirSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import * as v from "valibot";
import { ConfigError, describeIssue } from "../config/index.ts";
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

const AgentFile = v.strictObject({
  description: v.pipe(v.string(), v.nonEmpty("say what the agent is for")),
  tool_namespaces: v.pipe(v.array(v.pipe(v.string(), v.regex(/^[a-z][a-z0-9_]*$/, "must be a tool namespace (fs, service, ...)"))), v.minLength(1, "an agent needs at least one tool namespace")),
  capabilities: v.array(v.pipe(v.string(), v.regex(/^(\*|[a-z][a-z0-9_-]*):(\*|[a-z][a-z0-9_-]*)(:.+)?$/, "must be namespace:action[:resource-glob]"))),
  default_layer: v.optional(v.picklist(["operational", "tactical", "strategic"]), "operational"),
  step_limit: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(100)), 8),
  prompt: v.pipe(v.string(), v.nonEmpty("an agent needs a prompt")),
});

export function loadAgents(dir: string): Map<string, AgentKind> {
  const agents = new Map<string, AgentKind>();
  let files: string[] = [];
  try {
    files = readdirSync(dir)
      .filter((file) => file.endsWith(".toml"))
      .sort();
  } catch {
    return agents;
  }
  for (const file of files) {
    const path = join(dir, file);
    let raw: unknown;
    try {
      raw = Bun.TOML.parse(readFileSync(path, "utf8"));
    } catch (error) {
      throw new ConfigError(path, [`not valid TOML: ${(error as Error).message}`]);
    }
    const parsed = v.safeParse(AgentFile, raw);
    if (!parsed.success)
      throw new ConfigError(
        path,
        parsed.issues.map((issue) => describeIssue(issue, "")),
      );
    const kind = basename(file, ".toml");
    if (!/^[a-z][a-z0-9_-]*$/.test(kind)) throw new ConfigError(path, [`"${kind}" is not an agent kind name (lower-case letters, digits, - and _)`]);
    agents.set(kind, {
      kind,
      description: parsed.output.description,
      toolNamespaces: parsed.output.tool_namespaces,
      capabilities: parsed.output.capabilities,
      defaultLayer: parsed.output.default_layer,
      stepLimit: parsed.output.step_limit,
      prompt: parsed.output.prompt.trim(),
    });
  }
  return agents;
}
