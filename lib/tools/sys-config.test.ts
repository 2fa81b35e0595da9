/**
 * sys.config_get and sys.config_set through the Tools service: the configuration read with its
 * secrets left out; a change waits for a person at every autonomy level, is checked against the
 * schema, saved with the file's comments kept, audited, and rolled back exactly; a secret is
 * never set by an agent.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { AutonomyLevel } from "../rpc/gen/aios/v1/common.ts";
import { refusal as failure } from "../../test/support/refusal.ts";
import { startToolsServer, type ToolsServer } from "../../test/support/tools-server.ts";

let server: ToolsServer;
let file: string;
const ORIGINAL = `# AIOS configuration
[console]
# where people sign in
port = 9090

[[gateway.providers]]
id = "cloud"
kind = "openai"
api_key = "sk-secret-do-not-show"
`;

beforeAll(async () => {
  server = await startToolsServer();
  file = join(server.root, "etc/aios/aios.toml");
  writeFileSync(file, ORIGINAL, { mode: 0o600 });
});
afterAll(() => server.close());

describe("AIOS's configuration as tools", () => {
  test("sys.config_get: a key, a table, everything; secrets only say they are set", async () => {
    const token = await server.tokenFor("configurer");
    const port = await server.call(token, "sys.config_get", { key: "console.port" });
    expect(port.output).toEqual({ key: "console.port", value: 9090 });
    const all = await server.call(token, "sys.config_get", {});
    expect(JSON.stringify(all.output)).not.toContain("sk-secret");
    expect((all.output as { value: { gateway: { providers: { api_key: string }[] } } }).value.gateway.providers[0]!.api_key).toBe("(set)");
    const missing = await server.call(token, "sys.config_get", { key: "console.nothing" });
    expect([missing.ok, missing.error?.code]).toEqual([false, "not_found"]);
  });

  test("sys.config_set waits for a person even when autonomous, saves only what fits, and rolls back exactly", async () => {
    const token = await server.tokenFor("configurer", AutonomyLevel.AUTONOMY_LEVEL_AUTONOMOUS);
    const held = await failure(server.call(token, "sys.config_set", { key: "console.port", value: "9443" }));
    expect(held.code).toBe("failed_precondition");
    const approvalId = held.details["approval-id"]!;
    expect(readFileSync(file, "utf8")).toBe(ORIGINAL);
    await server.tools.decideApproval({ approvalId, approve: true, decidedBy: "human:admin" });
    const done = await server.call(token, "sys.config_set", { key: "console.port", value: "9443" }, { approvalId });
    expect([done.ok, done.output]).toEqual([true, { key: "console.port", value: 9443, previous: 9090 }]);
    expect(readFileSync(file, "utf8")).toBe(ORIGINAL.replace("port = 9090", "port = 9443"));

    const undoAsked = await failure(server.tools.rollback({ executionId: done.executionId, capabilityToken: token, reason: "undo", approvalId: "" }));
    const undoApproval = undoAsked.details["approval-id"]!;
    await server.tools.decideApproval({ approvalId: undoApproval, approve: true, decidedBy: "human:admin" });
    const undone = await server.tools.rollback({ executionId: done.executionId, capabilityToken: token, reason: "undo", approvalId: undoApproval });
    expect(undone.summary).toContain("restored /etc/aios/aios.toml");
    expect(readFileSync(file, "utf8")).toBe(ORIGINAL);
  });

  test("a value the schema refuses and a secret are refused, the file untouched", async () => {
    const token = await server.tokenFor("configurer", AutonomyLevel.AUTONOMY_LEVEL_AUTONOMOUS);
    const approved = async (input: Record<string, unknown>) => {
      const held = await failure(server.call(token, "sys.config_set", input));
      const approvalId = held.details["approval-id"]!;
      await server.tools.decideApproval({ approvalId, approve: true, decidedBy: "human:admin" });
      return server.call(token, "sys.config_set", input, { approvalId });
    };
    const bad = await approved({ key: "console.port", value: "lots" });
    expect([bad.ok, bad.error?.code, bad.error?.message]).toEqual([false, "invalid", expect.stringContaining("console.port: expected number")]);
    const secret = await approved({ key: "console.password_hash", value: "x" });
    expect([secret.ok, secret.error?.code]).toEqual([false, "permission"]);
    expect(readFileSync(file, "utf8")).toBe(ORIGINAL);
  });
});
