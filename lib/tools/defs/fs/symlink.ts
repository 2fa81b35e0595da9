import { existsSync, lstatSync, symlinkSync, unlinkSync } from "node:fs";
import { posix } from "node:path";
import * as v from "valibot";
import { normalizePath } from "../../capability.ts";
import { resolvedLinkTarget } from "../../paths.ts";
import { defineTool } from "../../registry.ts";
import { AbsolutePath } from "./common.ts";
import { toolError } from "../../tool-error.ts";

export const fsSymlink = defineTool({
  name: "fs.symlink",
  description: "Make a symbolic link at path pointing to target (both must be within the capability).",
  input: v.strictObject({ path: AbsolutePath, target: v.pipe(v.string(), v.nonEmpty(), v.maxLength(4096)) }),
  output: v.object({ path: v.string(), target: v.string() }),
  risk: "medium",
  capability: "fs:write",
  readOnly: false,
  idempotent: false,
  reversible: true,
  timeoutMs: 10_000,
  // Where the link leads is checked too (a link is a way to reach its target): lexically, and
  // as the kernel will resolve it through the links already there.
  resources: (input, root) => {
    const lexical = normalizePath(posix.resolve(posix.dirname(input.path), input.target));
    const physical = resolvedLinkTarget(input.path, input.target, root);
    return [input.path, lexical, physical ?? "/.. (the target leads outside the root)"];
  },
  backup: (input) => ({ kind: "symlink", data: { path: input.path } }),
  restore(backup, _dir, ctx) {
    const { path } = backup.data as { path: string };
    if (lstatSync(ctx.physical(path), { throwIfNoEntry: false })?.isSymbolicLink()) unlinkSync(ctx.physical(path));
    return `removed the link ${path}`;
  },
  run(input, ctx) {
    if (existsSync(ctx.physical(input.path))) throw toolError("conflict", `${input.path} exists`);
    symlinkSync(input.target, ctx.physical(input.path));
    return { path: input.path, target: input.target };
  },
});
