/**
 * sec.cert_info and sec.cert_rotate through the Tools service: the certificate described as a
 * client sees it; a rotation waits for a person even when autonomous, makes a new key and
 * fingerprint, says the console must restart (no aios-init here), and Rollback puts the old
 * pair back exactly; a provided certificate is not rotated by an agent.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { writeSelfSigned } from "../tls/console-cert.ts";
import { AutonomyLevel } from "../rpc/gen/aios/v1/common.ts";
import { agentToml } from "../../test/support/agents.ts";
import { refusal as failure } from "../../test/support/refusal.ts";
import { startToolsServer, type ToolsServer } from "../../test/support/tools-server.ts";

let server: ToolsServer;
const cert = () => join(server.root, "var/lib/aios/tls/console.crt");
const key = () => join(server.root, "var/lib/aios/tls/console.key");

beforeAll(async () => {
  server = await startToolsServer((root) => {
    writeFileSync(join(root, "etc/aios/agents/guard.toml"), agentToml(["sec:read", "sec:cert"]));
  });
});
afterAll(() => server.close());

describe("the console's certificate as tools", () => {
  test("info before and after the console made it; rotate waits for a person, and Rollback restores the old pair", async () => {
    const token = await server.tokenFor("guard", AutonomyLevel.AUTONOMY_LEVEL_AUTONOMOUS);
    const none = await server.call(token, "sec.cert_info", {});
    expect([none.ok, none.error?.code]).toEqual([false, "not_found"]);
    await writeSelfSigned(cert(), key());
    const [oldCert, oldKey] = [readFileSync(cert(), "utf8"), readFileSync(key(), "utf8")];
    const info = (await server.call(token, "sec.cert_info", {})).output as { fingerprint: string; names: string[]; self_signed: boolean; source: string };
    expect(info).toMatchObject({ source: "self-signed", self_signed: true, names: expect.arrayContaining(["localhost", "127.0.0.1"]) });

    const held = await failure(server.call(token, "sec.cert_rotate", {}));
    expect(held.code).toBe("failed_precondition");
    const approvalId = held.details["approval-id"]!;
    await server.tools.decideApproval({ approvalId, approve: true, decidedBy: "human:admin" });
    const rotated = await server.call(token, "sec.cert_rotate", {}, { approvalId });
    const out = rotated.output as { previous_fingerprint: string; certificate: { fingerprint: string }; console: string };
    expect(out.previous_fingerprint).toBe(info.fingerprint);
    expect(out.certificate.fingerprint).not.toBe(info.fingerprint);
    expect(out.console).toContain("restart the console to serve it");
    expect(readFileSync(key(), "utf8")).not.toBe(oldKey);

    const undoAsked = await failure(server.tools.rollback({ executionId: rotated.executionId, capabilityToken: token, reason: "undo", approvalId: "" }));
    await server.tools.decideApproval({ approvalId: undoAsked.details["approval-id"]!, approve: true, decidedBy: "human:admin" });
    const undone = await server.tools.rollback({ executionId: rotated.executionId, capabilityToken: token, reason: "undo", approvalId: undoAsked.details["approval-id"]! });
    expect(undone.summary).toContain(info.fingerprint);
    expect([readFileSync(cert(), "utf8"), readFileSync(key(), "utf8")]).toEqual([oldCert, oldKey]);
  });

  test("a provided certificate is the person's to replace", async () => {
    writeFileSync(join(server.root, "etc/aios/aios.toml"), '[console]\ntls = "provided"\ncert_file = "/etc/ssl/mine.crt"\nkey_file = "/etc/ssl/mine.key"\n');
    try {
      const token = await server.tokenFor("guard", AutonomyLevel.AUTONOMY_LEVEL_AUTONOMOUS);
      const held = await failure(server.call(token, "sec.cert_rotate", {}));
      const approvalId = held.details["approval-id"]!;
      await server.tools.decideApproval({ approvalId, approve: true, decidedBy: "human:admin" });
      const refused = await server.call(token, "sec.cert_rotate", {}, { approvalId });
      expect([refused.ok, refused.error?.code, refused.error?.message]).toEqual([false, "conflict", expect.stringContaining("replace that file and restart the console")]);
    } finally {
      writeFileSync(join(server.root, "etc/aios/aios.toml"), "");
    }
  });
});
