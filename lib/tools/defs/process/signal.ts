import { constants } from "node:os";
import * as v from "valibot";
import { processInfo } from "../../../sys/index.ts";
import { defineTool, type ToolDefinition } from "../../registry.ts";
import { Pid } from "./info.ts";
import { toolError } from "../../tool-error.ts";

const SIGNALS = Object.keys(constants.signals) as [string, ...string[]];

function send(pid: number, signal: string): { pid: number; name: string; signal: string } {
  if (pid === 1) throw toolError("permission", "PID 1 is aios-init: use the service tools, or poweroff/reboot");
  if (pid === process.pid) throw toolError("permission", "that is aios-tools itself");
  const info = processInfo(pid);
  if (!info) throw toolError("not_found", `no process ${pid}`);
  process.kill(pid, signal as NodeJS.Signals);
  return { pid, name: info.name, signal };
}

// The capability's resource is the process name: "process:kill:sleep" may kill sleeps only.
const nameOf = (input: { pid: number }) => [processInfo(input.pid)?.name ?? `pid-${input.pid}`];

export const processSignal: ToolDefinition = defineTool({
  name: "process.signal",
  description: "Send a signal (SIGHUP, SIGUSR1, ...) to a process; the capability is checked against the process name.",
  input: v.strictObject({ pid: Pid, signal: v.picklist(SIGNALS, "must be a signal name such as SIGHUP") }),
  output: v.object({ pid: v.number(), name: v.string(), signal: v.string() }),
  risk: "medium",
  capability: "process:signal",
  readOnly: false,
  idempotent: false,
  reversible: false,
  timeoutMs: 5_000,
  resources: nameOf,
  run: (input) => send(input.pid, input.signal),
});

export const processKill: ToolDefinition = defineTool({
  name: "process.kill",
  description: "Stop a process: SIGTERM, or SIGKILL with force = true; the capability is checked against the process name.",
  input: v.strictObject({ pid: Pid, force: v.optional(v.boolean(), false) }),
  output: v.object({ pid: v.number(), name: v.string(), signal: v.string() }),
  risk: "high",
  capability: "process:kill",
  readOnly: false,
  idempotent: false,
  reversible: false,
  timeoutMs: 5_000,
  resources: nameOf,
  run: (input) => send(input.pid, input.force ? "SIGKILL" : "SIGTERM"),
});
