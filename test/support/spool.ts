/**
 * A directory a spawned command may write: process.spawn runs commands as nobody, and a test's
 * mkdtemp directory is 0700 root. The parent gets search permission only (0711).
 */
import { chmodSync, mkdirSync } from "node:fs";
import { join } from "node:path";

export function commandSpool(dir: string): string {
  chmodSync(dir, 0o711);
  const spool = join(dir, "spool");
  mkdirSync(spool, { recursive: true });
  chmodSync(spool, 0o1777);
  return spool;
}
