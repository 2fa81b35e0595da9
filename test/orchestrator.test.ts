/**
 * aios-orchestrator in the whole stack (`aios init --root DIR`: memory, gateway, tools,
 * orchestrator from the compiled binary, the image's service and agent files), with no model at
 * all: the reactive planner answers common requests through real tools (a real service really
 * restarts), approvals park a task until a human answers (approve, deny), cancel and emergency
 * stop, events stream and resume, schedules and the monitor submit goals, and bad input is
 * refused with the field.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ApprovalState, AutonomyLevel } from "../lib/rpc/gen/aios/v1/common.ts";
import { MemoryKind, MemoryServiceDefinition } from "../lib/rpc/gen/aios/v1/memory.ts";
import { AuditResult } from "../lib/rpc/gen/aios/v1/tools.ts";
import { EventKind, GoalSource, GoalState, TaskState } from "../lib/rpc/gen/aios/v1/orchestrator.ts";
import { connect, decideApproval } from "../lib/rpc/index.ts";
import { refusal } from "./support/memory.ts";
import { run, start } from "./support/binary.ts";
import { goalIn, QUIET, type Stack, startStack, submit } from "./support/stack.ts";
import { waitFor } from "./support/wait.ts";

const dir = mkdtempSync(join(tmpdir(), "aios-orch-"));
let stack: Stack;

const SLEEPER = (name: string) => `description = "${name}, a stand-in service"\ncommand = "/bin/sh"\nargs = ["-c", "exec sleep 100000"]\n[restart]\npolicy = "always"\n`;

beforeAll(async () => {
  stack = await startStack(join(dir, "root"), {
    config: `${QUIET}[memory]\nembedder = "hashing"\n\n[orchestrator]\nmonitor_interval_ms = 0\ntask_retries = 1\ntask_retry_base_ms = 50\n\n[gateway]\nmodels = []\n`,
    services: { web: SLEEPER("web"), cache: SLEEPER("cache") },
  });
});

afterAll(async () => {
  await stack?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const pidOf = async (name: string) => (await stack.initClient.getService({ name })).service!.pid;

describe("the reactive planner, with no model configured", () => {
  test("disk usage is answered by monitor.disk with no model", async () => {
    const goal = await goalIn(stack, await submit(stack, "disk usage"));
    expect(goal.state).toBe(GoalState.GOAL_STATE_SUCCEEDED);
    expect(goal.tasks).toHaveLength(1);
    expect(goal.tasks[0]!.agent).toBe("storage");
    // In words, and true: the share used of / is what df says (the machine is shared: ±2).
    const line = /^\/ has ([\d.]+) (\w+) free of ([\d.]+) (\w+) \((\d+)% used\)$/m.exec(goal.answer);
    expect(line).not.toBeNull();
    const df = Bun.spawnSync(["df", "-P", "/"]).stdout.toString().trim().split("\n")[1]!.split(/\s+/);
    const used = (Number(df[2]) / (Number(df[2]) + Number(df[3]))) * 100;
    expect(Math.abs(Number(line![5]) - used)).toBeLessThanOrEqual(2);
    expect(goal.tasks[0]!.executionIds).toHaveLength(1);
    expect(goal.usage!.requests).toBe(0);
  });

  test("restart web really restarts the service", async () => {
    const before = await pidOf("web");
    const goal = await goalIn(stack, await submit(stack, "restart web"));
    expect(goal.state).toBe(GoalState.GOAL_STATE_SUCCEEDED);
    const after = await pidOf("web");
    expect(after).toBeGreaterThan(0);
    expect(after).not.toBe(before);
    // The call is in the audit ledger under the system agent: its intent, then its outcome.
    const audit = await stack.tools.queryAudit({ goalId: goal.id, agent: "", tool: "", pageSize: 10, pageToken: "" });
    expect(audit.entries.map((e) => [e.tool, e.agent, e.result])).toEqual([
      ["service.restart", "system", AuditResult.AUDIT_RESULT_OK],
      ["service.restart", "system", AuditResult.AUDIT_RESULT_STARTED],
    ]);
  });

  test("call fs.stat /etc", async () => {
    const goal = await goalIn(stack, await submit(stack, "call fs.stat /etc"));
    expect(goal.state).toBe(GoalState.GOAL_STATE_SUCCEEDED);
    expect(JSON.parse(goal.result)).toMatchObject({ path: "/etc", exists: true, type: "directory" });
  });

  test("show the last errors of aios-tools, and what is listening on a port", async () => {
    const logs = await goalIn(stack, await submit(stack, "show the last errors of aios-tools"));
    expect(logs.state).toBe(GoalState.GOAL_STATE_SUCCEEDED);
    // Its state and its log's error lines, each read by an agent that may.
    expect(logs.tasks.map((t) => [t.suggestedTools[0], t.agent])).toEqual([
      ["service.status", "system"],
      ["monitor.logs", "monitor"],
    ]);
    expect(logs.result).toMatch(/tools is running/);
    const listening = await goalIn(stack, await submit(stack, "what is listening on port 22"));
    expect(listening.state).toBe(GoalState.GOAL_STATE_SUCCEEDED);
    expect(listening.tasks[0]!.agent).toBe("network");
    // Said as the machine has it: ss finds a listener on 22 or it does not.
    const held = Bun.spawnSync(["ss", "-Hltn", "sport = :22"]).stdout.toString().trim() !== "";
    expect(listening.result).toMatch(held ? /listens on port 22/ : /^nothing listens on port 22$/);
  });

  test("a request no rule knows fails saying what works without a model", async () => {
    const goal = await goalIn(stack, await submit(stack, "make the machine faster somehow"));
    expect(goal.state).toBe(GoalState.GOAL_STATE_FAILED);
    expect(goal.stateReason).toContain("no model is configured");
    expect(goal.stateReason).toContain('"disk usage"');
  });
});

describe("approvals", () => {
  test("a high-risk call waits for a human; approved, it runs", async () => {
    const id = await submit(stack, "stop web");
    const waiting = await goalIn(stack, id, [GoalState.GOAL_STATE_WAITING_APPROVAL]);
    expect(waiting.tasks[0]!.state).toBe(TaskState.TASK_STATE_WAITING_APPROVAL);
    const { approvals } = await stack.orchestrator.listApprovals({ states: [ApprovalState.APPROVAL_STATE_PENDING], goalId: id });
    expect(approvals).toHaveLength(1);
    expect(approvals[0]!.tool).toBe("service.stop");
    expect(approvals[0]!.input).toEqual({ name: "web" });
    expect(await pidOf("web")).toBeGreaterThan(0);
    // The orchestrator cannot say yes for a person: aios-tools, which keeps the approval, takes
    // a yes only from a person's own connection (aiosctl, the console, this test).
    const unapproved = await refusal(stack.orchestrator.resolveApproval({ approvalId: approvals[0]!.id, approve: true, resolvedBy: "alice", note: "maintenance" }));
    expect(unapproved.code).toBe("failed_precondition");
    expect(unapproved.message).toContain("has not been approved at aios-tools");
    const resolved = await decideApproval(stack, { approvalId: approvals[0]!.id, approve: true, by: "alice", note: "maintenance" });
    expect(resolved!.state).toBe(ApprovalState.APPROVAL_STATE_APPROVED);
    const goal = await goalIn(stack, id);
    expect(goal.state).toBe(GoalState.GOAL_STATE_SUCCEEDED);
    expect((await stack.initClient.getService({ name: "web" })).service!.pid).toBe(0);
    const again = await refusal(stack.orchestrator.resolveApproval({ approvalId: approvals[0]!.id, approve: false, resolvedBy: "bob", note: "" }));
    expect(again.code).toBe("failed_precondition");
  });

  test("denied, the call does not run and the goal fails saying who denied it", async () => {
    const id = await submit(stack, "stop cache");
    await goalIn(stack, id, [GoalState.GOAL_STATE_WAITING_APPROVAL]);
    const { approvals } = await stack.orchestrator.listApprovals({ states: [ApprovalState.APPROVAL_STATE_PENDING], goalId: id });
    await stack.orchestrator.resolveApproval({ approvalId: approvals[0]!.id, approve: false, resolvedBy: "bob", note: "not now" });
    const goal = await goalIn(stack, id);
    expect(goal.state).toBe(GoalState.GOAL_STATE_FAILED);
    expect(goal.stateReason).toContain("denied by bob: not now");
    expect(await pidOf("cache")).toBeGreaterThan(0);
  });

  test("cancelling a goal that waits for approval cancels it and denies the approval", async () => {
    const id = await submit(stack, "stop cache");
    await goalIn(stack, id, [GoalState.GOAL_STATE_WAITING_APPROVAL]);
    const { goal } = await stack.orchestrator.cancelGoal({ goalId: id, reason: "changed my mind" });
    expect(goal!.state).toBe(GoalState.GOAL_STATE_CANCELLED);
    expect(goal!.stateReason).toBe("changed my mind");
    expect(goal!.tasks[0]!.state).toBe(TaskState.TASK_STATE_CANCELLED);
    const { approvals } = await stack.orchestrator.listApprovals({ goalId: id });
    expect(approvals[0]!.state).toBe(ApprovalState.APPROVAL_STATE_DENIED);
    expect(await pidOf("cache")).toBeGreaterThan(0);
  });
});

describe("events", () => {
  test("StreamEvents follows a goal to its end, and resumes after an event id", async () => {
    const id = await submit(stack, "memory usage");
    const seen = [];
    for await (const { event } of stack.orchestrator.streamEvents({ goalId: id, afterEventId: "", untilGoalDone: true })) seen.push(event!);
    const kinds = seen.map((e) => e.kind);
    expect(kinds).toContain(EventKind.EVENT_KIND_GOAL_PLANNED);
    expect(kinds).toContain(EventKind.EVENT_KIND_TOOL_CALLED);
    expect(seen.at(-1)!.goalState).toBe(GoalState.GOAL_STATE_SUCCEEDED);
    const ids = seen.map((e) => Number(e.id));
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);
    const resumed = [];
    for await (const { event } of stack.orchestrator.streamEvents({ goalId: id, afterEventId: seen[2]!.id, untilGoalDone: true })) resumed.push(event!.id);
    expect(resumed).toEqual(seen.slice(3).map((e) => e.id));
  });
});

describe("emergency stop and autonomy", () => {
  test("an emergency stop refuses new goals until resumed", async () => {
    const stopped = await stack.orchestrator.emergencyStop({ stop: true, reason: "drill", requestedBy: "alice" });
    expect(stopped.stopped).toBe(true);
    const refused = await refusal(stack.orchestrator.submitGoal({ text: "disk usage" }));
    expect(refused.code).toBe("failed_precondition");
    expect(refused.message).toContain("emergency stop");
    expect((await stack.orchestrator.getSystemStatus({})).emergencyStopped).toBe(true);
    await stack.orchestrator.emergencyStop({ stop: false, reason: "", requestedBy: "alice" });
    expect((await goalIn(stack, await submit(stack, "disk usage"))).state).toBe(GoalState.GOAL_STATE_SUCCEEDED);
  });

  test("a goal asking for autonomous under a supervised system still asks before a high-risk call", async () => {
    const id = (await stack.orchestrator.submitGoal({ text: "stop cache", autonomy: AutonomyLevel.AUTONOMY_LEVEL_AUTONOMOUS })).goal!.id;
    const waiting = await goalIn(stack, id, [GoalState.GOAL_STATE_WAITING_APPROVAL]);
    expect(waiting.state).toBe(GoalState.GOAL_STATE_WAITING_APPROVAL);
    await stack.orchestrator.cancelGoal({ goalId: id, reason: "test done" });
  });

  test("autonomous: a high-risk call runs without asking", async () => {
    const { previous } = await stack.orchestrator.setAutonomy({ level: 3, setBy: "alice" });
    expect(previous).toBe(2);
    try {
      const goal = await goalIn(stack, await submit(stack, "stop cache"));
      expect(goal.state).toBe(GoalState.GOAL_STATE_SUCCEEDED);
    } finally {
      await stack.orchestrator.setAutonomy({ level: 2, setBy: "alice" });
    }
  });
});

describe("schedules", () => {
  test("a schedule submits its goal at its times; deleted, it stops", async () => {
    const { schedule } = await stack.orchestrator.createSchedule({ name: "disk check", goalText: "disk usage", spec: "* * * * * *", priority: 10 });
    expect(schedule!.nextRunAt!.getTime()).toBeGreaterThan(Date.now() - 1000);
    await waitFor(async () => (await stack.orchestrator.listGoals({ source: GoalSource.GOAL_SOURCE_SCHEDULE })).goals.length > 0, "a scheduled goal");
    const { goals } = await stack.orchestrator.listGoals({ source: GoalSource.GOAL_SOURCE_SCHEDULE });
    expect(goals[0]!.scheduleId).toBe(schedule!.id);
    expect(goals[0]!.text).toBe("disk usage");
    await stack.orchestrator.deleteSchedule({ scheduleId: schedule!.id });
    expect((await stack.orchestrator.listSchedules({})).schedules).toHaveLength(0);
  });
});

describe("bad input", () => {
  test("is refused with the field", async () => {
    expect((await refusal(stack.orchestrator.submitGoal({ text: "  " }))).field).toBe("text");
    expect((await refusal(stack.orchestrator.submitGoal({ text: "x", priority: 101 }))).field).toBe("priority");
    expect((await refusal(stack.orchestrator.submitGoal({ text: "x", autonomy: 7 as never }))).field).toBe("autonomy");
    expect((await refusal(stack.orchestrator.getGoal({ goalId: "goal-nope" }))).code).toBe("not_found");
    expect((await refusal(stack.orchestrator.listGoals({ pageToken: "garbage!" }))).field).toBe("page_token");
    expect((await refusal(stack.orchestrator.createSchedule({ name: "n", goalText: "disk usage", spec: "every tuesday" }))).field).toBe("spec");
    expect((await refusal(stack.orchestrator.streamEvents({ afterEventId: "abc" })[Symbol.asyncIterator]().next())).field).toBe("after_event_id");
    expect((await refusal(stack.orchestrator.setAutonomy({ level: 3, setBy: "" }))).field).toBe("set_by");
  });

  test("the same idempotency key gives the same goal", async () => {
    const first = await stack.orchestrator.submitGoal({ text: "cpu usage", idempotencyKey: "k-1" });
    const second = await stack.orchestrator.submitGoal({ text: "cpu usage", idempotencyKey: "k-1" });
    expect(second.goal!.id).toBe(first.goal!.id);
    expect((await refusal(stack.orchestrator.submitGoal({ text: "disk usage", idempotencyKey: "k-1" }))).code).toBe("already_exists");
  });
});

describe("the monitor and approval expiry", () => {
  let watched: Stack;
  beforeAll(async () => {
    watched = await startStack(join(dir, "watched"), {
      config: `${QUIET}[memory]\nembedder = "hashing"\n\n[tools]\napproval_ttl_ms = 1500\n\n[orchestrator]\nmonitor_interval_ms = 300\nmonitor_disk_percent = 1\nmonitor_cooldown_ms = 600000\n\n[gateway]\nmodels = []\n`,
      services: { web: SLEEPER("web") },
    });
  });
  afterAll(async () => {
    await watched?.stop();
  });

  test("a full disk becomes one goal with source MONITOR per finding, not one per look", async () => {
    await waitFor(async () => (await watched.orchestrator.listGoals({ source: GoalSource.GOAL_SOURCE_MONITOR })).goals.length > 0, "a monitor goal");
    // Several more looks at the machine (every 300 ms) find the same thing.
    await Bun.sleep(1500);
    const { goals } = await watched.orchestrator.listGoals({ source: GoalSource.GOAL_SOURCE_MONITOR });
    expect(goals[0]!.text).toMatch(/^free some disk space on \/\S*: it is \d+(\.\d+)?% full/);
    const texts = goals.map((g) => g.text.split(":")[0]);
    expect(new Set(texts).size).toBe(texts.length);
    // The monitor's looks are tool calls like any other: audited under the monitor agent.
    const audit = await watched.tools.queryAudit({ agent: "monitor", tool: "monitor.disk", pageSize: 100 });
    expect(audit.entries.length).toBeGreaterThan(2);
  });

  test("an approval nobody answers expires as denied", async () => {
    const id = await submit(watched, "stop web");
    await goalIn(watched, id, [GoalState.GOAL_STATE_WAITING_APPROVAL]);
    const goal = await goalIn(watched, id);
    expect(goal.state).toBe(GoalState.GOAL_STATE_FAILED);
    expect(goal.stateReason).toContain("denied by expiry");
    const { approvals } = await watched.orchestrator.listApprovals({ goalId: id });
    expect(approvals[0]!.state).toBe(ApprovalState.APPROVAL_STATE_EXPIRED);
    expect((await watched.initClient.getService({ name: "web" })).service!.pid).toBeGreaterThan(0);
  });
});

describe("agents, status and memory", () => {
  test("ListAgents shows the image's agent kinds with their namespaces, capabilities and counts", async () => {
    const { agents } = await stack.orchestrator.listAgents({});
    expect(agents.map((a) => a.kind).sort()).toEqual(["general", "monitor", "network", "package", "security", "storage", "system"]);
    const system = agents.find((a) => a.kind === "system")!;
    expect(system.toolNamespaces).toContain("service");
    expect(system.capabilities).toContain("service:restart");
    expect(system.tasksSucceeded).toBeGreaterThan(0);
    expect(system.health).toBe(1 /* IDLE */);
  });

  test("GetSystemStatus reports autonomy, goals by state, components and the layers that can answer", async () => {
    const status = await stack.orchestrator.getSystemStatus({});
    expect(status.autonomy).toBe(2);
    expect(status.emergencyStopped).toBe(false);
    expect(status.components.map((c) => [c.name, c.serving])).toEqual([
      ["aios-memory", true],
      ["aios-gateway", true],
      ["aios-tools", true],
      ["aios-init", true],
    ]);
    // No model is configured: only the reactive layer answers.
    expect(status.availableLayers).toEqual([1 /* REACTIVE */]);
    const succeeded = status.goals.find((g) => g.state === GoalState.GOAL_STATE_SUCCEEDED);
    expect(succeeded!.count).toBeGreaterThan(3);
    // With no model every planned goal was planned without one: the share shows it.
    const { goals } = await stack.orchestrator.listGoals({ states: [], pageSize: 500, pageToken: "" });
    const planned = goals.filter((g) => g.plannedBy !== 0).length;
    expect([status.goalsPlanned, status.goalsWithoutModel]).toEqual([planned, planned]);
  });

  test("a finished goal is remembered: a procedure when it worked, an incident when it failed", async () => {
    const memory = connect(MemoryServiceDefinition, join(stack.root, "run/aios/memory.sock"));
    try {
      await waitFor(async () => (await memory.search({ query: "restart web", kinds: [MemoryKind.MEMORY_KIND_PROCEDURE], limit: 5 })).hits.length > 0, "the procedure in memory");
      const { hits } = await memory.search({ query: "restart web", kinds: [MemoryKind.MEMORY_KIND_PROCEDURE], limit: 5 });
      expect(hits[0]!.memory!.procedure!.toolSequence).toEqual(["service.restart"]);
      const incidents = await memory.search({ query: "make the machine faster", kinds: [MemoryKind.MEMORY_KIND_INCIDENT], limit: 5 });
      expect(incidents.hits[0]!.memory!.content).toContain("no model is configured");
      // Every event went to memory as well.
      const { events } = await memory.recentEvents({ source: "aios-orchestrator", limit: 1000 });
      expect(events.some((e) => e.type === "goal.state")).toBe(true);
    } finally {
      memory.close();
    }
  });
});

describe("aiosctl", () => {
  const aiosctl = (...args: string[]) => run([join(stack.root, "usr/bin/aiosctl"), ...args, "--root", stack.root], stack.root);

  test("goal submits and follows a goal to its result; exit 0 when it succeeded, 1 when it failed", async () => {
    const ok = await aiosctl("goal", "disk usage");
    expect(ok.stderr).toBe("");
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^goal goal-\S+ submitted$/m);
    expect(ok.stdout).toContain("planned at the reactive layer: 1 task");
    expect(ok.stdout).toContain("storage calls monitor.disk");
    expect(ok.stdout).toMatch(/^goal succeeded: every task succeeded$/m);
    expect(ok.stdout).toMatch(/^\/ has [\d.]+ \w+ free of [\d.]+ \w+ \(\d+% used\)$/m);
    const failed = await aiosctl("goal", "make", "it", "faster", "somehow");
    expect(failed.code).toBe(1);
    expect(failed.stdout).toContain("goal failed: I am not sure what you mean");
    // The answer, last: why it could not.
    expect(failed.stdout.trim().split("\n").at(-1)).toStartWith("could not do it: I am not sure what you mean");
    expect(failed.stdout).toContain("no model is configured");
    const usage = await aiosctl("goal");
    expect(usage.code).toBe(64);
  });

  test("approvals and approve: a goal waiting for a human goes on once approved from another shell", async () => {
    const following = start([join(stack.root, "usr/bin/aiosctl"), "goal", "stop web", "--root", stack.root], stack.root);
    let pending: { id: string; tool: string }[] = [];
    await waitFor(
      async () => {
        const listed = await aiosctl("approvals", "--json");
        pending = JSON.parse(listed.stdout) as { id: string; tool: string }[];
        return pending.length === 1;
      },
      () => `one pending approval; the goal printed:\n${following.output()}`,
    );
    expect(pending[0]!.tool).toBe("service.stop");
    expect(following.output()).toContain(`aiosctl approve ${pending[0]!.id}`);
    const approved = await aiosctl("approve", pending[0]!.id, "--note", "maintenance");
    expect(approved.code).toBe(0);
    expect(approved.stdout).toContain("service.stop: approved by");
    expect(await following.process.exited).toBe(0);
    expect(following.output()).toContain("goal succeeded");
    expect((await aiosctl("deny", pending[0]!.id)).code).toBe(1);
  });

  test("status and goals, as text and JSON", async () => {
    const status = await aiosctl("status");
    expect(status.code).toBe(0);
    expect(status.stdout).toContain("autonomy:  supervised");
    expect(status.stdout).toMatch(/aios-tools\s+SERVING/);
    const parsed = JSON.parse((await aiosctl("status", "--json")).stdout) as { components: unknown[] };
    expect(parsed.components).toHaveLength(4);
    const goals = await aiosctl("goals", "--limit", "3");
    expect(goals.stdout.trim().split("\n")).toHaveLength(3);
    expect(goals.stdout).toMatch(/succeeded/);
  });
});
