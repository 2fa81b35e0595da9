/**
 * @module lib/cli/command
 * What every aiosctl command shares: its flags (--json, --config, --root, and its own), the
 * client of the component it talks to, and one mapping of failures to exit statuses: 64 bad
 * usage or input the service refused, 1 the thing asked about is not there or not allowed now,
 * 69 the component cannot be reached (with what to check next).
 */
import { type Config, socketPath } from "../config/index.ts";
import { AiosError, connect, EXIT_USAGE, type ServiceClient, type ServiceDefinition } from "../rpc/index.ts";
import { commonUsage, EXIT_UNAVAILABLE, loadComponentConfig, parseCommonFlags } from "../rpc/component.ts";

export { EXIT_UNAVAILABLE };

export type Flags = Record<string, { type: "string" | "boolean"; short?: string; help?: string }>;

export interface CommandArgs {
  positionals: string[];
  values: Record<string, string | boolean | undefined>;
  config: Config;
  root: string;
}

export interface CommandSpec<S extends ServiceDefinition> {
  /** "logs" in messages: "aiosctl logs: ..." */
  name: string;
  usage: string;
  summary: string;
  flags?: Flags;
  /** The component to talk to, and its contract. */
  component: string;
  service: S;
  timeoutMs?: number;
}

export const json = (value: unknown) => process.stdout.write(`${JSON.stringify(value, (_, v) => (typeof v === "bigint" ? Number(v) : v))}\n`);

export { enumName } from "../rpc/index.ts";

export function usageError(command: string, message: string): number {
  process.stderr.write(`aiosctl ${command}: ${message}\n`);
  return EXIT_USAGE;
}

export async function runCommand<S extends ServiceDefinition>(argv: readonly string[], spec: CommandSpec<S>, body: (client: ServiceClient<S>, args: CommandArgs) => Promise<number>): Promise<number> {
  const flags = spec.flags ?? {};
  const help = Object.entries(flags)
    .map(([k, f]) => `      --${k}${f.type === "string" ? " VALUE" : ""}${f.help ? `  ${f.help}` : ""}\n`)
    .join("");
  const usage = commonUsage(spec.usage, spec.summary, `      --json          print JSON\n${help}`);
  const options = Object.fromEntries(Object.entries(flags).map(([k, f]) => [k, f.short ? { type: f.type, short: f.short } : { type: f.type }]));
  const parsed = parseCommonFlags(argv, usage, { json: { type: "boolean" }, ...options }, true);
  if (typeof parsed === "number") return parsed;
  const config = loadComponentConfig(parsed.flags);
  if (typeof config === "number") return config;
  const socket = socketPath(config, parsed.flags.root, spec.component);
  // failFast: a person is waiting; a component that is down is exit 69 now, not in 30 s.
  const client = connect(spec.service, socket, { defaultTimeoutMs: spec.timeoutMs ?? 30_000, failFast: true });
  try {
    return await body(client, { positionals: parsed.positionals, values: parsed.values, config, root: parsed.flags.root });
  } catch (error) {
    const e = error as AiosError;
    process.stderr.write(`aiosctl ${spec.name}: ${e.message}\n`);
    if (e instanceof AiosError) {
      if (e.code === "invalid_argument") return EXIT_USAGE;
      if (["not_found", "failed_precondition", "already_exists", "permission_denied", "resource_exhausted"].includes(e.code)) return 1;
    }
    process.stderr.write(`Is aios-${spec.component} running? \`aiosctl health\` says which components answer.\n`);
    return EXIT_UNAVAILABLE;
  } finally {
    client.close();
  }
}
