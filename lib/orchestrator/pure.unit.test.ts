/**
 * The orchestrator's pure parts: plan checks (size, ids, dependencies, cycles, agents and
 * their tools), the DAG runner (dependency order, parallelism, a failure skips its
 * dependants transitively), and reactive plans (a step that acts on an earlier one waits
 * for it; a repeating time is a schedule; `call TOOL ARGS`).
 */
import { describe, expect, test } from "bun:test";
import type { AgentKind } from "./agents.ts";
import { runDag } from "./dag.ts";
import { findCycle, type ToolInfo, validatePlan } from "./plan.ts";
import { reactivePlan } from "./reactive.ts";
import { hasRedactions, REDACTED, redactSecrets } from "./redact.ts";
import { newTaskRow, type TaskRow } from "./store.ts";

const agent = (kind: string, toolNamespaces: string[], capabilities: string[]): AgentKind => ({
  kind,
  description: kind,
  toolNamespaces,
  capabilities,
  defaultLayer: "operational",
  stepLimit: 4,
  prompt: "",
});
const AGENTS = new Map([
  ["general", agent("general", ["fs", "monitor"], ["fs:read", "monitor:read"])],
  ["storage", agent("storage", ["fs"], ["fs:read", "fs:delete:/tmp/**"])],
  ["monitor", agent("monitor", ["monitor", "process"], ["monitor:read", "process:read"])],
  ["system", agent("system", ["process"], ["process:kill"])],
]);
const tool = (name: string, capability: string, required: string[] = []): ToolInfo => ({
  name,
  namespace: name.split(".")[0]!,
  description: name,
  inputSchema: { type: "object", required, properties: Object.fromEntries(required.map((r) => [r, { type: "string" }])) },
  capability,
  risk: 1,
  idempotent: true,
  readOnly: true,
});
const TOOLS = new Map(
  [
    tool("fs.stat", "fs:read", ["path"]),
    tool("fs.search", "fs:read", ["path"]),
    tool("fs.delete_files", "fs:delete", ["paths"]),
    tool("monitor.top", "monitor:read"),
    tool("process.kill", "process:kill", ["pid"]),
  ].map((t) => [t.name, t]),
);

describe("plan checks", () => {
  const task = (id: string, dependsOn: string[] = [], agentKind = "general", tools = ["fs.stat"]) => ({
    id,
    description: id,
    agent: agentKind,
    tools,
    dependsOn,
    layer: "operational" as const,
    successCheck: "",
  });

  test("a valid plan passes; each fault is named in a sentence a model can repair from", () => {
    expect(validatePlan({ layer: "operational", tasks: [task("a"), task("b", ["a"])] }, AGENTS, TOOLS, 10)).toEqual([]);
    const errors = validatePlan({ layer: "operational", tasks: [task("a", ["ghost"]), task("a"), task("c", [], "wizard"), task("d", [], "monitor", ["fs.stat"])] }, AGENTS, TOOLS, 3);
    expect(errors).toEqual([
      "the plan has 4 tasks; at most 3 are allowed",
      'task id "a" is used twice',
      'task "a" depends on "ghost", which is not a task of the plan',
      'task "c": agent "wizard" does not exist (agents: general, storage, monitor, system)',
      'task "d": agent "monitor" may not use fs.stat (its namespaces: monitor, process)',
    ]);
  });

  test("a dependency cycle is found and named", () => {
    expect(
      findCycle([
        { id: "a", dependsOn: ["c"] },
        { id: "b", dependsOn: ["a"] },
        { id: "c", dependsOn: ["b"] },
      ]),
    ).toEqual(["a", "c", "b", "a"]);
    expect(
      findCycle([
        { id: "a", dependsOn: [] },
        { id: "b", dependsOn: ["a"] },
      ]),
    ).toBeNull();
  });
});

describe("the DAG runner", () => {
  const row = (id: string, dependsOn: string[] = []): TaskRow => newTaskRow({ goalId: "g", id, seq: 0, description: id, agent: "general", dependsOn });

  test("tasks run after their dependencies, at most maxParallel at once; a failure skips its dependants, transitively", async () => {
    const order: string[] = [];
    const skipped: string[] = [];
    const log: string[] = [];
    let inStep = false;
    let running = 0;
    let most = 0;
    await runDag<string>([row("a"), row("b"), row("c", ["a", "b"]), row("d", ["c"]), row("x"), row("y", ["x"]), row("z", ["y"])], {
      maxParallel: 2,
      signal: new AbortController().signal,
      step: (writes) => {
        inStep = true;
        try {
          return writes();
        } finally {
          inStep = false;
          log.push("commit");
        }
      },
      begin: (task) => {
        expect(inStep).toBe(true);
        log.push(`begin ${task.id}`);
      },
      work: async (task) => {
        expect(inStep).toBe(false);
        running++;
        most = Math.max(most, running);
        await Bun.sleep(5);
        running--;
        order.push(task.id);
        return task.id === "x" ? "failed" : "succeeded";
      },
      end: (task, outcome) => {
        expect(inStep).toBe(true);
        log.push(`end ${task.id}`);
        return { ...task, state: outcome as TaskRow["state"] };
      },
      skip: (task) => void skipped.push(task.id),
      retryAt: () => Date.now(),
    });
    expect(most).toBe(2);
    expect(order.indexOf("c")).toBeGreaterThan(Math.max(order.indexOf("a"), order.indexOf("b")));
    expect(order.indexOf("d")).toBeGreaterThan(order.indexOf("c"));
    expect(order).not.toContain("y");
    expect(skipped.sort()).toEqual(["y", "z"]);
    // A dependant begins after what it waits for has ended, in that step's commit or an earlier
    // one; its work starts outside the step (checked in work), so after that commit.
    const before = (entry: string) => log.slice(0, log.indexOf(entry));
    expect(before("begin c")).toEqual(expect.arrayContaining(["end a", "end b"]));
    expect(before("begin d")).toContain("end c");
    // Ends and begins that fall in the same step share one commit.
    expect(log.filter((entry) => entry === "commit").length).toBeLessThan(log.filter((entry) => entry !== "commit").length);
  });
});

test("a work that rejects ends the run with its error instead of leaving it waiting", async () => {
  const row = (id: string, dependsOn: string[] = []): TaskRow => newTaskRow({ goalId: "g", id, seq: 0, description: id, agent: "general", dependsOn });
  const run = runDag<string>([row("a"), row("b", ["a"])], {
    maxParallel: 2,
    signal: new AbortController().signal,
    step: (writes) => writes(),
    begin: () => {},
    work: async () => {
      throw new Error("the executor broke");
    },
    end: (task) => task,
    skip: () => {},
    retryAt: () => Date.now(),
  });
  await expect(run).rejects.toThrow("the executor broke");
});

describe("reactive plans", () => {
  test("a step that acts on what an earlier one found depends on it; agents are those that may make each call", () => {
    const plan = reactivePlan("delete the .tmp files older than 3 days in /tmp", AGENTS, TOOLS);
    if (!("tasks" in plan)) throw new Error(JSON.stringify(plan));
    expect(plan.tasks.map((t) => [t.id, t.call?.tool, t.agent, t.dependsOn])).toEqual([
      ["t1", "fs.search", "general", []],
      ["t2", "fs.delete_files", "storage", ["t1"]],
    ]);
    expect(plan.tasks[0]!.call!.input).toEqual({ path: "/tmp", name: "*.tmp", modified_before_s: 259_200, max_results: 1000 });
  });

  test("a repeating time is a schedule of the rest; call TOOL ARGS calls it; what it does not know, it says", () => {
    expect(reactivePlan("every day at 03:00 show the load", AGENTS, TOOLS)).toEqual({ schedule: { spec: "0 3 * * *", words: "every day at 03:00", request: "show the load" } });
    const direct = reactivePlan("call fs.stat /etc", AGENTS, TOOLS);
    expect("tasks" in direct && direct.tasks[0]!.call).toEqual({ tool: "fs.stat", input: { path: "/etc" } });
    expect(reactivePlan("call fs.teleport /x", AGENTS, TOOLS)).toEqual({ error: 'there is no tool "fs.teleport" (aiosctl tools lists them)' });
    expect(reactivePlan("make me a sandwich", AGENTS, TOOLS)).toMatchObject({ unsure: expect.stringMatching(/^I am not sure what you mean/) });
  });
});

describe("secrets out of the event log", () => {
  test("secret-looking fields and values are redacted, everything else kept, the input itself untouched", () => {
    const input = {
      path: "/etc/app.conf",
      content: "port = 80",
      env: { PATH: "/bin", DB_PASSWORD: "hunter2", API_KEY: "abc" },
      headers: { Authorization: "Bearer abcdefghijklmnopqrstuvwxyz", accept: "text/plain" },
      argv: ["curl", "-H", "Bearer abcdefghijklmnopqrstuvwxyz0123", "https://x"],
      key: "-----BEGIN OPENSSH PRIVATE KEY-----\nb3Blbn...",
      note: "sk-ant-api03-abcdefghijklmnopqrstuv",
      token: "",
    };
    expect(redactSecrets(input)).toEqual({
      path: "/etc/app.conf",
      content: "port = 80",
      env: { PATH: "/bin", DB_PASSWORD: REDACTED, API_KEY: REDACTED },
      headers: { Authorization: REDACTED, accept: "text/plain" },
      argv: ["curl", "-H", REDACTED, "https://x"],
      key: REDACTED,
      note: REDACTED,
      token: "",
    });
    expect(input.env.DB_PASSWORD).toBe("hunter2");
    expect([hasRedactions(redactSecrets(input)), hasRedactions({ path: "/etc" })]).toEqual([true, false]);
  });
});
