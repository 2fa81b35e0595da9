/**
 * The console's /mcp (Streamable HTTP) through the official MCP SDK's client, with API tokens
 * made and revoked by `aiosctl tokens`: no token or a wrong one refused (401, JSON-RPC error);
 * a token's name is the client's identity (agent kind mcp-NAME: its tools listed, a read
 * served, audited under that kind); a session cannot be taken over with another token; a page
 * of another site is refused; a revoked token is refused from then on.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { run } from "./support/binary.ts";
import { consoleConfig, consoleService } from "./support/console.ts";
import { freePort } from "../rootfs/qemu.ts";
import { QUIET, type Stack, startStack } from "./support/stack.ts";

const dir = mkdtempSync(join(tmpdir(), "aios-mcp-http-"));
let stack: Stack;
let base: string;
const clients: Client[] = [];

const external = (capabilities: string[]) => `external = true\ndescription = "a laptop's MCP client"\ntool_namespaces = ["fs"]\ncapabilities = ${JSON.stringify(capabilities)}\nprompt = "outside"\n`;

beforeAll(async () => {
  const port = await freePort();
  stack = await startStack(join(dir, "root"), {
    config: `${QUIET}[memory]\nembedder = "hashing"\n\n[orchestrator]\nmonitor_interval_ms = 0\n\n[gateway]\nmodels = []\n\n${consoleConfig(port)}`,
    services: { console: consoleService(port) },
    agents: {
      "mcp-laptop": external(["fs:read:/srv/**"]),
      "mcp-ci": external(["fs:read:/srv/**"]),
      // An agent kind named like a client's but not marked external: the console may not act as it.
      "mcp-plain": 'description = "not external"\ntool_namespaces = ["fs"]\ncapabilities = ["fs:read:/srv/**"]\nprompt = "inside"\n',
    },
  });
  base = `http://127.0.0.1:${port}`;
  mkdirSync(join(stack.root, "srv"), { recursive: true });
  writeFileSync(join(stack.root, "srv/motd"), "welcome to the machine\n");
});
afterAll(async () => {
  for (const c of clients) await c.close().catch(() => {});
  await stack?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const aiosctl = (...args: string[]) => run([join(stack.root, "usr/bin/aiosctl"), ...args, "--root", stack.root], stack.root);

async function connect(token: string): Promise<{ client: Client; transport: StreamableHTTPClientTransport }> {
  const client = new Client({ name: "laptop-client", version: "2.0.0" });
  const transport = new StreamableHTTPClientTransport(new URL(`${base}/mcp`), { requestInit: { headers: { authorization: `Bearer ${token}` } } });
  await client.connect(transport);
  clients.push(client);
  return { client, transport };
}

const initialize = { jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "curl", version: "1" } } };
const post = (headers: Record<string, string>, body: unknown = initialize) =>
  fetch(`${base}/mcp`, { method: "POST", headers: { "content-type": "application/json", accept: "application/json, text/event-stream", ...headers }, body: JSON.stringify(body) });

describe("/mcp on the console", () => {
  test("no token, a wrong token, a page of another site: refused", async () => {
    const none = await post({});
    expect([none.status, (await none.json()).error.message]).toEqual([401, expect.stringContaining("an API token is needed")]);
    expect(none.headers.get("www-authenticate")).toContain("Bearer");
    const wrong = await post({ authorization: "Bearer aios_not-a-token" });
    expect(wrong.status).toBe(401);
    const made = await aiosctl("tokens", "create", "ci");
    const token = made.stdout.split("\n")[0]!;
    const crossSite = await post({ authorization: `Bearer ${token}`, origin: "https://evil.example" });
    expect(crossSite.status).toBe(403);
  });

  test("a token made by aiosctl is the client's identity: its tools, a read, audited as mcp-NAME; its session is its own; revoked, refused", async () => {
    const made = await aiosctl("tokens", "create", "laptop");
    expect(made.code).toBe(0);
    const token = made.stdout.split("\n")[0]!;
    expect(token).toMatch(/^aios_[A-Za-z0-9_-]{43}$/);
    expect((await aiosctl("tokens", "list")).stdout).toMatch(/^laptop\s+\d{4}-\d\d: 0 requests, 0 tokens, \$0\.00; made .*never used$/m);
    const again = await aiosctl("tokens", "create", "laptop");
    expect([again.code, again.stderr]).toEqual([1, expect.stringContaining("there is a token named laptop already")]);

    const { client, transport } = await connect(token);
    const names = (await client.listTools()).tools.map((t) => t.name);
    expect(names).toContain("fs_read");
    expect(names).not.toContain("fs_write");
    const read = await client.callTool({ name: "fs_read", arguments: { path: "/srv/motd" } });
    expect(read.structuredContent).toMatchObject({ content: "welcome to the machine\n" });
    const { entries } = await stack.tools.queryAudit({ agent: "mcp-laptop", tool: "fs.read", goalId: "", executionId: "", pageSize: 5, pageToken: "" });
    expect(entries[0]?.reason).toContain("MCP client laptop-client 2.0.0 (mcp-laptop, http from 127.0.0.1)");
    // The console acts only as outside clients' kinds: an mcp-NAME kind not marked external is refused.
    const plain = (await aiosctl("tokens", "create", "plain")).stdout.split("\n")[0]!;
    const { client: planner } = await connect(plain);
    const refused = await planner.callTool({ name: "fs_read", arguments: { path: "/srv/motd" } });
    expect([refused.isError, JSON.stringify(refused.content)]).toEqual([true, expect.stringContaining("the console may issue tokens only for outside clients' agent kinds")]);

    // Another token cannot continue this session.
    const other = (await aiosctl("tokens", "create", "intruder")).stdout.split("\n")[0]!;
    const hijack = await post({ authorization: `Bearer ${other}`, "mcp-session-id": transport.sessionId!, "mcp-protocol-version": "2025-06-18" }, { jsonrpc: "2.0", id: 9, method: "tools/list" });
    expect(hijack.status).toBe(404);

    expect((await aiosctl("tokens", "revoke", "laptop")).stdout).toBe("revoked laptop\n");
    // A name no token could have is refused as such, not looked up.
    const odd = await aiosctl("tokens", "revoke", "Not A Name");
    expect([odd.code, odd.stderr]).toEqual([64, expect.stringContaining("name")]);
    expect((await aiosctl("tokens", "list")).stdout).not.toContain("laptop");
    await expect(client.listTools()).rejects.toThrow();
    const after = await post({ authorization: `Bearer ${token}` });
    expect(after.status).toBe(401);
  });
});
