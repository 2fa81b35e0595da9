/**
 * A goal's tasks as a wide random DAG: task i depends on up to two of the `reach` tasks before
 * it (the scheduler's bench and its kill -9 test run the engine through one of these).
 */
import { newTaskRow, type TaskRow } from "../../lib/orchestrator/store.ts";

export function randomDag(goalId: string, count: number, reach: number, random: () => number, description: string): TaskRow[] {
  const before = (i: number) => Math.max(0, i - 1 - Math.floor(random() * reach));
  return Array.from({ length: count }, (_, i) =>
    newTaskRow({
      goalId,
      id: `t${i}`,
      seq: i,
      description,
      agent: "system",
      dependsOn: i === 0 ? [] : [...new Set([before(i), before(i)])].map((n) => `t${n}`),
    }),
  );
}
