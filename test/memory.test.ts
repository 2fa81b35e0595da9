/**
 * aios-memory through its real gRPC service, from the compiled binary, once per vector
 * backend (sqlite-vec, LanceDB): every tier, hybrid search by words and by vectors whose
 * neighbours are known, filters, procedures that learn their success rate, context assembly
 * within its budget, forgetting, export then import into an empty memory, compaction, a change
 * of embedder, and bad input.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Severity } from "../lib/rpc/gen/aios/v1/common.ts";
import { MemoryTier, type SearchRequest } from "../lib/rpc/gen/aios/v1/memory.ts";
import { installBinary } from "./support/binary.ts";
import { axis, contextRequest, MemoryKind, type MemoryProcess, refusal, remember, SearchMode, searchRequest, startMemory, writeMemoryConfig } from "./support/memory.ts";

const dir = mkdtempSync(join(tmpdir(), "aios-memory-"));
const bin = installBinary(dir);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const DIMENSIONS = 256;
const DAY_MS = 86_400_000;
const estimate = (text: string) => Math.ceil(Buffer.byteLength(text) / 3);
const event = (fields: { source?: string; type: string; severity: Severity; message: string; time?: Date; security?: boolean }) => ({
  event: {
    id: "",
    source: fields.source ?? "aios-tools",
    type: fields.type,
    severity: fields.severity,
    message: fields.message,
    time: fields.time,
    goalId: "",
    taskId: "",
    security: fields.security ?? false,
  },
});

describe.each(["sqlite-vec", "lancedb"] as const)("aios-memory with %s", (backend) => {
  const root = join(dir, backend);
  let memory: MemoryProcess;
  const client = () => memory.client;
  const ids = async (request: Partial<SearchRequest>) => (await client().search(searchRequest(request))).hits.map((hit) => hit.memory!.title);

  beforeAll(async () => {
    writeMemoryConfig(root, { vector_backend: backend, embedder: "hashing", hashing_dimensions: DIMENSIONS, operational_capacity: 50, working_retention_days: 7, compaction_interval_ms: 500 });
    memory = await startMemory(bin, root);
  });
  afterAll(async () => {
    expect(await memory.stop()).toBe(0);
  });

  test("Stats names the backend and the embedder", async () => {
    const stats = await client().stats({});
    expect(stats.vectorBackend).toBe(backend);
    expect(stats.embedder).toBe(`hashing-v1:${DIMENSIONS}`);
  });

  test("operational tier: recent events newest first, filtered, bounded; errors and security events reach the working tier", async () => {
    const first = await client().pushEvent(event({ type: "disk.usage", severity: Severity.SEVERITY_INFO, message: "root at 41%" }));
    expect(first.tier).toBe(MemoryTier.MEMORY_TIER_OPERATIONAL);
    for (let i = 0; i < 60; i++) await client().pushEvent(event({ source: i % 2 ? "monitor" : "aios-tools", type: "cpu.sample", severity: Severity.SEVERITY_DEBUG, message: `load ${i}` }));
    const failed = await client().pushEvent(event({ type: "service.failed", severity: Severity.SEVERITY_ERROR, message: "sshd exited with status 255 after a bad sshd_config" }));
    expect(failed.tier).toBe(MemoryTier.MEMORY_TIER_WORKING);
    const login = await client().pushEvent(event({ source: "sshd", type: "auth.failed", severity: Severity.SEVERITY_INFO, message: "failed password for root from 10.0.2.2", security: true }));
    expect(login.tier).toBe(MemoryTier.MEMORY_TIER_WORKING);

    const recent = await client().recentEvents({ minSeverity: Severity.SEVERITY_UNSPECIFIED, source: "", types: [], limit: 0 });
    // The ring holds 50: the first info event has been pushed out by the 63 after it.
    expect(recent.events).toHaveLength(50);
    expect(recent.events[0]!.id).toBe(login.id);
    expect(recent.events.map((e) => e.id)).not.toContain(first.id);
    const errors = await client().recentEvents({ minSeverity: Severity.SEVERITY_ERROR, source: "", types: [], limit: 0 });
    expect(errors.events.map((e) => e.message)).toEqual(["sshd exited with status 255 after a bad sshd_config"]);
    const monitor = await client().recentEvents({ minSeverity: Severity.SEVERITY_UNSPECIFIED, source: "monitor", types: ["cpu.sample"], limit: 3 });
    expect(monitor.events.map((e) => e.message)).toEqual(["load 59", "load 57", "load 55"]);

    const found = await client().search(searchRequest({ query: "why did sshd exit", kinds: [MemoryKind.MEMORY_KIND_EVENT] }));
    expect(found.hits[0]!.memory!.id).toBe(failed.id);
    expect(found.hits[0]!.memory!.tier).toBe(MemoryTier.MEMORY_TIER_WORKING);
    const security = await client().search(searchRequest({ query: "password", tags: ["security"] }));
    expect(security.hits.map((hit) => hit.memory!.id)).toEqual([login.id]);
  });

  test("PushEvents records a burst in order, errors and security events in the working tier; one bad event refuses the whole call", async () => {
    const burst = [
      event({ source: "aios-orchestrator", type: "goal.state", severity: Severity.SEVERITY_INFO, message: "burst: goal queued" }),
      event({ source: "aios-orchestrator", type: "task.state", severity: Severity.SEVERITY_ERROR, message: "burst: task t1 failed: mkfs refused the device" }),
      event({ source: "aios-orchestrator", type: "task.state", severity: Severity.SEVERITY_INFO, message: "burst: task t2 skipped" }),
    ].map((request) => request.event);
    const { results } = await client().pushEvents({ events: burst });
    expect(results.map((result) => result.tier)).toEqual([MemoryTier.MEMORY_TIER_OPERATIONAL, MemoryTier.MEMORY_TIER_WORKING, MemoryTier.MEMORY_TIER_OPERATIONAL]);
    const recent = await client().recentEvents({ minSeverity: Severity.SEVERITY_UNSPECIFIED, source: "aios-orchestrator", types: [], limit: 3 });
    expect(recent.events.map((e) => e.message)).toEqual(["burst: task t2 skipped", "burst: task t1 failed: mkfs refused the device", "burst: goal queued"]);
    const found = await client().search(searchRequest({ query: "mkfs refused the device", kinds: [MemoryKind.MEMORY_KIND_EVENT] }));
    expect(found.hits[0]!.memory!.id).toBe(results[1]!.id);

    const bad = [burst[0]!, { ...burst[1]!, type: "not a name", message: "burst: never recorded" }];
    const error = await refusal(client().pushEvents({ events: bad }));
    expect([error.code, error.field]).toEqual(["invalid_argument", "events.1.type"]);
    const tooMany = await refusal(client().pushEvents({ events: Array.from({ length: 501 }, () => burst[0]!) }));
    expect([tooMany.code, tooMany.field]).toEqual(["invalid_argument", "events"]);
    const after = await client().recentEvents({ minSeverity: Severity.SEVERITY_UNSPECIFIED, source: "aios-orchestrator", types: [], limit: 3 });
    expect(after.events.map((e) => e.id)).toEqual(recent.events.map((e) => e.id));
  });

  test("each kind lives in its tier; long-term memories get a vector from the embedder", async () => {
    const cases: [MemoryKind, MemoryTier][] = [
      [MemoryKind.MEMORY_KIND_DECISION, MemoryTier.MEMORY_TIER_WORKING],
      [MemoryKind.MEMORY_KIND_OUTCOME, MemoryTier.MEMORY_TIER_WORKING],
      [MemoryKind.MEMORY_KIND_AGENT_STATE, MemoryTier.MEMORY_TIER_WORKING],
      [MemoryKind.MEMORY_KIND_KNOWLEDGE, MemoryTier.MEMORY_TIER_LONG_TERM],
      [MemoryKind.MEMORY_KIND_INCIDENT, MemoryTier.MEMORY_TIER_LONG_TERM],
      [MemoryKind.MEMORY_KIND_CONFIG_CHANGE, MemoryTier.MEMORY_TIER_LONG_TERM],
    ];
    for (const [kind, tier] of cases) {
      const { memory: stored } = await client().remember(
        remember({
          kind,
          title: `tier check ${kind}`,
          content: `a memory of kind ${kind}`,
          decision:
            kind === MemoryKind.MEMORY_KIND_DECISION
              ? { context: "disk 95%", options: ["delete logs", "grow disk"], choice: "delete logs", reasoning: "fast and reversible", model: "rules", outcome: "" }
              : undefined,
        }),
      );
      expect(stored!.tier).toBe(tier);
      expect(stored!.embedder).toBe(tier === MemoryTier.MEMORY_TIER_LONG_TERM ? `hashing-v1:${DIMENSIONS}` : "");
    }
    const decision = await client().search(searchRequest({ query: "tier check", kinds: [MemoryKind.MEMORY_KIND_DECISION] }));
    expect(decision.hits[0]!.memory!.decision!.choice).toBe("delete logs");
  });

  test("hybrid search finds a procedure by its words and by vector similarity", async () => {
    await client().remember(
      remember({
        kind: MemoryKind.MEMORY_KIND_PROCEDURE,
        title: "Free disk space",
        content: "Find the largest directories with fs.du, delete rotated logs under /var/log",
        tags: ["disk"],
        procedure: { goalPattern: "free disk space", toolSequence: ["fs.du", "fs.delete"], successes: 3, failures: 1, stepsJson: "", promoted: false },
      }),
    );
    await client().remember(
      remember({
        kind: MemoryKind.MEMORY_KIND_PROCEDURE,
        title: "Restart a failed service",
        content: "Read the service log, then restart it through aios-init",
        tags: ["service"],
        procedure: { goalPattern: "restart a service", toolSequence: ["service.logs", "service.restart"], successes: 5, failures: 0, stepsJson: "", promoted: false },
      }),
    );
    await client().remember(remember({ kind: MemoryKind.MEMORY_KIND_KNOWLEDGE, title: "Firewall", content: "nftables holds the firewall rules; port 22 is open for ssh", tags: ["network"] }));

    // By words: keyword rank 1.
    const byWords = await client().search(searchRequest({ query: "clean up disk space", mode: SearchMode.SEARCH_MODE_KEYWORD }));
    expect(byWords.hits[0]!.memory!.title).toBe("Free disk space");
    expect(byWords.hits[0]!.keywordRank).toBe(1);
    expect(byWords.hits[0]!.vectorRank).toBe(0);
    // By vector alone: word pieces shared with "restart" and "services" bring it up first.
    const byVector = await client().search(searchRequest({ query: "restarting services", mode: SearchMode.SEARCH_MODE_VECTOR }));
    expect(byVector.hits[0]!.memory!.title).toBe("Restart a failed service");
    expect(byVector.hits[0]!.vectorRank).toBe(1);
    expect(byVector.embedder).toBe(`hashing-v1:${DIMENSIONS}`);
    // Fused: matched both ways, it outranks what matched one way.
    const hybrid = await client().search(searchRequest({ query: "free disk space" }));
    expect(hybrid.hits[0]!.memory!.title).toBe("Free disk space");
    expect(hybrid.hits[0]!.keywordRank).toBe(1);
    expect(hybrid.hits[0]!.vectorRank).toBe(1);
    expect(hybrid.hits[0]!.score).toBeCloseTo(2 / 61, 6);
  });

  test("vector search returns known neighbours in order of distance", async () => {
    const near = (i: number, lean?: { index: number; amount: number }) => axis(DIMENSIONS, i, lean);
    await client().remember(remember({ kind: MemoryKind.MEMORY_KIND_KNOWLEDGE, title: "north", content: "vector fixture north", tags: ["fixture"], vector: near(0) }));
    await client().remember(
      remember({ kind: MemoryKind.MEMORY_KIND_KNOWLEDGE, title: "north-east", content: "vector fixture north-east", tags: ["fixture"], vector: near(0, { index: 1, amount: 1 }) }),
    );
    await client().remember(remember({ kind: MemoryKind.MEMORY_KIND_KNOWLEDGE, title: "east", content: "vector fixture east", tags: ["fixture"], vector: near(1) }));
    await client().remember(remember({ kind: MemoryKind.MEMORY_KIND_INCIDENT, title: "south", content: "vector fixture south", tags: ["fixture"], vector: near(0).map((x) => -x) }));
    const query = near(0, { index: 1, amount: 0.2 });
    const result = await client().search(searchRequest({ vector: query, tags: ["fixture"], mode: SearchMode.SEARCH_MODE_VECTOR }));
    expect(result.embedder).toBe("caller");
    expect(result.hits.map((hit) => hit.memory!.title)).toEqual(["north", "north-east", "east", "south"]);
    expect(result.hits.map((hit) => hit.vectorRank)).toEqual([1, 2, 3, 4]);
    // Kind and tag filters apply to vector neighbours too.
    expect(await ids({ vector: query, tags: ["fixture"], kinds: [MemoryKind.MEMORY_KIND_INCIDENT], mode: SearchMode.SEARCH_MODE_VECTOR })).toEqual(["south"]);
    expect(await ids({ vector: query, tags: ["fixture", "absent"], mode: SearchMode.SEARCH_MODE_VECTOR })).toEqual([]);
  });

  test("filters by kind, tag and time", async () => {
    const before = new Date();
    await Bun.sleep(5);
    await client().remember(remember({ kind: MemoryKind.MEMORY_KIND_KNOWLEDGE, title: "Later fact", content: "filtercase about ntp", tags: ["time", "ntp"] }));
    const after = new Date(Date.now() + 1000);
    expect(await ids({ query: "filtercase", since: before })).toEqual(["Later fact"]);
    expect(await ids({ query: "filtercase", until: before })).toEqual([]);
    expect(await ids({ query: "filtercase", since: before, until: after, tags: ["ntp"] })).toEqual(["Later fact"]);
    expect(await ids({ query: "filtercase", kinds: [MemoryKind.MEMORY_KIND_PROCEDURE] })).toEqual([]);
  });

  test("a procedure used again is one memory whose success counts add up", async () => {
    const use = (successes: number, failures: number) =>
      client().remember(
        remember({
          kind: MemoryKind.MEMORY_KIND_PROCEDURE,
          title: "Open a port",
          content: "Add an nftables accept rule for the port",
          procedure: { goalPattern: "Open port for the web app", toolSequence: ["firewall.allow"], successes, failures, stepsJson: "", promoted: false },
        }),
      );
    const first = await use(1, 0);
    const second = await use(0, 1);
    const third = await use(1, 0);
    expect(second.memory!.id).toBe(first.memory!.id);
    expect(third.memory!.procedure).toEqual({ goalPattern: "Open port for the web app", toolSequence: ["firewall.allow"], successes: 2, failures: 1, stepsJson: "", promoted: false });
    expect((await client().search(searchRequest({ query: "open port web app", kinds: [MemoryKind.MEMORY_KIND_PROCEDURE] }))).hits.filter((hit) => hit.memory!.title === "Open a port")).toHaveLength(1);
  });

  test("a learned procedure: listed, its steps checked, promoted by a person and still promoted after its next use", async () => {
    const steps = JSON.stringify([{ tool: "fs.disk_usage", agent: "storage", input: { path: "{{path1}}" }, description: "measure it" }]);
    const procedure = { goalPattern: "how heavy is <path>", toolSequence: ["fs.disk_usage"], successes: 1, failures: 0, stepsJson: steps, promoted: false };
    const learned = await client().remember(remember({ kind: MemoryKind.MEMORY_KIND_PROCEDURE, title: "Done: how heavy is /srv", content: "measured", procedure }));
    const listed = await client().listProcedures({ replayableOnly: true, limit: 0 });
    expect(listed.procedures.map((p) => p.id)).toContain(learned.memory!.id);
    expect(listed.procedures.every((p) => p.procedure!.stepsJson !== "")).toBe(true);
    const badSteps = await refusal(
      client().updateProcedure({ id: learned.memory!.id, stepsJson: JSON.stringify([{ tool: "rm -rf", agent: "storage", input: {}, description: "" }]), resetCounts: false }),
    );
    expect([badSteps.code, badSteps.field]).toEqual(["invalid_argument", "steps_json"]);
    expect(badSteps.message).toContain("steps_json.0.tool");
    expect((await refusal(client().updateProcedure({ id: "mem-nope", promoted: true, resetCounts: false }))).code).toBe("not_found");
    const promoted = await client().updateProcedure({ id: learned.memory!.id, promoted: true, resetCounts: false });
    expect(promoted.procedure!.procedure!.promoted).toBe(true);
    // A failed use adds to its record; a person's word stays.
    const used = await client().remember(
      remember({ kind: MemoryKind.MEMORY_KIND_PROCEDURE, title: "Failed: how heavy is /nope", content: "failed", procedure: { ...procedure, successes: 0, failures: 1, stepsJson: "" } }),
    );
    expect(used.memory!.id).toBe(learned.memory!.id);
    expect(used.memory!.procedure).toMatchObject({ successes: 1, failures: 1, promoted: true, stepsJson: steps });
    const reset = await client().updateProcedure({ id: learned.memory!.id, resetCounts: true });
    expect(reset.procedure!.procedure).toMatchObject({ successes: 0, failures: 0 });
  });

  test("AssembleContext never exceeds its budget, drops duplicates and says what it left out", async () => {
    for (let i = 0; i < 30; i++) {
      await client().remember(remember({ kind: MemoryKind.MEMORY_KIND_KNOWLEDGE, title: `nginx note ${i}`, content: `nginx serves the web app on port 8080; note ${i}: ${"detail ".repeat(i * 3)}` }));
    }
    const twin = "nginx logs go to /var/log/nginx/error.log and are rotated daily";
    const a = await client().remember(remember({ kind: MemoryKind.MEMORY_KIND_INCIDENT, title: "nginx logs", content: twin }));
    const b = await client().remember(remember({ kind: MemoryKind.MEMORY_KIND_INCIDENT, title: "nginx logs", content: twin }));
    for (const budget of [1, 15, 60, 250, 1000, 4000]) {
      const context = await client().assembleContext(contextRequest({ query: "nginx web app logs", tokenBudget: budget }));
      expect(context.tokenizer).toBe("estimate:bytes/3");
      expect(context.tokensUsed).toBeLessThanOrEqual(budget);
      expect(context.tokensUsed).toBe(context.context ? estimate(context.context) : 0);
      expect(context.included.length + context.omitted.length).toBeGreaterThanOrEqual(32);
      expect(context.omitted.every((item) => item.omittedReason === "over budget" || item.omittedReason.startsWith("duplicate of "))).toBe(true);
      if (budget === 4000) {
        // One twin goes in, the other is left out as its duplicate.
        const twins = [a.memory!.id, b.memory!.id];
        const duplicate = context.omitted.filter((item) => item.omittedReason.startsWith("duplicate of ") && twins.includes(item.memoryId));
        expect(duplicate).toHaveLength(1);
        expect(duplicate[0]!.omittedReason).toBe(`duplicate of ${twins.find((id) => id !== duplicate[0]!.memoryId)}`);
        expect(context.included.map((item) => item.memoryId)).toContain(twins.find((id) => id !== duplicate[0]!.memoryId)!);
        expect(context.context).toContain("nginx logs go to /var/log/nginx/error.log");
      }
      if (budget === 1) expect(context.included).toEqual([]);
    }
  });

  test("Forget by id and by filter", async () => {
    const doomed = await client().remember(remember({ kind: MemoryKind.MEMORY_KIND_KNOWLEDGE, title: "doomed", content: "forgetcase one", tags: ["forget-me"] }));
    await client().remember(remember({ kind: MemoryKind.MEMORY_KIND_KNOWLEDGE, title: "doomed too", content: "forgetcase two", tags: ["forget-me"] }));
    await client().remember(remember({ kind: MemoryKind.MEMORY_KIND_KNOWLEDGE, title: "kept", content: "forgetcase three", tags: ["keep"] }));
    expect((await client().forget({ ids: [doomed.memory!.id], kinds: [], tags: [] })).forgotten).toBe(1);
    expect(await ids({ query: "forgetcase" })).toEqual(expect.not.arrayContaining(["doomed"]));
    expect((await client().forget({ ids: [], kinds: [MemoryKind.MEMORY_KIND_KNOWLEDGE], tags: ["forget-me"] })).forgotten).toBe(1);
    expect(await ids({ query: "forgetcase" })).toEqual(["kept"]);
    const neighbours = await ids({ query: "forgetcase", mode: SearchMode.SEARCH_MODE_VECTOR });
    expect(neighbours[0]).toBe("kept");
    expect(neighbours).not.toContain("doomed");
    expect(neighbours).not.toContain("doomed too");
    const refused = await refusal(client().forget({ ids: [], kinds: [], tags: [] }));
    expect(refused.code).toBe("invalid_argument");
  });

  test("export then import into an empty memory gives the same search results", async () => {
    const lines: string[] = [];
    for await (const response of client().export({ kinds: [] })) lines.push(response.jsonLine);
    const stats = await client().stats({});
    expect(lines.length).toBe(stats.counts.reduce((sum, count) => sum + count.count, 0));

    const otherRoot = join(dir, `${backend}-imported`);
    writeMemoryConfig(otherRoot, { vector_backend: backend, embedder: "hashing", hashing_dimensions: DIMENSIONS });
    const other = await startMemory(bin, otherRoot);
    try {
      const send = async function* (texts: string[]) {
        for (const jsonLine of texts) yield { jsonLine };
      };
      // A bad line anywhere imports nothing and names the line.
      const bad = await refusal(other.client.import(send([lines[0]!, '{"format":"aios-memory/1"}'])));
      expect(bad.code).toBe("invalid_argument");
      expect(bad.field).toBe("json_line");
      expect(bad.message).toContain("line 2");
      expect((await other.client.stats({})).counts).toEqual([]);

      const imported = await other.client.import(send(lines));
      expect(imported).toEqual({ imported: lines.length, skipped: 0 });
      expect((await other.client.stats({})).reembedPending).toBe(0);
      for (const request of [
        { query: "free disk space" },
        { query: "restarting services", mode: SearchMode.SEARCH_MODE_VECTOR },
        { query: "sshd", kinds: [MemoryKind.MEMORY_KIND_EVENT] },
        { query: "nginx logs", limit: 20 },
        { vector: axis(DIMENSIONS, 0, { index: 1, amount: 0.2 }), tags: ["fixture"], mode: SearchMode.SEARCH_MODE_VECTOR },
      ]) {
        const there = await other.client.search(searchRequest(request));
        const here = await client().search(searchRequest(request));
        expect(there.hits.map((hit) => [hit.memory!.id, hit.keywordRank, hit.vectorRank])).toEqual(here.hits.map((hit) => [hit.memory!.id, hit.keywordRank, hit.vectorRank]));
        expect({ request, hits: there.hits.length }).not.toEqual({ request, hits: 0 });
      }
      expect(await other.client.import(send(lines))).toEqual({ imported: 0, skipped: lines.length });
    } finally {
      expect(await other.stop()).toBe(0);
    }
  });

  test("compaction drops expired working-tier memories and keeps a summary", async () => {
    const old = new Date(Date.now() - 10 * DAY_MS);
    for (let i = 0; i < 4; i++) await client().pushEvent(event({ type: "service.failed", severity: Severity.SEVERITY_ERROR, message: `ntpd crashed ${i}`, time: old }));
    await client().pushEvent(event({ type: "service.failed", severity: Severity.SEVERITY_ERROR, message: "ntpd crashed recently" }));
    // compaction_interval_ms = 500: the runs that follow drop the four old ones (perhaps over
    // two runs, if one fell between the pushes), each leaving a summary.
    while ((await ids({ query: "ntpd crashed", kinds: [MemoryKind.MEMORY_KIND_EVENT] })).length > 1) await Bun.sleep(100);
    const remaining = await client().search(searchRequest({ query: "ntpd crashed", kinds: [MemoryKind.MEMORY_KIND_EVENT] }));
    expect(remaining.hits.map((hit) => hit.memory!.content)).toEqual(["ntpd crashed recently"]);
    const stats = await client().stats({});
    expect(stats.lastCompaction!.getTime()).toBeGreaterThan(Date.now() - 60_000);
    const summaries = (await client().search(searchRequest({ query: "ntpd crashed", kinds: [MemoryKind.MEMORY_KIND_SUMMARY] }))).hits.map((hit) => hit.memory!);
    expect(summaries.length).toBeGreaterThan(0);
    let summarised = 0;
    for (const summary of summaries) {
      expect(summary.tier).toBe(MemoryTier.MEMORY_TIER_LONG_TERM);
      expect(summary.title).toMatch(/^Summary of \d+ events? from /);
      expect(summary.content).toMatch(/- ntpd crashed \d/);
      summarised += Number(/service\.failed from aios-tools ×(\d+)/.exec(summary.content)![1]);
    }
    expect(summarised).toBe(4);
  });

  test("bad input is refused naming the field", async () => {
    const cases: [() => Promise<unknown>, string, RegExp][] = [
      [() => client().search(searchRequest({ query: "" })), "query", /query is required/],
      [() => client().search(searchRequest({ query: "!!! ???" })), "query", /no words/],
      [() => client().search(searchRequest({ query: "x", limit: 1000 })), "limit", /at most 100/],
      [() => client().search(searchRequest({ query: "x", kinds: [99 as MemoryKind] })), "kinds.0", /memory kind/],
      [() => client().search(searchRequest({ query: "x", since: new Date(2000), until: new Date(1000) })), "until", /after since/],
      [() => client().search(searchRequest({ vector: [1, 2, 3], mode: SearchMode.SEARCH_MODE_VECTOR })), "vector", /3 dimensions.*makes 256/],
      [() => client().remember(remember({ kind: MemoryKind.MEMORY_KIND_KNOWLEDGE, content: "x".repeat(70_000) })), "content", /70000 bytes.*at most 65536/],
      [() => client().remember(remember({ kind: MemoryKind.MEMORY_KIND_KNOWLEDGE, content: "   " })), "content", /required/],
      [() => client().remember(remember({ kind: MemoryKind.MEMORY_KIND_UNSPECIFIED, content: "x" })), "kind", /memory kind/],
      [() => client().remember(remember({ kind: MemoryKind.MEMORY_KIND_KNOWLEDGE, content: "x", vector: [0.5] })), "vector", /1 dimensions/],
      [() => client().remember(remember({ kind: MemoryKind.MEMORY_KIND_EVENT, content: "x", vector: axis(DIMENSIONS, 0) })), "vector", /working tier/],
      [() => client().remember(remember({ kind: MemoryKind.MEMORY_KIND_PROCEDURE, content: "x" })), "procedure.goal_pattern", /goal_pattern/],
      [() => client().remember(remember({ kind: MemoryKind.MEMORY_KIND_KNOWLEDGE, content: "x", tags: [""] })), "tags.0", /empty/],
      [() => client().assembleContext(contextRequest({ query: "x", tokenBudget: 0 })), "token_budget", /token_budget is required/],
      [() => client().assembleContext(contextRequest({ query: " ", tokenBudget: 10 })), "query", /required/],
      [() => client().pushEvent({ event: undefined }), "event", /event is required/],
      [() => client().pushEvent(event({ type: "not a name", severity: Severity.SEVERITY_INFO, message: "x" })), "event.type", /dotted name/],
    ];
    for (const [call, field, message] of cases) {
      const error = await refusal(call());
      expect([error.code, error.field]).toEqual(["invalid_argument", field]);
      expect(error.message).toMatch(message);
    }
  });

  test("a new embedder re-embeds the long-term tier in the background, with progress in Stats", async () => {
    expect(await memory.stop()).toBe(0);
    writeMemoryConfig(root, { vector_backend: backend, embedder: "hashing", hashing_dimensions: 128, working_retention_days: 7 });
    memory = await startMemory(bin, root);
    let stats = await client().stats({});
    expect(stats.embedder).toBe("hashing-v1:128");
    while (stats.reembedPending > 0) {
      await Bun.sleep(50);
      stats = await client().stats({});
    }
    const longTerm = stats.counts.filter((count) => count.tier === MemoryTier.MEMORY_TIER_LONG_TERM).reduce((sum, count) => sum + count.count, 0);
    expect(stats.reembedDone).toBe(longTerm);
    const result = await client().search(searchRequest({ query: "restarting services", mode: SearchMode.SEARCH_MODE_VECTOR }));
    expect(result.hits[0]!.memory!.title).toBe("Restart a failed service");
    expect(result.hits[0]!.memory!.embedder).toBe("hashing-v1:128");
    const refused = await refusal(client().search(searchRequest({ vector: axis(DIMENSIONS, 0), mode: SearchMode.SEARCH_MODE_VECTOR })));
    expect(refused.message).toMatch(/256 dimensions.*makes 128/);
  });
});

describe("aios-memory waiting for the gateway's embedder", () => {
  test("memories are kept and found by their words; vector search says why it cannot answer", async () => {
    const root = join(dir, "gateway-mode");
    writeMemoryConfig(root, { embedder: "gateway" });
    const memory = await startMemory(bin, root);
    try {
      const stored = await memory.client.remember(remember({ kind: MemoryKind.MEMORY_KIND_KNOWLEDGE, title: "Kernel", content: "the kernel is Debian's 6.1 build" }));
      expect(stored.memory!.embedder).toBe("");
      const stats = await memory.client.stats({});
      expect(stats.embedder).toBe("");
      expect(stats.reembedPending).toBe(1);
      const found = await memory.client.search(searchRequest({ query: "which kernel" }));
      expect(found.hits.map((hit) => hit.memory!.title)).toEqual(["Kernel"]);
      expect(found.embedder).toBe("");
      const refused = await refusal(memory.client.search(searchRequest({ query: "which kernel", mode: SearchMode.SEARCH_MODE_VECTOR })));
      expect(refused.code).toBe("failed_precondition");
      expect(refused.message).toContain("waiting for the gateway's embedding model");
    } finally {
      expect(await memory.stop()).toBe(0);
    }
  });
});
