/**
 * @module lib/sys/private-file
 * A file only its owner reads: every component's database holds what others must not see
 * (goals and their tool output, audit rows, usage, sessions). SQLite gives its -wal and -shm
 * files the database file's mode, so making the database 0600 before opening it is enough.
 */
import { chmodSync, closeSync, mkdirSync, openSync } from "node:fs";
import { dirname } from "node:path";

/** Makes the file's directory (0700 when new) and the file itself 0600, creating it empty if needed. */
export function ensurePrivateFile(path: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  closeSync(openSync(path, "a", 0o600));
  chmodSync(path, 0o600);
}
