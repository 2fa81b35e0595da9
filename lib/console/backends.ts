/**
 * @module lib/console/backends
 * The console's clients of the other components, each through its proto contract on its Unix
 * socket. A proto message becomes API JSON through its generated toJSON: the proto3 JSON mapping
 * (camelCase fields, enum names, RFC 3339 times, default values left out).
 */
import { type Config, socketPath } from "../config/index.ts";
import { FleetServiceDefinition } from "../rpc/gen/aios/v1/fleet.ts";
import { GatewayServiceDefinition } from "../rpc/gen/aios/v1/gateway.ts";
import { InitServiceDefinition } from "../rpc/gen/aios/v1/init.ts";
import { MemoryServiceDefinition } from "../rpc/gen/aios/v1/memory.ts";
import { OrchestratorServiceDefinition } from "../rpc/gen/aios/v1/orchestrator.ts";
import { ToolsServiceDefinition } from "../rpc/gen/aios/v1/tools.ts";
import { connect, type ServiceClient } from "../rpc/index.ts";

export interface Backends {
  init: ServiceClient<typeof InitServiceDefinition>;
  orchestrator: ServiceClient<typeof OrchestratorServiceDefinition>;
  tools: ServiceClient<typeof ToolsServiceDefinition>;
  memory: ServiceClient<typeof MemoryServiceDefinition>;
  gateway: ServiceClient<typeof GatewayServiceDefinition>;
  /** aios-fleet, only there when [fleet] enabled. */
  fleet: ServiceClient<typeof FleetServiceDefinition>;
  close(): void;
}

// A person is waiting: a component that is down is a 503 now, not after the deadline.
const OPTIONS = { defaultTimeoutMs: 15_000, failFast: true };

export function connectBackends(config: Config, root: string): Backends {
  const at = (name: string) => socketPath(config, root, name);
  const clients = {
    init: connect(InitServiceDefinition, at("init"), OPTIONS),
    orchestrator: connect(OrchestratorServiceDefinition, at("orchestrator"), OPTIONS),
    tools: connect(ToolsServiceDefinition, at("tools"), OPTIONS),
    memory: connect(MemoryServiceDefinition, at("memory"), OPTIONS),
    gateway: connect(GatewayServiceDefinition, at("gateway"), OPTIONS),
    fleet: connect(FleetServiceDefinition, at("fleet"), OPTIONS),
  };
  return {
    ...clients,
    close: () => {
      for (const client of Object.values(clients)) client.close();
    },
  };
}

/** A proto message as API JSON, through the type's generated toJSON. */
export function toJson<T>(type: { toJSON(message: T): unknown }, message: T | undefined): unknown {
  return message === undefined ? null : type.toJSON(message);
}

/** A list of proto messages as API JSON. */
export const listJson = <T>(type: { toJSON(message: T): unknown }, messages: readonly T[]): unknown[] => messages.map((m) => type.toJSON(m));
