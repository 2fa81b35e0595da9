/**
 * @module lib/tools/defs/fs/common
 * What the fs tools share: the path input, atomic writes, and the backup of one file.
 */
import { closeSync, existsSync, fsyncSync, lstatSync, openSync, renameSync, rmSync, writeSync, chmodSync, chownSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { writeFileAtomic } from "../../../sys/atomic-file.ts";
import * as v from "valibot";
import { normalizePath } from "../../capability.ts";
import type { Backup, ToolContext } from "../../registry.ts";

export const AbsolutePath = v.pipe(
  v.string(),
  v.startsWith("/", "must be an absolute path"),
  v.check((p) => !p.includes("\0"), "must not contain a NUL byte"),
  v.maxLength(4096),
  v.transform(normalizePath),
);

/**
 * Writes through a temporary file in the same directory, fsync, rename: all or nothing. Given
 * the directory's checked descriptor (ctx.files.openParent), every step goes through it, so the
 * write lands in the directory that was checked even if the path is swapped meanwhile.
 */
export function writeAtomic(path: string, content: Buffer | string, mode?: number, parent?: { dirFd: number; at: (name?: string) => string }): void {
  if (!parent) {
    writeFileAtomic(path, content, mode);
    return;
  }
  const temp = parent.at(`.${basename(path)}.aios-${process.pid}-${Date.now()}`);
  // wx: never through a file or link someone put there first.
  const fd = openSync(temp, "wx", mode ?? 0o644);
  try {
    writeSync(fd, typeof content === "string" ? Buffer.from(content) : content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  if (mode !== undefined) chmodSync(temp, mode);
  renameSync(temp, parent.at());
  fsyncSync(parent.dirFd);
}

/** Saves a file's content, mode and owner, or that it did not exist. */
export function backupFile(path: string, ctx: ToolContext): Backup {
  const physical = ctx.physical(path);
  const stat = lstatSync(physical, { throwIfNoEntry: false });
  if (!stat) return { kind: "file", data: { path, existed: false } };
  if (!stat.isFile()) throw new Error(`${path} is not a regular file`);
  return { kind: "file", data: { path, existed: true, mode: stat.mode & 0o7777, uid: stat.uid, gid: stat.gid }, files: { content: physical } };
}

/** Puts a saved file back; `name` is its copy in the backup directory (several files: one name each). */
export function restoreFile(backup: Backup, backupDir: string, ctx: ToolContext, name = "content"): string {
  const { path, existed, mode, uid, gid } = backup.data as { path: string; existed: boolean; mode?: number; uid?: number; gid?: number };
  const physical = ctx.physical(path);
  if (!existed) {
    if (existsSync(physical)) rmSync(physical);
    return `removed ${path}, which did not exist before`;
  }
  writeAtomic(physical, readFileSync(join(backupDir, name)), mode);
  if (uid !== undefined && gid !== undefined && process.getuid?.() === 0) chownSync(physical, uid, gid);
  return `restored ${path} (content, mode ${mode?.toString(8)}, owner ${uid}:${gid})`;
}

export const fileBackupHooks = {
  backup: <I extends { path: string }>(input: I, ctx: ToolContext) => backupFile(input.path, ctx),
  restore: restoreFile,
};
