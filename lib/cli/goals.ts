/**
 * @module lib/cli/goals
 * aiosctl's goal commands, over the Orchestrator contract: `goal TEXT` submits a goal and
 * follows its events (plan, tasks, tool calls, approvals) until it ends; `goals`, `status`,
 * `approvals`, `approve ID`, `deny ID`. Every command takes --json. Exit status: 0 done (a goal
 * succeeded), 1 a goal failed or was cancelled, 64 bad usage, 69 the orchestrator cannot be
 * reached, 78 bad configuration.
 */
import { ApprovalState, AutonomyLevel, Layer } from "../rpc/gen/aios/v1/common.ts";
import { Approval, EmergencyStopResponse, Event, EventKind, GetSystemStatusResponse, Goal, GoalState, OrchestratorServiceDefinition, TaskState } from "../rpc/gen/aios/v1/orchestrator.ts";
import { connect, decideApproval, enumValue, EXIT_USAGE, type ServiceClient } from "../rpc/index.ts";
import { ToolsServiceDefinition } from "../rpc/gen/aios/v1/tools.ts";
import { socketPath } from "../config/index.ts";
import { meminfo } from "../sys/index.ts";
import { askYesNo } from "./ask.ts";
import { enumName, type Flags, json, runCommand, usageError } from "./command.ts";
import { AUTONOMY_NAMES } from "../rpc/autonomy.ts";
import { fleetGoalCommand } from "./fleet.ts";

const goalState = (state: GoalState) => enumName(state, GoalState, "GOAL_STATE_");

const orchestrator = (name: string, usage: string, summary: string, flags: Flags = {}) => ({ name, usage, summary, flags, component: "orchestrator", service: OrchestratorServiceDefinition });

function describeEvent(event: Event): string | null {
  switch (event.kind) {
    case EventKind.EVENT_KIND_GOAL_PLANNED: {
      const tasks = (event.data?.tasks ?? []) as { id: string; description: string; agent: string; depends_on: string[] }[];
      return [event.message, ...tasks.map((t) => `    ${t.id} [${t.agent}] ${t.description}${t.depends_on?.length ? ` (after ${t.depends_on.join(", ")})` : ""}`)].join("\n");
    }
    case EventKind.EVENT_KIND_TASK_STATE:
      return `  task ${event.message}`;
    case EventKind.EVENT_KIND_TOOL_CALLED:
    case EventKind.EVENT_KIND_TOOL_RESULT:
      return `    ${event.message}`;
    case EventKind.EVENT_KIND_APPROVAL_REQUESTED:
      return `  ! ${event.message}\n    approve with: aiosctl approve ${String(event.data?.approval_id ?? "")}   deny with: aiosctl deny ${String(event.data?.approval_id ?? "")}`;
    case EventKind.EVENT_KIND_APPROVAL_RESOLVED:
    case EventKind.EVENT_KIND_AGENT_MESSAGE:
      return `  ${event.message}`;
    case EventKind.EVENT_KIND_GOAL_STATE:
      return `goal ${goalState(event.goalState)}: ${event.message}`;
    default:
      return null;
  }
}

/** "2026-11-29 20:36:15" (UTC), or the placeholder for a time not reached yet. */
const stamp = (time: Date | undefined, none = "") => (time ? time.toISOString().replace("T", " ").slice(0, 19) : none);

function goalLine(goal: Goal): string {
  return `${goal.id.padEnd(30)} ${goalState(goal.state).padEnd(17)} ${stamp(goal.createdAt)}  ${goal.text.slice(0, 70)}`;
}

/** A goal id as the orchestrator makes them: `goal show ID` is told apart from a goal that starts with "show". */
const GOAL_ID = /^goal-[0-9a-z]+-[0-9a-f]{8}$/;

function describeGoal(goal: Goal): string {
  const usage = goal.usage;
  const lines = [
    `goal ${goal.id}: ${goal.text}`,
    `  state:     ${goalState(goal.state)}${goal.stateReason ? ` (${goal.stateReason})` : ""}`,
    `  planned:   ${goal.plannedBy ? enumName(goal.plannedBy, Layer, "LAYER_") : "not yet"}, ${usage?.requests ?? 0} model call(s)${usage?.costUsd ? `, $${usage.costUsd.toFixed(4)}` : ""}`,
    `  submitted: ${stamp(goal.createdAt, "-")}   finished: ${stamp(goal.finishedAt, "-")}`,
    ...goal.tasks.map((t) => `  task ${t.id} [${t.agent}] ${enumName(t.state, TaskState, "TASK_STATE_")}: ${t.description}`),
  ];
  if (goal.answer || goal.result) lines.push("", goal.answer || goal.result);
  return `${lines.join("\n")}\n`;
}

const terminal = (state: GoalState) => [GoalState.GOAL_STATE_SUCCEEDED, GoalState.GOAL_STATE_FAILED, GoalState.GOAL_STATE_CANCELLED].includes(state);

/** After Ctrl-C: on a terminal ask whether to cancel the goal; elsewhere say how to. Exit 130 when it goes on. */
async function interrupted(c: ServiceClient<typeof OrchestratorServiceDefinition>, goalId: string, asJson: boolean): Promise<number | null> {
  const how = `the goal goes on: aiosctl goal show ${goalId} to see it, aiosctl cancel ${goalId} to stop it\n`;
  if (!process.stdin.isTTY) {
    process.stderr.write(`\n${how}`);
    return 130;
  }
  if (!(await askYesNo(`\ncancel goal ${goalId}?`))) {
    process.stderr.write(how);
    return 130;
  }
  await c.cancelGoal({ goalId, reason: `cancelled with Ctrl-C by ${process.env.SUDO_USER || process.env.USER || "root"} in aiosctl` });
  if (!asJson) process.stdout.write(`cancelling goal ${goalId}\n`);
  return null;
}

/** Prints a goal's events until it ends (or Ctrl-C), then the goal itself. */
async function followGoal(c: ServiceClient<typeof OrchestratorServiceDefinition>, goalId: string, asJson: boolean): Promise<number> {
  let afterEventId = "";
  for (;;) {
    const stop = new AbortController();
    const onSigint = () => stop.abort();
    process.once("SIGINT", onSigint);
    try {
      for await (const { event } of c.streamEvents({ goalId, untilGoalDone: true, afterEventId }, { timeoutMs: 24 * 3600_000, signal: stop.signal })) {
        afterEventId = event!.id;
        if (asJson) json(Event.toJSON(event!));
        else {
          const line = describeEvent(event!);
          if (line) process.stdout.write(`${line}\n`);
        }
      }
    } finally {
      process.off("SIGINT", onSigint);
    }
    if (!stop.signal.aborted) break;
    const { goal } = await c.getGoal({ goalId });
    if (terminal(goal!.state)) break;
    const exit = await interrupted(c, goalId, asJson);
    if (exit !== null) return exit;
  }
  const { goal: final } = await c.getGoal({ goalId });
  // The last line, for a script: the goal as it ended (state, result, layer, model calls).
  if (asJson) json(Goal.toJSON(final!));
  // The answer last, where the eye lands when the command returns.
  else process.stdout.write(final!.answer || final!.result ? `\n${final!.answer || final!.result}\n` : "");
  return final!.state === GoalState.GOAL_STATE_SUCCEEDED ? 0 : 1;
}

export function goalCommand(argv: readonly string[]): Promise<number> {
  // To other machines of the fleet: through aios-fleet, not this machine's orchestrator.
  if (argv.some((arg) => arg === "--on" || arg === "--machine" || arg.startsWith("--on=") || arg.startsWith("--machine="))) return fleetGoalCommand(argv);
  const flags: Flags = {
    priority: { type: "string", help: "0 to 100 (default 50)" },
    "no-follow": { type: "boolean", help: "print the goal id and return" },
    follow: { type: "boolean", help: "with show: follow the goal until it ends" },
  };
  const usage = 'aiosctl goal "TEXT"  |  aiosctl goal show ID [--follow]  |  aiosctl goal --on SELECTOR "TEXT"';
  return runCommand(argv, orchestrator("goal", usage, "submit a goal and follow it until it ends; or show one", flags), async (c, { positionals, values }) => {
    if (positionals.length === 2 && positionals[0] === "show" && GOAL_ID.test(positionals[1]!)) {
      const { goal } = await c.getGoal({ goalId: positionals[1]! });
      if (values.follow && !terminal(goal!.state)) return followGoal(c, goal!.id, Boolean(values.json));
      if (values.json) json(Goal.toJSON(goal!));
      else process.stdout.write(describeGoal(goal!));
      return goal!.state === GoalState.GOAL_STATE_SUCCEEDED ? 0 : terminal(goal!.state) ? 1 : 0;
    }
    const text = positionals.join(" ").trim();
    if (!text) {
      process.stderr.write('aiosctl goal: say what to do, e.g. aiosctl goal "disk usage"\n');
      return EXIT_USAGE;
    }
    const priority = values.priority === undefined ? undefined : Number(values.priority);
    if (priority !== undefined && (!Number.isInteger(priority) || priority < 0 || priority > 100)) {
      process.stderr.write("aiosctl goal: --priority is 0 to 100\n");
      return EXIT_USAGE;
    }
    const { goal } = await c.submitGoal({ text, priority });
    if (!values.json) process.stdout.write(`goal ${goal!.id} submitted\n`);
    if (values["no-follow"]) {
      if (values.json) json(Goal.toJSON(goal!));
      return 0;
    }
    return followGoal(c, goal!.id, Boolean(values.json));
  });
}

export function cancelCommand(argv: readonly string[]): Promise<number> {
  return runCommand(
    argv,
    orchestrator("cancel", "aiosctl cancel ID", "cancel a goal (its running tasks stop; what is done stays done)", { reason: { type: "string", help: "why, for the record" } }),
    async (c, { positionals, values }) => {
      const [id] = positionals;
      if (!id || positionals.length !== 1) return usageError("cancel", "give one goal id (aiosctl goals lists them)");
      const by = process.env.SUDO_USER || process.env.USER || "root";
      const { goal } = await c.cancelGoal({ goalId: id, reason: String(values.reason ?? `cancelled by ${by} with aiosctl`) });
      if (values.json) json(Goal.toJSON(goal!));
      else process.stdout.write(`goal ${goal!.id}: ${goalState(goal!.state)}${goal!.stateReason ? ` (${goal!.stateReason})` : ""}\n`);
      return 0;
    },
  );
}

export function goalsCommand(argv: readonly string[]): Promise<number> {
  return runCommand(argv, orchestrator("goals", "aiosctl goals", "list goals, newest first", { limit: { type: "string", help: "how many (default 20)" } }), async (c, { values }) => {
    const { goals } = await c.listGoals({ pageSize: Number(values.limit ?? 20) || 20 });
    if (values.json) json(goals.map((g) => Goal.toJSON(g)));
    else process.stdout.write(goals.length ? `${goals.map(goalLine).join("\n")}\n` : "no goals yet\n");
    return 0;
  });
}

/**
 * What this machine's memory holds, as `free` would say it: MemTotal − MemAvailable is what
 * everything running costs (files kept in RAM included); the rest is free or can be freed.
 */
function memoryLine(): string {
  try {
    const kib = meminfo();
    const mib = (k: number | undefined) => Math.round((k ?? 0) / 1024);
    return `memory:    ${mib((kib.MemTotal ?? 0) - (kib.MemAvailable ?? 0))} MiB in use of ${mib(kib.MemTotal)} MiB`;
  } catch {
    return "memory:    unknown (no /proc/meminfo)";
  }
}

export function statusCommand(argv: readonly string[]): Promise<number> {
  return runCommand(argv, orchestrator("status", "aiosctl status", "the state of AIOS in one screen"), async (c, { values }) => {
    const status = await c.getSystemStatus({});
    if (values.json) {
      json(GetSystemStatusResponse.toJSON(status));
    } else {
      const layers = status.availableLayers.map((layer) => enumName(layer, Layer, "LAYER_")).join(", ");
      const goals = status.goals.map((g) => `${goalState(g.state)} ${g.count}`).join(", ") || "none";
      process.stdout.write(
        [
          `AIOS ${status.version}${status.emergencyStopped ? "   EMERGENCY STOP IN FORCE" : ""}`,
          `autonomy:  ${enumName(status.autonomy, AutonomyLevel, "AUTONOMY_LEVEL_")}`,
          `layers:    ${layers}`,
          `goals:     ${goals}`,
          `no model:  ${status.goalsPlanned ? `${status.goalsWithoutModel} of ${status.goalsPlanned} planned goals (${Math.round((status.goalsWithoutModel / status.goalsPlanned) * 100)}%) needed no model call` : "no goal planned yet"}`,
          `approvals: ${status.pendingApprovals} pending`,
          memoryLine(),
          ...status.components.map((comp) => `  ${comp.name.padEnd(14)} ${comp.serving ? "SERVING" : `DOWN  ${comp.error}`}`),
        ].join("\n") + "\n",
      );
    }
    return status.emergencyStopped || status.components.some((comp) => !comp.serving) ? 1 : 0;
  });
}

export function approvalsCommand(argv: readonly string[]): Promise<number> {
  return runCommand(
    argv,
    orchestrator("approvals", "aiosctl approvals", "tool calls waiting for a human", { all: { type: "boolean", help: "every approval, answered or not" } }),
    async (c, { values }) => {
      const { approvals } = await c.listApprovals({ states: values.all ? [] : [ApprovalState.APPROVAL_STATE_PENDING], pageSize: 100 });
      if (values.json) json(approvals.map((a) => Approval.toJSON(a)));
      else if (!approvals.length) process.stdout.write("no approvals are waiting\n");
      else {
        for (const a of approvals) {
          process.stdout.write(
            `${a.id}  ${enumName(a.state, ApprovalState, "APPROVAL_STATE_")}  ${a.tool} ${JSON.stringify(a.input)}\n    goal ${a.goalId}, task ${a.taskId}, agent ${a.agent}: ${a.reason}\n`,
          );
        }
      }
      return 0;
    },
  );
}

export function decideCommand(approve: boolean, argv: readonly string[]): Promise<number> {
  const command = approve ? "approve" : "deny";
  const flags: Flags = { note: { type: "string", help: "why, for the record" }, by: { type: "string", help: "who answers (default $USER)" } };
  return runCommand(argv, orchestrator(command, `aiosctl ${command} ID`, `${command} a pending tool call`, flags), async (c, { positionals, values, config, root }) => {
    const [id] = positionals;
    if (!id || positionals.length !== 1) {
      process.stderr.write(`aiosctl ${command}: give one approval id (aiosctl approvals lists them)\n`);
      return EXIT_USAGE;
    }
    const by = String(values.by ?? (process.env.SUDO_USER || process.env.USER || "root"));
    const tools = connect(ToolsServiceDefinition, socketPath(config, root, "tools"), { defaultTimeoutMs: 30_000, failFast: true });
    const approval = await decideApproval({ tools, orchestrator: c }, { approvalId: id, approve, by, note: String(values.note ?? "") }).finally(() => tools.close());
    if (values.json) json(Approval.toJSON(approval!));
    else process.stdout.write(`${approval!.tool}: ${approve ? "approved" : "denied"} by ${by}\n`);
    return 0;
  });
}

const LEVELS = AUTONOMY_NAMES;

export function autonomyCommand(argv: readonly string[]): Promise<number> {
  return runCommand(argv, orchestrator("autonomy", "aiosctl autonomy [manual|supervised|autonomous]", "show or set how much AIOS may do without asking"), async (c, { positionals, values }) => {
    const [level] = positionals;
    if (level === undefined) {
      const status = await c.getSystemStatus({});
      const current = enumName(status.autonomy, AutonomyLevel, "AUTONOMY_LEVEL_");
      if (values.json) json({ level: current });
      else process.stdout.write(`autonomy: ${current}\n`);
      return 0;
    }
    if (!(LEVELS as readonly string[]).includes(level) || positionals.length > 1) return usageError("autonomy", `the level is one of ${LEVELS.join(", ")}`);
    const by = process.env.SUDO_USER || process.env.USER || "root";
    const r = await c.setAutonomy({ level: enumValue(AutonomyLevel, "AUTONOMY_LEVEL_", level), setBy: by });
    const [previous, current] = [enumName(r.previous, AutonomyLevel, "AUTONOMY_LEVEL_"), enumName(r.current, AutonomyLevel, "AUTONOMY_LEVEL_")];
    if (values.json) json({ previous, level: current });
    else process.stdout.write(`autonomy: ${previous} → ${current}\n`);
    return 0;
  });
}

export function emergencyStopCommand(stop: boolean, argv: readonly string[]): Promise<number> {
  const command = stop ? "stop" : "resume";
  const summary = stop ? "emergency stop: cancel everything open and refuse new goals until resumed" : "lift the emergency stop";
  return runCommand(argv, orchestrator(command, `aiosctl ${command}`, summary, { reason: { type: "string", help: "why, for the record" } }), async (c, { positionals, values }) => {
    if (positionals.length) return usageError(command, "takes no arguments (use --reason)");
    const by = process.env.SUDO_USER || process.env.USER || "root";
    const r = await c.emergencyStop({ stop, reason: String(values.reason ?? (stop ? "emergency stop from aiosctl" : "resumed from aiosctl")), requestedBy: by });
    if (values.json) json(EmergencyStopResponse.toJSON(r));
    else if (stop)
      process.stdout.write(
        `emergency stop in force; cancelled ${r.cancelledGoalIds.length} goal(s)${r.cancelledGoalIds.length ? `: ${r.cancelledGoalIds.join(", ")}` : ""}\nresume with: aiosctl resume\n`,
      );
    else process.stdout.write("resumed: goals run again\n");
    return 0;
  });
}
