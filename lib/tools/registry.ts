/**
 * @module lib/tools/registry
 * A tool is data: name, description a model can read, valibot input and output schemas,
 * risk, capability, hints, timeout, the resources a call touches (checked against the
 * capability's glob), an optional backup for reversible tools, and run(). Tools never check
 * capabilities themselves: the pipeline does, for every tool alike.
 */
import type * as v from "valibot";
import type { Logger } from "../log/index.ts";
import type { InitServiceDefinition } from "../rpc/gen/aios/v1/init.ts";
import type { MemoryServiceDefinition } from "../rpc/gen/aios/v1/memory.ts";
import type { ServiceClient } from "../rpc/index.ts";
import type { CheckedOpener } from "./checked-open.ts";
import type { AuditLedger } from "./audit.ts";
import type { Grants } from "./grants.ts";

export const RISKS = ["low", "medium", "high", "critical"] as const;
export type RiskName = (typeof RISKS)[number];

export interface ToolContext {
  readonly signal: AbortSignal;
  /** The physical path of a logical one (under --root DIR, DIR + path). */
  physical(path: string): string;
  /** Opens a logical path and checks what was opened against this call's grant (lib/tools/checked-open). */
  readonly files: CheckedOpener;
  /** The largest output in bytes; text beyond it must be cut with cut(). */
  readonly outputCap: number;
  /** Cuts text to the output cap, remembering that the output was truncated. */
  cut(text: string): string;
  /** The agent making the call. */
  readonly agent: string;
  /** The ledger and the grants, for the sec tools. */
  readonly audit: AuditLedger;
  readonly grants: Grants;
  /** STATE_DIR/tools on disk, for what tools keep between calls (integrity baselines). */
  readonly stateDir: string;
  /** aios-init's service, for the service tools. */
  init(): ServiceClient<typeof InitServiceDefinition>;
  /** aios-memory's service, for memory.search. */
  memory(): ServiceClient<typeof MemoryServiceDefinition>;
  /** Whether this call's grant covers the tool's capability for a resource found while running. */
  mayTouch(resource: string): boolean;
  /** Whether the caller's token carries this action of this namespace, for any resource ("net", "connect"). */
  holdsAction(namespace: string, action: string): boolean;
  /** Whether a path is protected (lib/tools/protected.ts): tools that walk a tree skip it. */
  isProtected(path: string): boolean;
  /** Physical directories a spawned command is not shown (AIOS's state and sockets). */
  readonly hiddenFromCommands: readonly string[];
  readonly log: Logger;
}

/** What a reversible call saved before it ran, to be restored by restore(). */
export interface Backup {
  readonly kind: string;
  readonly data: Record<string, unknown>;
  /** Files saved with it, by name, copied into the backup directory. */
  readonly files?: Record<string, string>;
}

export interface ToolDefinition<I = any, O = any> {
  readonly name: string;
  readonly description: string;
  readonly input: v.GenericSchema<unknown, I>;
  readonly output: v.GenericSchema<unknown, O>;
  /** Its namespace when not the name's first part (an MCP server's tools: "mcp.SERVER"). */
  readonly namespace?: string;
  /** The input's JSON Schema as given, when the tool came with one (an MCP server's tool). */
  readonly inputJsonSchema?: Record<string, unknown>;
  /** Why it cannot be called now (its MCP server is down); empty or absent when it can. */
  unavailable?(): string;
  readonly risk: RiskName;
  /** A higher risk for some inputs (process.spawn as root is critical); never lower than `risk`. */
  riskOf?(input: NoInfer<I>): RiskName;
  /** "namespace:action"; a call needs it for each of its resources. */
  readonly capability: string;
  readonly readOnly: boolean;
  readonly idempotent: boolean;
  readonly reversible: boolean;
  readonly timeoutMs: number;
  /**
   * The resources this input touches (normalised paths, service names ...), each checked
   * against `capability`, or against another one when given as { capability, resource }.
   * None means the capability alone. `root` is the --root directory ("" on the machine itself),
   * for a tool that must look at the file system to know where a path leads.
   */
  resources(input: NoInfer<I>, root: string): Array<string | { capability: string; resource: string }>;
  backup?(input: NoInfer<I>, ctx: ToolContext): Promise<Backup> | Backup;
  restore?(backup: Backup, backupDir: string, ctx: ToolContext): Promise<string> | string;
  run(input: NoInfer<I>, ctx: ToolContext): Promise<NoInfer<O>> | NoInfer<O>;
}

export function defineTool<I, O>(definition: ToolDefinition<I, O>): ToolDefinition<I, O> {
  return definition;
}

/** Tools that come and go while aios-tools runs (an MCP server's); listed after the catalogue's. */
export interface ToolSource {
  list(): readonly ToolDefinition[];
}

export class ToolRegistry {
  private readonly tools = new Map<string, ToolDefinition>();
  private readonly sources: ToolSource[] = [];

  constructor(definitions: readonly ToolDefinition[]) {
    for (const tool of definitions) {
      if (this.tools.has(tool.name)) throw new Error(`two tools are named ${tool.name}`);
      if (tool.reversible && (!tool.backup || !tool.restore)) throw new Error(`${tool.name} is reversible but has no backup/restore`);
      this.tools.set(tool.name, tool);
    }
  }

  /** Adds a source of tools; a name the catalogue already has is never taken from it. */
  extend(source: ToolSource): void {
    this.sources.push(source);
  }

  get(name: string): ToolDefinition | undefined {
    return this.tools.get(name) ?? this.fromSources().find((tool) => tool.name === name);
  }

  list(namespace?: string): ToolDefinition[] {
    return [...this.tools.values(), ...this.fromSources()].filter((t) => !namespace || t.name.startsWith(`${namespace}.`)).sort((a, b) => a.name.localeCompare(b.name));
  }

  private fromSources(): ToolDefinition[] {
    return this.sources.flatMap((source) => source.list()).filter((tool) => !this.tools.has(tool.name) && !tool.reversible);
  }
}
