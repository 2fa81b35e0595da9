import { lstatSync, rmdirSync, unlinkSync } from "node:fs";
import * as v from "valibot";
import { defineTool } from "../../registry.ts";
import { AbsolutePath, fileBackupHooks } from "./common.ts";

export const fsDelete = defineTool({
  name: "fs.delete",
  description: "Delete a file (backed up for rollback) or an empty directory.",
  input: v.strictObject({ path: AbsolutePath }),
  output: v.object({ path: v.string(), deleted: v.picklist(["file", "directory"]) }),
  risk: "high",
  capability: "fs:delete",
  readOnly: false,
  idempotent: false,
  reversible: true,
  timeoutMs: 30_000,
  resources: (input) => [input.path],
  backup: (input, ctx) => (lstatSync(ctx.physical(input.path)).isDirectory() ? { kind: "none", data: {} } : fileBackupHooks.backup(input, ctx)),
  restore: (backup, dir, ctx) => (backup.kind === "none" ? "an empty directory needs no restoring" : fileBackupHooks.restore(backup, dir, ctx)),
  run(input, ctx) {
    const physical = ctx.physical(input.path);
    if (lstatSync(physical).isDirectory()) {
      rmdirSync(physical);
      return { path: input.path, deleted: "directory" as const };
    }
    unlinkSync(physical);
    return { path: input.path, deleted: "file" as const };
  },
});
