import { spawnSync } from "node:child_process";
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import * as v from "valibot";
import { defineTool } from "../../registry.ts";
import { linearMatcher, RegexPattern } from "../schemas.ts";

const TAIL_BYTES = 4 * 1024 * 1024;

export const monitorLogs = defineTool({
  name: "monitor.logs",
  description: 'The last lines of a service log (source = "aios-tools", "sshd" ... from /var/log/aios) or of the kernel log (source = "kernel"), optionally only lines matching a regex.',
  input: v.strictObject({
    source: v.pipe(v.string(), v.regex(/^(kernel|[a-z][a-z0-9-]{0,62})$/, 'must be "kernel" or a service name')),
    lines: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(5000)), 100),
    grep: v.optional(RegexPattern),
  }),
  output: v.object({ source: v.string(), lines: v.array(v.string()), truncated: v.boolean() }),
  risk: "low",
  capability: "monitor:logs",
  readOnly: true,
  idempotent: true,
  reversible: false,
  timeoutMs: 10_000,
  resources: (input) => [input.source.replace(/^aios-/, "")],
  run(input, ctx) {
    let text: string;
    if (input.source === "kernel") {
      const result = spawnSync("dmesg", [], { encoding: "utf8", timeout: 5000 });
      if (result.status !== 0) throw new Error(`dmesg failed: ${(result.stderr || result.error?.message || "").trim()}`);
      text = result.stdout;
    } else {
      const fd = openSync(ctx.physical(`/var/log/aios/${input.source.replace(/^aios-/, "")}.log`), "r");
      try {
        const size = fstatSync(fd).size;
        const length = Math.min(size, TAIL_BYTES);
        const buffer = Buffer.alloc(length);
        readSync(fd, buffer, 0, length, size - length);
        text = buffer.toString("utf8");
      } finally {
        closeSync(fd);
      }
    }
    const matches = input.grep ? linearMatcher(input.grep) : undefined;
    const all = text.split("\n").filter((line) => line && (!matches || matches(line)));
    const lines = all.slice(-input.lines).map((line) => line.slice(0, 2000));
    let budget = ctx.outputCap;
    const kept: string[] = [];
    for (const line of lines.reverse()) {
      budget -= Buffer.byteLength(line) + 4;
      if (budget < 0) break;
      kept.unshift(line);
    }
    return { source: input.source, lines: kept, truncated: kept.length < lines.length };
  },
});
