import { lstatSync, readdirSync } from "node:fs";
import * as v from "valibot";
import { defineTool } from "../../registry.ts";
import { AbsolutePath } from "../fs/common.ts";

const Finding = v.object({ path: v.string(), issue: v.picklist(["world-writable", "setuid", "setgid"]), mode: v.string(), uid: v.number() });

export const secCheckPerms = defineTool({
  name: "sec.check_perms",
  description: "Find world-writable files and directories (sticky directories such as /tmp excepted) and setuid/setgid files under the given paths.",
  input: v.strictObject({ paths: v.pipe(v.array(AbsolutePath), v.minLength(1), v.maxLength(32)), max_findings: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(10_000)), 500) }),
  output: v.object({ findings: v.array(Finding), scanned: v.number(), truncated: v.boolean() }),
  risk: "low",
  capability: "sec:scan",
  readOnly: true,
  idempotent: true,
  reversible: false,
  timeoutMs: 120_000,
  resources: (input) => input.paths,
  run(input, ctx) {
    const findings: Array<v.InferOutput<typeof Finding>> = [];
    let scanned = 0;
    let truncated = false;
    const visit = (logical: string) => {
      if (truncated || ctx.signal.aborted) return;
      const stat = lstatSync(ctx.physical(logical), { throwIfNoEntry: false });
      if (!stat || stat.isSymbolicLink()) return;
      scanned++;
      const mode = stat.mode & 0o7777;
      const add = (issue: "world-writable" | "setuid" | "setgid") => {
        if (findings.length >= input.max_findings) return void (truncated = true);
        findings.push({ path: logical, issue, mode: mode.toString(8).padStart(4, "0"), uid: stat.uid });
      };
      if (mode & 0o002 && !(stat.isDirectory() && mode & 0o1000)) add("world-writable");
      if (stat.isFile() && mode & 0o4000) add("setuid");
      if (stat.isFile() && mode & 0o2000) add("setgid");
      if (!stat.isDirectory()) return;
      let names: string[] = [];
      try {
        names = readdirSync(ctx.physical(logical)).sort();
      } catch {
        return;
      }
      for (const name of names) visit(logical === "/" ? `/${name}` : `${logical}/${name}`);
    };
    for (const path of input.paths) visit(path);
    return { findings, scanned, truncated };
  },
});
