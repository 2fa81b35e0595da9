/**
 * @module lib/cli/tools
 * `aiosctl tools [NAMESPACE]`: the tools aios-tools offers now (its own and its MCP servers'),
 * each with its risk, the capability a call needs, and why it cannot be called when it cannot.
 */
import { RiskLevel } from "../rpc/gen/aios/v1/common.ts";
import { Tool, ToolsServiceDefinition } from "../rpc/gen/aios/v1/tools.ts";
import { enumName, json, runCommand, usageError } from "./command.ts";

export function toolsCommand(argv: readonly string[]): Promise<number> {
  return runCommand(
    argv,
    {
      name: "tools",
      usage: "aiosctl tools [NAMESPACE]",
      summary: "the tools agents may be given (fs, service, ..., mcp.SERVER): risk, capability, and whether each can be called now",
      flags: {},
      component: "tools",
      service: ToolsServiceDefinition,
    },
    async (c, { positionals, values }) => {
      if (positionals.length > 1) return usageError("tools", "give at most one namespace (fs, mcp.files, ...)");
      const { tools } = await c.listTools({ namespace: positionals[0] ?? "", pageSize: 1000, pageToken: "" });
      if (values.json) json({ tools: tools.map((tool) => Tool.toJSON(tool)) });
      else if (tools.length === 0) process.stdout.write(`no tools${positionals[0] ? ` in ${positionals[0]}` : ""}\n`);
      else {
        const width = Math.max(...tools.map((tool) => tool.name.length));
        for (const tool of tools) {
          const risk = enumName(tool.risk, RiskLevel, "RISK_LEVEL_").padEnd(8);
          process.stdout.write(`${tool.name.padEnd(width)}  ${risk} ${tool.capability.padEnd(22)} ${tool.unavailable ? `UNAVAILABLE: ${tool.unavailable}` : tool.description}\n`);
        }
      }
      return 0;
    },
  );
}
