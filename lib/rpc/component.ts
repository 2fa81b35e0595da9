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
import { type RunningServer, serve } from "./server.ts";

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
  return runComponents([spec], argv, `aios-${spec.name}`, spec.summary);
}

/**
 * Several components in one process (`aios host memory gateway`): one config, one stop signal,
 * but each its own logger, services and socket, so callers see the same contracts. A
 * component that cannot start stops the process: its supervisor restarts all of them.
 */
export async function runComponents(specs: readonly ComponentSpec[], argv: readonly string[], binary: string, summary: string): Promise<number> {
  const parsed = parseCommonFlags(argv, commonUsage(binary, summary));
  if (typeof parsed === "number") return parsed;
  const { flags } = parsed;
  const config = loadComponentConfig(flags);
  if (typeof config === "number") return config;

  const stop = stopRequested(createLogger({ component: binary, level: config.log.level }));
  const stoppers: (() => void | Promise<void>)[] = [];
  const servers: RunningServer[] = [];
  const stopAll = async () => {
    await Promise.all(servers.map((server) => server.close(config.rpc.shutdown_grace_ms)));
    for (const fn of stoppers.reverse()) {
      try {
        await fn();
      } catch (error) {
        process.stderr.write(`${binary}: error while stopping: ${(error as Error).message}\n`);
      }
    }
  };
  for (const spec of specs) {
    const component = `aios-${spec.name}`;
    const log = createLogger({ component, level: config.log.level });
    let services: Awaited<ReturnType<typeof spec.services>>;
    try {
      services = await spec.services({ config, root: flags.root, log, onStop: (fn) => stoppers.push(fn) });
    } catch (error) {
      // A setting that cannot work is exit 78 (aios-init does not restart it); anything else
      // may be passing, so it is an ordinary failure and restarted with backoff.
      const message = (error as Error).message;
      log.error("cannot start", { error: message });
      process.stderr.write(`${component}: cannot start: ${message}\n`);
      await stopAll();
      return error instanceof ConfigError ? EXIT_CONFIG : 1;
    }
    servers.push(await serve({ socketPath: socketPath(config, flags.root, spec.name), component, log, services }));
  }
  await stop;
  await stopAll();
  return 0;
}

export { type CommonFlags, commonUsage, EXIT_CONFIG, EXIT_UNAVAILABLE, EXIT_USAGE, loadComponentConfig, parseCommonFlags } from "../config/flags.ts";
