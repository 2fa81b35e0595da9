/**
 * @module lib/sys/atomic-file
 * A file replaced all or nothing: written to a temporary file beside it, fsynced, renamed over
 * it, and the directory fsynced, so after a crash or a power cut the file is the old one or the
 * new one, never a mix or a truncation.
 */
import { chmodSync, closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { basename, dirname, join } from "node:path";

export function writeFileAtomic(path: string, content: Buffer | string, mode?: number): void {
  const temp = join(dirname(path), `.${basename(path)}.aios-${process.pid}-${Date.now()}`);
  // wx: never through a file or link someone put there first.
  const fd = openSync(temp, "wx", mode ?? 0o644);
  try {
    writeSync(fd, typeof content === "string" ? Buffer.from(content) : content);
    fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    rmSync(temp, { force: true });
    throw error;
  }
  closeSync(fd);
  if (mode !== undefined) chmodSync(temp, mode);
  renameSync(temp, path);
  const dirFd = openSync(dirname(path), "r");
  try {
    fsyncSync(dirFd);
  } finally {
    closeSync(dirFd);
  }
}
