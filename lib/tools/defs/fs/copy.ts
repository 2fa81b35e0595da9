import { constants, copyFileSync, statSync } from "node:fs";
import * as v from "valibot";
import { defineTool } from "../../registry.ts";
import { AbsolutePath, fileBackupHooks } from "./common.ts";

export const fsCopy = defineTool({
  name: "fs.copy",
  description: "Copy a file; with overwrite = true an existing destination is replaced (and backed up).",
  input: v.strictObject({ from: AbsolutePath, to: AbsolutePath, overwrite: v.optional(v.boolean(), false) }),
  output: v.object({ from: v.string(), to: v.string(), bytes: v.number() }),
  risk: "medium",
  capability: "fs:write",
  readOnly: false,
  idempotent: true,
  reversible: true,
  timeoutMs: 60_000,
  resources: (input) => [{ capability: "fs:read", resource: input.from }, input.to],
  backup: (input, ctx) => fileBackupHooks.backup({ path: input.to }, ctx),
  restore: fileBackupHooks.restore,
  run(input, ctx) {
    copyFileSync(ctx.physical(input.from), ctx.physical(input.to), input.overwrite ? 0 : constants.COPYFILE_EXCL);
    return { from: input.from, to: input.to, bytes: statSync(ctx.physical(input.to)).size };
  },
});
