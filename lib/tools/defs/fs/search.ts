import { closeSync, lstatSync, openSync, readdirSync, readSync } from "node:fs";
import * as v from "valibot";
import { defineTool } from "../../registry.ts";
import { linearMatcher, RegexPattern } from "../schemas.ts";
import { AbsolutePath } from "./common.ts";

const READ_LIMIT = 1024 * 1024;

export const fsSearch = defineTool({
  name: "fs.search",
  description:
    "Find files under a directory (or search one file) by name glob, content regex, size (min_bytes, max_bytes), age (modified within or before so many seconds) and permission bits (any_mode_bits: 2 world-writable, 73 executable, 2048 setuid), within a depth and a result cap; with stat, each match gives its size, time and mode; symlinks are not followed.",
  input: v.strictObject({
    path: AbsolutePath,
    name: v.optional(v.pipe(v.string(), v.maxLength(256)), "*"),
    content: v.optional(RegexPattern),
    max_depth: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(32)), 8),
    max_results: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(10_000)), 200),
    min_bytes: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0))),
    max_bytes: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0))),
    /** Modified less than this many seconds ago. */
    modified_within_s: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1))),
    /** Modified more than this many seconds ago. */
    modified_before_s: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1))),
    /** Any of these permission bits set (octal 002 world-writable, 0111 executable, 04000 setuid). */
    any_mode_bits: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(0o7777))),
    /** With content: every matching line (up to max_results), not only each file's first. */
    every_line: v.optional(v.boolean(), false),
    /** Each match says its size, time and mode even when nothing filters by them ("the newest files"). */
    stat: v.optional(v.boolean(), false),
  }),
  output: v.object({
    matches: v.array(
      v.object({ path: v.string(), line: v.optional(v.number()), text: v.optional(v.string()), bytes: v.optional(v.number()), mtime: v.optional(v.string()), mode: v.optional(v.string()) }),
    ),
    truncated: v.boolean(),
    scanned: v.number(),
  }),
  risk: "low",
  capability: "fs:read",
  readOnly: true,
  idempotent: true,
  reversible: false,
  timeoutMs: 60_000,
  resources: (input) => [input.path],
  run(input, ctx) {
    const glob = new Bun.Glob(input.name);
    const pattern = input.content ? linearMatcher(input.content) : undefined;
    const matches: Array<{ path: string; line?: number; text?: string; bytes?: number; mtime?: string; mode?: string }> = [];
    const now = Date.now();
    const byStat = input.stat || [input.min_bytes, input.max_bytes, input.modified_within_s, input.modified_before_s, input.any_mode_bits].some((f) => f !== undefined);
    /** Size, time and mode, when the call filters by them: then each match says them too. */
    const statFits = (physical: string) => {
      const stat = lstatSync(physical, { throwIfNoEntry: false });
      if (!stat) return null;
      const ageS = (now - stat.mtimeMs) / 1000;
      if (input.min_bytes !== undefined && stat.size < input.min_bytes) return null;
      if (input.max_bytes !== undefined && stat.size > input.max_bytes) return null;
      if (input.modified_within_s !== undefined && ageS > input.modified_within_s) return null;
      if (input.modified_before_s !== undefined && ageS < input.modified_before_s) return null;
      if (input.any_mode_bits !== undefined && (stat.mode & input.any_mode_bits) === 0) return null;
      return { bytes: stat.size, mtime: new Date(stat.mtimeMs).toISOString(), mode: (stat.mode & 0o7777).toString(8).padStart(4, "0") };
    };
    let scanned = 0;
    let truncated = false;
    const visit = (logical: string, depth: number) => {
      if (truncated || ctx.signal.aborted) return;
      let entries: import("node:fs").Dirent[];
      try {
        entries = readdirSync(ctx.physical(logical), { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name));
      } catch {
        return;
      }
      for (const entry of entries) {
        if (matches.length >= input.max_results) return void (truncated = true);
        const path = logical === "/" ? `/${entry.name}` : `${logical}/${entry.name}`;
        if (ctx.isProtected(path)) continue;
        if (entry.isDirectory() && depth < input.max_depth) visit(path, depth + 1);
        if (entry.isFile()) consider(path, entry.name);
      }
    };
    /** One regular file: its name, its size, time and mode, then its lines. */
    const consider = (path: string, name: string) => {
      scanned++;
      if (!glob.match(name)) return;
      const facts = byStat ? statFits(ctx.physical(path)) : {};
      if (!facts) return;
      if (!pattern) {
        matches.push({ path, ...facts });
        return;
      }
      for (const found of grep(ctx.physical(path), pattern, input.every_line ? input.max_results - matches.length : 1)) {
        matches.push({ path, line: found.line, text: ctx.cut(found.text.slice(0, 300)), ...facts });
      }
      if (matches.length >= input.max_results) truncated = true;
    };
    // A directory is walked; a file is searched itself.
    const top = lstatSync(ctx.physical(input.path));
    if (top.isDirectory()) visit(input.path, 0);
    else if (top.isFile()) consider(input.path, input.path.split("/").at(-1)!);
    return { matches, truncated, scanned };
  },
});

/** The first `limit` lines of a text file (its first MiB) that match; none for a binary file. */
function grep(file: string, matches: (line: string) => boolean, limit: number): Array<{ line: number; text: string }> {
  const fd = openSync(file, "r");
  try {
    const buffer = Buffer.alloc(READ_LIMIT);
    const read = readSync(fd, buffer, 0, READ_LIMIT, 0);
    if (buffer.subarray(0, Math.min(read, 8000)).includes(0)) return []; // binary
    const found: Array<{ line: number; text: string }> = [];
    const lines = buffer.subarray(0, read).toString("utf8").split("\n");
    for (let i = 0; i < lines.length && found.length < limit; i++) if (matches(lines[i]!)) found.push({ line: i + 1, text: lines[i]! });
    return found;
  } finally {
    closeSync(fd);
  }
}
