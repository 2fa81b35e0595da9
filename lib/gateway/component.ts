/**
 * @module lib/gateway/component
 * aios-gateway as a process: the one door to every model, local or cloud.
 * It serves the GatewayService contract on RUN_DIR/gateway.sock; the RPCs answer UNIMPLEMENTED until issue #6 builds them.
 */
import type { ComponentSpec } from "../rpc/index.ts";
import { implement } from "../rpc/index.ts";
import { GatewayServiceDefinition } from "../rpc/gen/aios/v1/gateway.ts";

export const gatewayComponent: ComponentSpec = {
  name: "gateway",
  summary: "the one door to every model, local or cloud",
  services: () => [implement(GatewayServiceDefinition, {})],
};
