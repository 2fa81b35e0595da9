/**
 * @module lib/memory/service
 * The Memory gRPC service (proto/aios/v1/memory.proto): requests checked with valibot at the
 * boundary (INVALID_ARGUMENT naming the field), then the ring, the store, search, context
 * assembly and export/import.
 */
import * as v from "valibot";
import type { Logger } from "../log/index.ts";
import { Severity } from "../rpc/gen/aios/v1/common.ts";
import { type Memory, MemoryKind, type MemoryEvent, MemoryServiceDefinition, MemoryTier, SearchMode } from "../rpc/gen/aios/v1/memory.ts";
import { failedPrecondition, implement, invalidArgument, notFound, pageLimit, parseRequest, type ServiceImplementation } from "../rpc/index.ts";
import { parseProcedureSteps } from "../rpc/procedure-steps.ts";
import { anchorAuditHead, readAuditAnchor } from "./audit-anchor.ts";
import { lastCompaction } from "./compaction.ts";
import { assembleContext, candidatesFromHits, candidatesFromRing } from "./context.ts";
import type { Embeddings } from "./embeddings.ts";
import { exportLine, ImportError, parseImportLine } from "./export.ts";
import type { EventRing, RingEvent } from "./ring.ts";
import { searchMemories, type SearchModeName } from "./search.ts";
import { embeddingText, type MemoryStore } from "./store.ts";
import type { TokenCounter } from "./tokens.ts";
import { KINDS, type KindName, type MemoryFilter, type MemoryRecord, newId, type NewMemory, tierOf } from "./types.ts";

export interface MemoryServiceOptions {
  store: MemoryStore;
  ring: EventRing;
  embeddings: Embeddings;
  counter: TokenCounter;
  maxContentBytes: number;
  log: Logger;
}

const KIND_OF_PROTO = new Map<number, KindName>(KINDS.map((kind, i) => [i + 1, kind]));
const PROTO_OF_KIND = new Map<KindName, MemoryKind>(KINDS.map((kind, i) => [kind, (i + 1) as MemoryKind]));
const SEVERITY_NAMES = ["", "debug", "info", "warning", "error", "critical"] as const;
const MODE: Record<number, SearchModeName> = {
  [SearchMode.SEARCH_MODE_UNSPECIFIED]: "hybrid",
  [SearchMode.SEARCH_MODE_HYBRID]: "hybrid",
  [SearchMode.SEARCH_MODE_KEYWORD]: "keyword",
  [SearchMode.SEARCH_MODE_VECTOR]: "vector",
};
const MAX_TITLE = 512;
const MAX_TAGS = 32;
const MAX_QUERY = 4096;
const MAX_LIMIT = 100;
const MAX_EVENTS = 10_000;
/** PushEvents' largest batch (an orchestrator's backlog is sent in batches of this at most). */
export const MAX_PUSHED_EVENTS = 500;
const MAX_BUDGET = 1_000_000;

const kindSchema = v.pipe(
  v.number(),
  v.check((kind) => KIND_OF_PROTO.has(kind), "must be a memory kind (EVENT … SUMMARY)"),
  v.transform((kind) => KIND_OF_PROTO.get(kind)!),
);
const kindsSchema = v.array(kindSchema);
const tagsSchema = v.pipe(v.array(v.pipe(v.string(), v.nonEmpty("a tag may not be empty"), v.maxLength(64, "a tag is at most 64 characters"))), v.maxLength(MAX_TAGS, `at most ${MAX_TAGS} tags`));
const vectorSchema = v.array(v.pipe(v.number(), v.finite("must be a finite number")));
const requiredText = (field: string) => v.pipe(v.string(), v.trim(), v.nonEmpty(`${field} is required`));

const time = (date: Date | undefined) => (date ? date.getTime() : undefined);

export function toProtoMemory(memory: MemoryRecord): Memory {
  return {
    id: memory.id,
    kind: PROTO_OF_KIND.get(memory.kind)!,
    tier: memory.tier === "working" ? MemoryTier.MEMORY_TIER_WORKING : MemoryTier.MEMORY_TIER_LONG_TERM,
    title: memory.title,
    content: memory.content,
    tags: memory.tags,
    data: memory.data,
    createdAt: new Date(memory.createdAt),
    updatedAt: new Date(memory.updatedAt),
    goalId: memory.goalId,
    taskId: memory.taskId,
    procedure: memory.procedure ?? undefined,
    decision: memory.decision ?? undefined,
    embedder: memory.embedder,
  };
}

function toProtoEvent(event: RingEvent): MemoryEvent {
  return { ...event, time: new Date(event.time), severity: event.severity as Severity };
}

/** A procedure's steps, or INVALID_ARGUMENT naming the field and what is wrong. */
function checkSteps(json: string, field: string) {
  const steps = parseProcedureSteps(json);
  if ("error" in steps) throw invalidArgument(field, steps.error);
  return steps;
}

export function memoryService(options: MemoryServiceOptions): ServiceImplementation {
  const { store, ring, embeddings } = options;

  const contentSchema = v.pipe(
    v.string(),
    v.check((text) => text.trim().length > 0, "content is required"),
    v.check(
      (text) => Buffer.byteLength(text) <= options.maxContentBytes,
      (issue) => `content is ${Buffer.byteLength(issue.input as string)} bytes; a memory holds at most ${options.maxContentBytes} (memory.max_content_bytes): store a summary, or split it`,
    ),
  );

  /** A caller's vector must be in the space of the embedder in use, and as long. */
  const checkVector = (vector: number[], field: string): Float32Array | undefined => {
    if (vector.length === 0) return undefined;
    const current = embeddings.current;
    if (!current) throw failedPrecondition("no embedder is in use yet, so a vector cannot be matched to one: store or search without a vector");
    if (vector.length !== current.dimensions) {
      throw invalidArgument(field, `${field} has ${vector.length} dimensions; the embedder in use (${current.name}) makes ${current.dimensions}`);
    }
    return Float32Array.from(vector);
  };

  const flushInBackground = () => {
    void store.index.flush().catch((error: Error) => options.log.warn("vector flush failed; the vectors stay pending in memory.db and are retried", { error: error.message }));
  };

  /** Stores memories, embedding the long-term ones (unless a vector was given). */
  const remember = async (items: { memory: NewMemory; vector?: Float32Array }[]): Promise<MemoryRecord[]> => {
    const toEmbed = items.filter((item) => tierOf(item.memory.kind) === "long_term" && !item.vector);
    const embedded = toEmbed.length ? await embeddings.embed(toEmbed.map((item) => embeddingText(item.memory))) : null;
    const vectors = new Map(toEmbed.map((item, i) => [item, embedded?.[i] ?? null]));
    const stored = store.insert(
      items.map((item) => ({
        memory: item.memory,
        vector: item.vector ? { embedder: embeddings.current!.name, vector: item.vector } : (vectors.get(item) ?? null),
      })),
      { merge: true },
    );
    if (stored.some((memory) => memory.tier === "long_term" && !memory.embedder)) embeddings.kick();
    flushInBackground();
    return stored;
  };

  const eventEntries = {
    source: requiredText("source"),
    type: v.pipe(requiredText("type"), v.regex(/^[A-Za-z0-9_.:-]+$/, "must be a dotted name like service.exited")),
    severity: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(5, "must be a severity (DEBUG … CRITICAL)")),
    message: v.pipe(v.string(), v.maxLength(options.maxContentBytes, `a message is at most ${options.maxContentBytes} characters`)),
  };
  type CheckedEvent = v.InferOutput<v.ObjectSchema<typeof eventEntries, undefined>>;

  /**
   * Events already checked, in order: each to the ring; the errors and security events among
   * them to the working tier too, all in one commit, on disk before this returns.
   */
  const pushEvents = (events: readonly { checked: CheckedEvent; raw: MemoryEvent }[]) => {
    const ringEvents = events.map(
      ({ checked, raw }): RingEvent => ({
        id: newId("evt"),
        time: time(raw.time) ?? Date.now(),
        source: checked.source,
        type: checked.type,
        severity: checked.severity || Severity.SEVERITY_INFO,
        message: raw.message,
        data: raw.data ?? {},
        goalId: raw.goalId,
        taskId: raw.taskId,
        security: raw.security,
      }),
    );
    const durable = (event: RingEvent) => event.severity >= Severity.SEVERITY_ERROR || event.security;
    const working = ringEvents.filter(durable);
    if (working.length)
      store.insert(
        working.map((event) => ({ memory: eventMemory(event), vector: null })),
        { merge: false },
      );
    for (const event of ringEvents) ring.push(event);
    return ringEvents.map((event) => ({ id: event.id, tier: durable(event) ? MemoryTier.MEMORY_TIER_WORKING : MemoryTier.MEMORY_TIER_OPERATIONAL }));
  };

  return implement(MemoryServiceDefinition, {
    pushEvent: async (request) => {
      const { event } = parseRequest(v.object({ event: v.object(eventEntries, "event is required") }), request);
      return pushEvents([{ checked: event, raw: request.event! }])[0]!;
    },

    pushEvents: async (request) => {
      const { events } = parseRequest(v.object({ events: v.pipe(v.array(v.object(eventEntries)), v.maxLength(MAX_PUSHED_EVENTS, `events holds at most ${MAX_PUSHED_EVENTS} a call`)) }), request);
      return { results: pushEvents(events.map((checked, i) => ({ checked, raw: request.events[i]! }))) };
    },

    recentEvents: (request) => {
      if (request.limit > MAX_EVENTS) throw invalidArgument("limit", `limit is at most ${MAX_EVENTS}`);
      const limit = pageLimit(request.limit, 100, MAX_EVENTS, "limit");
      const events = ring.query({ since: time(request.since), minSeverity: request.minSeverity, source: request.source, types: request.types, limit });
      return { events: events.map(toProtoEvent) };
    },

    remember: async (request) => {
      const parsed = parseRequest(
        v.object({
          kind: kindSchema,
          title: v.pipe(v.string(), v.maxLength(MAX_TITLE, `a title is at most ${MAX_TITLE} characters`)),
          content: contentSchema,
          tags: tagsSchema,
          vector: vectorSchema,
        }),
        request,
      );
      if (parsed.kind === "procedure" && !request.procedure?.goalPattern.trim()) {
        throw invalidArgument("procedure.goal_pattern", "a procedure needs procedure.goal_pattern: the kind of goal it solves, in words");
      }
      if (parsed.kind !== "procedure" && request.procedure) throw invalidArgument("procedure", "procedure is only for kind PROCEDURE");
      if (request.procedure?.stepsJson) checkSteps(request.procedure.stepsJson, "procedure.steps_json");
      if (parsed.kind !== "decision" && request.decision) throw invalidArgument("decision", "decision is only for kind DECISION");
      if (tierOf(parsed.kind) === "working" && parsed.vector.length) throw invalidArgument("vector", `only long-term memories have vectors; ${parsed.kind} lives in the working tier`);
      const vector = checkVector(parsed.vector, "vector");
      const [memory] = await remember([
        {
          memory: {
            kind: parsed.kind,
            title: parsed.title.trim(),
            content: parsed.content,
            tags: parsed.tags,
            data: request.data ?? {},
            goalId: request.goalId,
            taskId: request.taskId,
            procedure: request.procedure ? { ...request.procedure, goalPattern: request.procedure.goalPattern.trim() } : null,
            decision: request.decision ?? null,
          },
          vector,
        },
      ]);
      return { memory: toProtoMemory(memory!) };
    },

    search: async (request) => {
      const parsed = parseRequest(
        v.object({
          query: v.pipe(v.string(), v.maxLength(MAX_QUERY, `a query is at most ${MAX_QUERY} characters`)),
          kinds: kindsSchema,
          tags: tagsSchema,
          limit: v.pipe(v.number(), v.integer(), v.minValue(0, "limit must not be negative"), v.maxValue(MAX_LIMIT, `limit is at most ${MAX_LIMIT}`)),
          mode: v.pipe(
            v.number(),
            v.check((mode) => mode in MODE, "must be HYBRID, KEYWORD or VECTOR"),
          ),
          vector: vectorSchema,
        }),
        request,
      );
      const mode = MODE[parsed.mode]!;
      if (!parsed.query.trim() && parsed.vector.length === 0) throw invalidArgument("query", "query is required (the words to look for), unless a vector is given");
      if (parsed.query.trim() && !/[\p{L}\p{N}]/u.test(parsed.query) && parsed.vector.length === 0) {
        throw invalidArgument("query", "query has no words to search for (letters or digits)");
      }
      if (mode === "keyword" && !parsed.query.trim()) throw invalidArgument("query", "a KEYWORD search needs a query");
      const filter = checkedFilter(parsed.kinds, parsed.tags, time(request.since), time(request.until));
      const result = await searchMemories(store, embeddings, { query: parsed.query, vector: checkVector(parsed.vector, "vector"), filter, limit: parsed.limit || 10, mode });
      return {
        hits: result.hits.map((hit) => ({ memory: toProtoMemory(hit.memory), score: hit.score, keywordRank: hit.keywordRank, vectorRank: hit.vectorRank })),
        embedder: result.embedder,
      };
    },

    assembleContext: async (request) => {
      const parsed = parseRequest(
        v.object({
          query: v.pipe(requiredText("query"), v.maxLength(MAX_QUERY, `a query is at most ${MAX_QUERY} characters`)),
          tokenBudget: v.pipe(v.number(), v.minValue(1, "token_budget is required: the most tokens the context may use"), v.maxValue(MAX_BUDGET, `token_budget is at most ${MAX_BUDGET}`)),
          kinds: kindsSchema,
        }),
        request,
      );
      const filter: MemoryFilter = { kinds: parsed.kinds };
      const { hits } = await searchMemories(store, embeddings, { query: parsed.query, filter, limit: 50, mode: "hybrid" });
      const fromRing = parsed.kinds.length === 0 || parsed.kinds.includes("event") ? candidatesFromRing(ring, parsed.query, 20) : [];
      // An event in the ring that is also in the working tier (an error) is one candidate.
      const stored = new Set(hits.map((hit) => hit.memory.id));
      const assembled = await assembleContext([...candidatesFromHits(hits), ...fromRing.filter((c) => !stored.has(c.id))], parsed.tokenBudget, options.counter, request.model);
      const item = (entry: (typeof assembled.included)[number]) => ({ ...entry, kind: PROTO_OF_KIND.get(entry.kind)! });
      return { ...assembled, included: assembled.included.map(item), omitted: assembled.omitted.map(item) };
    },

    forget: (request) => {
      const parsed = parseRequest(v.object({ ids: v.array(v.pipe(v.string(), v.nonEmpty("an id may not be empty"))), kinds: kindsSchema, tags: tagsSchema }), request);
      const before = time(request.before);
      if (parsed.ids.length === 0 && parsed.kinds.length === 0 && parsed.tags.length === 0 && before === undefined) {
        throw invalidArgument("ids", "say what to forget: ids, or kinds, tags and/or before");
      }
      const filter = checkedFilter(parsed.kinds, parsed.tags, undefined, before);
      return { forgotten: store.forget({ ids: parsed.ids, filter }) };
    },

    listProcedures: (request) => {
      const limit = request.limit ? Math.min(request.limit, 1000) : 200;
      const procedures = store.procedures(request.replayableOnly ? 1000 : limit).filter((m) => !request.replayableOnly || m.procedure?.stepsJson);
      return { procedures: procedures.slice(0, limit).map(toProtoMemory) };
    },

    updateProcedure: (request) => {
      const existing = store.byId(request.id);
      if (!existing || existing.kind !== "procedure" || !existing.procedure) throw notFound(`no procedure ${request.id} (aiosctl memory procedures lists them)`);
      const pattern = request.goalPattern?.trim();
      if (request.goalPattern !== undefined && !pattern) throw invalidArgument("goal_pattern", "a pattern may not be empty");
      if (pattern !== undefined && pattern.length > 500) throw invalidArgument("goal_pattern", "a pattern is at most 500 characters");
      const steps = request.stepsJson !== undefined ? checkSteps(request.stepsJson, "steps_json") : undefined;
      const procedure = {
        ...existing.procedure,
        ...(pattern !== undefined ? { goalPattern: pattern } : {}),
        ...(steps ? { stepsJson: request.stepsJson!, toolSequence: steps.map((s) => s.tool) } : {}),
        ...(request.promoted !== undefined ? { promoted: request.promoted } : {}),
        ...(request.resetCounts ? { successes: 0, failures: 0 } : {}),
      };
      return { procedure: toProtoMemory(store.setProcedure(request.id, procedure)!) };
    },

    anchorAuditHead: (request) => {
      const { hash } = parseRequest(v.object({ hash: v.pipe(v.string(), v.regex(/^[0-9a-f]{64}$/, "must be a SHA-256 hash in hex")) }), request);
      if (!Number.isSafeInteger(request.seq) || request.seq < 1) throw invalidArgument("seq", "must be an entry number, 1 or more");
      const anchor = anchorAuditHead(store.db, request.seq, hash);
      return { seq: anchor.seq, hash: anchor.hash };
    },

    getAuditAnchor: () => {
      const anchor = readAuditAnchor(store.db);
      return anchor ? { seq: anchor.seq, hash: anchor.hash, anchoredAt: new Date(anchor.at) } : { seq: 0, hash: "" };
    },

    stats: async () => {
      const last = lastCompaction(store);
      return {
        counts: store
          .counts()
          .map((row) => ({ kind: PROTO_OF_KIND.get(row.kind)!, tier: row.tier === "working" ? MemoryTier.MEMORY_TIER_WORKING : MemoryTier.MEMORY_TIER_LONG_TERM, count: row.count })),
        operationalEvents: ring.count(),
        databaseBytes: store.diskBytes(),
        embedder: embeddings.current?.name ?? "",
        vectorBackend: store.index.name,
        reembedPending: embeddings.pending(),
        reembedDone: embeddings.done,
        lastCompaction: last ? new Date(last.at) : undefined,
        lastCompactionDropped: last?.dropped ?? 0,
      };
    },

    export: async function* (request) {
      const { kinds } = parseRequest(v.object({ kinds: kindsSchema }), request);
      await store.index.flush();
      for (const page of store.scan({ kinds })) {
        const vectors = await store.index.get(page.filter((memory) => memory.embedder).map((memory) => memory.rowid));
        for (const memory of page) yield { jsonLine: exportLine(memory, vectors.get(memory.rowid) ?? null) };
      }
    },

    import: async (requests) => {
      // All or nothing: every line is read and checked before anything is stored.
      const records: ReturnType<typeof parseImportLine>[] = [];
      let line = 0;
      for await (const request of requests) {
        line++;
        if (!request.jsonLine.trim()) continue;
        try {
          records.push(parseImportLine(request.jsonLine, options.maxContentBytes));
        } catch (error) {
          if (error instanceof ImportError) throw invalidArgument("json_line", `line ${line}: ${error.message}; nothing was imported`);
          throw error;
        }
      }
      const seen = store.existingIds(records.map((record) => record.memory.id!));
      const fresh = records.filter((record) => !seen.has(record.memory.id!) && (seen.add(record.memory.id!), true));
      const current = embeddings.current;
      store.insert(
        fresh.map((record) => ({
          memory: record.memory,
          // A vector is kept only when it came from the embedder in use here; the others are
          // re-embedded in the background.
          vector: record.vector && current && record.embedder === current.name && record.vector.length === current.dimensions ? { embedder: current.name, vector: record.vector } : null,
        })),
        { merge: false },
      );
      embeddings.kick();
      flushInBackground();
      return { imported: fresh.length, skipped: records.length - fresh.length };
    },
  });
}

function checkedFilter(kinds: KindName[], tags: string[], since: number | undefined, until: number | undefined): MemoryFilter {
  if (since !== undefined && until !== undefined && since >= until) throw invalidArgument("until", "until must be after since");
  return { kinds, tags, since, until };
}

export function eventMemory(event: RingEvent): NewMemory {
  const severity = SEVERITY_NAMES[event.severity] ?? "info";
  return {
    id: event.id,
    kind: "event",
    title: `${event.type} from ${event.source}`,
    content: event.message || event.type,
    tags: [event.source, event.type, severity, ...(event.security ? ["security"] : [])],
    data: { ...event.data, source: event.source, type: event.type, severity },
    goalId: event.goalId,
    taskId: event.taskId,
    procedure: null,
    decision: null,
    createdAt: event.time,
  };
}
