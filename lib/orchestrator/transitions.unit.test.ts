/**
 * The lifecycle tables walked edge by edge on a real store: every transition the table allows
 * is written and emitted; every other one, from every state to every state, is refused with
 * both states named and changes nothing. Every state can be reached, and every state can end.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLogger } from "../log/index.ts";
import { connect } from "../rpc/index.ts";
import { MemoryServiceDefinition } from "../rpc/gen/aios/v1/memory.ts";
import { EventLog } from "./events.ts";
import { GOAL_LIFECYCLE, IllegalTransition, TASK_LIFECYCLE } from "./lifecycle.ts";
import { GOAL_STATE, TASK_STATE } from "./mapping.ts";
import { type GoalRow, type GoalStateName, newTaskRow, OrchestratorStore, type TaskRow, type TaskStateName } from "./store.ts";
import { Transitions } from "./transitions.ts";

const dir = mkdtempSync(join(tmpdir(), "aios-lifecycle-"));
const store = new OrchestratorStore(join(dir, "orchestrator.db"));
// No memory to copy events to: they stay in the store, which is what is checked.
const memory = connect(MemoryServiceDefinition, join(dir, "none.sock"), { failFast: true });
const events = new EventLog(store, memory, createLogger({ component: "test", level: "error" }));
events.close();
const transitions = new Transitions({ store, events });

afterAll(() => {
  memory.close();
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

let serial = 0;
function goalIn(state: GoalStateName): GoalRow {
  const goal: GoalRow = {
    id: `goal-${++serial}`,
    text: "walk the lifecycle",
    state,
    stateReason: "",
    priority: 50,
    source: "human",
    autonomy: 0,
    plannedBy: "",
    result: "",
    createdAt: Date.now(),
    startedAt: null,
    finishedAt: null,
    scheduleId: "",
    idempotencyKey: "",
    inputTokens: 0,
    outputTokens: 0,
    costUsd: 0,
    modelCalls: 0,
  };
  store.insertGoal(goal);
  return goal;
}

function taskIn(state: TaskStateName): { goal: GoalRow; task: TaskRow } {
  const goal = goalIn("running");
  const task = newTaskRow({ goalId: goal.id, id: "t1", seq: 0, description: "a step", agent: "general", state });
  store.replaceTasks(goal.id, [task]);
  return { goal, task };
}

const lastEvent = (goalId: string) => store.eventsAfter(0, goalId, 10_000).at(-1);

describe("the lifecycle of a goal", () => {
  const states = Object.keys(GOAL_LIFECYCLE) as GoalStateName[];
  for (const from of states) {
    test(`from ${from}: the allowed transitions happen, the rest are refused`, () => {
      for (const to of states) {
        const goal = goalIn(from);
        if (GOAL_LIFECYCLE[from].includes(to)) {
          transitions.setGoal(goal, to, `to ${to}`);
          expect([store.goal(goal.id)!.state, lastEvent(goal.id)!.goalState]).toEqual([to, GOAL_STATE[to]]);
        } else {
          expect(() => transitions.setGoal(goal, to, `to ${to}`)).toThrow(new IllegalTransition(`goal ${goal.id} may not go from ${from} to ${to} (lib/orchestrator/lifecycle.ts)`));
          expect([store.goal(goal.id)!.state, lastEvent(goal.id)]).toEqual([from, undefined]);
        }
      }
    });
  }
});

describe("the lifecycle of a task", () => {
  const states = Object.keys(TASK_LIFECYCLE) as TaskStateName[];
  for (const from of states) {
    test(`from ${from}: the allowed transitions happen, the rest are refused`, () => {
      for (const to of states) {
        const { goal, task } = taskIn(from);
        if (TASK_LIFECYCLE[from].includes(to)) {
          transitions.setTask(goal, task, to, `to ${to}`);
          const taskEvent = store
            .eventsAfter(0, goal.id, 10_000)
            .filter((e) => e.taskId === "t1")
            .at(-1);
          expect([store.task(goal.id, "t1")!.state, taskEvent!.taskState]).toEqual([to, TASK_STATE[to]]);
          // A task waiting for a person makes its goal wait, when it is the only one running.
          if (to === "waiting_approval") expect(store.goal(goal.id)!.state).toBe("waiting_approval");
        } else {
          expect(() => transitions.setTask(goal, task, to, `to ${to}`)).toThrow(IllegalTransition);
          expect(store.task(goal.id, "t1")!.state).toBe(from);
        }
      }
    });
  }
});

describe("a change and its event", () => {
  test("are one commit: when the event cannot be written, the state is not changed and no subscriber is told", () => {
    const { goal, task } = taskIn("pending");
    const told: number[] = [];
    const unsubscribe = events.subscribe((event) => told.push(event.id));
    // Another connection to the same file makes every event insert fail, as a full disk would.
    const other = new Database(join(dir, "orchestrator.db"));
    other.run("CREATE TRIGGER refuse_events BEFORE INSERT ON events BEGIN SELECT RAISE(ABORT, 'disk full'); END");
    try {
      expect(() => transitions.setTask(goal, task, "running", "attempt 1")).toThrow(/disk full/);
      expect(() => transitions.setGoal(goal, "succeeded", "done")).toThrow(/disk full/);
      expect([store.task(goal.id, "t1")!.state, task.state, store.goal(goal.id)!.state, goal.state, told]).toEqual(["pending", "pending", "running", "running", []]);
    } finally {
      other.run("DROP TRIGGER refuse_events");
      other.close();
    }
    transitions.setTask(goal, task, "running", "attempt 1");
    expect([store.task(goal.id, "t1")!.state, told.length]).toEqual(["running", 1]);
    unsubscribe();
  });
});

describe("the tables themselves", () => {
  const reach = <S extends string>(table: Readonly<Record<S, readonly S[]>>, start: S) => {
    const seen = new Set<S>([start]);
    const queue = [start];
    while (queue.length) for (const next of table[queue.shift()!]) if (!seen.has(next)) seen.add(next), queue.push(next);
    return seen;
  };

  test("every state is reachable from the first, and every state can reach an end", () => {
    expect(reach(GOAL_LIFECYCLE, "queued").size).toBe(Object.keys(GOAL_LIFECYCLE).length);
    expect(reach(TASK_LIFECYCLE, "pending").size).toBe(Object.keys(TASK_LIFECYCLE).length);
    for (const state of Object.keys(GOAL_LIFECYCLE) as GoalStateName[]) expect([...reach(GOAL_LIFECYCLE, state)].some((s) => GOAL_LIFECYCLE[s].length === 0)).toBe(true);
    for (const state of Object.keys(TASK_LIFECYCLE) as TaskStateName[]) expect([...reach(TASK_LIFECYCLE, state)].some((s) => TASK_LIFECYCLE[s].length === 0)).toBe(true);
  });
});
