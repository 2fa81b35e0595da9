import { existsSync, mkdirSync } from "node:fs";
import * as v from "valibot";
import { defineTool } from "../../registry.ts";
import { AbsolutePath } from "./common.ts";

export const fsMkdir = defineTool({
  name: "fs.mkdir",
  description: "Make a directory (and its parents with parents = true); nothing happens when it exists.",
  input: v.strictObject({ path: AbsolutePath, parents: v.optional(v.boolean(), false) }),
  output: v.object({ path: v.string(), created: v.boolean() }),
  risk: "medium",
  capability: "fs:write",
  readOnly: false,
  idempotent: true,
  reversible: false,
  timeoutMs: 10_000,
  resources: (input) => [input.path],
  run(input, ctx) {
    const physical = ctx.physical(input.path);
    if (existsSync(physical)) return { path: input.path, created: false };
    mkdirSync(physical, { recursive: input.parents });
    return { path: input.path, created: true };
  },
});
