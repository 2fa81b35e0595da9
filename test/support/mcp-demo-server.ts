/**
 * Test support: a small MCP server written with the official SDK, as a person might configure
 * one in [[mcp.servers]]: on stdio when run, or on Streamable HTTP (serveDemoHttp, stateless,
 * behind a bearer token) when imported. Tools: add (numbers in, the sum out, structured too),
 * note (appends a line to the file named by argv[2]: a tool that changes something), fail (a
 * tool error) and exit (the process ends, as a server that crashes). Each start appends
 * "started" to argv[2] + ".starts", so a test can count restarts.
 *   bun test/support/mcp-demo-server.ts NOTES_FILE
 */
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import { appendFileSync } from "node:fs";
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { CallToolRequestSchema, type CallToolResult, ListToolsRequestSchema } from "@modelcontextprotocol/sdk/types.js";

function demoServer(notes: string): Server {
  const server = new Server({ name: "aios-test-demo", version: "1.0.0" }, { capabilities: { tools: {} } });

  server.setRequestHandler(ListToolsRequestSchema, async () => ({
    tools: [
      {
        name: "add",
        description: "Adds two numbers.",
        inputSchema: { type: "object", properties: { a: { type: "number" }, b: { type: "number" } }, required: ["a", "b"], additionalProperties: false },
        outputSchema: { type: "object", properties: { sum: { type: "number" } }, required: ["sum"] },
        // A server's own claim; AIOS takes the risk from its configuration, not from this.
        annotations: { readOnlyHint: true },
      },
      {
        name: "note",
        description: "Writes a line into the notes file.",
        inputSchema: { type: "object", properties: { text: { type: "string", minLength: 1, maxLength: 200 } }, required: ["text"] },
      },
      { name: "fail", description: "Always fails.", inputSchema: { type: "object", properties: {} } },
      { name: "exit", description: "Ends the server's process.", inputSchema: { type: "object", properties: {} } },
    ],
  }));

  server.setRequestHandler(CallToolRequestSchema, async (request): Promise<CallToolResult> => {
    const args = (request.params.arguments ?? {}) as Record<string, unknown>;
    switch (request.params.name) {
      case "add": {
        const sum = Number(args.a) + Number(args.b);
        return { content: [{ type: "text", text: `the sum is ${sum}` }], structuredContent: { sum } };
      }
      case "note":
        appendFileSync(notes, `${String(args.text)}\n`);
        return { content: [{ type: "text", text: "noted" }] };
      case "fail":
        return { content: [{ type: "text", text: "the disk of notes is full" }], isError: true };
      case "exit":
        setTimeout(() => process.exit(3), 10);
        return { content: [{ type: "text", text: "bye" }] };
      default:
        return { content: [{ type: "text", text: `no tool ${request.params.name}` }], isError: true };
    }
  });

  return server;
}

/** The same server on Streamable HTTP at http://127.0.0.1:PORT/mcp, for a client sending Authorization: Bearer TOKEN. */
export function serveDemoHttp(notes: string, token: string): { url: string; stop(): void } {
  const http = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(request) {
      if (request.headers.get("authorization") !== `Bearer ${token}`) return new Response("unauthorized", { status: 401 });
      // Stateless: a server and a transport for each request.
      const transport = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
      await demoServer(notes).connect(transport);
      return transport.handleRequest(request);
    },
  });
  return { url: `http://127.0.0.1:${http.port}/mcp`, stop: () => void http.stop(true) };
}

if (import.meta.main) {
  const notes = process.argv[2];
  if (!notes) throw new Error("usage: mcp-demo-server.ts NOTES_FILE");
  appendFileSync(`${notes}.starts`, "started\n");
  await demoServer(notes).connect(new StdioServerTransport());
}
