/**
 * aios-memory's promises about its files: kill -9 during a burst of writes loses nothing that
 * was acknowledged (memory, words and vector, on both vector backends), and a database damaged
 * on disk is detected at start, moved aside, and reported as an error event while the service
 * starts empty instead of crashing in a loop.
 */
import { Database } from "bun:sqlite";
import { afterAll, describe, expect, test } from "bun:test";
import { closeSync, existsSync, openSync, readdirSync, statSync, truncateSync, writeSync } from "node:fs";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Severity } from "../lib/rpc/gen/aios/v1/common.ts";
import { installBinary } from "./support/binary.ts";
import { MemoryKind, type MemoryProcess, remember, SearchMode, searchRequest, startMemory, writeMemoryConfig } from "./support/memory.ts";

const dir = mkdtempSync(join(tmpdir(), "aios-memory-durability-"));
const bin = installBinary(dir);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function exportedIds(memory: MemoryProcess): Promise<Set<string>> {
  const ids = new Set<string>();
  for await (const line of memory.client.export({ kinds: [] })) ids.add((JSON.parse(line.jsonLine) as { id: string }).id);
  return ids;
}

describe.each(["sqlite-vec", "lancedb"] as const)("with %s", (backend) => {
  test("kill -9 during a burst of writes loses nothing acknowledged", async () => {
    const root = join(dir, `burst-${backend}`);
    writeMemoryConfig(root, { vector_backend: backend, embedder: "hashing" });
    let memory = await startMemory(bin, root);
    const acknowledged: { id: string; content: string }[] = [];
    let stop = false;
    const worker = async (n: number) => {
      for (let i = 0; !stop; i++) {
        const content = `burst note worker${n} item${i} ${crypto.randomUUID()}`;
        try {
          const response = await memory.client.remember(remember({ kind: i % 5 ? MemoryKind.MEMORY_KIND_KNOWLEDGE : MemoryKind.MEMORY_KIND_OUTCOME, title: `w${n}-${i}`, content }), {
            failFast: true,
            timeoutMs: 10_000,
          });
          acknowledged.push({ id: response.memory!.id, content });
        } catch {
          return; // the server is gone
        }
      }
    };
    const workers = [1, 2, 3, 4].map(worker);
    while (acknowledged.length < 400) await Bun.sleep(5);
    memory.running.process.kill("SIGKILL");
    stop = true;
    await Promise.all(workers);
    await memory.running.process.exited;
    memory.client.close();

    memory = await startMemory(bin, root);
    try {
      const stored = await exportedIds(memory);
      expect(acknowledged.filter((entry) => !stored.has(entry.id))).toEqual([]);
      // Every long-term one kept its vector: nothing waits to be embedded, and it is its own
      // nearest neighbour.
      expect((await memory.client.stats({})).reembedPending).toBe(0);
      for (const entry of acknowledged.slice(-20)) {
        const hits = await memory.client.search(searchRequest({ query: entry.content, mode: SearchMode.SEARCH_MODE_VECTOR, limit: 1, kinds: [MemoryKind.MEMORY_KIND_KNOWLEDGE] }));
        const keyword = await memory.client.search(searchRequest({ query: entry.content, mode: SearchMode.SEARCH_MODE_KEYWORD, limit: 1 }));
        expect(keyword.hits[0]!.memory!.id).toBe(entry.id);
        if (keyword.hits[0]!.memory!.kind === MemoryKind.MEMORY_KIND_KNOWLEDGE) expect(hits.hits[0]!.memory!.id).toBe(entry.id);
      }
    } finally {
      expect(await memory.stop()).toBe(0);
    }
  });
});

async function corruptEvents(memory: MemoryProcess) {
  const events = await memory.client.search(searchRequest({ query: "memory database damaged", kinds: [MemoryKind.MEMORY_KIND_EVENT], tags: ["memory.corrupt"] }));
  return events.hits.map((hit) => hit.memory!);
}

describe("a damaged database", () => {
  const damages: [string, (path: string) => void][] = [
    [
      "garbage over its header",
      (path) => {
        const fd = openSync(path, "r+");
        writeSync(fd, Buffer.alloc(4096, 0x5a), 0, 4096, 0);
        closeSync(fd);
      },
    ],
    ["cut to half its length", (path) => truncateSync(path, Math.floor(statSync(path).size / 2 / 4096) * 4096)],
  ];

  test("a database another connection has locked is waited for, never taken for a damaged one", async () => {
    const root = join(dir, "locked");
    writeMemoryConfig(root, { embedder: "hashing" });
    let memory = await startMemory(bin, root);
    for (let i = 0; i < 200; i++) await memory.client.remember(remember({ kind: MemoryKind.MEMORY_KIND_KNOWLEDGE, title: `kept ${i}`, content: `kept fact ${i}` }));
    expect(await memory.stop()).toBe(0);
    const holder = new Database(join(root, "var/lib/aios/memory/memory.db"));
    holder.exec("BEGIN EXCLUSIVE");
    const starting = startMemory(bin, root);
    await Bun.sleep(1500);
    holder.exec("COMMIT");
    holder.close();
    memory = await starting;
    try {
      expect(readdirSync(join(root, "var/lib/aios/memory")).filter((file) => file.includes("corrupt"))).toEqual([]);
      expect(await corruptEvents(memory)).toHaveLength(0);
      const stats = await memory.client.stats({});
      expect(stats.counts.find((c) => c.kind === MemoryKind.MEMORY_KIND_KNOWLEDGE)?.count).toBe(200);
    } finally {
      expect(await memory.stop()).toBe(0);
    }
  });

  test.each(damages)("%s is moved aside, reported, and the service starts empty", async (name, damage) => {
    const root = join(dir, `damage-${name.replaceAll(" ", "-")}`);
    writeMemoryConfig(root, { embedder: "hashing" });
    let memory = await startMemory(bin, root);
    const lines = Array.from({ length: 3000 }, (_, i) =>
      remember({ kind: MemoryKind.MEMORY_KIND_KNOWLEDGE, title: `fact ${i}`, content: `fact number ${i} about this machine ${"padding ".repeat(20)}` }),
    );
    for (const request of lines) await memory.client.remember(request);
    expect(await memory.stop()).toBe(0);

    const database = join(root, "var/lib/aios/memory/memory.db");
    expect(existsSync(`${database}-wal`)).toBe(false);
    damage(database);

    memory = await startMemory(bin, root);
    try {
      const moved = readdirSync(join(root, "var/lib/aios/memory")).filter((file) => file.startsWith("memory.db.corrupt-"));
      expect(moved.length).toBeGreaterThan(0);
      const reported = await corruptEvents(memory);
      expect(reported).toHaveLength(1);
      expect(reported[0]!.content).toContain("was damaged");
      expect(reported[0]!.content).toContain("memory.db.corrupt-");
      const recent = await memory.client.recentEvents({ minSeverity: Severity.SEVERITY_ERROR, source: "aios-memory", types: ["memory.corrupt"], limit: 0 });
      expect(recent.events).toHaveLength(1);
      // It works: new memories are kept and found.
      await memory.client.remember(remember({ kind: MemoryKind.MEMORY_KIND_KNOWLEDGE, title: "after", content: "written after the damage" }));
      expect((await memory.client.search(searchRequest({ query: "after the damage" }))).hits[0]!.memory!.title).toBe("after");
    } finally {
      expect(await memory.stop()).toBe(0);
    }
    // The new database is sound: a second start reports nothing new.
    memory = await startMemory(bin, root);
    try {
      expect(await corruptEvents(memory)).toHaveLength(1);
      expect((await memory.client.search(searchRequest({ query: "after the damage", kinds: [MemoryKind.MEMORY_KIND_KNOWLEDGE] }))).hits.map((hit) => hit.memory!.title)).toEqual(["after"]);
    } finally {
      expect(await memory.stop()).toBe(0);
    }
  });
});
