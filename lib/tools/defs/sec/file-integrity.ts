import { createHash } from "node:crypto";
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as v from "valibot";
import { defineTool, type ToolContext } from "../../registry.ts";
import { AbsolutePath } from "../fs/common.ts";
import { toolError } from "../../tool-error.ts";

const MAX_FILES = 100_000;

function hashTree(root: string, ctx: ToolContext): Record<string, string> {
  const hashes: Record<string, string> = {};
  let count = 0;
  const visit = (logical: string) => {
    if (ctx.signal.aborted || count >= MAX_FILES || ctx.isProtected(logical)) return;
    const stat = lstatSync(ctx.physical(logical), { throwIfNoEntry: false });
    if (!stat || stat.isSymbolicLink()) return;
    if (stat.isFile()) {
      count++;
      hashes[logical] = createHash("sha256")
        .update(readFileSync(ctx.physical(logical)))
        .digest("hex");
      return;
    }
    if (!stat.isDirectory()) return;
    for (const name of readdirSync(ctx.physical(logical)).sort()) visit(logical === "/" ? `/${name}` : `${logical}/${name}`);
  };
  visit(root);
  return hashes;
}

export const secFileIntegrity = defineTool({
  name: "sec.file_integrity",
  description: 'SHA-256 of every file under a path: action "baseline" records them under a name, "compare" reports files changed, added and removed since.',
  input: v.strictObject({
    action: v.picklist(["baseline", "compare"]),
    path: AbsolutePath,
    name: v.optional(v.pipe(v.string(), v.regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, "must be a baseline name (a-z, 0-9, _ and -)")), "default"),
  }),
  output: v.object({ name: v.string(), path: v.string(), files: v.number(), changed: v.array(v.string()), added: v.array(v.string()), removed: v.array(v.string()), baseline_time: v.string() }),
  risk: "low",
  capability: "sec:integrity",
  readOnly: false,
  idempotent: true,
  reversible: false,
  timeoutMs: 300_000,
  resources: (input) => [input.path],
  run(input, ctx) {
    const dir = join(ctx.stateDir, "integrity");
    const file = join(dir, `${input.name}.json`);
    const now = hashTree(input.path, ctx);
    if (input.action === "baseline") {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      const time = new Date().toISOString();
      writeFileSync(file, JSON.stringify({ path: input.path, time, hashes: now }), { mode: 0o600 });
      return { name: input.name, path: input.path, files: Object.keys(now).length, changed: [], added: [], removed: [], baseline_time: time };
    }
    if (!existsSync(file)) throw toolError("not_found", `no baseline named "${input.name}": run the baseline action first`);
    const baseline = JSON.parse(readFileSync(file, "utf8")) as { path: string; time: string; hashes: Record<string, string> };
    if (baseline.path !== input.path) throw toolError("invalid", `baseline "${input.name}" is of ${baseline.path}, not ${input.path}`);
    const changed = Object.keys(now).filter((p) => p in baseline.hashes && baseline.hashes[p] !== now[p]);
    const added = Object.keys(now).filter((p) => !(p in baseline.hashes));
    const removed = Object.keys(baseline.hashes).filter((p) => !(p in now));
    return { name: input.name, path: input.path, files: Object.keys(now).length, changed, added, removed, baseline_time: baseline.time };
  },
});
