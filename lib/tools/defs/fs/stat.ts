import { lstatSync } from "node:fs";
import * as v from "valibot";
import { defineTool } from "../../registry.ts";
import { AbsolutePath } from "./common.ts";

export const fsStat = defineTool({
  name: "fs.stat",
  description: "Whether a path exists, and its type, size, mode, owner and modification time.",
  input: v.strictObject({ path: AbsolutePath }),
  output: v.object({
    path: v.string(),
    exists: v.boolean(),
    type: v.optional(v.picklist(["file", "directory", "symlink", "other"])),
    size: v.optional(v.number()),
    mode: v.optional(v.string()),
    uid: v.optional(v.number()),
    gid: v.optional(v.number()),
    mtime: v.optional(v.string()),
  }),
  risk: "low",
  capability: "fs:read",
  readOnly: true,
  idempotent: true,
  reversible: false,
  timeoutMs: 5_000,
  resources: (input) => [input.path],
  run(input, ctx) {
    const stat = lstatSync(ctx.physical(input.path), { throwIfNoEntry: false });
    if (!stat) return { path: input.path, exists: false };
    const type = stat.isFile() ? "file" : stat.isDirectory() ? "directory" : stat.isSymbolicLink() ? "symlink" : "other";
    return {
      path: input.path,
      exists: true,
      type: type as "file" | "directory" | "symlink" | "other",
      size: stat.size,
      mode: (stat.mode & 0o7777).toString(8).padStart(4, "0"),
      uid: stat.uid,
      gid: stat.gid,
      mtime: stat.mtime.toISOString(),
    };
  },
});
