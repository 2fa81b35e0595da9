/**
 * @module lib/cli/goals
 * aiosctl's goal commands, over the Orchestrator contract: `goal TEXT` submits a goal and
 * follows its events (plan, tasks, tool calls, approvals) until it ends; `goals`, `status`,
 * `approvals`, `approve ID`, `deny ID`. Every command takes --json. Exit status: 0 done (a goal
 * succeeded), 1 a goal failed or was cancelled, 64 bad usage, 69 the orchestrator cannot be
 * reached, 78 bad configuration.
 */
import { type Config, socketPath } from "../config/index.ts";
import { ApprovalState, AutonomyLevel, Layer } from "../rpc/gen/aios/v1/common.ts";
import { type Event, EventKind, type Goal, GoalState, OrchestratorServiceDefinition } from "../rpc/gen/aios/v1/orchestrator.ts";
import { AiosError, connect, EXIT_USAGE } from "../rpc/index.ts";
import { commonUsage, loadComponentConfig, parseCommonFlags } from "../rpc/component.ts";

export const EXIT_UNAVAILABLE = 69;

const name = (value: number, names: Record<number, string>, prefix: string) => (names[value] ?? String(value)).replace(prefix, "").toLowerCase();
const goalState = (state: GoalState) => name(state, GoalState, "GOAL_STATE_");

function client(config: Config, root: string) {
  return connect(OrchestratorServiceDefinition, socketPath(config, root, "orchestrator"), { defaultTimeoutMs: 30_000 });
}

/** Runs a command body with the orchestrator client; connection problems become exit 69. */
async function withOrchestrator(command: string, argv: readonly string[], usageLine: string, summary: string, extra: Record<string, { type: "string" | "boolean" }>, body: (c: ReturnType<typeof client>, args: { positionals: string[]; values: Record<string, string | boolean | undefined> }) => Promise<number>): Promise<number> {
  const usage = commonUsage(usageLine, summary, `      --json          print JSON\n${Object.keys(extra).filter((k) => k !== "json").map((k) => `      --${k}\n`).join("")}`);
  const parsed = parseCommonFlags(argv, usage, { json: { type: "boolean" }, ...extra }, true);
  if (typeof parsed === "number") return parsed;
  const config = loadComponentConfig(parsed.flags);
  if (typeof config === "number") return config;
  const c = client(config, parsed.flags.root);
  try {
    return await body(c, parsed);
  } catch (error) {
    const e = error as AiosError;
    process.stderr.write(`aiosctl ${command}: ${e.message}\n`);
    if (e instanceof AiosError && (e.code === "invalid_argument" || e.code === "not_found" || e.code === "failed_precondition" || e.code === "already_exists")) return e.code === "invalid_argument" ? EXIT_USAGE : 1;
    process.stderr.write("Is aios-orchestrator running? `aiosctl health` says which components answer.\n");
    return EXIT_UNAVAILABLE;
  } finally {
    c.close();
  }
}

const json = (value: unknown) => process.stdout.write(`${JSON.stringify(value, (_, v) => (typeof v === "bigint" ? Number(v) : v))}\n`);

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

function goalLine(goal: Goal): string {
  const age = goal.createdAt ? goal.createdAt.toISOString().replace("T", " ").slice(0, 19) : "";
  return `${goal.id.padEnd(30)} ${goalState(goal.state).padEnd(17)} ${age}  ${goal.text.slice(0, 70)}`;
}

export function goalCommand(argv: readonly string[]): Promise<number> {
  return withOrchestrator("goal", argv, 'aiosctl goal "TEXT"', "submit a goal and follow it until it ends", { priority: { type: "string" }, "no-follow": { type: "boolean" } }, async (c, { positionals, values }) => {
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
      if (values.json) json(goal);
      return 0;
    }
    for await (const { event } of c.streamEvents({ goalId: goal!.id, untilGoalDone: true }, { timeoutMs: 24 * 3600_000 })) {
      if (values.json) json(event);
      else {
        const line = describeEvent(event!);
        if (line) process.stdout.write(`${line}\n`);
      }
    }
    const { goal: final } = await c.getGoal({ goalId: goal!.id });
    if (!values.json) process.stdout.write(final!.result ? `\n${final!.result}\n` : "");
    return final!.state === GoalState.GOAL_STATE_SUCCEEDED ? 0 : 1;
  });
}

export function goalsCommand(argv: readonly string[]): Promise<number> {
  return withOrchestrator("goals", argv, "aiosctl goals", "list goals, newest first", { limit: { type: "string" } }, async (c, { values }) => {
    const { goals } = await c.listGoals({ pageSize: Number(values.limit ?? 20) || 20 });
    if (values.json) json(goals);
    else process.stdout.write(goals.length ? `${goals.map(goalLine).join("\n")}\n` : "no goals yet\n");
    return 0;
  });
}

export function statusCommand(argv: readonly string[]): Promise<number> {
  return withOrchestrator("status", argv, "aiosctl status", "the state of AIOS in one screen", {}, async (c, { values }) => {
    const status = await c.getSystemStatus({});
    if (values.json) {
      json(status);
    } else {
      const layers = status.availableLayers.map((layer) => name(layer, Layer, "LAYER_")).join(", ");
      const goals = status.goals.map((g) => `${goalState(g.state)} ${g.count}`).join(", ") || "none";
      process.stdout.write(
        [
          `AIOS ${status.version}${status.emergencyStopped ? "   EMERGENCY STOP IN FORCE" : ""}`,
          `autonomy:  ${name(status.autonomy, AutonomyLevel, "AUTONOMY_LEVEL_")}`,
          `layers:    ${layers}`,
          `goals:     ${goals}`,
          `approvals: ${status.pendingApprovals} pending`,
          ...status.components.map((comp) => `  ${comp.name.padEnd(14)} ${comp.serving ? "SERVING" : `DOWN  ${comp.error}`}`),
        ].join("\n") + "\n",
      );
    }
    return status.emergencyStopped || status.components.some((comp) => !comp.serving) ? 1 : 0;
  });
}

export function approvalsCommand(argv: readonly string[]): Promise<number> {
  return withOrchestrator("approvals", argv, "aiosctl approvals", "tool calls waiting for a human (--all for every one)", { all: { type: "boolean" } }, async (c, { values }) => {
    const { approvals } = await c.listApprovals({ states: values.all ? [] : [ApprovalState.APPROVAL_STATE_PENDING], pageSize: 100 });
    if (values.json) json(approvals);
    else if (!approvals.length) process.stdout.write("no approvals are waiting\n");
    else {
      for (const a of approvals) {
        process.stdout.write(`${a.id}  ${name(a.state, ApprovalState, "APPROVAL_STATE_")}  ${a.tool} ${JSON.stringify(a.input)}\n    goal ${a.goalId}, task ${a.taskId}, agent ${a.agent}: ${a.reason}\n`);
      }
    }
    return 0;
  });
}

export function decideCommand(approve: boolean, argv: readonly string[]): Promise<number> {
  const command = approve ? "approve" : "deny";
  return withOrchestrator(command, argv, `aiosctl ${command} ID`, `${command} a pending tool call`, { note: { type: "string" }, by: { type: "string" } }, async (c, { positionals, values }) => {
    const [id] = positionals;
    if (!id || positionals.length !== 1) {
      process.stderr.write(`aiosctl ${command}: give one approval id (aiosctl approvals lists them)\n`);
      return EXIT_USAGE;
    }
    const by = String(values.by ?? (process.env.SUDO_USER || process.env.USER || "root"));
    const { approval } = await c.resolveApproval({ approvalId: id, approve, resolvedBy: by, note: String(values.note ?? "") });
    if (values.json) json(approval);
    else process.stdout.write(`${approval!.tool}: ${approve ? "approved" : "denied"} by ${by}\n`);
    return 0;
  });
}
