/**
 * @module lib/cli/procedures
 * `aiosctl memory procedures`: what AIOS learned from its models and replays with none, and
 * a person's say over it: promote (trust it even after a failure), demote, edit its pattern
 * or steps, reset its record, forget it.
 */
import { readFileSync } from "node:fs";
import type { ServiceClient } from "../rpc/index.ts";
import { ListProceduresResponse, type Memory, type MemoryServiceDefinition, UpdateProcedureResponse } from "../rpc/gen/aios/v1/memory.ts";
import { json, usageError } from "./command.ts";

export const PROCEDURES_USAGE = "aiosctl memory procedures [promote|demote|reset|forget ID | edit ID --pattern TEXT --steps JSON|@FILE]";

function describe(memory: Memory): string {
  const p = memory.procedure!;
  const state = !p.stepsJson ? "not replayable" : p.promoted ? "promoted" : p.failures === 0 && p.successes > 0 ? "trusted" : "needs a model (failed)";
  return `${memory.id}  ${String(p.successes).padStart(3)} ok ${String(p.failures).padStart(3)} failed  ${state.padEnd(22)} "${p.goalPattern}"  → ${p.toolSequence.join(", ")}`;
}

export async function proceduresCommand(c: ServiceClient<typeof MemoryServiceDefinition>, args: readonly string[], values: Record<string, unknown>): Promise<number> {
  const [action, id] = args;
  if (!action) {
    const r = await c.listProcedures({ replayableOnly: false, limit: Number(values.limit ?? 200) || 200 });
    if (values.json) json(ListProceduresResponse.toJSON(r));
    else if (!r.procedures.length) process.stdout.write("no procedure learned yet: goals a model plans and that work are learned\n");
    else for (const memory of r.procedures) process.stdout.write(`${describe(memory)}\n`);
    return 0;
  }
  if (!["promote", "demote", "reset", "forget", "edit"].includes(action)) return usageError("memory", `no such action "${action}": ${PROCEDURES_USAGE}`);
  if (!id) return usageError("memory", `say which procedure: aiosctl memory procedures ${action} ID (aiosctl memory procedures lists them)`);
  if (action === "forget") {
    const r = await c.forget({ ids: [id], kinds: [], tags: [] });
    if (values.json) json({ forgotten: Number(r.forgotten) });
    else process.stdout.write(r.forgotten ? `forgot ${id}\n` : `there is no memory ${id}\n`);
    return r.forgotten ? 0 : 1;
  }
  const steps = typeof values.steps === "string" ? (values.steps.startsWith("@") ? readFileSync(values.steps.slice(1), "utf8") : values.steps) : undefined;
  if (action === "edit" && values.pattern === undefined && steps === undefined) return usageError("memory", 'say what to change: --pattern "the size of <path>" and/or --steps JSON|@FILE');
  const r = await c.updateProcedure({
    id,
    resetCounts: action === "reset",
    ...(action === "promote" ? { promoted: true } : action === "demote" ? { promoted: false } : {}),
    ...(action === "edit" && typeof values.pattern === "string" ? { goalPattern: values.pattern } : {}),
    ...(action === "edit" && steps !== undefined ? { stepsJson: steps } : {}),
  });
  if (values.json) json(UpdateProcedureResponse.toJSON(r));
  else process.stdout.write(`${describe(r.procedure!)}\n`);
  return 0;
}
