/**
 * memory.search: what AIOS remembers (outcomes of goals, incidents and their fixes, facts about
 * this machine, procedures that worked), found by words and meaning through aios-memory. A
 * tool, not an MCP resource, so that it has one way in for every caller: the capability
 * memory:read, the audit ledger, and the same answer for AIOS's agents and an outside client.
 */
import * as v from "valibot";
import { MemoryKind, SearchMode } from "../../../rpc/gen/aios/v1/memory.ts";
import { defineTool } from "../../registry.ts";

const KINDS = {
  event: MemoryKind.MEMORY_KIND_EVENT,
  decision: MemoryKind.MEMORY_KIND_DECISION,
  outcome: MemoryKind.MEMORY_KIND_OUTCOME,
  knowledge: MemoryKind.MEMORY_KIND_KNOWLEDGE,
  procedure: MemoryKind.MEMORY_KIND_PROCEDURE,
  incident: MemoryKind.MEMORY_KIND_INCIDENT,
} as const;
const KIND_NAMES = Object.keys(KINDS) as (keyof typeof KINDS)[];
const nameOf = (kind: MemoryKind) => KIND_NAMES.find((name) => KINDS[name] === kind) ?? "other";

export const memorySearch = defineTool({
  name: "memory.search",
  description: "Search what AIOS remembers (goal outcomes, incidents and fixes, facts about this machine, procedures), by words and meaning; best first.",
  input: v.strictObject({
    query: v.pipe(v.string(), v.nonEmpty("say what to look for"), v.maxLength(2000)),
    kinds: v.optional(v.array(v.picklist(KIND_NAMES)), []),
    limit: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(50)), 10),
  }),
  output: v.object({
    hits: v.array(v.object({ id: v.string(), kind: v.string(), title: v.string(), content: v.string(), tags: v.array(v.string()), created_at: v.string(), score: v.number() })),
    truncated: v.boolean(),
  }),
  risk: "low",
  capability: "memory:read",
  readOnly: true,
  idempotent: true,
  reversible: false,
  timeoutMs: 30_000,
  resources: () => [],
  async run(input, ctx) {
    const { hits } = await ctx
      .memory()
      .search({ query: input.query, kinds: input.kinds.map((kind) => KINDS[kind]), tags: [], limit: input.limit, mode: SearchMode.SEARCH_MODE_UNSPECIFIED, vector: [] }, { signal: ctx.signal });
    let size = 0;
    const kept = [];
    for (const hit of hits) {
      const memory = hit.memory!;
      const entry = { id: memory.id, kind: nameOf(memory.kind), title: memory.title, content: memory.content, tags: memory.tags, created_at: memory.createdAt?.toISOString() ?? "", score: hit.score };
      size += JSON.stringify(entry).length;
      if (size > ctx.outputCap) break;
      kept.push(entry);
    }
    return { hits: kept, truncated: kept.length < hits.length };
  },
});
