import { chmodSync, copyFileSync, constants, existsSync, lstatSync, renameSync, unlinkSync } from "node:fs";
import { basename, join } from "node:path";
import * as v from "valibot";
import { defineTool } from "../../registry.ts";
import { AbsolutePath } from "./common.ts";
import { toolError } from "../../tool-error.ts";

/** Where each file goes: the directory, under its own name. */
const destinations = (input: { paths: string[]; into: string }) => input.paths.map((from) => ({ from, to: join(input.into, basename(from)) }));

/** A rename, or across file systems a copy that keeps the mode and then the unlink. */
function moveFile(from: string, to: string): void {
  try {
    renameSync(from, to);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EXDEV") throw error;
    copyFileSync(from, to, constants.COPYFILE_EXCL);
    chmodSync(to, lstatSync(from).mode & 0o7777);
    unlinkSync(from);
  }
}

export const fsMoveFiles = defineTool({
  name: "fs.move_files",
  description: 'Move several files into a directory, each under its own name ("move every .log older than 7 days to /archive"); a file whose name is taken there is left and said why.',
  input: v.strictObject({ paths: v.pipe(v.array(AbsolutePath), v.minLength(1, "give at least one path"), v.maxLength(1000)), into: AbsolutePath }),
  output: v.object({ into: v.string(), moved: v.array(v.object({ from: v.string(), to: v.string() })), skipped: v.array(v.object({ path: v.string(), why: v.string() })) }),
  risk: "medium",
  capability: "fs:write",
  readOnly: false,
  idempotent: false,
  reversible: true,
  timeoutMs: 120_000,
  // Each file's new path too: a name that lands on a protected path is refused before anything moves.
  resources: (input) => [...input.paths, input.into, ...destinations(input).map((d) => d.to)],
  backup: (input) => ({ kind: "moves", data: { moves: destinations(input) } }),
  restore(backup, _dir, ctx) {
    const moves = (backup.data as { moves: Array<{ from: string; to: string }> }).moves;
    let back = 0;
    for (const { from, to } of moves) {
      // Only what this call moved: its file is at the destination and its old place is free.
      if (!existsSync(ctx.physical(to)) || existsSync(ctx.physical(from))) continue;
      moveFile(ctx.physical(to), ctx.physical(from));
      back++;
    }
    return `moved ${back} of ${moves.length} files back`;
  },
  run(input, ctx) {
    const into = lstatSync(ctx.physical(input.into), { throwIfNoEntry: false });
    if (!into?.isDirectory()) throw toolError("not_found", `${input.into} is not a directory; create it first`);
    const moved: Array<{ from: string; to: string }> = [];
    const skipped: Array<{ path: string; why: string }> = [];
    for (const { from, to } of destinations(input)) {
      const stat = lstatSync(ctx.physical(from), { throwIfNoEntry: false });
      if (!stat) skipped.push({ path: from, why: "it is gone" });
      else if (!stat.isFile()) skipped.push({ path: from, why: "not a regular file" });
      else if (existsSync(ctx.physical(to))) skipped.push({ path: from, why: `${to} exists` });
      else {
        try {
          moveFile(ctx.physical(from), ctx.physical(to));
          moved.push({ from, to });
        } catch (error) {
          skipped.push({ path: from, why: (error as Error).message });
        }
      }
    }
    return { into: input.into, moved, skipped };
  },
});
