/**
 * @module lib/tools/undo
 * The undoing of a reversible call, as a tool of its own ("fs.write.rollback") that the
 * executor's pipeline runs like any other: the same capability and resources as the call it
 * undoes (undoing needs what doing needed), the same risk (an undo that reopens a port is as
 * risky as opening it), the tool's time limit, and an output of what was restored, in words.
 */
import * as v from "valibot";
import type { Backup, ToolDefinition } from "./registry.ts";

export const UNDO_SUFFIX = ".rollback";

export function undoTool(tool: ToolDefinition, backup: Backup, backupDir: string): ToolDefinition<unknown, { summary: string }> {
  const restore = tool.restore;
  if (!restore) throw new Error(`${tool.name} cannot restore its backups`);
  return {
    name: `${tool.name}${UNDO_SUFFIX}`,
    description: `undoes a call of ${tool.name} from its backup`,
    // The input was checked when the call ran; its backup keeps it as checked.
    input: v.unknown(),
    output: v.object({ summary: v.string() }),
    risk: tool.risk,
    riskOf: tool.riskOf ? (input) => tool.riskOf!(input) : undefined,
    capability: tool.capability,
    readOnly: false,
    idempotent: false,
    // An undo is not undone in turn: the call can be made again instead.
    reversible: false,
    timeoutMs: tool.timeoutMs,
    resources: (input, root) => tool.resources(input, root),
    run: async (_input, ctx) => ({ summary: await restore(backup, backupDir, ctx) }),
  };
}
