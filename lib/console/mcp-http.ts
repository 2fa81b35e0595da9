/**
 * @module lib/console/mcp-http
 * AIOS's tools over MCP's Streamable HTTP transport at /mcp on the console (the SDK's web
 * standard transport: Request in, Response out). A client signs in with an API token
 * (Authorization: Bearer, made with aiosctl tokens create NAME or POST /api/tokens): its name is
 * the client's identity, so its calls run as the agent kind mcp-NAME, and a session may be
 * continued only with the token that began it. Wrong tokens count towards the address's
 * lockout like a wrong sign-in; a browser page of another site is refused.
 */
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import type { AnyElysia } from "elysia";
import { VERSION } from "../config/index.ts";
import type { Logger } from "../log/index.ts";
import { createMcpToolsServer, type ToolsClient } from "../mcp/tools-server.ts";
import type { ApiTokens } from "./api-tokens.ts";
import { apiCallerOf } from "./api-caller.ts";
import { isSameOrigin } from "./guard.ts";
import type { Lockout } from "./lockout.ts";

export interface McpHttpDeps {
  tools: ToolsClient;
  tokens: ApiTokens;
  lockout: Lockout;
  clientOf(request: Request): string;
  log: Logger;
}

/** Open sessions one token may hold; a new one past this closes its oldest. */
const MAX_SESSIONS_PER_TOKEN = 16;

interface Session {
  transport: WebStandardStreamableHTTPServerTransport;
  owner: string;
}

const json = (status: number, error: string, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify({ jsonrpc: "2.0", error: { code: -32001, message: error }, id: null }), { status, headers: { "content-type": "application/json", ...headers } });

export function mcpRoutes(app: AnyElysia, deps: McpHttpDeps): AnyElysia {
  const sessions = new Map<string, Session>();

  const handle = async (request: Request, body: unknown): Promise<Response> => {
    // A page of another site may not drive a client's session (DNS rebinding, CSRF).
    if (isSameOrigin(request) === false) return json(403, "cross-site request refused: /mcp is for MCP clients, not other sites' pages");
    const who = apiCallerOf(request, deps, "aios-mcp");
    if ("refusal" in who) return json(who.refusal.status, who.refusal.message, who.refusal.headers);
    const { client } = who;
    const name = who.caller.name;
    const sessionId = request.headers.get("mcp-session-id");
    if (sessionId) {
      const session = sessions.get(sessionId);
      // Another token's session is as unknown as one that never was.
      if (!session || session.owner !== name) return json(404, "no such MCP session: initialize a new one");
      return session.transport.handleRequest(request, { parsedBody: body });
    }
    const server = createMcpToolsServer({ tools: deps.tools, agent: `mcp-${name}`, via: `http from ${client}`, version: VERSION });
    const transport: WebStandardStreamableHTTPServerTransport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: () => crypto.randomUUID(),
      onsessioninitialized: (id) => {
        // A client that vanishes without DELETE leaves its session: a token keeps its newest few.
        const own = [...sessions].filter(([, session]) => session.owner === name);
        for (const [oldId, session] of own.slice(0, Math.max(0, own.length - MAX_SESSIONS_PER_TOKEN + 1))) {
          sessions.delete(oldId);
          void session.transport.close();
        }
        sessions.set(id, { transport, owner: name });
        deps.log.info("mcp session", { session: id, client: name, from: client });
      },
      onsessionclosed: (id) => {
        sessions.delete(id);
      },
    });
    transport.onclose = () => {
      if (transport.sessionId) sessions.delete(transport.sessionId);
    };
    await server.connect(transport);
    return transport.handleRequest(request, { parsedBody: body });
  };

  // MCP's own protocol (JSON-RPC), not part of the REST API the OpenAPI document describes.
  return app.all("/mcp", ({ request, body }) => handle(request, body), { detail: { hide: true } });
}
