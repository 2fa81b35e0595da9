import * as v from "valibot";
import { processes } from "../../../sys/index.ts";
import { defineTool } from "../../registry.ts";

export const processList = defineTool({
  name: "process.list",
  description: "Running processes (pid, parent, name, state, user id, memory, command line), optionally only those whose name matches a glob.",
  input: v.strictObject({ name: v.optional(v.pipe(v.string(), v.maxLength(256)), "*"), limit: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(10_000)), 500) }),
  output: v.object({
    processes: v.array(v.object({ pid: v.number(), ppid: v.number(), name: v.string(), state: v.string(), uid: v.number(), rss_kib: v.number(), cmdline: v.string() })),
    total: v.number(),
    truncated: v.boolean(),
  }),
  risk: "low",
  capability: "process:read",
  readOnly: true,
  idempotent: true,
  reversible: false,
  timeoutMs: 10_000,
  resources: () => [],
  run(input) {
    // A glob's * stops at "/", which kernel threads have in their names ("kworker/0:1").
    const slashless = (text: string) => text.replaceAll("/", "\u2215");
    const glob = new Bun.Glob(slashless(input.name));
    const all = processes().filter((p) => glob.match(slashless(p.name)));
    const shown = all.slice(0, input.limit).map(({ pid, ppid, name, state, uid, rss_kib, cmdline }) => ({ pid, ppid, name, state, uid, rss_kib, cmdline: cmdline.slice(0, 500) }));
    return { processes: shown, total: all.length, truncated: shown.length < all.length };
  },
});
