/**
 * Rollback through the executor's pipeline, with a reversible test tool whose restore can be
 * made to fail or hang: every undo is audited as TOOL.rollback whatever becomes of it, with its
 * real duration; it needs the call's capability, asks by risk, stops at the time limit and on
 * the caller's cancel; a failed undo can be tried again, a done one cannot.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as v from "valibot";
import { quiet } from "../../test/support/tools-server.ts";
import { Approvals } from "./approvals.ts";
import { AuditLedger } from "./audit.ts";
import { Backups } from "./backups.ts";
import { openToolsDatabase } from "./db.ts";
import { ToolExecutor } from "./executor.ts";
import { Grants } from "./grants.ts";
import { ProtectedPaths } from "./protected.ts";
import { defineTool, ToolRegistry } from "./registry.ts";
import { type Autonomy, signToken } from "./token.ts";
import { refusal as refused } from "../../test/support/refusal.ts";

let dir: string;
let ledger: AuditLedger;
let executor: ToolExecutor;
let approvals: Approvals;
const key = Buffer.alloc(32, 9);
/** What the next restore does: succeed, throw, or wait until stopped. */
let restoreDoes: "restore" | "fail" | "hang" = "restore";
const state = new Map<string, string>();

const flip = defineTool({
  name: "test.flip",
  description: "sets a named value; reversible",
  input: v.object({ name: v.string(), value: v.string() }),
  output: v.object({ was: v.string() }),
  risk: "medium",
  riskOf: (input) => (input.name === "door" ? "high" : "medium"),
  capability: "test:flip",
  readOnly: false,
  idempotent: true,
  reversible: true,
  timeoutMs: 200,
  resources: (input) => [input.name],
  backup: (input) => ({ kind: "value", data: { name: input.name, was: state.get(input.name) ?? "" } }),
  restore: async (backup, _dir, ctx) => {
    if (restoreDoes === "fail") throw new Error("the store is read-only now");
    if (restoreDoes === "hang") {
      await new Promise((resolve) => ctx.signal.addEventListener("abort", resolve));
      throw new Error("stopped");
    }
    state.set(String(backup.data.name), String(backup.data.was));
    return `${backup.data.name} is ${backup.data.was || "unset"} again`;
  },
  run: (input) => {
    const was = state.get(input.name) ?? "";
    state.set(input.name, input.value);
    return { was };
  },
});

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "aios-rollback-"));
  const db = openToolsDatabase(join(dir, "tools.db"));
  ledger = new AuditLedger(db);
  approvals = new Approvals(db, 60_000);
  executor = new ToolExecutor({
    registry: new ToolRegistry([flip]),
    ledger,
    approvals,
    backups: new Backups(join(dir, "backups"), 50),
    grants: new Grants(db, new Map([["tester", ["test:flip:*"]]])),
    key,
    root: "",
    outputCap: 1024,
    initSocket: join(dir, "no-init.sock"),
    stateDir: dir,
    protectedPaths: new ProtectedPaths({ stateDir: "/var/lib/aios", runDir: "/run/aios", configDir: "/etc/aios" }),
    log: quiet,
  });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const token = (caps = ["test:flip:*"], autonomy: Autonomy = "supervised") =>
  signToken({ agent: "tester", goal_id: "g-9", task_id: "t-1", caps, autonomy, iat: 0, exp: Date.now() + 60_000, jti: crypto.randomUUID() }, key);
const flipped = async (name: string, value: string) => {
  // Done unasked (autonomous); undone below at supervised autonomy.
  const outcome = await executor.execute({
    tool: "test.flip",
    input: { name, value },
    token: token(undefined, "autonomous"),
    approvalId: "",
    goalId: "",
    taskId: "",
    reason: "",
    timeoutMs: 0,
    signal: new AbortController().signal,
  });
  expect(outcome.ok).toBe(true);
  return outcome.executionId;
};
const undo = (executionId: string, extra: Partial<Parameters<ToolExecutor["rollback"]>[0]> = {}) =>
  executor.rollback({ executionId, token: token(), approvalId: "", reason: "", timeoutMs: 0, signal: new AbortController().signal, ...extra });
const lastEntry = () => ledger.query({}, 1)[0]!;

describe("rollback through the pipeline", () => {
  test("a restore that fails is audited as failed with its duration, and can be tried again; once done, never twice", async () => {
    const id = await flipped("lamp", "on");
    restoreDoes = "fail";
    const failed = await undo(id);
    expect([failed.ok, failed.error]).toEqual([false, { code: "io", message: "the store is read-only now" }]);
    expect(ledger.byExecution(failed.executionId)).toMatchObject({ tool: "test.flip.rollback", result: "failed", error: "the store is read-only now", agent: "tester", goal_id: "g-9" });
    expect(state.get("lamp")).toBe("on");
    restoreDoes = "restore";
    const done = await undo(id);
    expect([done.ok, done.output]).toEqual([true, { summary: "lamp is unset again" }]);
    expect(state.get("lamp")).toBe("");
    const again = await refused(undo(id));
    expect([again.code, again.message]).toEqual(["failed_precondition", expect.stringContaining("was already rolled back")]);
    expect(lastEntry()).toMatchObject({ tool: "test.flip.rollback", result: "invalid" });
    expect(ledger.verify().ok).toBe(true);
  });

  test("a restore past the tool's time limit is stopped and audited as a timeout; the caller's cancel as a cancel", async () => {
    const id = await flipped("fan", "fast");
    restoreDoes = "hang";
    const late = await undo(id);
    expect([late.ok, late.error?.code]).toEqual([false, "timeout"]);
    const row = ledger.byExecution(late.executionId)!;
    expect([row.result, row.duration_ms >= 150]).toEqual(["timeout", true]);
    const caller = new AbortController();
    const pending = undo(id, { signal: caller.signal });
    setTimeout(() => caller.abort(), 20);
    const cancelled = await pending;
    expect([cancelled.ok, cancelled.error?.code, ledger.byExecution(cancelled.executionId)?.result]).toEqual([false, "cancelled", "cancelled"]);
    restoreDoes = "restore";
    expect(state.get("fan")).toBe("fast");
  });

  test("undoing needs the call's capability for the same resource, and asks by the call's risk", async () => {
    const id = await flipped("door", "open");
    const denied = await refused(undo(id, { token: token(["test:flip:window"]) }));
    expect([denied.code, denied.message]).toEqual(["permission_denied", expect.stringContaining("lacks the capability test:flip:door for test.flip.rollback")]);
    expect(lastEntry()).toMatchObject({ tool: "test.flip.rollback", result: "denied" });
    // The door was a high-risk flip: under supervised autonomy its undo waits for a person.
    const asked = await refused(undo(id));
    expect([asked.code, asked.message]).toEqual(["failed_precondition", expect.stringContaining("test.flip.rollback is high risk")]);
    const approvalId = asked.details["approval-id"]!;
    expect(state.get("door")).toBe("open");
    approvals.decide(approvalId, true, "human:admin");
    expect((await undo(id, { approvalId })).ok).toBe(true);
    expect(state.get("door")).toBe("");
  });

  test("a backup whose saved input was changed to one the tool does not take is refused, not run", async () => {
    const id = await flipped("vent", "open");
    const meta = join(dir, "backups", ledger.byExecution(id)!.backup_id, "meta.json");
    writeFileSync(meta, JSON.stringify({ ...JSON.parse(readFileSync(meta, "utf8")), input: { name: 42 } }));
    const refusedUndo = await refused(undo(id));
    expect([refusedUndo.code, refusedUndo.message]).toEqual(["failed_precondition", expect.stringContaining("holds an input test.flip no longer takes")]);
    expect(lastEntry()).toMatchObject({ tool: "test.flip.rollback", result: "invalid" });
    expect(state.get("vent")).toBe("open");
  });

  test("an execution that is not in the ledger, or made no backup, is refused and audited", async () => {
    const unknown = await refused(undo("exe_nope"));
    expect([unknown.code, unknown.message]).toEqual(["not_found", "no execution exe_nope in the audit ledger"]);
    expect(lastEntry()).toMatchObject({ tool: "unknown.rollback", result: "invalid" });
  });
});
