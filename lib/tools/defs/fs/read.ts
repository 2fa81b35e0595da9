import { closeSync, fstatSync, readSync } from "node:fs";
import * as v from "valibot";
import { defineTool } from "../../registry.ts";
import { AbsolutePath } from "./common.ts";

export const fsRead = defineTool({
  name: "fs.read",
  description: "Read a text file, a byte range of it (offset, length), or its end (last_bytes); long files are cut at the output cap and say so.",
  input: v.strictObject({
    path: AbsolutePath,
    offset: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0)), 0),
    length: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1))),
    /** Read the file's last bytes instead (a tail); offset and length are then ignored. */
    last_bytes: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1))),
  }),
  output: v.object({ path: v.string(), size: v.number(), offset: v.number(), bytes_read: v.number(), content: v.string(), truncated: v.boolean() }),
  risk: "low",
  capability: "fs:read",
  readOnly: true,
  idempotent: true,
  reversible: false,
  timeoutMs: 10_000,
  resources: (input) => [input.path],
  run(input, ctx) {
    // Checked by its descriptor: a directory swapped for a symlink after the check cannot redirect it.
    const fd = ctx.files.open(input.path, "r");
    try {
      const size = fstatSync(fd).size;
      // A tail keeps the end: its cut, if any, is at the start.
      const tail = input.last_bytes !== undefined ? Math.min(input.last_bytes, ctx.outputCap) : undefined;
      const offset = tail !== undefined ? Math.max(0, size - tail) : input.offset;
      const wanted = tail ?? Math.min(input.length ?? size, Math.max(0, size - offset));
      const length = Math.min(wanted, ctx.outputCap, Math.max(0, size - offset));
      const buffer = Buffer.alloc(length);
      const read = readSync(fd, buffer, 0, length, offset);
      const text = buffer.subarray(0, read).toString("utf8");
      const content = tail !== undefined ? text.replace(/^\uFFFD+/, "") : ctx.cut(text);
      return { path: input.path, size, offset, bytes_read: read, content, truncated: tail !== undefined ? offset > 0 : read < wanted };
    } finally {
      closeSync(fd);
    }
  },
});
