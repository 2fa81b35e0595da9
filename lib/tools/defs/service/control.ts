import * as v from "valibot";
import { defineTool, type ToolContext } from "../../registry.ts";
import { isRunning, ServiceName, ServiceSummary, summarize } from "./common.ts";

const Input = v.strictObject({ name: ServiceName });

// A start or stop can be undone: the backup is whether the service was running.
const stateBackup = async (input: { name: string }, ctx: ToolContext) => ({
  kind: "service",
  data: { name: input.name, running: isRunning((await ctx.init().getService({ name: input.name })).service) },
});
async function restoreState(backup: { data: Record<string, unknown> }, _dir: string, ctx: ToolContext) {
  const { name, running } = backup.data as { name: string; running: boolean };
  if (running) await ctx.init().startService({ name, waitReady: true }, { timeoutMs: 120_000 });
  else await ctx.init().stopService({ name }, { timeoutMs: 120_000 });
  return `${name} is ${running ? "running" : "stopped"} again, as before`;
}

export const serviceStart = defineTool({
  name: "service.start",
  description: "Start a stopped or failed service and wait until it is ready (or has failed).",
  input: Input,
  output: ServiceSummary,
  risk: "medium",
  capability: "service:start",
  readOnly: false,
  idempotent: true,
  reversible: true,
  timeoutMs: 120_000,
  resources: (input) => [input.name],
  backup: stateBackup,
  restore: restoreState,
  run: async (input, ctx) => summarize((await ctx.init().startService({ name: input.name, waitReady: true }, { timeoutMs: 115_000, signal: ctx.signal })).service),
});

export const serviceStop = defineTool({
  name: "service.stop",
  description: "Stop a service (its stop signal, then SIGKILL after its grace time); it stays stopped until started.",
  input: Input,
  output: ServiceSummary,
  risk: "high",
  capability: "service:stop",
  readOnly: false,
  idempotent: true,
  reversible: true,
  timeoutMs: 120_000,
  resources: (input) => [input.name],
  backup: stateBackup,
  restore: restoreState,
  run: async (input, ctx) => summarize((await ctx.init().stopService({ name: input.name }, { timeoutMs: 115_000, signal: ctx.signal })).service),
});

export const serviceRestart = defineTool({
  name: "service.restart",
  description: "Stop and start a service, waiting until it is ready again (or has failed).",
  input: Input,
  output: ServiceSummary,
  risk: "medium",
  capability: "service:restart",
  readOnly: false,
  idempotent: false,
  reversible: false,
  timeoutMs: 120_000,
  resources: (input) => [input.name],
  run: async (input, ctx) => summarize((await ctx.init().restartService({ name: input.name, waitReady: true }, { timeoutMs: 115_000, signal: ctx.signal })).service),
});
