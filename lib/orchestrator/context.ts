/**
 * @module lib/orchestrator/context
 * What the parts of the engine share: the options they are built with (store, event log,
 * agents, clients, settings), a task failure that says whether trying again can help, and ids.
 */
import type { Config } from "../config/index.ts";
import type { Logger } from "../log/index.ts";
import type { ServiceClient } from "../rpc/index.ts";
import { AutonomyLevel } from "../rpc/gen/aios/v1/common.ts";
import type { GatewayServiceDefinition } from "../rpc/gen/aios/v1/gateway.ts";
import type { MemoryServiceDefinition } from "../rpc/gen/aios/v1/memory.ts";
import type { ToolsServiceDefinition } from "../rpc/gen/aios/v1/tools.ts";
import type { AgentKind } from "./agents.ts";
import type { EventLog } from "./events.ts";
import type { ToolInfo } from "./plan.ts";
import type { GoalRow, OrchestratorStore, TaskRow } from "./store.ts";

export interface Clients {
  tools: ServiceClient<typeof ToolsServiceDefinition>;
  gateway: ServiceClient<typeof GatewayServiceDefinition>;
  memory: ServiceClient<typeof MemoryServiceDefinition>;
}

export interface EngineOptions {
  store: OrchestratorStore;
  events: EventLog;
  agents: ReadonlyMap<string, AgentKind>;
  clients: Clients;
  settings: Config["orchestrator"];
  approvalTtlMs: number;
  log: Logger;
  /** Replaces what a task does (tools, models) while keeping everything around it: for
   * bench/orchestrator.ts, which measures the scheduler itself with no-op tasks. */
  executor?: (goal: GoalRow, task: TaskRow, signal: AbortSignal) => Promise<string>;
}

/** The tool catalogue as aios-tools last listed it. */
export type Catalogue = () => ReadonlyMap<string, ToolInfo>;

/** A task failure: final ones are not retried or escalated (a human said no, a capability is missing). */
export class TaskFailure extends Error {
  constructor(
    message: string,
    readonly final = false,
  ) {
    super(message);
  }
}

export const newId = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${crypto.randomUUID().slice(0, 8)}`;

/** The most of a task's result kept. */
export const RESULT_CHARS = 4000;

/** The system's autonomy level, as a person last set it (supervised until then). */
export const systemAutonomy = (store: OrchestratorStore) => Number(store.setting("autonomy") ?? AutonomyLevel.AUTONOMY_LEVEL_SUPERVISED) as AutonomyLevel;
