import { closeSync, readSync } from "node:fs";
import * as v from "valibot";
import { defineTool } from "../../registry.ts";
import { AbsolutePath } from "./common.ts";

/** Read at most this much of a file: a tally of a bigger one says it stopped. */
const READ_LIMIT = 64 * 1024 * 1024;
const IPV4 = /\b(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)\b/g;

/** The lines of a file, read by its checked descriptor in chunks, up to the limit. */
function* lines(fd: number): Generator<string, boolean> {
  const chunk = Buffer.alloc(1024 * 1024);
  let rest = "";
  let total = 0;
  for (;;) {
    const read = readSync(fd, chunk, 0, chunk.length, null);
    if (read === 0) break;
    total += read;
    const text = rest + chunk.subarray(0, read).toString("utf8");
    const parts = text.split("\n");
    rest = parts.pop()!;
    yield* parts;
    if (total >= READ_LIMIT) return true;
  }
  if (rest) yield rest;
  return false;
}

export const fsTally = defineTool({
  name: "fs.tally",
  description:
    'Tally a text file like awk | sort | uniq -c: its distinct values (whole lines, one column (field, 1-based; separator default whitespace), or every IPv4 address) with their counts, most frequent first, and the sum of the numeric ones ("add up column 3 of /srv/sales.csv").',
  input: v.strictObject({
    path: AbsolutePath,
    /** 1-based column; absent: the whole line. */
    field: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(1000))),
    /** Between columns; absent: runs of spaces and tabs. */
    separator: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(8))),
    /** "ip": every IPv4 address in the lines instead of a column. */
    extract: v.optional(v.picklist(["ip"])),
    /** Lines to skip first (a header). */
    skip_lines: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0)), 0),
    top: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(10_000)), 100),
  }),
  output: v.object({
    path: v.string(),
    lines: v.number(),
    values: v.number(),
    distinct: v.number(),
    top: v.array(v.object({ value: v.string(), count: v.number() })),
    numeric: v.number(),
    sum: v.number(),
    truncated: v.boolean(),
  }),
  risk: "low",
  capability: "fs:read",
  readOnly: true,
  idempotent: true,
  reversible: false,
  timeoutMs: 60_000,
  resources: (input) => [input.path],
  run(input, ctx) {
    const fd = ctx.files.open(input.path, "r");
    try {
      const counts = new Map<string, number>();
      let lineCount = 0;
      let values = 0;
      let numeric = 0;
      let sum = 0;
      const add = (value: string) => {
        values++;
        counts.set(value, (counts.get(value) ?? 0) + 1);
        if (/^[+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?$/i.test(value)) {
          numeric++;
          sum += Number(value);
        }
      };
      const reader = lines(fd);
      let step = reader.next();
      while (!step.done) {
        const line = step.value.replace(/\r$/, "");
        lineCount++;
        if (lineCount > input.skip_lines && line !== "") {
          if (input.extract === "ip") for (const ip of line.match(IPV4) ?? []) add(ip);
          else if (input.field === undefined) add(line);
          else {
            const fields = input.separator === undefined ? line.trim().split(/[ \t]+/) : line.split(input.separator);
            const value = fields[input.field - 1];
            if (value !== undefined) add(value.trim());
          }
        }
        if (ctx.signal.aborted) break;
        step = reader.next();
      }
      const top = [...counts]
        .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
        .slice(0, input.top)
        .map(([value, count]) => ({ value: ctx.cut(value.slice(0, 500)), count }));
      return { path: input.path, lines: lineCount, values, distinct: counts.size, top, numeric, sum: Math.round(sum * 1e6) / 1e6, truncated: step.done === true && step.value === true };
    } finally {
      closeSync(fd);
    }
  },
});
