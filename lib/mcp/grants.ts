/**
 * @module lib/mcp/grants
 * What [[mcp.servers]] in aios.toml gives the agent kinds it names: the server's tools shown
 * (namespace mcp.NAME) and the capability to call them (mcp:call:NAME.*). aios-tools and the
 * orchestrator read it from here alike; nothing of the MCP client comes with it.
 */

interface NamedServer {
  readonly name: string;
  readonly agents: readonly string[];
}

export const mcpNamespace = (server: string) => `mcp.${server}`;

/** Per agent kind: the capabilities the servers naming it give. */
export function mcpGrants(servers: readonly NamedServer[]): Map<string, string[]> {
  const grants = new Map<string, string[]>();
  for (const server of servers) {
    for (const agent of server.agents) grants.set(agent, [...(grants.get(agent) ?? []), `mcp:call:${server.name}.*`]);
  }
  return grants;
}

/** Per agent kind: the namespaces of the servers naming it. */
export function mcpNamespaces(servers: readonly NamedServer[], agent: string): string[] {
  return servers.filter((server) => server.agents.includes(agent)).map((server) => mcpNamespace(server.name));
}
