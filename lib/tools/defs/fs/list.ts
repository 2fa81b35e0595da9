import { readdirSync } from "node:fs";
import * as v from "valibot";
import { defineTool } from "../../registry.ts";
import { AbsolutePath } from "./common.ts";

const TYPES = ["file", "directory", "symlink", "other"] as const;

export const fsList = defineTool({
  name: "fs.list",
  description: "List the entries of a directory with their types, sorted by name, at most limit of them.",
  input: v.strictObject({ path: AbsolutePath, limit: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(10_000)), 1000) }),
  output: v.object({ path: v.string(), entries: v.array(v.object({ name: v.string(), type: v.picklist(TYPES) })), total: v.number(), truncated: v.boolean() }),
  risk: "low",
  capability: "fs:read",
  readOnly: true,
  idempotent: true,
  reversible: false,
  timeoutMs: 10_000,
  resources: (input) => [input.path],
  run(input, ctx) {
    const all = readdirSync(ctx.physical(input.path), { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name));
    const entries = all.slice(0, input.limit).map((e) => ({
      name: e.name,
      type: e.isFile() ? ("file" as const) : e.isDirectory() ? ("directory" as const) : e.isSymbolicLink() ? ("symlink" as const) : ("other" as const),
    }));
    return { path: input.path, entries, total: all.length, truncated: all.length > entries.length };
  },
});
