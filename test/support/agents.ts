/**
 * An agent file (CONFIG_DIR/agents/KIND.toml) for tests, complete as lib/config/agents reads
 * it: its capabilities, the tool namespaces they name, a description and a prompt.
 */
export function agentToml(capabilities: readonly string[], extra = ""): string {
  const namespaces = [...new Set(capabilities.map((c) => c.split(":")[0]!).filter((ns) => /^[a-z][a-z0-9_]*$/.test(ns)))];
  return [
    'description = "an agent for tests"',
    `tool_namespaces = ${JSON.stringify(namespaces.length ? namespaces : ["fs"])}`,
    `capabilities = ${JSON.stringify(capabilities)}`,
    'prompt = "You are a test agent."',
    extra,
  ].join("\n");
}
