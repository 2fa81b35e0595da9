/**
 * @module lib/cli/mcp
 * `aiosctl mcp [--client NAME]`: AIOS's tools as an MCP server on standard input and output,
 * for a client on this machine or, through `ssh root@host aiosctl mcp`, on a laptop. The client
 * acts as the agent kind mcp-NAME (/etc/aios/agents/mcp-NAME.toml, `external = true`): its
 * capabilities bound what it may call; risky calls wait for a person's approval as an agent's
 * do; every call is audited with the client named. Standard output carries only the protocol.
 */
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { commonUsage, loadComponentConfig, parseCommonFlags } from "../config/flags.ts";
import { socketPath, VERSION } from "../config/index.ts";
import { createMcpToolsServer } from "../mcp/tools-server.ts";
import { ToolsServiceDefinition } from "../rpc/gen/aios/v1/tools.ts";
import { connect, EXIT_USAGE } from "../rpc/index.ts";

const USAGE = commonUsage(
  "aiosctl mcp [--client NAME]",
  "serve AIOS's tools over MCP on standard input and output (for Claude Desktop, Claude Code, Cursor ... through ssh)",
  "      --client NAME   the client's agent kind is mcp-NAME (default local: read-only tools)\n",
);

export async function mcpCommand(argv: readonly string[]): Promise<number> {
  const parsed = parseCommonFlags(argv, USAGE, { client: { type: "string" } }, true);
  if (typeof parsed === "number") return parsed;
  const client = String(parsed.values.client ?? "local");
  if (!/^[a-z][a-z0-9-]{0,40}$/.test(client) || parsed.positionals.length) {
    process.stderr.write(`aiosctl mcp: --client is a name such as laptop (letters, digits, -)\n${USAGE}`);
    return EXIT_USAGE;
  }
  const config = loadComponentConfig(parsed.flags);
  if (typeof config === "number") return config;
  const tools = connect(ToolsServiceDefinition, socketPath(config, parsed.flags.root, "tools"), { defaultTimeoutMs: 30_000 });
  const ssh = process.env.SSH_CLIENT?.split(" ")[0];
  const server = createMcpToolsServer({ tools, agent: `mcp-${client}`, via: ssh ? `stdio over ssh from ${ssh}` : "stdio", version: VERSION });
  const closed = new Promise<void>((resolve) => {
    server.onclose = () => resolve();
  });
  await server.connect(new StdioServerTransport());
  process.stdin.on("end", () => void server.close());
  await closed;
  tools.close();
  return 0;
}
