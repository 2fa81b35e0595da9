import { lstatSync, unlinkSync } from "node:fs";
import * as v from "valibot";
import { defineTool } from "../../registry.ts";
import { AbsolutePath, restoreFile } from "./common.ts";

export const fsDeleteFiles = defineTool({
  name: "fs.delete_files",
  description: 'Delete several regular files ("delete every .tmp older than 3 days in /tmp"), each backed up for rollback; anything else is left and said why.',
  input: v.strictObject({ paths: v.pipe(v.array(AbsolutePath), v.minLength(1, "give at least one path"), v.maxLength(1000)) }),
  output: v.object({ deleted: v.array(v.object({ path: v.string(), bytes: v.number() })), skipped: v.array(v.object({ path: v.string(), why: v.string() })) }),
  risk: "high",
  capability: "fs:delete",
  readOnly: false,
  idempotent: false,
  reversible: true,
  timeoutMs: 120_000,
  resources: (input) => input.paths,
  backup(input, ctx) {
    const files: Record<string, string> = {};
    const saved: Array<{ path: string; name: string; mode: number; uid: number; gid: number }> = [];
    for (const [index, path] of input.paths.entries()) {
      const stat = lstatSync(ctx.physical(path), { throwIfNoEntry: false });
      if (!stat?.isFile()) continue;
      files[`file-${index}`] = ctx.physical(path);
      saved.push({ path, name: `file-${index}`, mode: stat.mode & 0o7777, uid: stat.uid, gid: stat.gid });
    }
    return { kind: "files", data: { saved }, files };
  },
  restore(backup, dir, ctx) {
    const saved = (backup.data as { saved: Array<{ path: string; name: string; mode: number; uid: number; gid: number }> }).saved;
    for (const file of saved) restoreFile({ kind: "file", data: { path: file.path, existed: true, mode: file.mode, uid: file.uid, gid: file.gid } }, dir, ctx, file.name);
    return `restored ${saved.length} files`;
  },
  run(input, ctx) {
    const deleted: Array<{ path: string; bytes: number }> = [];
    const skipped: Array<{ path: string; why: string }> = [];
    for (const path of input.paths) {
      const stat = lstatSync(ctx.physical(path), { throwIfNoEntry: false });
      if (!stat) skipped.push({ path, why: "it is gone" });
      else if (!stat.isFile()) skipped.push({ path, why: "not a regular file" });
      else {
        try {
          unlinkSync(ctx.physical(path));
          deleted.push({ path, bytes: stat.size });
        } catch (error) {
          skipped.push({ path, why: (error as Error).message });
        }
      }
    }
    return { deleted, skipped };
  },
});
