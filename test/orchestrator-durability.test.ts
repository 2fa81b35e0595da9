/**
 * The orchestrator writes a scheduling step (the tasks that just finished, what they let start)
 * in one commit, and announces its changes after that commit. Killed with -9 at any moment in
 * a DAG of many tasks: every state it announced is in the store after the kill, no task that
 * was stored as succeeded runs again, and the resumed goal finishes with every task run.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { OrchestratorStore } from "../lib/orchestrator/store.ts";
import { REPO } from "./support/binary.ts";

const dir = mkdtempSync(join(tmpdir(), "aios-orch-durability-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const TASKS = 400;

/** Runs the engine until `stopWhen` is true of its announcements, then kills it with -9. */
async function runUntil(root: string, args: string[], stopWhen: (announced: string[]) => boolean): Promise<string[]> {
  // The Bun that runs this test runs the engine too.
  const child = Bun.spawn([process.execPath, join(REPO, "test/support/dag-engine.ts"), root, ...args], { stdout: "pipe", stderr: "inherit", cwd: REPO });
  const announced: string[] = [];
  const decoder = new TextDecoder();
  let pending = "";
  for await (const chunk of child.stdout) {
    pending += decoder.decode(chunk);
    const lines = pending.split("\n");
    pending = lines.pop()!;
    announced.push(...lines);
    if (stopWhen(announced)) break;
  }
  child.kill("SIGKILL");
  await child.exited;
  return announced;
}

const ran = (root: string, mode: string) =>
  existsSync(join(root, `ran-${mode}.txt`))
    ? readFileSync(join(root, `ran-${mode}.txt`), "utf8")
        .trim()
        .split("\n")
        .filter(Boolean)
    : [];

describe("kill -9 during scheduling steps", () => {
  for (const after of [3, 57, 211]) {
    test(`killed after ${after} tasks were announced succeeded: nothing announced is lost, nothing succeeded runs again`, async () => {
      const root = join(dir, `after-${after}`);
      const succeeded = (lines: string[]) => lines.filter((line) => line.endsWith(" succeeded"));
      const announced = await runUntil(root, ["new", String(TASKS)], (lines) => succeeded(lines).length >= after);

      const store = new OrchestratorStore(join(root, "orchestrator.db"));
      const goal = store.goalsIn(["queued", "planning", "running", "waiting_approval", "succeeded"])[0]!;
      const stored = new Map(store.tasks(goal.id).map((task) => [task.id, task.state]));
      store.close();
      // Every change announced is in the store: a succeeded task stays succeeded; a task
      // announced running is at least running (it may have finished since).
      for (const line of announced.filter((l) => l.startsWith("ANNOUNCED "))) {
        const [, task, state] = line.split(" ");
        if (state === "succeeded") expect([task, stored.get(task!)]).toEqual([task, "succeeded"]);
        if (state === "running") expect([task, ["running", "succeeded"].includes(stored.get(task!)!)]).toEqual([task, true]);
      }
      const storedSucceeded = [...stored].filter(([, state]) => state === "succeeded").map(([id]) => id);
      expect(storedSucceeded.length).toBeGreaterThanOrEqual(succeeded(announced).length);

      await runUntil(root, ["resume"], (lines) => lines.includes("GOAL SUCCEEDED"));
      const resumed = ran(root, "resume");
      // What was stored as succeeded did not run again; everything else ran after the restart.
      expect(resumed.filter((id) => storedSucceeded.includes(id))).toEqual([]);
      expect(new Set([...storedSucceeded, ...resumed]).size).toBe(TASKS);
      const after2 = new OrchestratorStore(join(root, "orchestrator.db"));
      expect(after2.tasks(goal.id).every((task) => task.state === "succeeded")).toBe(true);
      expect(after2.goal(goal.id)!.state).toBe("succeeded");
      after2.close();
    });
  }
});

describe("what waits for a commit", () => {
  test("runs after the outermost transaction commits, never when it rolls back", () => {
    const store = new OrchestratorStore(join(dir, "commit-callbacks.db"));
    const heard: string[] = [];
    store.afterCommit(() => heard.push("outside: at once"));
    store.transaction(() => {
      store.transaction(() => store.afterCommit(() => heard.push("inner")));
      store.afterCommit(() => heard.push("outer"));
      expect(heard).toEqual(["outside: at once"]);
    });
    expect(heard).toEqual(["outside: at once", "inner", "outer"]);
    expect(() =>
      store.transaction(() => {
        store.afterCommit(() => heard.push("rolled back"));
        throw new Error("no");
      }),
    ).toThrow("no");
    store.transaction(() => store.afterCommit(() => heard.push("next commit")));
    expect(heard).toEqual(["outside: at once", "inner", "outer", "next commit"]);
    store.close();
  });
});

describe("which commits wait for the disk", () => {
  test("a step's commit (flush: false) does not; the connection waits again after it, rolled back or nested alike", () => {
    const store = new OrchestratorStore(join(dir, "flush.db"));
    const FULL = 2;
    const NORMAL = 1;
    expect(store.synchronousLevel()).toBe(FULL);
    let inside = 0;
    store.transaction(
      () => {
        inside = store.synchronousLevel();
      },
      { flush: false },
    );
    expect([inside, store.synchronousLevel()]).toEqual([NORMAL, FULL]);
    expect(() =>
      store.transaction(
        () => {
          throw new Error("no");
        },
        { flush: false },
      ),
    ).toThrow("no");
    expect(store.synchronousLevel()).toBe(FULL);
    // Inside a transaction that waits, the outermost commit decides: it still waits.
    store.transaction(() => {
      store.transaction(
        () => {
          inside = store.synchronousLevel();
        },
        { flush: false },
      );
    });
    expect([inside, store.synchronousLevel()]).toEqual([FULL, FULL]);
    store.close();
  });
});
