/**
 * @module lib/init/component
 * aios-init as a process: PID 1 and the service supervisor.
 * It serves the InitService contract on RUN_DIR/init.sock; the RPCs answer UNIMPLEMENTED until issue #3 builds them.
 */
import type { ComponentSpec } from "../rpc/index.ts";
import { implement } from "../rpc/index.ts";
import { InitServiceDefinition } from "../rpc/gen/aios/v1/init.ts";

export const initComponent: ComponentSpec = {
  name: "init",
  summary: "PID 1 and the service supervisor",
  services: () => [implement(InitServiceDefinition, {})],
};
