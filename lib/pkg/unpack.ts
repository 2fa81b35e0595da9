/**
 * @module lib/pkg/unpack
 * A package's entries written under the package directory (STATE_DIR/pkg/root), and taken away
 * again. Nothing is written through a link: every directory on the way is checked to be a
 * real directory, files are created new (O_EXCL), absolute link targets are moved into the
 * package root, setuid and setgid bits are dropped (installed programs run with the rights of
 * whoever runs them), and hard links are copies.
 */
import { chmodSync, closeSync, fsyncSync, lstatSync, mkdirSync, openSync, rmdirSync, rmSync, symlinkSync, writeSync } from "node:fs";
import { join } from "node:path";
import { DebError, type DataEntry } from "./deb.ts";
import type { InstalledFile } from "./db.ts";

/** The package root within the package directory. */
export const ROOT = "root";
/** Where the commands of installed packages are, within the package directory. */
export const BIN = "bin";

function kind(path: string): "missing" | "directory" | "other" {
  try {
    return lstatSync(path).isDirectory() ? "directory" : "other";
  } catch {
    return "missing";
  }
}

/** Makes base/rel's directories (relative parts), refusing to pass through anything but a real directory. */
function ensureDirectories(base: string, rel: string, mode = 0o755): void {
  let path = base;
  for (const part of rel.split("/")) {
    path = join(path, part);
    const found = kind(path);
    if (found === "missing") mkdirSync(path, { mode });
    else if (found === "other") throw new DebError(`${path} is in the way (not a directory): remove it first`);
  }
}

function writeNew(path: string, data: Uint8Array, mode: number): void {
  rmSync(path, { force: true });
  const fd = openSync(path, "wx", mode);
  try {
    writeSync(fd, data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  chmodSync(path, mode);
}

/** What unpacking these entries will put there, relative to the package directory. */
export function filesOf(entries: readonly DataEntry[]): InstalledFile[] {
  return entries.map((e) => ({ path: `${ROOT}/${e.path}`, type: e.type === "directory" ? "d" : e.type === "symlink" ? "l" : "f" }));
}

/** Writes the entries under dir/root. dir is the package directory (physical). */
export function unpack(dir: string, entries: readonly DataEntry[]): void {
  const root = join(dir, ROOT);
  ensureDirectories(dir, ROOT);
  const contents = new Map(entries.filter((e) => e.type === "file").map((e) => [e.path, e]));
  for (const entry of entries) {
    const parent = entry.path.includes("/") ? entry.path.slice(0, entry.path.lastIndexOf("/")) : "";
    if (parent) ensureDirectories(root, parent);
    const target = join(root, entry.path);
    const mode = entry.mode & 0o1777;
    switch (entry.type) {
      case "directory":
        ensureDirectories(root, entry.path, mode | 0o700);
        break;
      case "file":
        writeNew(target, entry.data ?? new Uint8Array(), mode);
        break;
      case "link": {
        const original = contents.get(entry.linkname!);
        if (!original) throw new DebError(`the hard link ${entry.path} points at ${entry.linkname}, which is not a file of the package`);
        writeNew(target, original.data ?? new Uint8Array(), original.mode & 0o1777);
        break;
      }
      case "symlink": {
        if (kind(target) === "directory") throw new DebError(`${target} is a directory where the package has a link`);
        rmSync(target, { force: true });
        // "/usr/lib/x/libfoo.so.1" means the package's own copy: point into the package root.
        symlinkSync(entry.linkname!.startsWith("/") ? join(root, entry.linkname!) : entry.linkname!, target);
        break;
      }
    }
  }
}

/** Takes away files and links, then the directories that are left empty, deepest first. */
export function removeFiles(dir: string, files: readonly InstalledFile[]): void {
  for (const file of files) if (file.type !== "d") rmSync(join(dir, file.path), { force: true });
  const directories = files.filter((f) => f.type === "d").sort((a, b) => b.path.split("/").length - a.path.split("/").length);
  for (const directory of directories) {
    try {
      rmdirSync(join(dir, directory.path));
    } catch {
      // Not empty (another package's files) or gone already: it stays or is gone, both fine.
    }
  }
}

/** Directories where a package's programs are. */
const PROGRAM_DIRS = ["usr/bin/", "usr/sbin/", "bin/", "sbin/", "usr/games/"];

const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._+@-]*$/;

/** The programs among the entries, by command name. */
export function programsOf(entries: readonly DataEntry[]): Map<string, string> {
  const programs = new Map<string, string>();
  for (const entry of entries) {
    if (entry.type === "directory") continue;
    const dirPrefix = PROGRAM_DIRS.find((d) => entry.path.startsWith(d) && !entry.path.slice(d.length).includes("/"));
    const command = dirPrefix ? entry.path.slice(dirPrefix.length) : "";
    // The wrapper quotes the path: a name that would need more than quoting gets no command.
    if (dirPrefix && SAFE_NAME.test(command) && (entry.type === "symlink" || (entry.mode & 0o111) !== 0)) programs.set(command, entry.path);
  }
  return programs;
}

/**
 * A command in dir/bin that runs the program with the package root's libraries first on the
 * loader's path (the image's loader does not know /var/lib/aios/pkg/root; no maintainer
 * script runs ldconfig).
 */
export function writeWrapper(dir: string, command: string, program: string): void {
  const root = join(dir, ROOT);
  const libraries = ["usr/lib/x86_64-linux-gnu", "lib/x86_64-linux-gnu", "usr/lib", "lib"].map((d) => join(root, d)).join(":");
  // Exported, then exec: an assignment before exec (a special built-in) is not exported by every shell.
  const script = `#!/bin/sh\n# Made by AIOS's package manager: ${program} of the package root, with its libraries.\nLD_LIBRARY_PATH='${libraries}'\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}\nexport LD_LIBRARY_PATH\nexec '${join(root, program)}' "$@"\n`;
  ensureDirectories(dir, BIN);
  writeNew(join(dir, BIN, command), Buffer.from(script), 0o755);
}
