/**
 * @module lib/tools/defs/service/common
 * The service tools talk to aios-init (Init gRPC); a service is their resource:
 * "service:restart:sshd" may restart sshd only.
 */
import * as v from "valibot";
import { ServiceState, type Service } from "../../../rpc/gen/aios/v1/init.ts";

export const ServiceName = v.pipe(v.string(), v.regex(/^[a-z][a-z0-9-]{0,62}$/, "must be a service name"));

export const ServiceSummary = v.object({
  name: v.string(),
  state: v.string(),
  reason: v.string(),
  pid: v.number(),
  restarts: v.number(),
  uptime_s: v.number(),
  critical: v.boolean(),
  last_exit: v.string(),
});

export function summarize(service: Service | undefined): v.InferOutput<typeof ServiceSummary> {
  if (!service) throw new Error("aios-init answered without the service");
  return {
    name: service.name,
    state: (ServiceState[service.state] ?? "UNKNOWN").replace("SERVICE_STATE_", "").toLowerCase(),
    reason: service.stateReason,
    pid: service.pid,
    restarts: service.restarts,
    uptime_s: Math.round(service.uptimeMs / 1000),
    critical: service.critical,
    last_exit: service.lastExit?.reason ?? "",
  };
}

export const isRunning = (service: Service | undefined) => service !== undefined && [ServiceState.SERVICE_STATE_RUNNING, ServiceState.SERVICE_STATE_STARTING].includes(service.state);
