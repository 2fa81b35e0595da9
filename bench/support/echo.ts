/** An echo service on lib/rpc: the floor any of our RPCs stands on. */
import { createLogger } from "../../lib/log/index.ts";
import { HealthCheckRequest } from "../../lib/rpc/gen/grpc/health/v1/health.ts";
import { connect, implement, serve } from "../../lib/rpc/index.ts";
import { openSync, writeSync } from "node:fs";

export const EchoDefinition = {
  name: "Echo",
  fullName: "bench.Echo",
  methods: {
    echo: { name: "Echo", requestType: HealthCheckRequest, requestStream: false, responseType: HealthCheckRequest, responseStream: false, options: {} },
  },
} as const;

/** Call logging at info, written to /dev/null: the real cost of a logged call. */
export function devNullLogger(component: string) {
  const devNull = openSync("/dev/null", "w");
  return createLogger({ component, level: "info", sink: (line) => void writeSync(devNull, line + "\n") });
}

/** An echo server on lib/rpc whose handler is given (one that waits, for the transport matrix). */
export function startEchoServer(socketPath: string, echo: (request: HealthCheckRequest) => HealthCheckRequest | Promise<HealthCheckRequest> = (request) => request) {
  return serve({
    socketPath,
    component: "bench",
    log: devNullLogger("bench"),
    services: [implement(EchoDefinition, { echo })],
    authorization: { "/bench.Echo/Echo": ["person"] },
  });
}

export function connectEcho(socketPath: string) {
  const client = connect(EchoDefinition, socketPath);
  return { call: () => client.echo({ service: "aios.v1.ToolsService" }), close: () => client.close() };
}

export async function startEcho(socketPath: string) {
  const server = await startEchoServer(socketPath);
  const client = connectEcho(socketPath);
  return {
    call: client.call,
    async close() {
      client.close();
      await server.close(1000);
    },
  };
}
