/**
 * bench/memory.ts: aios-memory at 100,000 memories, sqlite-vec and LanceDB in the same run,
 * and the curve of search times at 10,000, 100,000 and 1,000,000 (sqlite-vec, the default).
 *
 *   Remember: durable single writes over gRPC (each commits with synchronous=FULL), the first
 *   5,000 memories; Import (one transaction per stream) for the rest
 *   Search p50/p99: keyword (FTS5), vector, hybrid (both, fused), at each size reached
 *   AssembleContext p50/p99 at a 4,000-token budget
 *   size on disk (memory.db, WAL, LanceDB's directory)
 *
 * The service runs in this process from source (both backends need no build) on a real Unix
 * socket with the hashing embedder (256 dimensions). Prints one JSON line, then a table.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseConfig } from "../lib/config/index.ts";
import { memoryComponent } from "../lib/memory/component.ts";
import { EXPORT_FORMAT } from "../lib/memory/export.ts";
import { MemoryKind, MemoryServiceDefinition, SearchMode } from "../lib/rpc/gen/aios/v1/memory.ts";
import { connect, serve } from "../lib/rpc/index.ts";
import { devNullLogger } from "./support/echo.ts";
import { round } from "./support/stats.ts";
import { seededRandom } from "../test/support/random.ts";

const TOTAL = 100_000;
/** Where search is timed on the way up; the last is sqlite-vec's only (LanceDB stops at TOTAL). */
const CURVE = [10_000, TOTAL, 1_000_000];
const REMEMBERED = 5_000;
const IMPORT_STREAM = 5_000;
const QUERIES = 200;
const CONTEXTS = 100;
/** At a million a vector scan takes a third of a second: fewer samples keep the run in minutes. */
const QUERIES_AT_1M = 30;
const BUDGET = 4_000;

const SYLLABLES = ["ka", "to", "ri", "mu", "sel", "dan", "vo", "pex", "lin", "gra", "shu", "ter", "ob", "nim", "cra", "zu", "fel", "ion", "wa", "bre"];
const rand = seededRandom(42);
const VOCABULARY = Array.from({ length: 5000 }, () => Array.from({ length: 2 + Math.floor(rand() * 2) }, () => SYLLABLES[Math.floor(rand() * SYLLABLES.length)]).join(""));
const pick = (r: () => number) => VOCABULARY[Math.floor(r() ** 1.5 * VOCABULARY.length)]!; // some words far more common, as in text
const phrase = (r: () => number, n: number) => Array.from({ length: n }, () => pick(r)).join(" ");
const LONG_TERM = [MemoryKind.MEMORY_KIND_KNOWLEDGE, MemoryKind.MEMORY_KIND_PROCEDURE, MemoryKind.MEMORY_KIND_INCIDENT, MemoryKind.MEMORY_KIND_CONFIG_CHANGE];
const KIND_NAMES: Record<number, string> = { 5: "knowledge", 6: "procedure", 7: "incident", 8: "config_change" };

function memoryAt(i: number) {
  const r = seededRandom(1000 + i);
  const kind = LONG_TERM[i % LONG_TERM.length]!;
  return {
    kind,
    title: phrase(r, 3),
    content: phrase(r, 20 + Math.floor(r() * 30)),
    procedure:
      kind === MemoryKind.MEMORY_KIND_PROCEDURE
        ? { goalPattern: `${phrase(r, 3)} ${i}`, toolSequence: ["fs.du", "fs.delete"], successes: Math.floor(r() * 5), failures: Math.floor(r() * 2) }
        : undefined,
  };
}

function importLine(i: number): string {
  const m = memoryAt(i);
  const time = new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString();
  return JSON.stringify({
    format: EXPORT_FORMAT,
    id: `mem_bench${i}`,
    kind: KIND_NAMES[m.kind],
    title: m.title,
    content: m.content,
    tags: [],
    data: {},
    created_at: time,
    updated_at: time,
    goal_id: "",
    task_id: "",
    procedure: m.procedure ? { goal_pattern: m.procedure.goalPattern, tool_sequence: m.procedure.toolSequence, successes: m.procedure.successes, failures: m.procedure.failures } : null,
    decision: null,
    embedder: "",
    vector: null,
  });
}

function percentiles(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
  return { p50_ms: round(at(50), 2), p99_ms: round(at(99), 2) };
}

async function timed(times: number, call: (i: number) => Promise<unknown>) {
  const samples: number[] = [];
  for (let i = 0; i < times; i++) {
    const t = performance.now();
    await call(i);
    samples.push(performance.now() - t);
  }
  return percentiles(samples);
}

interface Timings {
  keyword: { p50_ms: number; p99_ms: number };
  vector: { p50_ms: number; p99_ms: number };
  hybrid: { p50_ms: number; p99_ms: number };
  assemble_context_4000: { p50_ms: number; p99_ms: number };
  disk_mib: number;
}

async function benchBackend(backend: "sqlite-vec" | "lancedb", upTo: number) {
  const dir = mkdtempSync(join(tmpdir(), `aios-bench-memory-${backend}-`));
  const stoppers: (() => void | Promise<void>)[] = [];
  try {
    const log = devNullLogger("aios-memory");
    const config = parseConfig({ memory: { vector_backend: backend, embedder: "hashing" } }, "bench");
    const services = await memoryComponent.services({ config, root: dir, log, onStop: (fn) => stoppers.push(fn) });
    const socket = join(dir, "memory.sock");
    const server = await serve({ socketPath: socket, component: "aios-memory", log, services });
    const memory = connect(MemoryServiceDefinition, socket, { defaultTimeoutMs: 600_000 });

    process.stderr.write(`${backend}: Remember ×${REMEMBERED} …\n`);
    let started = performance.now();
    for (let i = 0; i < REMEMBERED; i++) {
      const m = memoryAt(i);
      await memory.remember({ kind: m.kind, title: m.title, content: m.content, tags: [], goalId: "", taskId: "", vector: [], procedure: m.procedure });
    }
    const rememberPerSecond = Math.round(REMEMBERED / ((performance.now() - started) / 1000));

    const q = seededRandom(7);
    const queries = Array.from({ length: QUERIES }, () => phrase(q, 3));
    const timeSearches = async (size: number, databaseBytes: bigint | number): Promise<Timings> => {
      process.stderr.write(`${backend}: searching at ${size} …\n`);
      const times = size >= 1_000_000 ? QUERIES_AT_1M : QUERIES;
      const search = (mode: SearchMode) => (i: number) => memory.search({ query: queries[i]!, kinds: [], tags: [], limit: 10, mode, vector: [] });
      await timed(Math.min(20, times), search(SearchMode.SEARCH_MODE_HYBRID)); // warm caches
      return {
        keyword: await timed(times, search(SearchMode.SEARCH_MODE_KEYWORD)),
        vector: await timed(times, search(SearchMode.SEARCH_MODE_VECTOR)),
        hybrid: await timed(times, search(SearchMode.SEARCH_MODE_HYBRID)),
        assemble_context_4000: await timed(Math.min(CONTEXTS, times), (i) => memory.assembleContext({ query: queries[i]!, tokenBudget: BUDGET, kinds: [], model: "" })),
        disk_mib: round(Number(databaseBytes) / 1048576, 1),
      };
    };

    let stored = REMEMBERED;
    let importPerSecond = 0;
    const curve: Record<string, Timings> = {};
    for (const size of CURVE.filter((n) => n <= upTo)) {
      process.stderr.write(`${backend}: Import up to ${size} …\n`);
      started = performance.now();
      for (let from = stored; from < size; from += IMPORT_STREAM) {
        await memory.import(
          (async function* () {
            for (let i = from; i < Math.min(size, from + IMPORT_STREAM); i++) yield { jsonLine: importLine(i) };
          })(),
        );
      }
      // Imported lines carry no vector: they are embedded in the background; wait for that.
      let stats = await memory.stats({});
      while (stats.reembedPending > 0) {
        await Bun.sleep(200);
        stats = await memory.stats({});
      }
      if (size === TOTAL) importPerSecond = Math.round((size - stored) / ((performance.now() - started) / 1000));
      const count = stats.counts.reduce((sum, c) => sum + c.count, 0);
      if (count !== size) throw new Error(`${backend}: ${count} memories stored, not ${size}`);
      stored = size;
      curve[String(size)] = await timeSearches(size, stats.databaseBytes);
    }
    memory.close();
    await server.close(1000);
    for (const stop of stoppers.reverse()) await stop();
    return {
      remember_per_s: rememberPerSecond,
      import_and_embed_per_s: importPerSecond,
      ...curve[String(TOTAL)]!,
      curve,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const sqliteVec = await benchBackend("sqlite-vec", CURVE.at(-1)!);
const lancedb = await benchBackend("lancedb", TOTAL);
const result = { bench: "memory", memories: TOTAL, dimensions: 256, embedder: "hashing-v1:256", "sqlite-vec": sqliteVec, lancedb };
console.log(JSON.stringify(result));
const row = (label: string, a: string | number, b: string | number) => `  ${label.padEnd(44)}${String(a).padStart(18)}${String(b).padStart(18)}`;
const ms = (p: { p50_ms: number; p99_ms: number }) => `${p.p50_ms} / ${p.p99_ms}`;
console.log(`
aios-memory, ${TOTAL} memories (hashing embedder, 256 dims)         sqlite-vec           lancedb
${row("Remember, durable, one at a time (/s)", sqliteVec.remember_per_s, lancedb.remember_per_s)}
${row("Import + background embedding (/s)", sqliteVec.import_and_embed_per_s, lancedb.import_and_embed_per_s)}
${row("Search keyword p50 / p99 (ms)", ms(sqliteVec.keyword), ms(lancedb.keyword))}
${row("Search vector p50 / p99 (ms)", ms(sqliteVec.vector), ms(lancedb.vector))}
${row("Search hybrid p50 / p99 (ms)", ms(sqliteVec.hybrid), ms(lancedb.hybrid))}
${row(`AssembleContext ${BUDGET} tokens p50 / p99 (ms)`, ms(sqliteVec.assemble_context_4000), ms(lancedb.assemble_context_4000))}
${row("size on disk (MiB)", sqliteVec.disk_mib, lancedb.disk_mib)}

sqlite-vec by size, p50 ms (issue 19's targets at 100,000: keyword 5, hybrid 10, AssembleContext 20)
  ${"memories".padEnd(14)}${["keyword", "vector", "hybrid", "context", "disk MiB"].map((h) => h.padStart(12)).join("")}
${Object.entries(sqliteVec.curve)
  .map(([size, t]) => `  ${size.padEnd(14)}${[t.keyword.p50_ms, t.vector.p50_ms, t.hybrid.p50_ms, t.assemble_context_4000.p50_ms, t.disk_mib].map((v) => String(v).padStart(12)).join("")}`)
  .join("\n")}
`);
