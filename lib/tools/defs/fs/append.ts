import { closeSync, existsSync, writeSync } from "node:fs";
import * as v from "valibot";
import { defineTool } from "../../registry.ts";
import { AbsolutePath, fileBackupHooks } from "./common.ts";

export const fsAppend = defineTool({
  name: "fs.append",
  description: "Append text to a file, creating it if needed; the previous content is backed up for rollback.",
  input: v.strictObject({ path: AbsolutePath, content: v.pipe(v.string(), v.maxLength(16 * 1024 * 1024)) }),
  output: v.object({ path: v.string(), bytes_appended: v.number(), created: v.boolean() }),
  risk: "medium",
  capability: "fs:write",
  readOnly: false,
  idempotent: false,
  reversible: true,
  timeoutMs: 30_000,
  resources: (input) => [input.path],
  ...fileBackupHooks,
  run(input, ctx) {
    const created = !existsSync(ctx.physical(input.path));
    // Appended through the descriptor that was checked, not the path again.
    const fd = ctx.files.open(input.path, "a", 0o644);
    try {
      writeSync(fd, Buffer.from(input.content));
    } finally {
      closeSync(fd);
    }
    return { path: input.path, bytes_appended: Buffer.byteLength(input.content), created };
  },
});
