import { afterAll, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type CallRecord, GROUP_WINDOW_MS, UsageLedger } from "./usage.ts";

const dir = mkdtempSync(join(tmpdir(), "aios-usage-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const call = (costUsd: number, model = "m"): CallRecord => ({
  time: Date.now(),
  providerId: costUsd > 0 ? "cloud" : "local",
  model,
  layer: "operational",
  inputTokens: 10,
  outputTokens: 5,
  costUsd,
  latencyMs: 1,
  waitMs: 0,
  goalId: "",
  taskId: "",
  purpose: "test",
});

/** What another connection (a restarted gateway) finds in the file. */
const onDisk = (path: string) => {
  const other = new Database(path, { readonly: true });
  try {
    return other.query<{ n: number; spent: number | null }, []>("SELECT COUNT(*) AS n, SUM(cost_usd) AS spent FROM calls").get()!;
  } finally {
    other.close();
  }
};

test("a call that costs money is in the file when record returns, with the free calls that waited", () => {
  const path = join(dir, "paid.db");
  const ledger = new UsageLedger(path);
  ledger.record(call(0));
  ledger.record(call(0));
  expect(onDisk(path).n).toBe(0);
  ledger.record(call(0.25));
  expect(onDisk(path)).toEqual({ n: 3, spent: 0.25 });
  ledger.close();
});

test("free calls reach the file within the window; every read sees them at once", async () => {
  const path = join(dir, "free.db");
  const ledger = new UsageLedger(path);
  ledger.record(call(0, "a"));
  ledger.record(call(0, "b"));
  expect(ledger.byModel(0, Date.now() + 1000).map((row) => [row.model, row.usage.requests])).toEqual([
    ["a", 1],
    ["b", 1],
  ]);
  ledger.record(call(0, "c"));
  await Bun.sleep(GROUP_WINDOW_MS * 2);
  expect(onDisk(path).n).toBe(3);
  ledger.record(call(0, "d"));
  ledger.close();
  expect(onDisk(path).n).toBe(4);
});

test("free calls that cannot be written (a full disk) stay waiting, and the next write reports it and keeps them", async () => {
  const path = join(dir, "full.db");
  const ledger = new UsageLedger(path);
  const other = new Database(path);
  other.run("CREATE TRIGGER refuse_calls BEFORE INSERT ON calls BEGIN SELECT RAISE(ABORT, 'disk full'); END");
  ledger.record(call(0, "a"));
  await Bun.sleep(GROUP_WINDOW_MS * 2); // the window's write fails without ending the process
  expect(() => ledger.record(call(0.5, "b"))).toThrow(/disk full/);
  other.run("DROP TRIGGER refuse_calls");
  other.close();
  expect(ledger.byModel(0, Date.now() + 1000).map((row) => row.model)).toEqual(["a", "b"]);
  ledger.close();
  expect(onDisk(path)).toEqual({ n: 2, spent: 0.5 });
});
