import * as v from "valibot";
import { listPids, processInfo } from "../../../sys/index.ts";
import { defineTool } from "../../registry.ts";
import { allSockets } from "../net/connections.ts";
import { Port } from "../net/common.ts";

const ProcessName = v.pipe(v.string(), v.regex(/^[\w.@+:-]{1,64}$/, "must be a process name as ps shows it (letters, digits, . _ - @ + :)"));

/** The processes a call means: those named so, or those listening on the port. Never PID 1 or aios-tools. */
function targets(input: { name?: string; port?: number }): Array<{ pid: number; name: string }> {
  const found = new Map<number, string>();
  if (input.name !== undefined) {
    for (const pid of listPids()) {
      const info = processInfo(pid);
      if (info && (info.name === input.name || info.cmdline.split(" ")[0]?.split("/").at(-1) === input.name)) found.set(pid, info.name);
    }
  }
  if (input.port !== undefined) {
    for (const socket of allSockets()) {
      if (socket.local_port === input.port && (socket.state === "listen" || socket.state === "unconnected") && socket.pid) found.set(socket.pid, socket.process);
    }
  }
  return [...found].filter(([pid]) => pid !== 1 && pid !== process.pid).map(([pid, name]) => ({ pid, name }));
}

export const processStop = defineTool({
  name: "process.stop",
  description: 'Stop every process with a name, or every process listening on a port ("free port 5000"): SIGTERM, or SIGKILL with force. process:kill is checked against each process\'s name.',
  input: v.pipe(
    v.strictObject({ name: v.optional(ProcessName), port: v.optional(Port), force: v.optional(v.boolean(), false) }),
    v.check((input) => (input.name === undefined) !== (input.port === undefined), "give either name or port"),
  ),
  output: v.object({ stopped: v.array(v.object({ pid: v.number(), name: v.string() })), signal: v.string(), skipped: v.array(v.object({ pid: v.number(), name: v.string(), why: v.string() })) }),
  risk: "high",
  capability: "process:kill",
  readOnly: false,
  idempotent: false,
  reversible: false,
  timeoutMs: 10_000,
  // Each process's name as it is now; the run checks again what it finds then.
  resources: (input) => [...new Set(targets(input).map((t) => t.name))],
  run(input, ctx) {
    const signal = input.force ? "SIGKILL" : "SIGTERM";
    const stopped: Array<{ pid: number; name: string }> = [];
    const skipped: Array<{ pid: number; name: string; why: string }> = [];
    for (const target of targets(input)) {
      // A process that appeared since the check is signalled only if its name is granted too.
      if (!ctx.mayTouch(target.name)) {
        skipped.push({ ...target, why: `not granted process:kill:${target.name}` });
        continue;
      }
      try {
        process.kill(target.pid, signal);
        stopped.push(target);
      } catch (error) {
        skipped.push({ ...target, why: (error as Error).message });
      }
    }
    return { stopped, signal, skipped };
  },
});
