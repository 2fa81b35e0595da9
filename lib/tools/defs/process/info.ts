import { readdirSync, readlinkSync } from "node:fs";
import * as v from "valibot";
import { processInfo } from "../../../sys/index.ts";
import { defineTool } from "../../registry.ts";
import { toolError } from "../../tool-error.ts";

export const Pid = v.pipe(v.number(), v.integer(), v.minValue(1));

export const processInfoTool = defineTool({
  name: "process.info",
  description: "One process in detail: name, state, parent, user, memory, CPU time, command line, working directory and open file count.",
  input: v.strictObject({ pid: Pid }),
  output: v.object({
    pid: v.number(),
    ppid: v.number(),
    name: v.string(),
    state: v.string(),
    uid: v.number(),
    rss_kib: v.number(),
    cpu_s: v.number(),
    cmdline: v.string(),
    cwd: v.string(),
    open_files: v.number(),
  }),
  risk: "low",
  capability: "process:read",
  readOnly: true,
  idempotent: true,
  reversible: false,
  timeoutMs: 5_000,
  resources: () => [],
  run(input) {
    const info = processInfo(input.pid);
    if (!info) throw toolError("not_found", `no process ${input.pid}`);
    let cwd = "";
    let openFiles = -1;
    try {
      cwd = readlinkSync(`/proc/${input.pid}/cwd`);
      openFiles = readdirSync(`/proc/${input.pid}/fd`).length;
    } catch {
      // Another user's process without the privilege to look: left unknown.
    }
    return { pid: info.pid, ppid: info.ppid, name: info.name, state: info.state, uid: info.uid, rss_kib: info.rss_kib, cpu_s: info.cpu_ticks / 100, cmdline: info.cmdline, cwd, open_files: openFiles };
  },
});
