/**
 * The orchestrator's engine in a process of its own, for kill -9 tests of its scheduling
 * steps: a real store (orchestrator.db), a goal of many tasks in a DAG, and an executor that
 * appends each task it runs to a file (fsync'd before it returns, so the file tells what ran).
 * Every task state change the engine announces is printed as `ANNOUNCED <task> <state>`: the
 * engine announces only what its store has committed, which the test checks after the kill.
 *
 *   bun test/support/dag-engine.ts DIR new TASKS    a goal of TASKS tasks, run
 *   bun test/support/dag-engine.ts DIR resume       what the store holds, resumed
 *
 * Nothing listens on the tools, gateway or memory sockets: a goal with its tasks needs none.
 */
import { appendFileSync, closeSync, fsyncSync, openSync } from "node:fs";
import { join } from "node:path";
import { parseConfig } from "../../lib/config/index.ts";
import { loadAgents } from "../../lib/orchestrator/agents.ts";
import { Engine } from "../../lib/orchestrator/engine.ts";
import { EventLog } from "../../lib/orchestrator/events.ts";
import { GOAL_STATE, TASK_STATE } from "../../lib/orchestrator/mapping.ts";
import { OrchestratorStore } from "../../lib/orchestrator/store.ts";
import { GatewayServiceDefinition } from "../../lib/rpc/gen/aios/v1/gateway.ts";
import { MemoryServiceDefinition } from "../../lib/rpc/gen/aios/v1/memory.ts";
import { EventKind } from "../../lib/rpc/gen/aios/v1/orchestrator.ts";
import { ToolsServiceDefinition } from "../../lib/rpc/gen/aios/v1/tools.ts";
import { connect } from "../../lib/rpc/index.ts";
import { devNullLogger } from "../../bench/support/echo.ts";
import { REPO } from "./binary.ts";
import { randomDag } from "./dag.ts";
import { seededRandom } from "./random.ts";

const [dir, mode, count] = process.argv.slice(2);
if (!dir || (mode !== "new" && mode !== "resume")) throw new Error("usage: dag-engine.ts DIR new TASKS | DIR resume");

const store = new OrchestratorStore(join(dir, "orchestrator.db"));
const nowhere = join(dir, "nothing-listens.sock");
const clients = { tools: connect(ToolsServiceDefinition, nowhere), gateway: connect(GatewayServiceDefinition, nowhere), memory: connect(MemoryServiceDefinition, nowhere) };
const log = devNullLogger("dag-engine");
const events = new EventLog(store, clients.memory, log);
const ranFile = join(dir, `ran-${mode}.txt`);
const stateName = Object.fromEntries(Object.entries(TASK_STATE).map(([name, value]) => [value, name]));
events.subscribe((event) => {
  if (event.kind === EventKind.EVENT_KIND_TASK_STATE) process.stdout.write(`ANNOUNCED ${event.taskId} ${stateName[event.taskState]}\n`);
  if (event.kind === EventKind.EVENT_KIND_GOAL_STATE && event.goalState === GOAL_STATE.succeeded) process.stdout.write("GOAL SUCCEEDED\n");
});
const random = seededRandom(11);
const engine = new Engine({
  store,
  events,
  agents: loadAgents(join(REPO, "rootfs/overlay/etc/aios/agents")),
  clients,
  settings: { ...parseConfig({}, "(defaults)").orchestrator, max_parallel_tasks: 8 },
  approvalTtlMs: 60_000,
  log,
  executor: async (_goal, task) => {
    // Tasks finish at different moments, some in the same turn: steps of one task and of many.
    await Bun.sleep(Math.floor(random() * 3));
    const fd = openSync(ranFile, "a");
    appendFileSync(fd, `${task.id}\n`);
    fsyncSync(fd);
    closeSync(fd);
    return "ok";
  },
});

if (mode === "new") {
  const goal = engine.submit({ text: "a DAG of many tasks", priority: 50, source: "human", autonomy: 0, idempotencyKey: "" });
  const tasks = randomDag(goal.id, Number(count), 20, random, "append my name");
  store.transaction(() => store.replaceTasks(goal.id, tasks));
}
// start() recovers what a kill left running and asks for the tool catalogue (nobody answers:
// not awaited); a goal with its tasks does not wait for it.
void engine.start();
engine.pump();
