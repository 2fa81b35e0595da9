/**
 * Test support: aios-memory from the compiled binary under a --root, with a config, and a
 * client; helpers to build requests without repeating every proto field.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type AssembleContextRequest, MemoryKind, MemoryServiceDefinition, type RememberRequest, type SearchRequest, SearchMode } from "../../lib/rpc/gen/aios/v1/memory.ts";
import type { AiosError, ServiceClient } from "../../lib/rpc/index.ts";
import { type ComponentProcess, startComponent } from "./component.ts";

export type MemoryClient = ServiceClient<typeof MemoryServiceDefinition>;

export type MemoryProcess = ComponentProcess<typeof MemoryServiceDefinition>;

/** Writes ROOT/etc/aios/aios.toml with a [memory] section. */
export function writeMemoryConfig(root: string, memory: Record<string, string | number>): void {
  mkdirSync(join(root, "etc/aios"), { recursive: true });
  const lines = Object.entries(memory).map(([key, value]) => `${key} = ${typeof value === "string" ? JSON.stringify(value) : value}`);
  writeFileSync(join(root, "etc/aios/aios.toml"), `[log]\nlevel = "warn"\n\n[memory]\n${lines.join("\n")}\n`);
}

export const startMemory = (bin: string, root: string): Promise<MemoryProcess> => startComponent("memory", MemoryServiceDefinition, bin, root);

export function remember(fields: Partial<RememberRequest> & { kind: MemoryKind; content: string }): RememberRequest {
  return { title: "", tags: [], goalId: "", taskId: "", vector: [], ...fields };
}

export function searchRequest(fields: Partial<SearchRequest>): SearchRequest {
  return { query: "", kinds: [], tags: [], limit: 10, mode: SearchMode.SEARCH_MODE_HYBRID, vector: [], ...fields };
}

export function contextRequest(fields: Partial<AssembleContextRequest> & { query: string; tokenBudget: number }): AssembleContextRequest {
  return { kinds: [], model: "", ...fields };
}

export async function refusal(promise: Promise<unknown>): Promise<AiosError> {
  try {
    await promise;
  } catch (error) {
    return error as AiosError;
  }
  throw new Error("the call was not refused");
}

/** A unit vector along one axis, plus an optional lean towards another. */
export function axis(dimensions: number, index: number, lean?: { index: number; amount: number }): number[] {
  const vector = new Array<number>(dimensions).fill(0);
  vector[index] = 1;
  if (lean) vector[lean.index] = lean.amount;
  return vector;
}

export { MemoryKind, SearchMode };
