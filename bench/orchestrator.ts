/**
 * bench/orchestrator.ts, in one run:
 *  - the scheduler's cost per task: a 10,000-task DAG of no-op tasks through the real engine
 *    (durable task states and events in SQLite, the in-memory DAG), versus calling the same
 *    no-op tasks directly in a loop (the baseline);
 *  - reactive goals end to end in the whole stack (`aios init --root`: submit over gRPC, plan,
 *    a real tool call through aios-tools, outcome): goals per second;
 *  - 100 goals submitted at once: waiting (queued → started) and turnaround (submitted →
 *    finished) p50/p90, with max_running_goals = 2.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseConfig } from "../lib/config/index.ts";
import { GatewayServiceDefinition } from "../lib/rpc/gen/aios/v1/gateway.ts";
import { MemoryServiceDefinition } from "../lib/rpc/gen/aios/v1/memory.ts";
import { GoalState } from "../lib/rpc/gen/aios/v1/orchestrator.ts";
import { ToolsServiceDefinition } from "../lib/rpc/gen/aios/v1/tools.ts";
import { connect } from "../lib/rpc/index.ts";
import { loadAgents } from "../lib/orchestrator/agents.ts";
import { Engine } from "../lib/orchestrator/engine.ts";
import { EventLog } from "../lib/orchestrator/events.ts";
import { OrchestratorStore } from "../lib/orchestrator/store.ts";
import { REPO } from "../test/support/binary.ts";
import { randomDag } from "../test/support/dag.ts";
import { seededRandom } from "../test/support/random.ts";
import { QUIET, type Stack, startStack } from "../test/support/stack.ts";
import { devNullLogger } from "./support/echo.ts";
import { percentile, round } from "./support/stats.ts";

const TASKS = 10_000;
const E2E_GOALS = 200;
const CONCURRENT_GOALS = 100;

const dir = mkdtempSync(join(tmpdir(), "aios-bench-orch-"));

async function schedulerOverhead() {
  const store = new OrchestratorStore(join(dir, "dag", "orchestrator.db"));
  const nowhere = join(dir, "nothing-listens.sock");
  const clients = { tools: connect(ToolsServiceDefinition, nowhere), gateway: connect(GatewayServiceDefinition, nowhere), memory: connect(MemoryServiceDefinition, nowhere) };
  const log = devNullLogger("bench");
  const noop = async () => "ok";
  const config = parseConfig({}, "(defaults)");
  const events = new EventLog(store, clients.memory, log);
  const engine = new Engine({
    store,
    events,
    agents: loadAgents(join(REPO, "rootfs/overlay/etc/aios/agents")),
    clients,
    settings: { ...config.orchestrator, max_parallel_tasks: 8 },
    approvalTtlMs: 60_000,
    log,
    executor: noop,
  });

  // Baseline: the same no-op tasks called one after another.
  let started = performance.now();
  for (let i = 0; i < TASKS; i++) await noop();
  const directUs = ((performance.now() - started) * 1000) / TASKS;

  // A DAG: each task depends on up to two of the 100 tasks before it.
  const random = seededRandom(7);
  // Started first and not timed: it asks aios-tools for the tool catalogue, and nothing answers
  // here (a call that waits out its deadline). A goal with its tasks given does not need it.
  await engine.start();
  const goal = engine.submit({ text: "bench: a wide DAG of no-op tasks", priority: 50, source: "human", autonomy: 0, idempotencyKey: "" });
  const tasks = randomDag(goal.id, TASKS, 100, random, "no-op");
  store.transaction(() => store.replaceTasks(goal.id, tasks));
  started = performance.now();
  engine.pump();
  for (;;) {
    const current = store.goal(goal.id)!;
    if (current.state === "succeeded" || current.state === "failed") {
      if (current.state !== "succeeded") throw new Error(`the DAG goal failed: ${current.stateReason}`);
      break;
    }
    await Bun.sleep(20);
  }
  const engineUs = ((performance.now() - started) * 1000) / TASKS;
  const written = store.lastEventId();
  await engine.stop();
  // Nothing listens on its memory socket: without this its retry loop would keep the bench running.
  events.close();
  for (const client of Object.values(clients)) client.close();
  store.close();
  return { tasks: TASKS, direct_us_per_task: round(directUs, 2), engine_us_per_task: round(engineUs), overhead_us_per_task: round(engineUs - directUs), events_written: written };
}

/** Waits for a goal's end by following its events (no polling delay in the numbers). */
async function finished(stack: Stack, goalId: string) {
  for await (const _ of stack.orchestrator.streamEvents({ goalId, untilGoalDone: true })) {
    // the stream ends with the goal's terminal state
  }
  return (await stack.orchestrator.getGoal({ goalId })).goal!;
}

async function endToEnd() {
  const stack = await startStack(join(dir, "stack"), {
    config: `${QUIET}[memory]\nembedder = "hashing"\n\n[orchestrator]\nmonitor_interval_ms = 0\n\n[gateway]\nmodels = []\n`,
  });
  try {
    // Warm-up.
    await finished(stack, (await stack.orchestrator.submitGoal({ text: "call fs.stat /etc" })).goal!.id);
    let started = performance.now();
    for (let i = 0; i < E2E_GOALS; i++) {
      const goal = await finished(stack, (await stack.orchestrator.submitGoal({ text: "call fs.stat /etc" })).goal!.id);
      if (goal.state !== GoalState.GOAL_STATE_SUCCEEDED) throw new Error(`goal failed: ${goal.stateReason}`);
    }
    const sequentialPerSecond = E2E_GOALS / ((performance.now() - started) / 1000);

    started = performance.now();
    const ids = await Promise.all(Array.from({ length: CONCURRENT_GOALS }, () => stack.orchestrator.submitGoal({ text: "call fs.stat /etc" }).then((r) => r.goal!.id)));
    const goals = await Promise.all(ids.map((id) => finished(stack, id)));
    const concurrentSeconds = (performance.now() - started) / 1000;
    const wait = goals.map((g) => g.startedAt!.getTime() - g.createdAt!.getTime());
    const turnaround = goals.map((g) => g.finishedAt!.getTime() - g.createdAt!.getTime());
    return {
      goals: E2E_GOALS,
      goals_per_s_one_at_a_time: round(sequentialPerSecond, 1),
      concurrent: {
        goals: CONCURRENT_GOALS,
        goals_per_s: round(CONCURRENT_GOALS / concurrentSeconds, 1),
        wait_p50_ms: percentile(wait, 50),
        wait_p90_ms: percentile(wait, 90),
        turnaround_p50_ms: percentile(turnaround, 50),
        turnaround_p90_ms: percentile(turnaround, 90),
      },
    };
  } finally {
    await stack.stop();
  }
}

try {
  const dag = await schedulerOverhead();
  const e2e = await endToEnd();
  console.log(JSON.stringify({ bench: "orchestrator", dag, reactive: e2e }));
  console.log(`
${TASKS}-task DAG of no-op tasks (each depends on up to 2 of the 100 before it; 8 at once)
  baseline: the tasks called directly in a loop   ${dag.direct_us_per_task} µs per task
  through the engine (durable states + events)    ${dag.engine_us_per_task} µs per task
  scheduling overhead                             ${dag.overhead_us_per_task} µs per task (${dag.events_written} events written)

reactive goals end to end ("call fs.stat /etc", whole stack, real tool call)
  one at a time                                   ${e2e.goals_per_s_one_at_a_time} goals/s (${e2e.goals} goals)
  ${CONCURRENT_GOALS} submitted at once (max_running_goals 2)     ${e2e.concurrent.goals_per_s} goals/s
    waiting     p50 ${e2e.concurrent.wait_p50_ms} ms   p90 ${e2e.concurrent.wait_p90_ms} ms
    turnaround  p50 ${e2e.concurrent.turnaround_p50_ms} ms   p90 ${e2e.concurrent.turnaround_p90_ms} ms
`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
