/**
 * @module lib/rpc/component
 * The life of a gRPC component process: parse its flags (lib/config/flags), read the config (a bad one stops
 * start-up with exit status 78, which aios-init treats as "do not restart"), serve its
 * services and health on RUN_DIR/NAME.sock, and on SIGTERM or SIGINT stop taking calls, let
 * in-flight calls finish within the grace time, remove the socket and exit 0.
 */
import { commonUsage, EXIT_CONFIG, loadComponentConfig, parseCommonFlags } from "../config/flags.ts";
import { type Config, ConfigError, socketPath } from "../config/index.ts";
import { createLogger, type Logger } from "../log/index.ts";
import type { ServiceImplementation } from "./handlers.ts";
import { serve } from "./server.ts";

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

export { type CommonFlags, commonUsage, EXIT_CONFIG, EXIT_UNAVAILABLE, EXIT_USAGE, loadComponentConfig, parseCommonFlags } from "../config/flags.ts";
