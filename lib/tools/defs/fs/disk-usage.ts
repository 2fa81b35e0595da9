import { lstatSync, readdirSync } from "node:fs";
import * as v from "valibot";
import { defineTool } from "../../registry.ts";
import { fileSystemUsage } from "../../../sys/index.ts";
import { AbsolutePath } from "./common.ts";

export const fsDiskUsage = defineTool({
  name: "fs.disk_usage",
  description: "Bytes used under a directory, its largest entries, and the free space of its file system.",
  input: v.strictObject({ path: AbsolutePath, top: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(100)), 10) }),
  output: v.object({
    path: v.string(),
    bytes: v.number(),
    files: v.number(),
    largest: v.array(v.object({ path: v.string(), bytes: v.number() })),
    filesystem: v.object({ size_bytes: v.number(), free_bytes: v.number(), available_bytes: v.number() }),
    truncated: v.boolean(),
  }),
  risk: "low",
  capability: "fs:read",
  readOnly: true,
  idempotent: true,
  reversible: false,
  timeoutMs: 60_000,
  resources: (input) => [input.path],
  run(input, ctx) {
    let files = 0;
    let truncated = false;
    const sizeOf = (logical: string, depth: number): number => {
      if (ctx.signal.aborted || files > 1_000_000) return ((truncated = true), 0);
      const stat = lstatSync(ctx.physical(logical), { throwIfNoEntry: false });
      if (!stat) return 0;
      if (!stat.isDirectory()) return (files++, stat.blocks * 512);
      let total = stat.blocks * 512;
      let names: string[] = [];
      try {
        names = readdirSync(ctx.physical(logical));
      } catch {
        return total;
      }
      for (const name of names) total += sizeOf(logical === "/" ? `/${name}` : `${logical}/${name}`, depth + 1);
      return total;
    };
    const children = lstatSync(ctx.physical(input.path)).isDirectory() ? readdirSync(ctx.physical(input.path)) : [];
    const largest = children
      .map((name) => {
        const path = input.path === "/" ? `/${name}` : `${input.path}/${name}`;
        return { path, bytes: sizeOf(path, 1) };
      })
      .sort((a, b) => b.bytes - a.bytes);
    const own = lstatSync(ctx.physical(input.path)).blocks * 512;
    const bytes = children.length ? own + largest.reduce((sum, e) => sum + e.bytes, 0) : sizeOf(input.path, 0);
    const fs = fileSystemUsage(ctx.physical(input.path));
    return {
      path: input.path,
      bytes,
      files,
      largest: largest.slice(0, input.top),
      filesystem: { size_bytes: fs.sizeBytes, free_bytes: fs.sizeBytes - fs.usedBytes, available_bytes: fs.availableBytes },
      truncated,
    };
  },
});
