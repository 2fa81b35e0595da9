/**
 * @module lib/mcp/servers
 * MCP servers as a source of tools for aios-tools ([[mcp.servers]] in aios.toml): each is a
 * program on stdio or a Streamable HTTP endpoint, reached with the official SDK's client. Its
 * tools become ToolDefinitions named mcp.SERVER.TOOL that go through the one pipeline
 * (lib/tools/executor): input checked against the server's own JSON Schema, capability
 * mcp:call:SERVER.TOOL, approval by the risk the configuration gives (never the server's own
 * hints: a program AIOS does not know does not get to say it is harmless), the audit ledger.
 * They are never reversible: AIOS cannot undo what another program did.
 *
 * A server that dies or cannot be reached is connected again with backoff (1 s doubling to a
 * minute); meanwhile its tools stay listed, marked unavailable with the reason, and a call
 * fails saying so. Everything a server sends (names, descriptions, schemas, results) is input
 * from a stranger: checked, cut to size, and never trusted to decide what is allowed.
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import { type CallToolResult, ToolListChangedNotificationSchema, type Tool as McpTool } from "@modelcontextprotocol/sdk/types.js";
import { AjvJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/ajv";
import * as v from "valibot";
import type { Config } from "../config/index.ts";
import type { Logger } from "../log/index.ts";
import type { ToolDefinition } from "../tools/registry.ts";
import { mcpNamespace } from "./grants.ts";
import { toolError } from "../tools/tool-error.ts";

export type McpServerConfig = Config["mcp"]["servers"][number];

/** MCP allows these in a tool's name; anything else is not offered (it would not survive our naming). */
const TOOL_NAME = /^[A-Za-z0-9_.-]{1,128}$/;
const MAX_DESCRIPTION = 1000;
const MAX_TOOLS = 256;
const FIRST_RETRY_MS = 1000;
const LAST_RETRY_MS = 60_000;
/** A server up this long has recovered: its next failure starts the backoff again. */
const HEALTHY_MS = 60_000;
const CONNECT_TIMEOUT_MS = 30_000;

const McpOutput = v.strictObject({
  /** The text the tool answered (images and other content are named, not included). */
  text: v.string(),
  /** The tool's structured answer, when it gave one that fits the output cap. */
  structured: v.optional(v.record(v.string(), v.unknown())),
});
type McpOutput = v.InferOutput<typeof McpOutput>;

// Control characters in a description could rewrite a terminal or hide text from a person.
const printable = (text: string) => text.replace(/\p{Cc}/gu, (c) => (c === "\n" || c === "\t" ? c : " "));

/** One server: its connection, the tools it listed last, and whether they can be called now. */
class McpServerLink {
  private client: Client | undefined;
  private attempt = 0;
  private upSince = 0;
  private retry: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;
  private state: "starting" | "ready" | "down" = "starting";
  private reason = "starting";
  private listed: ToolDefinition[] = [];
  private readonly validators = new AjvJsonSchemaValidator();

  constructor(
    readonly config: McpServerConfig,
    private readonly log: Logger,
  ) {}

  get tools(): readonly ToolDefinition[] {
    return this.listed;
  }

  /** Empty when its tools can be called; else why not, and what AIOS is doing about it. */
  unavailable(): string {
    if (this.state === "ready") return "";
    return `MCP server "${this.config.name}" is ${this.state === "starting" ? "starting" : `not running (${this.reason}); AIOS tries again by itself`}`;
  }

  start(): void {
    void this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retry);
    const client = this.client;
    this.client = undefined;
    await client?.close().catch(() => undefined);
  }

  private transport(): Transport {
    const { config } = this;
    if (config.url) {
      const token = config.token_env ? process.env[config.token_env] : undefined;
      return new StreamableHTTPClientTransport(new URL(config.url), token ? { requestInit: { headers: { authorization: `Bearer ${token}` } } } : undefined);
    }
    const [command, ...args] = config.command;
    // Nothing of aios-tools' own environment but where programs are and the language.
    const env: Record<string, string> = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: "/root", LANG: process.env.LANG ?? "C.UTF-8", ...config.env };
    const transport = new StdioClientTransport({ command: command!, args, env, cwd: "/", stderr: "pipe" });
    let said = 0;
    transport.stderr?.on("data", (chunk: Buffer) => {
      // What it says on stderr goes to aios-tools' log, a bounded amount of it.
      for (const line of chunk.toString("utf8").split("\n")) {
        if (!line.trim() || said >= 200) continue;
        said++;
        this.log.info("MCP server said", { server: config.name, line: printable(line).slice(0, 500) });
      }
    });
    return transport;
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const client = new Client({ name: "aios-tools", version: "1" }, { capabilities: {} });
    this.client = client;
    client.onclose = () => this.lost(client, "its connection closed");
    client.onerror = (error) => this.log.debug("MCP server connection error", { server: this.config.name, error: error.message });
    try {
      await client.connect(this.transport(), { timeout: CONNECT_TIMEOUT_MS });
      await this.list(client);
      client.setNotificationHandler(ToolListChangedNotificationSchema, () => this.list(client).catch((error: Error) => this.lost(client, `listing its tools failed: ${error.message}`)));
      if (this.client !== client) return;
      this.state = "ready";
      this.upSince = Date.now();
      this.log.info("MCP server ready", { server: this.config.name, tools: this.listed.length });
    } catch (error) {
      this.lost(client, (error as Error).message);
    }
  }

  private async list(client: Client): Promise<void> {
    const tools: McpTool[] = [];
    let cursor: string | undefined;
    do {
      const page = await client.listTools(cursor ? { cursor } : undefined, { timeout: CONNECT_TIMEOUT_MS });
      tools.push(...page.tools);
      cursor = page.nextCursor;
    } while (cursor && tools.length < MAX_TOOLS);
    if (this.client !== client) return;
    const seen = new Set<string>();
    this.listed = tools.slice(0, MAX_TOOLS).flatMap((tool) => {
      if (seen.has(tool.name)) return [];
      seen.add(tool.name);
      const definition = this.definitionOf(tool);
      return definition ? [definition] : [];
    });
  }

  private lost(client: Client, reason: string): void {
    if (client !== this.client || this.stopped) return;
    this.client = undefined;
    void client.close().catch(() => undefined);
    if (this.upSince && Date.now() - this.upSince >= HEALTHY_MS) this.attempt = 0;
    const delay = Math.min(FIRST_RETRY_MS * 2 ** this.attempt, LAST_RETRY_MS);
    this.attempt++;
    this.state = "down";
    // The reason may hold the server's own words (a JSON-RPC error): shown to people as text only.
    const said = printable(reason).slice(0, 300);
    this.reason = `${said}; next try in ${Math.round(delay / 1000)} s`;
    this.log.warn("MCP server unavailable; connecting again with backoff", { server: this.config.name, reason: said, retry_in_ms: delay });
    this.retry = setTimeout(() => {
      this.state = "starting";
      void this.connect();
    }, delay);
  }

  /** The tool as AIOS's pipeline runs it, or null (and a warning) when it cannot be offered safely. */
  private definitionOf(tool: McpTool): ToolDefinition<Record<string, unknown>, McpOutput> | null {
    const server = this.config.name;
    if (!TOOL_NAME.test(tool.name)) {
      this.log.warn("MCP server offered a tool whose name AIOS cannot use; not offered", { server, tool: printable(tool.name).slice(0, 200) });
      return null;
    }
    let validate: (input: unknown) => { valid: boolean; errorMessage?: string };
    try {
      validate = this.validators.getValidator(tool.inputSchema as never);
    } catch (error) {
      this.log.warn("MCP tool's input schema cannot be checked; not offered", { server, tool: tool.name, error: (error as Error).message });
      return null;
    }
    const call = `${server}.${tool.name}`;
    const risk = this.config.tool_risk[tool.name] ?? this.config.risk;
    const said = printable(tool.description || tool.title || "")
      .trim()
      .slice(0, MAX_DESCRIPTION);
    return {
      name: `mcp.${call}`,
      namespace: mcpNamespace(server),
      description: `${said || tool.name} (a tool of the MCP server "${server}"; AIOS cannot undo it)`,
      input: v.pipe(
        v.record(v.string(), v.unknown()),
        v.check(
          (input) => validate(input).valid,
          (issue) => `does not match the tool's schema: ${validate(issue.input).errorMessage ?? "invalid"}`,
        ),
      ),
      inputJsonSchema: tool.inputSchema as Record<string, unknown>,
      output: McpOutput,
      risk,
      capability: "mcp:call",
      readOnly: false,
      idempotent: false,
      reversible: false,
      timeoutMs: this.config.timeout_ms,
      unavailable: () => this.unavailable(),
      resources: () => [call],
      run: async (input, ctx) => {
        const client = this.client;
        const why = this.unavailable();
        if (!client || why) throw toolError("io", why || `MCP server "${server}" is not connected`);
        const result = (await client.callTool({ name: tool.name, arguments: input }, undefined, { signal: ctx.signal, timeout: this.config.timeout_ms })) as CallToolResult;
        const text = ctx.cut(contentText(result));
        if (result.isError) throw toolError("io", `${tool.name} on MCP server "${server}" failed: ${text || "it gave no reason"}`);
        const structured = result.structuredContent;
        const fits = structured && typeof structured === "object" && JSON.stringify(structured).length <= ctx.outputCap;
        return fits ? { text, structured: structured as Record<string, unknown> } : { text };
      },
    };
  }
}

/** The text of a tool result: text parts as they are; anything else named by kind and size. */
function contentText(result: CallToolResult): string {
  const parts = Array.isArray(result.content) ? result.content : [];
  return parts
    .map((part) => {
      if (part.type === "text") return part.text;
      if (part.type === "image" || part.type === "audio") return `[${part.type} ${part.mimeType}, ${Math.floor((part.data.length * 3) / 4)} bytes]`;
      if (part.type === "resource_link") return `[resource ${part.uri}]`;
      if (part.type === "resource") return "text" in part.resource ? part.resource.text : `[resource ${part.resource.uri}]`;
      return "";
    })
    .filter(Boolean)
    .join("\n");
}

/** Every configured server, started together; their tools for the registry. */
export class McpServers {
  private readonly links: McpServerLink[];

  constructor(servers: readonly McpServerConfig[], log: Logger) {
    this.links = servers.map((config) => new McpServerLink(config, log));
  }

  start(): void {
    for (const link of this.links) link.start();
  }

  list(): ToolDefinition[] {
    return this.links.flatMap((link) => [...link.tools]);
  }

  async stop(): Promise<void> {
    await Promise.all(this.links.map((link) => link.stop()));
  }
}
