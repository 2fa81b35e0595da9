/**
 * @module lib/rpc/health
 * grpc.health.v1 on every server. The empty service name is the component as a whole;
 * aios-init's readiness check and `aiosctl health` ask for it.
 */
import { HealthCheckResponse_ServingStatus as ServingStatus, HealthDefinition } from "./gen/grpc/health/v1/health.ts";
import { AsyncQueue } from "./async-queue.ts";
import { notFound } from "./errors.ts";
import { implement, type ServiceImplementation } from "./handlers.ts";

export { ServingStatus };

export class HealthState {
  private readonly statuses = new Map<string, ServingStatus>();
  private readonly watchers = new Set<(service: string, status: ServingStatus) => void>();

  constructor(initial: ServingStatus = ServingStatus.NOT_SERVING) {
    this.statuses.set("", initial);
  }

  set(service: string, status: ServingStatus): void {
    if (this.statuses.get(service) === status) return;
    this.statuses.set(service, status);
    for (const watcher of this.watchers) watcher(service, status);
  }

  get(service: string): ServingStatus | undefined {
    return this.statuses.get(service);
  }

  /** Every known service, "" included, to NOT_SERVING: a component that is stopping. */
  shutdown(): void {
    for (const service of [...this.statuses.keys()]) this.set(service, ServingStatus.NOT_SERVING);
  }

  watch(listener: (service: string, status: ServingStatus) => void): () => void {
    this.watchers.add(listener);
    return () => this.watchers.delete(listener);
  }
}

export function healthService(state: HealthState): ServiceImplementation {
  return implement(HealthDefinition, {
    check: ({ service }) => {
      const status = state.get(service);
      if (status === undefined) throw notFound(`no health status for service "${service}"`);
      return { status };
    },
    // Sends the current status, then every change, until the client goes away.
    watch: async function* ({ service }, ctx) {
      const queue = new AsyncQueue<ServingStatus>(ctx.signal);
      queue.push(state.get(service) ?? ServingStatus.SERVICE_UNKNOWN);
      const stop = state.watch((changed, status) => {
        if (changed === service) queue.push(status);
      });
      try {
        for await (const status of queue) yield { status };
      } finally {
        stop();
      }
    },
  });
}
