/**
 * @module lib/tools/component
 * aios-tools as a process: typed, capability-checked, audited actions on the machine.
 * It serves the ToolsService contract on RUN_DIR/tools.sock; the RPCs answer UNIMPLEMENTED until issue #4 builds them.
 */
import type { ComponentSpec } from "../rpc/index.ts";
import { implement } from "../rpc/index.ts";
import { ToolsServiceDefinition } from "../rpc/gen/aios/v1/tools.ts";

export const toolsComponent: ComponentSpec = {
  name: "tools",
  summary: "typed, capability-checked, audited actions on the machine",
  services: () => [implement(ToolsServiceDefinition, {})],
};
