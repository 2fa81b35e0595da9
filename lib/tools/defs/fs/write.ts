import { closeSync, lstatSync } from "node:fs";
import * as v from "valibot";
import { defineTool } from "../../registry.ts";
import { AbsolutePath, fileBackupHooks, writeAtomic } from "./common.ts";

export const fsWrite = defineTool({
  name: "fs.write",
  description: "Write a whole file atomically (temporary file, fsync, rename); the previous content is backed up for rollback.",
  input: v.strictObject({
    path: AbsolutePath,
    content: v.pipe(v.string(), v.maxLength(16 * 1024 * 1024)),
    mode: v.optional(v.pipe(v.string(), v.regex(/^0?[0-7]{3,4}$/, "must be an octal mode such as 0644"))),
  }),
  output: v.object({ path: v.string(), bytes_written: v.number(), created: v.boolean() }),
  risk: "medium",
  capability: "fs:write",
  readOnly: false,
  idempotent: true,
  reversible: true,
  timeoutMs: 30_000,
  resources: (input) => [input.path],
  ...fileBackupHooks,
  run(input, ctx) {
    const physical = ctx.physical(input.path);
    const before = lstatSync(physical, { throwIfNoEntry: false });
    const mode = input.mode ? Number.parseInt(input.mode, 8) : before ? before.mode & 0o7777 : 0o644;
    const parent = ctx.files.openParent(input.path);
    try {
      writeAtomic(physical, input.content, mode, parent);
    } finally {
      closeSync(parent.dirFd);
    }
    return { path: input.path, bytes_written: Buffer.byteLength(input.content), created: !before };
  },
});
