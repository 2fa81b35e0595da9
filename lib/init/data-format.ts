/**
 * @module lib/init/data-format
 * The data disk's format version (STATE_DIR/format): what an AIOS must understand to use it.
 * A newer AIOS moves an older disk forward (each step once, the number written after it); an
 * older AIOS, booted back by a rollback onto a disk a newer one already moved, refuses to start
 * its services rather than damage what it cannot read. Each component's database has its own
 * schema version on top (lib/sys/migrate); this number is for the layout of the disk itself.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "../sys/atomic-file.ts";

/** This AIOS's data disk format. Add a step to FORWARD to raise it. */
export const DATA_FORMAT = 1;

/** Steps from format N to N+1, by N. */
const FORWARD: Record<number, (stateDir: string) => void> = {};

export type FormatCheck = { ok: true; from: number; to: number } | { ok: false; found: number; reason: string };

export function checkDataFormat(stateDir: string, supported = DATA_FORMAT, steps = FORWARD): FormatCheck {
  const file = join(stateDir, "format");
  const text = existsSync(file) ? readFileSync(file, "utf8").trim() : "";
  // A disk from before the number existed is format 1.
  const found = text === "" ? 1 : Number(text);
  if (!Number.isInteger(found) || found < 1) return { ok: false, found: Number.NaN, reason: `${file} says "${text}", which is not a format number` };
  if (found > supported) {
    return {
      ok: false,
      found,
      reason: `the data disk is format ${found}, written by a newer AIOS; this one reads up to format ${supported}. Boot the newer slot again (GRUB menu, or aiosctl update rollback from it), or install a newer AIOS`,
    };
  }
  for (let n = found; n < supported; n++) {
    steps[n]?.(stateDir);
    writeFileAtomic(file, `${n + 1}\n`);
  }
  if (text === "") writeFileAtomic(file, `${supported}\n`);
  return { ok: true, from: found, to: supported };
}
