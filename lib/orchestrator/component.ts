/**
 * @module lib/orchestrator/component
 * aios-orchestrator as a process: plans goals into tasks and runs them with agents.
 * It serves the OrchestratorService contract on RUN_DIR/orchestrator.sock; the RPCs answer UNIMPLEMENTED until issue #7 builds them.
 */
import type { ComponentSpec } from "../rpc/index.ts";
import { implement } from "../rpc/index.ts";
import { OrchestratorServiceDefinition } from "../rpc/gen/aios/v1/orchestrator.ts";

export const orchestratorComponent: ComponentSpec = {
  name: "orchestrator",
  summary: "plans goals into tasks and runs them with agents",
  services: () => [implement(OrchestratorServiceDefinition, {})],
};
