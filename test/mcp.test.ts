/**
 * `aiosctl mcp` through the official MCP SDK's client, as Claude Code or any MCP client meets
 * it, against the whole stack under `aios init --root` (compiled binary): the tools the
 * client's agent kind may call, listed with their schemas and annotations; a read; a risky
 * call that stays open while it waits for a person (progress notifications), then approved from
 * another client, then denied, then expired; a call outside the client's capabilities refused
 * and audited under the client's agent kind.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { AuditResult } from "../lib/rpc/gen/aios/v1/tools.ts";
import { MemoryKind } from "../lib/rpc/gen/aios/v1/memory.ts";
import { QUIET, type Stack, startStack } from "./support/stack.ts";

const dir = mkdtempSync(join(tmpdir(), "aios-mcp-"));
let stack: Stack;
const clients: Client[] = [];

const external = (capabilities: string[]) =>
  `external = true\ndescription = "an MCP client of the test"\ntool_namespaces = ["fs"]\ncapabilities = ${JSON.stringify(capabilities)}\nprompt = "outside"\n`;

beforeAll(async () => {
  stack = await startStack(join(dir, "root"), {
    config: `${QUIET}[memory]\nembedder = "hashing"\n\n[orchestrator]\nmonitor_interval_ms = 0\n\n[gateway]\nmodels = []\n\n[tools]\napproval_ttl_ms = 4000\n`,
    agents: { "mcp-tester": external(["fs:read:/srv/**", "fs:write:/srv/**", "fs:delete:/srv/**"]), "mcp-reader": external(["fs:read:/srv/**"]) },
  });
  mkdirSync(join(stack.root, "srv"), { recursive: true });
  writeFileSync(join(stack.root, "srv/hello.txt"), "hello from the machine\n");
});
afterAll(async () => {
  for (const c of clients) await c.close().catch(() => {});
  await stack?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function connectAs(name: string): Promise<Client> {
  const client = new Client({ name: `test-${name}`, version: "1.0.0" });
  const transport = new StdioClientTransport({ command: join(stack.root, "usr/bin/aiosctl"), args: ["mcp", "--client", name, "--root", stack.root], stderr: "pipe" });
  await client.connect(transport);
  clients.push(client);
  return client;
}

/** A call that needs approval: the approval id read from its progress notifications, then answered (or not). */
async function callAnswering(client: Client, name: string, args: Record<string, unknown>, answer: ((approvalId: string) => Promise<void>) | null) {
  let asked = "";
  const result = await client.callTool({ name, arguments: args }, undefined, {
    timeout: 120_000,
    resetTimeoutOnProgress: true,
    onprogress: (progress) => {
      const id = /aiosctl approve ([\w-]+)/.exec(progress.message ?? "")?.[1];
      if (id && !asked) {
        asked = id;
        void answer?.(id);
      }
    },
  });
  return { result, asked };
}

describe("aiosctl mcp", () => {
  test("lists what the client's agent may call, with schemas and annotations from the risk", async () => {
    const client = await connectAs("tester");
    const { tools } = await client.listTools();
    const names = tools.map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining(["fs_read", "fs_write", "fs_delete", "fs_list"]));
    expect(names).not.toContain("process_spawn");
    const read = tools.find((t) => t.name === "fs_read")!;
    expect(read.inputSchema).toMatchObject({ type: "object", properties: { path: expect.any(Object) } });
    expect(read.annotations).toMatchObject({ readOnlyHint: true, destructiveHint: false });
    expect(tools.find((t) => t.name === "fs_delete")!.annotations).toMatchObject({ readOnlyHint: false, destructiveHint: true });
    const result = await client.callTool({ name: "fs_read", arguments: { path: "/srv/hello.txt" } });
    expect(result.isError).toBe(false);
    expect(result.structuredContent).toMatchObject({ content: "hello from the machine\n" });
  });

  test("the image's mcp-local client searches AIOS's memory and reads the audit ledger (tools, not resources: one way in, checked and audited)", async () => {
    await stack.memory.remember({ kind: MemoryKind.MEMORY_KIND_OUTCOME, title: "freed disk space", content: "removed 2 GiB of old logs under /var/log/archive", tags: ["disk"] });
    const client = await connectAs("local");
    const names = (await client.listTools()).tools.map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining(["memory_search", "sec_audit_query", "service_logs"]));
    const found = await client.callTool({ name: "memory_search", arguments: { query: "old logs disk space" } });
    expect(found.isError).toBe(false);
    expect((found.structuredContent as { hits: { title: string }[] }).hits[0]?.title).toBe("freed disk space");
    const audit = await client.callTool({ name: "sec_audit_query", arguments: { tool: "memory.search", limit: 5 } });
    expect((audit.structuredContent as { entries: { agent: string }[] }).entries.map((e) => e.agent)).toContain("mcp-local");
  });

  test("a risky call waits for a person: approved from another client, then denied, then left to expire", async () => {
    const client = await connectAs("tester");
    writeFileSync(join(stack.root, "srv/old.log"), "old\n");
    const approved = await callAnswering(client, "fs_delete", { path: "/srv/old.log" }, async (id) => {
      await stack.tools.decideApproval({ approvalId: id, approve: true, decidedBy: "human:test" });
    });
    expect(approved.asked).not.toBe("");
    expect(approved.result.isError).toBe(false);
    expect(existsSync(join(stack.root, "srv/old.log"))).toBe(false);

    writeFileSync(join(stack.root, "srv/keep.log"), "keep\n");
    const denied = await callAnswering(client, "fs_delete", { path: "/srv/keep.log" }, async (id) => {
      await stack.tools.decideApproval({ approvalId: id, approve: false, decidedBy: "human:test" });
    });
    expect(denied.result.isError).toBe(true);
    expect(JSON.stringify(denied.result.content)).toContain("denied by human:test");
    expect(existsSync(join(stack.root, "srv/keep.log"))).toBe(true);

    const expired = await callAnswering(client, "fs_delete", { path: "/srv/keep.log" }, null);
    expect(expired.result.isError).toBe(true);
    expect(JSON.stringify(expired.result.content)).toContain("nobody answered before it expired");
    expect(existsSync(join(stack.root, "srv/keep.log"))).toBe(true);
  });

  test("a call outside the client's capabilities is refused and audited under its agent kind", async () => {
    const client = await connectAs("reader");
    expect((await client.listTools()).tools.map((t) => t.name)).not.toContain("fs_write");
    const refused = await client.callTool({ name: "fs_write", arguments: { path: "/srv/hello.txt", content: "overwritten\n" } });
    expect(refused.isError).toBe(true);
    expect(JSON.stringify(refused.content)).toContain("mcp-reader lacks the capability");
    const { entries } = await stack.tools.queryAudit({ agent: "mcp-reader", tool: "fs.write", goalId: "", executionId: "", pageSize: 5, pageToken: "" });
    expect(entries.map((e) => [e.result, e.reason])).toContainEqual([AuditResult.AUDIT_RESULT_DENIED, expect.stringContaining("MCP client test-reader 1.0.0 (mcp-reader, stdio)")]);
  });
});
