/**
 * @module lib/memory/component
 * aios-memory as a process: what AIOS has seen, done and learned.
 * It serves the MemoryService contract on RUN_DIR/memory.sock; the RPCs answer UNIMPLEMENTED until issue #5 builds them.
 */
import type { ComponentSpec } from "../rpc/index.ts";
import { implement } from "../rpc/index.ts";
import { MemoryServiceDefinition } from "../rpc/gen/aios/v1/memory.ts";

export const memoryComponent: ComponentSpec = {
  name: "memory",
  summary: "what AIOS has seen, done and learned",
  services: () => [implement(MemoryServiceDefinition, {})],
};
