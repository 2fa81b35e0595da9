/**
 * @module lib/orchestrator/dag
 * Runs a goal's tasks in dependency order, up to maxParallel at once. The graph is kept in
 * memory with a count of unfinished dependencies per task, so each finished task costs work in
 * proportion to its dependants, not to the size of the plan. A task's runner returns it in its
 * new state: succeeded (its dependants may start), failed/skipped/cancelled (its dependants
 * are skipped, transitively), retrying (it runs again when its delay is over) or pending (it was
 * escalated and runs again at once).
 *
 * A task runs in three parts: begin (its running state written), work (what it does, which
 * writes no state of the task) and end (its resting state written). The runner works in
 * steps: one step ends every task whose work finished since the last, marks what that makes
 * ready or skipped, and begins what may start, all inside options.step, which makes them one
 * commit; the work of what began starts after it. So a task's end is durable before any
 * dependant begins, a task's begin before its work, and eight tasks finishing together cost
 * one commit, not eight.
 */
import type { TaskRow } from "./store.ts";

export interface DagOptions<Outcome> {
  maxParallel: number;
  signal: AbortSignal;
  /** Runs a step's writes as one commit (a store transaction); returns what the step returns. */
  step<T>(writes: () => T): T;
  /** Writes that the task runs now. */
  begin(task: TaskRow): void;
  /** The task's work; it resolves (never rejects) to what end needs. */
  work(task: TaskRow): Promise<Outcome>;
  /** Writes the task's resting state from its work's outcome and returns the task as stored. */
  end(task: TaskRow, outcome: Outcome): TaskRow;
  /** Marks a task skipped because a task it depends on did not succeed. */
  skip(task: TaskRow, reason: string): void;
  /** When a retrying task may run again (ms since the epoch). */
  retryAt(task: TaskRow): number;
}

const DONE = new Set(["succeeded", "failed", "skipped", "cancelled"]);

export async function runDag<Outcome>(initial: readonly TaskRow[], options: DagOptions<Outcome>): Promise<void> {
  const byId = new Map(initial.map((task) => [task.id, task]));
  const dependants = new Map<string, string[]>();
  const waitingOn = new Map<string, number>();
  for (const task of initial) {
    for (const dependency of task.dependsOn) dependants.set(dependency, [...(dependants.get(dependency) ?? []), task.id]);
  }
  const ready: string[] = [];
  const failedDeps: [TaskRow, TaskRow][] = [];
  for (const task of initial) {
    if (DONE.has(task.state)) continue;
    const deps = task.dependsOn.map((id) => byId.get(id)).filter((dep): dep is TaskRow => dep !== undefined);
    const blocker = deps.find((dep) => dep.state !== "succeeded" && DONE.has(dep.state));
    if (blocker) failedDeps.push([task, blocker]);
    const open = deps.filter((dep) => dep.state !== "succeeded").length;
    waitingOn.set(task.id, open);
    if (open === 0 && !blocker) ready.push(task.id);
  }

  const skipDependants = (root: TaskRow) => {
    const stack = [...(dependants.get(root.id) ?? [])];
    while (stack.length) {
      const task = byId.get(stack.pop()!)!;
      if (DONE.has(task.state)) continue;
      options.skip(task, `${root.id} ${root.state}: ${root.stateReason}`);
      task.state = "skipped";
      stack.push(...(dependants.get(task.id) ?? []));
    }
  };
  for (const [, blocker] of failedDeps) skipDependants(blocker);

  const inFlight = new Map<string, Promise<void>>();
  /** Tasks whose work is over, waiting for the next step to end them. */
  const worked: [TaskRow, Outcome][] = [];
  /** A work that broke its promise never to reject: the run ends with it rather than waiting forever. */
  let broken: { error: unknown } | null = null;
  const timers = new Set<ReturnType<typeof setTimeout>>();
  let wake: (() => void) | null = null;
  const poke = () => wake?.();
  options.signal.addEventListener("abort", poke, { once: true });

  const finished = (task: TaskRow) => {
    byId.set(task.id, task);
    if (task.state === "succeeded") {
      for (const id of dependants.get(task.id) ?? []) {
        const left = (waitingOn.get(id) ?? 1) - 1;
        waitingOn.set(id, left);
        if (left === 0 && !DONE.has(byId.get(id)!.state)) ready.push(id);
      }
    } else if (DONE.has(task.state)) {
      skipDependants(task);
    } else if (task.state === "retrying") {
      const timer = setTimeout(
        () => {
          timers.delete(timer);
          ready.push(task.id);
          poke();
        },
        Math.max(0, options.retryAt(task) - Date.now()),
      );
      timers.add(timer);
    } else {
      ready.push(task.id);
    }
  };
  const endWorked = () => {
    for (const [task, outcome] of worked.splice(0)) finished(options.end(task, outcome));
  };

  try {
    for (;;) {
      if (broken) {
        await Promise.allSettled(inFlight.values());
        throw (broken as { error: unknown }).error;
      }
      if (options.signal.aborted) {
        await Promise.allSettled(inFlight.values());
        // What finished its work before the stop is ended as it finished, as it always was.
        options.step(endWorked);
        throw options.signal.reason;
      }
      const begun = options.step(() => {
        endWorked();
        const starting: TaskRow[] = [];
        while (ready.length && inFlight.size + starting.length < options.maxParallel) {
          const task = byId.get(ready.shift()!)!;
          if (DONE.has(task.state)) continue;
          options.begin(task);
          starting.push(task);
        }
        return starting;
      });
      for (const task of begun) {
        inFlight.set(
          task.id,
          options.work(task).then(
            (outcome) => {
              inFlight.delete(task.id);
              worked.push([task, outcome]);
              poke();
            },
            (error) => {
              inFlight.delete(task.id);
              broken ??= { error };
              poke();
            },
          ),
        );
      }
      if (inFlight.size === 0 && ready.length === 0 && timers.size === 0 && worked.length === 0) return;
      if (worked.length === 0) {
        await new Promise<void>((resolve) => (wake = resolve));
        wake = null;
      }
      // Let whatever else finishes in this turn of the event loop join the step: tasks that
      // end together share one commit.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  } finally {
    for (const timer of timers) clearTimeout(timer);
    options.signal.removeEventListener("abort", poke);
  }
}
