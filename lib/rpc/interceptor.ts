/**
 * @module lib/rpc/interceptor
 * A grpc-js server interceptor that writes one JSON log line per call: method, duration,
 * status. Health checks are logged at debug so that readiness polling does not flood the log.
 */
import { type ServerInterceptor, ServerInterceptingCall, status as Status } from "@grpc/grpc-js";
import type { Logger } from "../log/index.ts";

const STATUS_NAMES = new Map<number, string>(
  Object.entries(Status)
    .filter(([, value]) => typeof value === "number")
    .map(([name, value]) => [value as number, name]),
);

export function callLogger(log: Logger): ServerInterceptor {
  return (methodDescriptor, call) => {
    const started = performance.now();
    const method = methodDescriptor.path;
    const quiet = method.startsWith("/grpc.health.v1.Health/");
    return new ServerInterceptingCall(call, {
      sendStatus: (status, next) => {
        const code = status.code ?? Status.OK;
        const fields = {
          method,
          status: STATUS_NAMES.get(code) ?? String(code),
          duration_ms: Math.round((performance.now() - started) * 1000) / 1000,
          ...(code === Status.OK ? {} : { error: status.details }),
        };
        if (quiet) log.debug("rpc", fields);
        else if (code === Status.INTERNAL || code === Status.UNKNOWN) log.error("rpc", fields);
        else log.info("rpc", fields);
        next(status);
      },
    });
  };
}
