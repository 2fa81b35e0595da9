/**
 * @module lib/orchestrator/dag
 * Runs a goal's tasks in dependency order, up to maxParallel at once. The graph is kept in
 * memory with a count of unfinished dependencies per task, so each finished task costs work in
 * proportion to its dependants, not to the size of the plan. A task's runner returns it in its
 * new state: succeeded (its dependants may start), failed/skipped/cancelled (its dependants
 * are skipped, transitively), retrying (it runs again when its delay is over) or pending (it was
 * escalated and runs again at once).
 */
import type { TaskRow } from "./store.ts";

export interface DagOptions {
  maxParallel: number;
  signal: AbortSignal;
  /** Runs one task to its next resting state and returns it. */
  run(task: TaskRow): Promise<TaskRow>;
  /** Marks a task skipped because a task it depends on did not succeed. */
  skip(task: TaskRow, reason: string): void;
  /** When a retrying task may run again (ms since the epoch). */
  retryAt(task: TaskRow): number;
}

const DONE = new Set(["succeeded", "failed", "skipped", "cancelled"]);

export async function runDag(initial: readonly TaskRow[], options: DagOptions): Promise<void> {
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

  try {
    for (;;) {
      if (options.signal.aborted) {
        await Promise.allSettled(inFlight.values());
        throw options.signal.reason;
      }
      while (ready.length && inFlight.size < options.maxParallel) {
        const task = byId.get(ready.shift()!)!;
        if (DONE.has(task.state)) continue;
        inFlight.set(
          task.id,
          options.run(task).then(
            (next) => {
              inFlight.delete(task.id);
              finished(next);
            },
            (error) => {
              inFlight.delete(task.id);
              throw error;
            },
          ),
        );
      }
      if (inFlight.size === 0 && ready.length === 0 && timers.size === 0) return;
      await Promise.race([...inFlight.values(), new Promise<void>((resolve) => (wake = resolve))]);
      wake = null;
    }
  } finally {
    for (const timer of timers) clearTimeout(timer);
    options.signal.removeEventListener("abort", poke);
  }
}
