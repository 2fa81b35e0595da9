/**
 * The Tools service through real gRPC on a Unix socket, with its real SQLite ledger, key and
 * backups in a temp root.
 */
import { Database } from "bun:sqlite";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHash, createHmac } from "node:crypto";
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as v from "valibot";
import { parseConfig } from "../config/index.ts";
import { createLogger } from "../log/index.ts";
import { ApprovalState, AutonomyLevel } from "../rpc/gen/aios/v1/common.ts";
import { AuditResult, ToolsServiceDefinition } from "../rpc/gen/aios/v1/tools.ts";
import { AiosError, connect, type RunningServer, serve, type ServiceClient } from "../rpc/index.ts";
import { Approvals } from "./approvals.ts";
import { AuditLedger, type ExternalAnchor } from "./audit.ts";
import { canonicalJson } from "./canonical.ts";
import { Backups } from "./backups.ts";
import { toolsComponent } from "./component.ts";
import { openToolsDatabase } from "./db.ts";
import { ToolExecutor } from "./executor.ts";
import { ProtectedPaths } from "./protected.ts";
import { Grants } from "./grants.ts";
import { defineTool, ToolRegistry } from "./registry.ts";
import { signToken } from "./token.ts";
import { agentToml } from "../../test/support/agents.ts";

const quiet = createLogger({ component: "aios-tools-test", level: "error", sink: () => {} });
let dir: string;
let root: string;
let server: RunningServer;
let tools: ServiceClient<typeof ToolsServiceDefinition>;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "aios-tools-"));
  root = join(dir, "root");
  mkdirSync(join(root, "etc/aios/agents"), { recursive: true });
  mkdirSync(join(root, "data/pub"), { recursive: true });
  mkdirSync(join(root, "etc"), { recursive: true });
  writeFileSync(join(root, "etc/secret"), "root-only\n");
  writeFileSync(join(root, "etc/aios/agents/storage.toml"), agentToml(["fs:read:/data/**", "fs:write:/data/**", "fs:delete:/data/**"]));
  writeFileSync(join(root, "etc/aios/agents/reader.toml"), agentToml(["fs:read:/data/pub/*"]));
  const config = parseConfig({ tools: { output_cap_bytes: 2048 } }, "test");
  const services = await toolsComponent.services({ config, root, log: quiet, onStop: () => {} });
  server = await serve({ socketPath: join(dir, "tools.sock"), component: "aios-tools", log: quiet, services });
  tools = connect(ToolsServiceDefinition, join(dir, "tools.sock"));
});
afterAll(async () => {
  tools.close();
  await server.close(1000);
  rmSync(dir, { recursive: true, force: true });
});

async function tokenFor(agent: string, autonomy = AutonomyLevel.AUTONOMY_LEVEL_SUPERVISED, capabilities: string[] = []) {
  return (await tools.issueCapabilityToken({ agent, autonomy, capabilities, goalId: "g-1", taskId: "t-1" })).token;
}

async function failure(promise: Promise<unknown>): Promise<AiosError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(AiosError);
    return error as AiosError;
  }
  throw new Error("the call succeeded");
}

const call = (token: string, tool: string, input: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  tools.execute({ tool, input, capabilityToken: token, goalId: "g-1", taskId: "t-1", reason: "test", ...extra });

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

    const rollback = await tools.rollback({ executionId: ran.executionId, capabilityToken: token, reason: "undo" });
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

describe("the audit ledger", () => {
  test("1000 mixed calls verify; editing, deleting or reordering any row is caught at that row", async () => {
    const token = await tokenFor("storage");
    const before = (await tools.verifyAudit({})).entriesChecked;
    for (let i = 0; i < 1000; i++) {
      const kind = i % 4;
      if (kind === 0) await call(token, "fs.write", { path: `/data/many-${i % 10}.txt`, content: `${i}` });
      else if (kind === 1) await call(token, "fs.read", { path: `/data/many-${i % 10}.txt` }).catch(() => undefined);
      else if (kind === 2) await call(token, "fs.read", { path: "/etc/secret" }).catch(() => undefined);
      else await call(token, "fs.stat", { path: "/data/nope" });
    }
    const verified = await tools.verifyAudit({});
    expect(verified).toMatchObject({ ok: true, firstBrokenSeq: 0 });
    // 1000 entries, and 250 more: each write's "#started" entry before it.
    expect(verified.entriesChecked).toBe(before + 1250);

    // Copies of the ledger, each with its own copy of the head record, checked with the key.
    const toolsDir = join(root, "var/lib/aios/tools");
    const { key, since } = JSON.parse(readFileSync(join(toolsDir, "audit.key"), "utf8")) as { key: string; since: number };
    const copy = (name: string) => {
      const path = join(dir, `${name}.db`);
      const source = new Database(join(toolsDir, "tools.db"));
      source.exec(`VACUUM INTO '${path}'`);
      source.close();
      copyFileSync(join(toolsDir, "audit.head"), `${path}.head`);
      return new Database(path);
    };
    const verifyCopy = (db: Database, anchors: ExternalAnchor[] = []) => new AuditLedger(db, { key: Buffer.from(key, "base64"), since, headPath: `${db.filename}.head` }).verify(anchors);
    const end = verified.entriesChecked;
    // What someone without the key would write: the chain recomputed with plain SHA-256.
    const rechain = (db: Database, from: number) => {
      let prev = db.query<{ hash: string }, [number]>("SELECT hash FROM audit WHERE seq = ?").get(from - 1)?.hash ?? "0".repeat(64);
      for (const row of db.query<Record<string, unknown>, [number]>("SELECT * FROM audit WHERE seq >= ? ORDER BY seq").all(from)) {
        const { hash: _old, ...rest } = row;
        const hash = createHash("sha256")
          .update(prev + canonicalJson({ ...rest, prev_hash: prev }))
          .digest("hex");
        db.query("UPDATE audit SET prev_hash = ?, hash = ? WHERE seq = ?").run(prev, hash, row.seq as number);
        prev = hash;
      }
    };
    // What someone holding the key would write: the chain and the head record recomputed with it.
    const keyed = Buffer.from(key, "base64");
    const rechainWithKey = (db: Database, from: number) => {
      let prev = db.query<{ hash: string }, [number]>("SELECT hash FROM audit WHERE seq = ?").get(from - 1)?.hash ?? "0".repeat(64);
      for (const row of db.query<Record<string, unknown>, [number]>("SELECT * FROM audit WHERE seq >= ? ORDER BY seq").all(from)) {
        const { hash: _old, ...rest } = row;
        const hash = createHmac("sha256", keyed)
          .update(prev + canonicalJson({ ...rest, prev_hash: prev }))
          .digest("hex");
        db.query("UPDATE audit SET prev_hash = ?, hash = ? WHERE seq = ?").run(prev, hash, row.seq as number);
        prev = hash;
      }
      const last = db.query<{ seq: number; hash: string }, []>("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").get()!;
      const slot = JSON.stringify({ seq: last.seq, hash: last.hash, mac: createHmac("sha256", keyed).update(`${last.seq}:${last.hash}`).digest("hex") }).padEnd(256);
      writeFileSync(`${db.filename}.head`, slot + slot);
    };
    const original = new Database(join(toolsDir, "tools.db"), { readonly: true });
    const endHash = original.query<{ hash: string }, [number]>("SELECT hash FROM audit WHERE seq = ?").get(end)!.hash;
    original.close();
    // The head as aios-memory anchored it (and a person or the console noted it).
    const anchored = [{ seq: end, hash: endHash, source: "aios-memory" }];
    const cases: Array<[string, (db: Database) => void, number, string, string]> = [
      ["a field edited", (db) => db.exec("UPDATE audit SET agent = 'someone-else' WHERE seq = 500"), 500, "edited", "it was edited"],
      ["an entry deleted", (db) => db.exec("DELETE FROM audit WHERE seq = 321"), 321, "removed", "an entry is missing"],
      [
        "two entries swapped",
        (db) => db.exec("UPDATE audit SET seq = -1 WHERE seq = 700; UPDATE audit SET seq = 700 WHERE seq = 701; UPDATE audit SET seq = 701 WHERE seq = -1;"),
        700,
        "reordered",
        "reordered",
      ],
      [
        "the last entry edited",
        (db) => db.exec("UPDATE audit SET result = CASE result WHEN 'ok' THEN 'failed' ELSE 'ok' END WHERE seq = (SELECT MAX(seq) FROM audit)"),
        end,
        "edited",
        "it was edited",
      ],
      ["the last entry removed", (db) => db.exec(`DELETE FROM audit WHERE seq = ${end}`), end, "truncated", "removed from the end"],
      ["the last five removed", (db) => db.exec(`DELETE FROM audit WHERE seq > ${end - 5}`), end - 4, "truncated", "removed from the end"],
      ["every entry removed", (db) => db.exec("DELETE FROM audit"), 1, "truncated", "removed from the end"],
      ["an edit with the chain recomputed", (db) => (db.exec("UPDATE audit SET agent = 'someone-else' WHERE seq = 600"), rechain(db, 600)), 600, "edited", "keyed hash"],
      [
        "a delete with the rest renumbered and rechained",
        (db) => (db.exec(`DELETE FROM audit WHERE seq = 800; UPDATE audit SET seq = seq - 1 WHERE seq > 800`), rechain(db, 800)),
        800,
        "edited",
        "keyed hash",
      ],
      [
        "a forged entry appended",
        (db) => (
          db.exec(
            `INSERT INTO audit SELECT seq + 1, execution_id || '-forged', time, agent, goal_id, task_id, tool, reason, input_hash, output_hash, result, error, duration_ms, backup_id, approval_id, hash, hash FROM audit WHERE seq = ${end}`,
          ),
          rechain(db, end + 1)
        ),
        end + 1,
        "forged",
        "added without the key",
      ],
      ["the head record deleted", (db) => rmSync(`${db.filename}.head`), end + 1, "head_missing", "head record"],
      [
        "the head record forged to match a cut",
        (db) => (
          db.exec(`DELETE FROM audit WHERE seq = ${end}`),
          writeFileSync(`${db.filename}.head`, [end - 1, end - 2].map((seq) => JSON.stringify({ seq, hash: "0".repeat(64), mac: "0".repeat(64) }).padEnd(256)).join(""))
        ),
        end - 1,
        "head_forged",
        "forged",
      ],
      ["the last entry replaced by a rechained one", (db) => (db.exec(`UPDATE audit SET tool = 'fs.read' WHERE seq = ${end}`), rechain(db, end)), end, "edited", "keyed hash"],
      // With the key, the ledger and its head record agree again: only a head kept elsewhere sees it.
      [
        "with the key: the tail cut, the head record rewritten",
        (db) => (db.exec(`DELETE FROM audit WHERE seq > ${end - 3}`), rechainWithKey(db, end - 2)),
        end - 2,
        "truncated",
        "aios-memory kept entry",
      ],
      [
        "with the key: an entry edited, everything after it rehashed",
        (db) => (db.exec("UPDATE audit SET agent = 'someone-else' WHERE seq = 900"), rechainWithKey(db, 900)),
        end,
        "rewritten",
        "not the one aios-memory kept",
      ],
    ];
    for (const [name, tamper, seq, kind, says] of cases) {
      const db = copy(name.replaceAll(" ", "-").replaceAll(":", "").replaceAll(",", ""));
      tamper(db);
      const result = verifyCopy(db, anchored);
      expect([name, result.ok, result.firstBrokenSeq, result.tampering]).toEqual([name, false, seq, kind]);
      expect([name, result.reason]).toEqual([name, expect.stringContaining(says)]);
      db.close();
    }
    // Without the anchor, the keyed rewrite passes: that is what the anchor is for.
    const unanchored = copy("keyed-rewrite-unanchored");
    unanchored.exec("UPDATE audit SET agent = 'someone-else' WHERE seq = 900");
    rechainWithKey(unanchored, 900);
    expect(verifyCopy(unanchored).ok).toBe(true);
    // Untouched, a copy verifies: the cases above are the tampering, not the copying.
    expect(verifyCopy(copy("untouched"), anchored).ok).toBe(true);
    // A crash that tears the slot being written leaves the other slot's (older) head: still sound.
    const torn = copy("torn");
    const headFile = `${torn.filename}.head`;
    const bytes = readFileSync(headFile);
    bytes.fill(0x7a, (end % 2) * 256 + 10, (end % 2) * 256 + 60);
    writeFileSync(headFile, bytes);
    expect(verifyCopy(torn).ok).toBe(true);
    // The recomputed chains are sound SHA-256 chains: without the key (as before) they pass.
    const rewritten = copy("rewritten");
    rewritten.exec("UPDATE audit SET agent = 'someone-else' WHERE seq = 10");
    rechain(rewritten, 1);
    expect(new AuditLedger(rewritten).verify().ok).toBe(true);
    expect(verifyCopy(rewritten).ok).toBe(false);
  });
});

describe("timeouts", () => {
  test("a call past its time limit is stopped, reported and audited as a timeout", async () => {
    const db = openToolsDatabase(join(dir, "timeouts/tools.db"));
    const slow = defineTool({
      name: "test.sleep",
      description: "sleeps",
      input: v.object({ ms: v.number() }),
      output: v.object({ slept: v.number() }),
      risk: "low",
      capability: "test:sleep",
      readOnly: true,
      idempotent: true,
      reversible: false,
      timeoutMs: 100,
      resources: () => [],
      run: async (input, ctx) => {
        await new Promise((resolve) => {
          const timer = setTimeout(resolve, input.ms);
          ctx.signal.addEventListener("abort", () => clearTimeout(timer));
        });
        return { slept: input.ms };
      },
    });
    const key = Buffer.alloc(32, 7);
    const ledger = new AuditLedger(db);
    const grants = new Grants(db, new Map([["tester", ["test:sleep"]]]));
    const executor = new ToolExecutor({
      registry: new ToolRegistry([slow]),
      ledger,
      approvals: new Approvals(db, 1000),
      backups: new Backups(join(dir, "timeouts/backups"), 5),
      grants,
      key,
      root: "",
      outputCap: 1024,
      initSocket: join(dir, "no-init.sock"),
      stateDir: join(dir, "timeouts"),
      protectedPaths: new ProtectedPaths({ stateDir: "/var/lib/aios", runDir: "/run/aios", configDir: "/etc/aios" }),
      log: quiet,
    });
    const token = signToken({ agent: "tester", goal_id: "", task_id: "", caps: ["test:sleep"], autonomy: "supervised", iat: 0, exp: Date.now() + 60_000, jti: "t" }, key);
    const base = { token, approvalId: "", goalId: "", taskId: "", reason: "", signal: new AbortController().signal };
    const quick = await executor.execute({ ...base, tool: "test.sleep", input: { ms: 1 }, timeoutMs: 0 });
    expect(quick).toMatchObject({ ok: true, output: { slept: 1 } });
    const late = await executor.execute({ ...base, tool: "test.sleep", input: { ms: 5000 }, timeoutMs: 0 });
    expect(late.ok).toBe(false);
    expect(late.error).toEqual({ code: "timeout", message: "test.sleep did not finish within 100 ms and was stopped" });
    expect(ledger.byExecution(late.executionId)?.result).toBe("timeout");
    expect(ledger.verify().ok).toBe(true);
  });
});
