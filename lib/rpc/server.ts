/**
 * @module lib/rpc/server
 * Serves services on a Unix socket: stale socket removed, mode 0660, grpc.health.v1 beside
 * them, each caller named by the kernel and checked against the authorization table, each
 * call logged. close() stops taking calls, gives in-flight calls a grace time,
 * then cuts them, and removes the socket.
 */
import { Server, ServerCredentials } from "@grpc/grpc-js";
import type { Logger } from "../log/index.ts";
import { toGrpcDefinition } from "./definition.ts";
import { toGrpcImplementation, type ServiceImplementation } from "./handlers.ts";
import { HealthState, healthService, ServingStatus } from "./health.ts";
import type { ExtraAuthorization } from "./authorization.ts";
import { authorizer } from "./authorize.ts";
import { callLogger } from "./interceptor.ts";
import { groupDirFor } from "./peer.ts";
import { prepareSocketPath, removeSocket, restrictSocket } from "./socket.ts";

export interface ServeOptions {
  socketPath: string;
  /** "aios-tools": used in logs and in UNIMPLEMENTED and INTERNAL messages. */
  component: string;
  log: Logger;
  services: readonly ServiceImplementation[];
  /** File mode of the socket: owner and group may connect. */
  socketMode?: number;
  /** Who may call methods that are not AIOS's (lib/rpc/authorization lists those): a benchmark's own service. */
  authorization?: ExtraAuthorization;
}

export interface RunningServer {
  readonly socketPath: string;
  readonly health: HealthState;
  /** Stops the server; in-flight calls get graceMs to finish. */
  close(graceMs: number): Promise<void>;
}

export async function serve(options: ServeOptions): Promise<RunningServer> {
  const { socketPath, component, log } = options;
  await prepareSocketPath(socketPath);

  const health = new HealthState(ServingStatus.NOT_SERVING);
  // The logger wraps the authorizer, so a refused call is logged like any other.
  const server = new Server({ interceptors: [callLogger(log), authorizer(groupDirFor(socketPath), log, options.authorization)] });
  for (const implementation of [...options.services, healthService(health)]) {
    server.addService(toGrpcDefinition(implementation.definition), toGrpcImplementation(implementation, component, log));
  }

  await new Promise<void>((resolve, reject) => {
    server.bindAsync(`unix:${socketPath}`, ServerCredentials.createInsecure(), (error) => (error ? reject(error) : resolve()));
  });
  restrictSocket(socketPath, options.socketMode ?? 0o660);

  for (const implementation of options.services) health.set(implementation.definition.fullName, ServingStatus.SERVING);
  health.set("", ServingStatus.SERVING);
  log.info("serving", { socket: socketPath, services: options.services.map((s) => s.definition.fullName) });

  let closing: Promise<void> | undefined;
  return {
    socketPath,
    health,
    close(graceMs) {
      closing ??= (async () => {
        health.shutdown();
        await new Promise<void>((resolve) => {
          const force = setTimeout(() => {
            log.warn("in-flight calls did not finish within the grace time; cutting them", { grace_ms: graceMs });
            server.forceShutdown();
            resolve();
          }, graceMs);
          server.tryShutdown(() => {
            clearTimeout(force);
            resolve();
          });
        });
        removeSocket(socketPath);
        log.info("stopped serving", { socket: socketPath });
      })();
      return closing;
    },
  };
}
