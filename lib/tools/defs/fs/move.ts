import { existsSync, renameSync } from "node:fs";
import * as v from "valibot";
import { defineTool } from "../../registry.ts";
import { AbsolutePath } from "./common.ts";
import { toolError } from "../../tool-error.ts";

export const fsMove = defineTool({
  name: "fs.move",
  description: "Move or rename a file or directory; refuses to replace an existing destination.",
  input: v.strictObject({ from: AbsolutePath, to: AbsolutePath }),
  output: v.object({ from: v.string(), to: v.string() }),
  risk: "medium",
  capability: "fs:write",
  readOnly: false,
  idempotent: false,
  reversible: true,
  timeoutMs: 30_000,
  resources: (input) => [input.from, input.to],
  backup: (input) => ({ kind: "move", data: { from: input.from, to: input.to } }),
  restore(backup, _dir, ctx) {
    const { from, to } = backup.data as { from: string; to: string };
    renameSync(ctx.physical(to), ctx.physical(from));
    return `moved ${to} back to ${from}`;
  },
  run(input, ctx) {
    if (existsSync(ctx.physical(input.to))) throw toolError("conflict", `${input.to} exists; delete it first or pick another name`);
    renameSync(ctx.physical(input.from), ctx.physical(input.to));
    return { from: input.from, to: input.to };
  },
});
