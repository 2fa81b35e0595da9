/**
 * @module lib/update/grubenv
 * GRUB's environment block (grub-editenv's format): exactly 1024 bytes, a comment line, then
 * NAME=VALUE lines, padded with '#'. GRUB's save_env writes into the file's existing blocks,
 * so the file is rewritten in place, never replaced: its blocks must stay where GRUB found them.
 */
import { closeSync, fsyncSync, openSync, readFileSync, writeSync } from "node:fs";

export const ENV_SIZE = 1024;
const SIGNATURE = "# GRUB Environment Block\n";

export function parseGrubEnv(text: string): Map<string, string> {
  const values = new Map<string, string>();
  if (!text.startsWith(SIGNATURE)) throw new Error("not a GRUB environment block");
  for (const line of text.slice(SIGNATURE.length).split("\n")) {
    const eq = line.indexOf("=");
    if (eq > 0 && !line.startsWith("#")) values.set(line.slice(0, eq), line.slice(eq + 1));
  }
  return values;
}

export function formatGrubEnv(values: ReadonlyMap<string, string>): Buffer {
  let body = SIGNATURE;
  for (const [key, value] of values) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key) || /[\n\\]/.test(value)) throw new Error(`${key}=${value} cannot be kept in a GRUB environment block`);
    body += `${key}=${value}\n`;
  }
  if (body.length > ENV_SIZE) throw new Error("the GRUB environment block is full");
  return Buffer.from(body.padEnd(ENV_SIZE, "#"), "ascii");
}

export function readGrubEnv(path: string): Map<string, string> {
  return parseGrubEnv(readFileSync(path, "latin1"));
}

/** Changes some keys (undefined removes one) in place, in one write, then waits for the disk. */
export function updateGrubEnv(path: string, changes: Record<string, string | undefined>): Map<string, string> {
  const values = readGrubEnv(path);
  for (const [key, value] of Object.entries(changes)) {
    if (value === undefined) values.delete(key);
    else values.set(key, value);
  }
  const fd = openSync(path, "r+");
  try {
    writeSync(fd, formatGrubEnv(values), 0, ENV_SIZE, 0);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return values;
}
