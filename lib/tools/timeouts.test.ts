/**
 * A tool past its time limit: the executor stops it through its signal, reports a timeout and
 * audits it as one.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as v from "valibot";
import { Approvals } from "./approvals.ts";
import { AuditLedger } from "./audit.ts";
import { Backups } from "./backups.ts";
import { openToolsDatabase } from "./db.ts";
import { ToolExecutor } from "./executor.ts";
import { Grants } from "./grants.ts";
import { ProtectedPaths } from "./protected.ts";
import { defineTool, ToolRegistry } from "./registry.ts";
import { signToken } from "./token.ts";
import { quiet } from "../../test/support/tools-server.ts";

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "aios-tools-timeouts-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

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
