import { chownSync, lstatSync } from "node:fs";
import * as v from "valibot";
import { defineTool } from "../../registry.ts";
import { AbsolutePath } from "./common.ts";

const Id = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(4_294_967_294));

export const fsChown = defineTool({
  name: "fs.chown",
  description: "Change a path's owner and group (numeric ids); the old owner is kept for rollback.",
  input: v.strictObject({ path: AbsolutePath, uid: Id, gid: Id }),
  output: v.object({ path: v.string(), previous: v.object({ uid: v.number(), gid: v.number() }), uid: v.number(), gid: v.number() }),
  risk: "high",
  capability: "fs:chown",
  readOnly: false,
  idempotent: true,
  reversible: true,
  timeoutMs: 10_000,
  resources: (input) => [input.path],
  backup: (input, ctx) => {
    const stat = lstatSync(ctx.physical(input.path));
    return { kind: "owner", data: { path: input.path, uid: stat.uid, gid: stat.gid } };
  },
  restore(backup, _dir, ctx) {
    const { path, uid, gid } = backup.data as { path: string; uid: number; gid: number };
    chownSync(ctx.physical(path), uid, gid);
    return `restored the owner of ${path} to ${uid}:${gid}`;
  },
  run(input, ctx) {
    const physical = ctx.physical(input.path);
    const stat = lstatSync(physical);
    chownSync(physical, input.uid, input.gid);
    return { path: input.path, previous: { uid: stat.uid, gid: stat.gid }, uid: input.uid, gid: input.gid };
  },
});
