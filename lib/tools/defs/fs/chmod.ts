import { chmodSync, lstatSync } from "node:fs";
import * as v from "valibot";
import { defineTool } from "../../registry.ts";
import { AbsolutePath } from "./common.ts";

export const fsChmod = defineTool({
  name: "fs.chmod",
  description: "Change a path's permission bits (octal, e.g. 0640); the old mode is kept for rollback.",
  input: v.strictObject({ path: AbsolutePath, mode: v.pipe(v.string(), v.regex(/^0?[0-7]{3,4}$/, "must be an octal mode such as 0640")) }),
  output: v.object({ path: v.string(), previous: v.string(), mode: v.string() }),
  risk: "medium",
  capability: "fs:chmod",
  readOnly: false,
  idempotent: true,
  reversible: true,
  timeoutMs: 10_000,
  resources: (input) => [input.path],
  backup: (input, ctx) => ({ kind: "mode", data: { path: input.path, mode: lstatSync(ctx.physical(input.path)).mode & 0o7777 } }),
  restore(backup, _dir, ctx) {
    const { path, mode } = backup.data as { path: string; mode: number };
    chmodSync(ctx.physical(path), mode);
    return `restored the mode of ${path} to ${mode.toString(8).padStart(4, "0")}`;
  },
  run(input, ctx) {
    const physical = ctx.physical(input.path);
    const previous = lstatSync(physical).mode & 0o7777;
    const mode = Number.parseInt(input.mode, 8);
    chmodSync(physical, mode);
    return { path: input.path, previous: previous.toString(8).padStart(4, "0"), mode: mode.toString(8).padStart(4, "0") };
  },
});
