import { closeSync, fstatSync, readSync } from "node:fs";
import * as v from "valibot";
import { defineTool } from "../../registry.ts";
import { AbsolutePath } from "./common.ts";

export const fsRead = defineTool({
  name: "fs.read",
  description: "Read a text file, or a byte range of it (offset, length); long files are cut at the output cap and say so.",
  input: v.strictObject({
    path: AbsolutePath,
    offset: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0)), 0),
    length: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1))),
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
      const wanted = Math.min(input.length ?? size, Math.max(0, size - input.offset));
      const length = Math.min(wanted, ctx.outputCap);
      const buffer = Buffer.alloc(length);
      const read = readSync(fd, buffer, 0, length, input.offset);
      const content = ctx.cut(buffer.subarray(0, read).toString("utf8"));
      return { path: input.path, size, offset: input.offset, bytes_read: read, content, truncated: read < wanted };
    } finally {
      closeSync(fd);
    }
  },
});
