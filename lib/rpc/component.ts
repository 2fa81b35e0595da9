/**
 * @module lib/rpc/component
 * The life of a gRPC component process: parse its flags, read the config (a bad one stops
 * start-up with exit status 78, which aios-init treats as "do not restart"), serve its
 * services and health on RUN_DIR/NAME.sock, and on SIGTERM or SIGINT stop taking calls, let
 * in-flight calls finish within the grace time, remove the socket and exit 0.
 */
import { parseArgs } from "node:util";
import { type Config, ConfigError, DEFAULT_CONFIG_PATH, loadConfig, rooted, socketPath, VERSION_LINE } from "../config/index.ts";
import { createLogger, type Logger } from "../log/index.ts";
import type { ServiceImplementation } from "./handlers.ts";
import { serve } from "./server.ts";

/** sysexits.h EX_USAGE: bad command line. */
export const EXIT_USAGE = 64;
/** sysexits.h EX_UNAVAILABLE: something needed (a service, a port) is not available. */
export const EXIT_UNAVAILABLE = 69;
/** sysexits.h EX_CONFIG: bad configuration; restarting will not help. */
export const EXIT_CONFIG = 78;

export interface ComponentContext {
  readonly config: Config;
  /** "" on the real system; the directory every path lives under with --root. */
  readonly root: string;
  readonly log: Logger;
  /** Runs fn once the server has stopped taking calls (close databases, stop timers). */
  onStop(fn: () => void | Promise<void>): void;
}

export interface ComponentSpec {
  /** "tools": the socket is tools.sock, the process is aios-tools. */
  readonly name: string;
  /** One line for --help. */
  readonly summary: string;
  /** The services to serve; called once the config is loaded. */
  services(ctx: ComponentContext): readonly ServiceImplementation[] | Promise<readonly ServiceImplementation[]>;
}

export interface CommonFlags {
  config: string;
  configRequired: boolean;
  root: string;
}

/** Flags every component takes. Returns null and prints why when they are wrong. */
export function parseCommonFlags(
  argv: readonly string[],
  usage: string,
  extra: Record<string, { type: "string" | "boolean"; short?: string }> = {},
  allowPositionals = false,
): { flags: CommonFlags; values: Record<string, string | boolean | undefined>; positionals: string[] } | number {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: {
        config: { type: "string", short: "c" },
        root: { type: "string" },
        help: { type: "boolean", short: "h" },
        version: { type: "boolean" },
        ...extra,
      },
      strict: true,
      allowPositionals,
    });
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${usage}`);
    return EXIT_USAGE;
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
  if (values.help) {
    process.stdout.write(usage);
    return 0;
  }
  if (values.version) {
    process.stdout.write(`${VERSION_LINE}\n`);
    return 0;
  }
  // aios-init --root passes its root to the services it starts through AIOS_ROOT.
  const root = typeof values.root === "string" ? values.root : (process.env.AIOS_ROOT ?? "");
  const explicit = typeof values.config === "string" ? values.config : process.env.AIOS_CONFIG;
  return {
    flags: { root, config: explicit ?? rooted(root, DEFAULT_CONFIG_PATH), configRequired: explicit !== undefined },
    values,
    positionals: parsed.positionals,
  };
}

export function commonUsage(binary: string, summary: string, extraLines = ""): string {
  return `${binary}: ${summary}

Usage: ${binary} [options]

Options:
  -c, --config FILE   configuration file (default /etc/aios/aios.toml, or $AIOS_CONFIG)
      --root DIR      run as an ordinary process with every path under DIR
${extraLines}  -h, --help          show this help
      --version       show the version
`;
}

/** Loads the config for a component, or prints the problem and returns the exit status. */
export function loadComponentConfig(flags: CommonFlags): Config | number {
  try {
    return loadConfig({ path: flags.config, required: flags.configRequired });
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      return EXIT_CONFIG;
    }
    throw error;
  }
}

/** Resolves once the process has been asked to stop (SIGTERM or SIGINT). */
export function stopRequested(log: Logger): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      process.off("SIGTERM", onSignal);
      process.off("SIGINT", onSignal);
      log.info("stopping", { signal });
      resolve(signal);
    };
    process.on("SIGTERM", onSignal);
    process.on("SIGINT", onSignal);
  });
}

export async function runComponent(spec: ComponentSpec, argv: readonly string[]): Promise<number> {
  const binary = `aios-${spec.name}`;
  const parsed = parseCommonFlags(argv, commonUsage(binary, spec.summary));
  if (typeof parsed === "number") return parsed;
  const { flags } = parsed;
  const config = loadComponentConfig(flags);
  if (typeof config === "number") return config;

  const log = createLogger({ component: binary, level: config.log.level });
  const stop = stopRequested(log);
  const stoppers: (() => void | Promise<void>)[] = [];
  let services: Awaited<ReturnType<typeof spec.services>>;
  try {
    services = await spec.services({ config, root: flags.root, log, onStop: (fn) => stoppers.push(fn) });
  } catch (error) {
    // A setting that cannot work is exit 78 (aios-init does not restart it); anything else
    // may be passing, so it is an ordinary failure and restarted with backoff.
    const message = (error as Error).message;
    log.error("cannot start", { error: message });
    process.stderr.write(`${binary}: cannot start: ${message}\n`);
    return error instanceof ConfigError ? EXIT_CONFIG : 1;
  }
  const server = await serve({ socketPath: socketPath(config, flags.root, spec.name), component: binary, log, services });
  await stop;
  await server.close(config.rpc.shutdown_grace_ms);
  for (const fn of stoppers.reverse()) {
    try {
      await fn();
    } catch (error) {
      log.warn("error while stopping", { error: (error as Error).message });
    }
  }
  return 0;
}
