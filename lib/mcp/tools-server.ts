/**
 * @module lib/mcp/tools-server
 * AIOS's tools as a Model Context Protocol server (the official SDK's low-level Server), for
 * the agents people already use. Every call goes through aios-tools' contract exactly as an
 * AIOS agent's does: a capability token of the client's own agent kind (mcp-NAME, its
 * capabilities in /etc/aios/agents/mcp-NAME.toml), the risk's approvals, backups and the audit
 * ledger, with the client named in the reason. A call that needs a person's approval stays
 * open (progress notifications while it waits) until it is approved, denied or expires.
 *
 * MCP tool names are the AIOS names with "_" for "." (fs.read → fs_read): clients accept only
 * [A-Za-z0-9_-] in a tool's name.
 */
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { CallToolRequestSchema, type CallToolResult, ListToolsRequestSchema, type Tool } from "@modelcontextprotocol/sdk/types.js";
import { ApprovalState, AutonomyLevel, RiskLevel } from "../rpc/gen/aios/v1/common.ts";
import type { Tool as AiosTool, ToolsServiceDefinition } from "../rpc/gen/aios/v1/tools.ts";
import { AiosError, type ServiceClient } from "../rpc/index.ts";

export type ToolsClient = ServiceClient<typeof ToolsServiceDefinition>;

export interface McpToolsOptions {
  tools: ToolsClient;
  /** The agent kind the client acts as ("mcp-laptop"). */
  agent: string;
  /** How the client reached AIOS, for the audit ledger ("stdio", "http from 10.0.0.5"). */
  via: string;
  version: string;
  autonomy?: AutonomyLevel;
  /** How often a waiting call looks at its approval, and tells the client it still waits. */
  pollMs?: number;
}

const mcpName = (name: string) => name.replaceAll(".", "_");

/** namespace:action[:resource] grants as namespace → actions ("*" for any). */
function grantedActions(capabilities: readonly string[]): Map<string, Set<string>> {
  const granted = new Map<string, Set<string>>();
  for (const capability of capabilities) {
    const [namespace = "", action = ""] = capability.split(":");
    if (!granted.has(namespace)) granted.set(namespace, new Set());
    granted.get(namespace)!.add(action);
  }
  return granted;
}

function mayCall(tool: AiosTool, granted: Map<string, Set<string>>): boolean {
  const [namespace = "", action = ""] = tool.capability.split(":");
  for (const ns of [namespace, "*"]) {
    const actions = granted.get(ns);
    if (actions && (actions.has(action) || actions.has("*"))) return true;
  }
  return false;
}

function annotations(tool: AiosTool): Tool["annotations"] {
  const risky = tool.risk === RiskLevel.RISK_LEVEL_HIGH || tool.risk === RiskLevel.RISK_LEVEL_CRITICAL;
  return {
    title: tool.name,
    readOnlyHint: tool.readOnly,
    // Only meaningful for a tool that changes something: high and critical risk can destroy.
    destructiveHint: !tool.readOnly && risky,
    idempotentHint: tool.idempotent,
    openWorldHint: tool.namespace === "net" || tool.namespace === "pkg",
  };
}

function describe(tool: AiosTool): string {
  const risk = RiskLevel[tool.risk]?.replace("RISK_LEVEL_", "").toLowerCase() ?? "unknown";
  return `${tool.description} [AIOS ${tool.name}; risk ${risk}${tool.reversible ? "; reversible (aiosctl rollback)" : ""}]`;
}

function textResult(output: unknown, isError: boolean): CallToolResult {
  const structured = output !== null && typeof output === "object" && !Array.isArray(output) ? (output as Record<string, unknown>) : { result: output };
  return { content: [{ type: "text", text: JSON.stringify(output, null, 2) }], structuredContent: structured, isError };
}

const errorResult = (message: string): CallToolResult => ({ content: [{ type: "text", text: message }], isError: true });

export function createMcpToolsServer(options: McpToolsOptions): Server {
  const { tools, agent } = options;
  const server = new Server({ name: "aios-tools", version: options.version }, { capabilities: { tools: { listChanged: false } } });
  /** MCP name → AIOS tool, from the last listing (a call before any listing lists first). */
  let byName = new Map<string, AiosTool>();

  const listing = async (): Promise<AiosTool[]> => {
    const [{ tools: all }, { grants }] = await Promise.all([tools.listTools({ namespace: "", pageSize: 1000, pageToken: "" }), tools.listCapabilities({ agent, pageSize: 1000, pageToken: "" })]);
    const granted = grantedActions(grants.map((g) => g.capability));
    const mine = all.filter((t) => mayCall(t, granted));
    byName = new Map(mine.map((t) => [mcpName(t.name), t]));
    return mine;
  };

  server.setRequestHandler(ListToolsRequestSchema, async () => {
    const mine = await listing();
    return {
      tools: mine.map((t) => ({
        name: mcpName(t.name),
        description: describe(t),
        inputSchema: JSON.parse(t.inputSchemaJson) as Tool["inputSchema"],
        annotations: annotations(t),
      })),
    };
  });

  server.setRequestHandler(CallToolRequestSchema, async (request, extra): Promise<CallToolResult> => {
    if (byName.size === 0) await listing();
    const tool = byName.get(request.params.name) ?? (await listing(), byName.get(request.params.name));
    const client = server.getClientVersion();
    const who = `MCP client ${client?.name ?? "unknown"}${client?.version ? ` ${client.version}` : ""} (${agent}, ${options.via})`;
    // A tool the agent may not call is still asked for, so that the refusal is audited.
    const name = tool?.name ?? request.params.name.replaceAll("_", ".");
    const input = (request.params.arguments ?? {}) as Record<string, unknown>;
    const progressToken = request.params._meta?.progressToken;
    let token: string;
    try {
      ({ token } = await tools.issueCapabilityToken({ agent, goalId: "", taskId: "", capabilities: [], ttlMs: 60 * 60_000, autonomy: options.autonomy ?? AutonomyLevel.AUTONOMY_LEVEL_SUPERVISED }));
    } catch (error) {
      return errorResult(`${agent} may call no tools: ${(error as Error).message}`);
    }
    const execute = (approvalId: string) =>
      tools.execute({ tool: name, input, capabilityToken: token, approvalId, goalId: "", taskId: "", reason: `called by ${who}`, timeoutMs: 0 }, { signal: extra.signal });
    try {
      let response: Awaited<ReturnType<typeof execute>>;
      try {
        response = await execute("");
      } catch (error) {
        const approvalId = error instanceof AiosError && error.code === "failed_precondition" ? error.details["approval-id"] : undefined;
        if (!approvalId) throw error;
        const decided = await waitForApproval(tools, approvalId, extra.signal, options.pollMs ?? 1000, async (message, waited) => {
          if (progressToken !== undefined) await extra.sendNotification({ method: "notifications/progress", params: { progressToken, progress: waited, message } });
        });
        if (decided.state !== ApprovalState.APPROVAL_STATE_APPROVED) {
          const how = decided.state === ApprovalState.APPROVAL_STATE_EXPIRED ? "nobody answered before it expired" : `denied by ${decided.decidedBy || "a person"}`;
          return errorResult(`${name} needed a person's approval (${approvalId}) and was not approved: ${how}`);
        }
        response = await execute(approvalId);
      }
      if (!response.ok) return errorResult(`${name} failed (${response.error?.code}): ${response.error?.message} [audit ${response.executionId}]`);
      return textResult(response.output, false);
    } catch (error) {
      if (error instanceof AiosError) return errorResult(`${name}: ${error.message}`);
      throw error;
    }
  });
  return server;
}

/** Waits until a person decides (or the approval expires), telling `progress` every poll. */
async function waitForApproval(tools: ToolsClient, approvalId: string, signal: AbortSignal, pollMs: number, progress: (message: string, waited: number) => Promise<void>) {
  const started = Date.now();
  for (;;) {
    const { approval } = await tools.getApproval({ approvalId });
    if (approval && approval.state !== ApprovalState.APPROVAL_STATE_PENDING) return approval;
    if (signal.aborted) throw new AiosError("cancelled", "the client cancelled the call while it waited for approval");
    const waited = Math.round((Date.now() - started) / 1000);
    await progress(`waiting for a person to approve ${approval?.tool ?? "the call"} (aiosctl approve ${approvalId}, or the console's approvals)`, waited);
    await Bun.sleep(pollMs);
  }
}
