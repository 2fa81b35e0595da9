/**
 * @module lib/config/agents
 * The agent files, CONFIG_DIR/agents/KIND.toml, read by one reader under one schema for
 * both components that use them: aios-orchestrator (what each agent is for, its tools, layer,
 * step limit and prompt) and aios-tools (its capabilities, the grants it starts with). A bad
 * file is a ConfigError naming the file and the key, so either component exits 78 (aios-init
 * does not restart it: restarting cannot fix a file) instead of crash-looping.
 */
import { readdirSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import * as v from "valibot";
import { ConfigError, describeIssue } from "./load.ts";

const CAPABILITY = /^(\*|[a-z][a-z0-9_-]*):(\*|[a-z][a-z0-9_-]*)(:.+)?$/;

export const AgentFile = v.strictObject({
  description: v.pipe(v.string(), v.nonEmpty("say what the agent is for")),
  tool_namespaces: v.pipe(
    v.array(v.pipe(v.string(), v.regex(/^[a-z][a-z0-9_]*$|^mcp\.[a-z][a-z0-9_-]{0,31}$/, "must be a tool namespace (fs, service, ..., or mcp.SERVER)"))),
    v.minLength(1, "an agent needs at least one tool namespace"),
  ),
  capabilities: v.array(v.pipe(v.string(), v.regex(CAPABILITY, "must be namespace:action[:resource-glob]"))),
  default_layer: v.optional(v.picklist(["operational", "tactical", "strategic"]), "operational"),
  step_limit: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(100)), 8),
  prompt: v.pipe(v.string(), v.nonEmpty("an agent needs a prompt")),
  /**
   * An agent kind for a client outside AIOS (an MCP client: aiosctl mcp, the console's /mcp):
   * its capabilities bound that client's calls; the orchestrator never plans a task with it.
   */
  external: v.optional(v.boolean(), false),
});

export type AgentFileValue = v.InferOutput<typeof AgentFile>;

/** Every agent file of the directory by kind, checked; none when the directory is missing. */
export function readAgentFiles(dir: string): Map<string, AgentFileValue> {
  const agents = new Map<string, AgentFileValue>();
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
    agents.set(kind, parsed.output);
  }
  return agents;
}
