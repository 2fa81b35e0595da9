/**
 * The Tools service through real gRPC on a Unix socket, with its real SQLite ledger, key and
 * backups in a temp root: the catalogue, tokens, the fs tools through the pipeline, path safety
 * and approvals. The audit ledger and timeouts have their own files beside this one.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chmodSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ApprovalState, AutonomyLevel } from "../rpc/gen/aios/v1/common.ts";
import { AuditResult } from "../rpc/gen/aios/v1/tools.ts";
import { signToken } from "./token.ts";
import { refusal as failure } from "../../test/support/refusal.ts";
import { startToolsServer, type ToolsServer } from "../../test/support/tools-server.ts";

let server: ToolsServer;
let root: string;
let tools: ToolsServer["tools"];
beforeAll(async () => {
  server = await startToolsServer();
  ({ root, tools } = server);
});
afterAll(() => server.close());
const tokenFor = (...args: Parameters<ToolsServer["tokenFor"]>) => server.tokenFor(...args);
const call = (...args: Parameters<ToolsServer["call"]>) => server.call(...args);

describe("the catalogue", () => {
  test("ListTools describes each tool with JSON Schemas a model can use", async () => {
    const { tools: list } = await tools.listTools({ namespace: "fs" });
    expect(list.map((t) => t.name)).toEqual([
      "fs.append",
      "fs.chmod",
      "fs.chown",
      "fs.copy",
      "fs.delete",
      "fs.delete_files",
      "fs.disk_usage",
      "fs.list",
      "fs.mkdir",
      "fs.move",
      "fs.move_files",
      "fs.read",
      "fs.search",
      "fs.stat",
      "fs.symlink",
      "fs.tally",
      "fs.write",
    ]);
    const read = list.find((t) => t.name === "fs.read")!;
    expect(read.capability).toBe("fs:read");
    expect(read.readOnly).toBe(true);
    const schema = JSON.parse(read.inputSchemaJson) as { properties: Record<string, unknown>; required: string[] };
    expect(Object.keys(schema.properties)).toEqual(["path", "offset", "length", "last_bytes"]);
    expect(schema.required).toEqual(["path"]);
    expect((await failure(tools.getTool({ name: "fs.teleport" }))).code).toBe("not_found");
    const negative = await failure(tools.listTools({ pageSize: -1 }));
    expect([negative.code, negative.field]).toEqual(["invalid_argument", "page_size"]);
    expect((await failure(tools.queryAudit({ pageSize: -5 }))).field).toBe("page_size");
    expect((await failure(tools.listTools({ pageToken: "next please" }))).field).toBe("page_token");
  });
});

describe("capability tokens", () => {
  test("an agent gets only capabilities it holds", async () => {
    const refused = await failure(tools.issueCapabilityToken({ agent: "reader", capabilities: ["fs:write:/data/**"] }));
    expect(refused.code).toBe("permission_denied");
    expect(refused.message).toBe('agent "reader" is not granted fs:write:/data/**');
    expect((await failure(tools.issueCapabilityToken({ agent: "nobody" }))).message).toContain("holds no capabilities");
    // No ten-year tokens, no look-alike agent names, no self-grant by a variant spelling.
    expect((await failure(tools.issueCapabilityToken({ agent: "reader", ttlMs: 10 * 365 * 86_400_000 }))).field).toBe("ttl_ms");
    expect((await tools.issueCapabilityToken({ agent: "reader", ttlMs: 60_000 })).token).toBeTruthy();
    expect((await failure(tools.issueCapabilityToken({ agent: "reader " }))).field).toBe("agent");
    const self = await failure(tools.grantCapability({ agent: "reader", capability: "fs:write:/data/**", grantedBy: "Agent:reader ", reason: "" }));
    expect(self.code).toBe("permission_denied");
    expect((await failure(tools.grantCapability({ agent: "reader ", capability: "fs:read", grantedBy: "human:root", reason: "" }))).field).toBe("agent");
    expect((await failure(tools.issueCapabilityToken({ agent: "reader", capabilities: ["fs"] }))).field).toBe("capabilities.0");
  });

  test("a forged, altered or expired token is refused and the refusal is audited", async () => {
    const token = await tokenFor("storage");
    const [body, signature] = token.split(".");
    const altered = `${Buffer.from(Buffer.from(body!, "base64url").toString().replace('"storage"', '"root"')).toString("base64url")}.${signature}`;
    expect((await failure(call(altered, "fs.stat", { path: "/data" }))).message).toBe("the capability token's signature is not valid");
    const forged = signToken({ agent: "storage", goal_id: "", task_id: "", caps: ["*:*"], autonomy: "autonomous", iat: 0, exp: Date.now() + 1e6, jti: "x" }, Buffer.alloc(32));
    expect((await failure(call(forged, "fs.stat", { path: "/data" }))).code).toBe("permission_denied");
    const short = (await tools.issueCapabilityToken({ agent: "storage", ttlMs: 1 })).token;
    await Bun.sleep(5);
    expect((await failure(call(short, "fs.stat", { path: "/data" }))).message).toContain("expired");
    const denied = await tools.queryAudit({ result: AuditResult.AUDIT_RESULT_DENIED });
    expect(denied.entries.length).toBeGreaterThanOrEqual(3);
  });
});

describe("fs tools through the pipeline", () => {
  test("write then read: success, audited with hashes", async () => {
    const token = await tokenFor("storage");
    const written = await call(token, "fs.write", { path: "/data/notes.txt", content: "hello\n" });
    expect(written.ok).toBe(true);
    expect(written.output).toEqual({ path: "/data/notes.txt", bytes_written: 6, created: true });
    expect(readFileSync(join(root, "data/notes.txt"), "utf8")).toBe("hello\n");
    const read = await call(token, "fs.read", { path: "/data/notes.txt" });
    expect(read.output).toMatchObject({ content: "hello\n", size: 6, truncated: false });
    const [entry] = (await tools.queryAudit({ tool: "fs.read", pageSize: 1 })).entries;
    expect(entry).toMatchObject({ executionId: read.executionId, agent: "storage", goalId: "g-1", result: AuditResult.AUDIT_RESULT_OK, hash: read.auditHash });
    expect(entry!.inputHash).toMatch(/^[0-9a-f]{64}$/);
    expect(entry!.outputHash).toMatch(/^[0-9a-f]{64}$/);
    // The write's intent went into the ledger before it ran; the read changed nothing and has none.
    const writes = (await tools.queryAudit({ tool: "fs.write", pageSize: 2 })).entries;
    expect(writes.map((e) => [e.executionId, e.result])).toEqual([
      [written.executionId, AuditResult.AUDIT_RESULT_OK],
      [`${written.executionId}#started`, AuditResult.AUDIT_RESULT_STARTED],
    ]);
    expect((await tools.queryAudit({ executionId: `${read.executionId}#started` })).entries).toEqual([]);
  });

  test("bad input is INVALID_ARGUMENT naming the field, and audited", async () => {
    const token = await tokenFor("storage");
    const error = await failure(call(token, "fs.read", { path: "data/notes.txt" }));
    expect(error.code).toBe("invalid_argument");
    expect(error.field).toBe("input.path");
    expect(error.message).toBe("invalid input.path: must be an absolute path");
    expect((await failure(call(token, "fs.read", { path: "/data/x", colour: "red" }))).field).toBe("input.colour");
    // A non-ASCII key or a key of hostile text comes back named, and the server goes on.
    const accented = await failure(call(token, "fs.read", { path: "/data/x", é: 1 }));
    expect(accented.code).toBe("invalid_argument");
    expect(accented.field).toBe("input.é");
    expect((await failure(call(token, "fs.read", { path: "/data/x", ["🔥".slice(0, 1)]: 1 }))).code).toBe("invalid_argument");
    expect((await tools.getTool({ name: "fs.read" })).tool?.name).toBe("fs.read");
    const [entry] = (await tools.queryAudit({ result: AuditResult.AUDIT_RESULT_INVALID, pageSize: 1 })).entries;
    expect(entry?.tool).toBe("fs.read");
  });

  test("a missing capability is PERMISSION_DENIED naming it", async () => {
    const token = await tokenFor("storage");
    const error = await failure(call(token, "fs.read", { path: "/etc/secret" }));
    expect(error.code).toBe("permission_denied");
    expect(error.message).toBe("storage lacks the capability fs:read:/etc/secret for fs.read");
  });

  test("a tool failure is an observation (ok = false), not a gRPC error", async () => {
    const token = await tokenFor("storage");
    const missing = await call(token, "fs.read", { path: "/data/nope.txt" });
    expect(missing.ok).toBe(false);
    expect(missing.error?.code).toBe("not_found");
    const [entry] = (await tools.queryAudit({ pageSize: 1 })).entries;
    expect(entry?.result).toBe(AuditResult.AUDIT_RESULT_FAILED);
  });

  test("output past the cap is cut, and the cut is reported", async () => {
    const token = await tokenFor("storage");
    writeFileSync(join(root, "data/big.txt"), "x".repeat(10_000));
    const read = await call(token, "fs.read", { path: "/data/big.txt" });
    expect(read.ok).toBe(true);
    expect(read.truncated).toBe(true);
    expect((read.output as { content: string }).content).toHaveLength(2048);
    expect(read.output).toMatchObject({ size: 10_000, bytes_read: 2048, truncated: true });
  });
});

describe("regular expressions from callers", () => {
  test("run in linear time: a pattern that backtracks for hours is answered at once; RE2 syntax only", async () => {
    writeFileSync(join(root, "data/redos.txt"), `${"a".repeat(48)}!\n`);
    const token = await tokenFor("storage");
    const searched = await call(token, "fs.search", { path: "/data", name: "redos.txt", content: "^(a+)+$" });
    expect(searched.ok).toBe(true);
    expect((searched.output as { matches: unknown[] }).matches).toEqual([]);
    const found = await call(token, "fs.search", { path: "/data", name: "redos.txt", content: "a{48}!" });
    expect((found.output as { matches: { path: string }[] }).matches.map((m) => m.path)).toEqual(["/data/redos.txt"]);
    const lookbehind = await failure(call(token, "fs.search", { path: "/data", content: "(?<=a)b" }));
    expect([lookbehind.field, lookbehind.message]).toEqual(["input.content", expect.stringContaining("RE2 syntax")]);
  });
});

describe("bounded inputs", () => {
  test("a reason past 1000 characters, or an execution id the ledger could not have made, is INVALID_ARGUMENT before anything is written", async () => {
    const token = await tokenFor("storage");
    const before = (await tools.verifyAudit({})).entriesChecked;
    const long = await failure(call(token, "fs.stat", { path: "/data" }, { reason: "x".repeat(1001) }));
    expect([long.code, long.field, long.message]).toEqual(["invalid_argument", "reason", expect.stringContaining("at most 1000 characters")]);
    const bogus = await failure(tools.rollback({ executionId: `exe_${"../".repeat(50)}`, capabilityToken: token, reason: "undo" }));
    expect([bogus.code, bogus.field]).toEqual(["invalid_argument", "execution_id"]);
    expect((await failure(tools.rollback({ executionId: "exe_nope", capabilityToken: token, reason: "y".repeat(1001) }))).field).toBe("reason");
    expect((await tools.verifyAudit({})).entriesChecked).toBe(before);
  });
});

describe("path safety", () => {
  test("'..' cannot climb out of a granted directory", async () => {
    const token = await tokenFor("storage");
    const error = await failure(call(token, "fs.read", { path: "/data/../etc/secret" }));
    expect(error.message).toContain("fs:read:/etc/secret");
  });

  test("a symlink inside the grant that points outside it is refused", async () => {
    symlinkSync("/etc", join(root, "data/etc-link"));
    symlinkSync("../etc/secret", join(root, "data/secret-link"));
    const token = await tokenFor("storage");
    expect((await failure(call(token, "fs.read", { path: "/data/secret-link" }))).message).toContain("fs:read:/etc/secret");
    // An absolute link resolves on the machine, outside the root: it leads nowhere.
    expect((await failure(call(token, "fs.read", { path: "/data/etc-link/hostname" }))).message).toContain("leads outside the root");
  });

  test("fs.symlink checks where its target really leads, through the links already there", async () => {
    const token = await tokenFor("storage");
    // d → . stays inside /data; then d/../secret reads as /data/secret but the kernel walks d
    // to /data and .. to /: it leads to /secret.
    expect((await call(token, "fs.symlink", { path: "/data/d", target: "." })).ok).toBe(true);
    const climb = await failure(call(token, "fs.symlink", { path: "/data/climb", target: "d/../secret" }));
    expect([climb.code, climb.message]).toEqual(["permission_denied", expect.stringContaining("fs:write:/secret")]);
    expect((await call(token, "fs.symlink", { path: "/data/fine", target: "d/notes.txt" })).ok).toBe(true);
  });

  test("glob characters in a path are literal, and a narrower glob holds", async () => {
    writeFileSync(join(root, "data/pub/readme"), "public\n");
    mkdirSync(join(root, "data/pub/deeper"), { recursive: true });
    writeFileSync(join(root, "data/pub/deeper/private"), "no\n");
    const reader = await tokenFor("reader");
    expect((await call(reader, "fs.read", { path: "/data/pub/readme" })).ok).toBe(true);
    // "*" stops at a slash, and a path named "**" is just a name.
    expect((await failure(call(reader, "fs.read", { path: "/data/pub/deeper/private" }))).code).toBe("permission_denied");
    expect((await failure(call(reader, "fs.read", { path: "/data/pub/**/private" }))).code).toBe("permission_denied");
    expect((await failure(call(reader, "fs.read", { path: "/data/pub/../notes.txt" }))).code).toBe("permission_denied");
  });
});

describe("approvals", () => {
  test("a risky call waits for a human, then runs once, and can be rolled back exactly", async () => {
    writeFileSync(join(root, "data/precious.conf"), "keep me\n");
    chmodSync(join(root, "data/precious.conf"), 0o600);
    const token = await tokenFor("storage");
    const held = await failure(call(token, "fs.delete", { path: "/data/precious.conf" }));
    expect(held.code).toBe("failed_precondition");
    const approvalId = held.details["approval-id"]!;
    expect(approvalId).toStartWith("apr_");
    expect(held.message).toContain("needs a human's approval under supervised autonomy");
    expect(statSync(join(root, "data/precious.conf")).isFile()).toBe(true);

    const pending = (await tools.getApproval({ approvalId })).approval!;
    expect(pending).toMatchObject({ tool: "fs.delete", agent: "storage", state: ApprovalState.APPROVAL_STATE_PENDING, input: { path: "/data/precious.conf" } });
    expect((await failure(call(token, "fs.delete", { path: "/data/precious.conf" }, { approvalId }))).code).toBe("failed_precondition");

    const decided = await tools.decideApproval({ approvalId, approve: true, decidedBy: "human:admin" });
    expect(decided.approval?.state).toBe(ApprovalState.APPROVAL_STATE_APPROVED);
    // The approval is for this input only.
    expect((await failure(call(token, "fs.delete", { path: "/data/notes.txt" }, { approvalId }))).message).toContain("is for another call");
    // And for this goal only: the same agent kind serving another goal cannot spend it.
    const otherGoal = (await tools.issueCapabilityToken({ agent: "storage", autonomy: AutonomyLevel.AUTONOMY_LEVEL_SUPERVISED, goalId: "g-2", taskId: "t-1" })).token;
    expect((await failure(call(otherGoal, "fs.delete", { path: "/data/precious.conf" }, { approvalId }))).message).toContain("is for another call");
    const ran = await call(token, "fs.delete", { path: "/data/precious.conf" }, { approvalId });
    expect(ran.ok).toBe(true);
    expect(ran.backupId).toStartWith("bak_");
    expect(() => statSync(join(root, "data/precious.conf"))).toThrow();
    expect((await failure(call(token, "fs.delete", { path: "/data/precious.conf" }, { approvalId }))).message).toContain("already been used");

    // Undoing it goes through the same pipeline: as risky as the delete, so it asks first.
    const asked = await failure(tools.rollback({ executionId: ran.executionId, capabilityToken: token, reason: "undo" }));
    expect([asked.code, asked.message]).toEqual(["failed_precondition", expect.stringContaining("fs.delete.rollback is high risk and needs a human's approval")]);
    const undoApproval = asked.details["approval-id"]!;
    expect((await tools.getApproval({ approvalId: undoApproval })).approval).toMatchObject({ tool: "fs.delete.rollback", input: { path: "/data/precious.conf" } });
    expect(() => statSync(join(root, "data/precious.conf"))).toThrow();
    await tools.decideApproval({ approvalId: undoApproval, approve: true, decidedBy: "human:admin" });
    const rollback = await tools.rollback({ executionId: ran.executionId, capabilityToken: token, reason: "undo", approvalId: undoApproval });
    expect(rollback.summary).toContain("restored /data/precious.conf");
    // Once: a replay would overwrite whatever changed since.
    const replay = await failure(tools.rollback({ executionId: ran.executionId, capabilityToken: token, reason: "again" }));
    expect([replay.code, replay.message]).toEqual(["failed_precondition", expect.stringContaining("was already rolled back")]);
    expect(readFileSync(join(root, "data/precious.conf"), "utf8")).toBe("keep me\n");
    expect(statSync(join(root, "data/precious.conf")).mode & 0o777).toBe(0o600);
  });

  test("a denied approval never runs; autonomous autonomy runs high-risk calls unasked", async () => {
    writeFileSync(join(root, "data/a.txt"), "a");
    const supervised = await tokenFor("storage");
    const held = await failure(call(supervised, "fs.delete", { path: "/data/a.txt" }));
    const approvalId = held.details["approval-id"]!;
    await tools.decideApproval({ approvalId, approve: false, decidedBy: "human:admin" });
    expect((await failure(call(supervised, "fs.delete", { path: "/data/a.txt" }, { approvalId }))).message).toContain("was denied");
    expect(statSync(join(root, "data/a.txt")).isFile()).toBe(true);
    const autonomous = await tokenFor("storage", AutonomyLevel.AUTONOMY_LEVEL_AUTONOMOUS);
    expect((await call(autonomous, "fs.delete", { path: "/data/a.txt" })).ok).toBe(true);
    const manual = await tokenFor("storage", AutonomyLevel.AUTONOMY_LEVEL_MANUAL);
    expect((await failure(call(manual, "fs.write", { path: "/data/b.txt", content: "b" }))).code).toBe("failed_precondition");
    expect((await call(manual, "fs.stat", { path: "/data" })).ok).toBe(true);
  });

  test("rollback of a write restores the previous content and mode exactly", async () => {
    writeFileSync(join(root, "data/app.conf"), "port = 80\n");
    chmodSync(join(root, "data/app.conf"), 0o640);
    const token = await tokenFor("storage");
    const wrote = await call(token, "fs.write", { path: "/data/app.conf", content: "port = 8080\n", mode: "0644" });
    expect(readFileSync(join(root, "data/app.conf"), "utf8")).toBe("port = 8080\n");
    await tools.rollback({ executionId: wrote.executionId, capabilityToken: token });
    expect(readFileSync(join(root, "data/app.conf"), "utf8")).toBe("port = 80\n");
    expect(statSync(join(root, "data/app.conf")).mode & 0o777).toBe(0o640);
    const created = await call(token, "fs.write", { path: "/data/new.conf", content: "x" });
    await tools.rollback({ executionId: created.executionId, capabilityToken: token });
    expect(() => statSync(join(root, "data/new.conf"))).toThrow();
  });
});
