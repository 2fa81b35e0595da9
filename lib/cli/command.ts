/**
 * @module lib/cli/command
 * What every aiosctl command shares: its flags (--json, --config, --root, and its own), the
 * client of the component it talks to, and one mapping of failures to exit statuses: 64 bad
 * usage or input the service refused, 1 the thing asked about is not there or not allowed now,
 * 69 the component cannot be reached (with what to check next).
 */
import { type Config, socketPath } from "../config/index.ts";
import { AiosError, connect, type ErrorCode, EXIT_USAGE, type ServiceClient, type ServiceDefinition } from "../rpc/index.ts";
import { commonUsage, EXIT_UNAVAILABLE, loadComponentConfig, parseCommonFlags } from "../config/flags.ts";

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

/** sysexits.h, as DESIGN.md §7 lists them for every executable. */
const EXIT_SOFTWARE = 70;
const EXIT_TEMPFAIL = 75;
export const EXIT_NOPERM = 77;
const EXIT_INTERRUPTED = 130;

/** The documented exit status of each gRPC status a command can meet. */
const EXIT_OF: Record<ErrorCode, number> = {
  invalid_argument: EXIT_USAGE,
  not_found: 1,
  already_exists: 1,
  failed_precondition: 1,
  permission_denied: 1,
  resource_exhausted: 1,
  aborted: 1,
  unavailable: EXIT_UNAVAILABLE,
  deadline_exceeded: EXIT_TEMPFAIL,
  unauthenticated: EXIT_NOPERM,
  cancelled: EXIT_INTERRUPTED,
  internal: EXIT_SOFTWARE,
  unimplemented: EXIT_SOFTWARE,
};

/** Anything that is not an AiosError never reached a component: the socket is not there. */
export const exitStatusOf = (error: unknown): number => (error instanceof AiosError ? EXIT_OF[error.code] : EXIT_UNAVAILABLE);

/** What to do next, for the statuses whose message alone does not say it. */
const HINTS: Record<number, (component: string) => string> = {
  [EXIT_UNAVAILABLE]: (c) => `Is aios-${c} running? \`aiosctl health\` says which components answer.`,
  [EXIT_TEMPFAIL]: (c) => `aios-${c} did not answer in time; it may be busy: try again, or see \`aiosctl logs ${c}\`.`,
  [EXIT_SOFTWARE]: (c) => `That is a fault in aios-${c} (or an aiosctl of another version): see \`aiosctl logs ${c}\`.`,
  [EXIT_NOPERM]: () => "aiosctl answers only to root on this machine: run it as root (or sudo).",
};

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
    const e = error as Error;
    process.stderr.write(`aiosctl ${spec.name}: ${e.message}\n`);
    const exit = exitStatusOf(error);
    const hint = HINTS[exit]?.(spec.component);
    if (hint) process.stderr.write(`${hint}\n`);
    return exit;
  } finally {
    client.close();
  }
}
