/**
 * Every store's database is versioned: opened on an empty file it reaches its latest schema;
 * a file written before versions existed (user_version 0, the same tables) is opened with its
 * data kept and given a version; opened again nothing changes; a file from a newer AIOS is
 * refused with a sentence, not written into.
 */
import { Database } from "bun:sqlite";
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SessionStore } from "../lib/console/sessions.ts";
import { UsageLedger } from "../lib/gateway/usage.ts";
import { openMemoryDatabase } from "../lib/memory/db.ts";
import { SqliteVecIndex } from "../lib/memory/vector/sqlite-vec.ts";
import { OrchestratorStore } from "../lib/orchestrator/store.ts";
import { schemaVersion } from "../lib/sys/index.ts";
import { openToolsDatabase } from "../lib/tools/db.ts";

const dir = mkdtempSync(join(tmpdir(), "aios-migrations-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Each store: how to open it (and close it), and a table with a row to find again. */
const STORES = [
  {
    name: "orchestrator.db",
    open: (p: string) => {
      const s = new OrchestratorStore(p);
      return () => s.close();
    },
    table: "settings",
    row: "INSERT INTO settings (key, value) VALUES ('autonomy', '3')",
  },
  {
    name: "memory.db",
    open: (p: string) => {
      const { db } = openMemoryDatabase(p);
      return () => db.close();
    },
    table: "meta",
    row: "INSERT INTO meta (key, value) VALUES ('kept', 'yes')",
  },
  {
    name: "tools.db",
    open: (p: string) => {
      const db = openToolsDatabase(p);
      return () => db.close();
    },
    table: "grants",
    row: null,
  },
  {
    name: "usage.db",
    open: (p: string) => {
      const u = new UsageLedger(p);
      return () => u.close();
    },
    table: "calls",
    row: null,
  },
  {
    name: "console.db",
    open: (p: string) => {
      const s = new SessionStore(p, 60_000, 600_000);
      return () => s.close();
    },
    table: "sessions",
    row: "INSERT INTO sessions (id_hash, created_ms, last_seen_ms, client) VALUES ('h', 1, 1, 'test')",
  },
];

const version = (path: string) => {
  const db = new Database(path, { readonly: true });
  try {
    return schemaVersion(db);
  } finally {
    db.close();
  }
};

describe("versioned databases", () => {
  for (const store of STORES) {
    test(`${store.name}: empty → latest; again → unchanged; data from before versions kept; newer refused`, () => {
      const fresh = join(dir, `fresh-${store.name}`);
      store.open(fresh)();
      const latest = version(fresh);
      expect(latest).toBeGreaterThanOrEqual(1);
      store.open(fresh)();
      expect(version(fresh)).toBe(latest);

      if (store.row) {
        // A file as the previous AIOS left it: the tables, a row, no version.
        const old = join(dir, `old-${store.name}`);
        store.open(old)();
        const db = new Database(old);
        db.exec(store.row);
        db.exec("PRAGMA user_version = 0");
        db.close();
        store.open(old)();
        const reopened = new Database(old, { readonly: true });
        expect([schemaVersion(reopened), reopened.query(`SELECT COUNT(*) AS n FROM ${store.table}`).get()]).toEqual([latest, { n: 1 }]);
        reopened.close();
      }

      const newer = join(dir, `newer-${store.name}`);
      store.open(newer)();
      const db = new Database(newer);
      db.exec(`PRAGMA user_version = ${latest + 1}`);
      db.close();
      expect(() => store.open(newer)()).toThrow(`has schema version ${latest + 1}, newer than this AIOS knows (${latest})`);
    });
  }
});

describe("memory.db's vectors", () => {
  test("a cosine table from an earlier AIOS keeps answering as before; its next reset makes it unit length", async () => {
    const path = join(dir, "vectors-memory.db");
    const { db } = openMemoryDatabase(path);
    // As an earlier AIOS wrote it: cosine, the vectors at the length they were given.
    new SqliteVecIndex(db);
    db.exec("CREATE VIRTUAL TABLE vec_memories USING vec0(kind text, created_at integer, embedding float[3] distance_metric=cosine)");
    db.exec("INSERT INTO meta(key, value) VALUES ('vector_dimensions', '3')");
    const insert = db.query("INSERT INTO vec_memories(rowid, kind, created_at, embedding) VALUES (?, 'knowledge', ?, ?)");
    const given: [number, number[]][] = [
      [1, [10, 0, 0]],
      [2, [3, 4, 0]],
      [3, [0, 0, 0.5]],
      [4, [-2, 1, 0]],
    ];
    for (const [rowid, vector] of given) insert.run(rowid, rowid, new Uint8Array(new Float32Array(vector).buffer));
    const query = new Float32Array([1, 1, 0]);
    const before = db
      .query<{ rowid: number; distance: number }, [Uint8Array]>("SELECT rowid, distance FROM vec_memories WHERE embedding MATCH ? AND k = 4 ORDER BY distance")
      .all(new Uint8Array(query.buffer));

    // Opened by this AIOS: not rewritten at start (it could take longer than readiness allows).
    const old = new SqliteVecIndex(db);
    const hits = await old.search(query, 4, {});
    expect(hits.map((hit) => hit.rowid)).toEqual(before.map((hit) => hit.rowid));
    hits.forEach((hit, i) => expect(hit.distance).toBeCloseTo(before[i]!.distance, 5));
    old.stage([{ rowid: 5, kind: "knowledge", createdAt: 5, vector: new Float32Array([0, 2, 0]) }]);
    expect([...(await old.get([5])).get(5)!]).toEqual([0, 2, 0]);
    expect(db.query<{ value: string }, []>("SELECT value FROM meta WHERE key = 'vector_metric'").get()).toBeNull();

    // A reset (a new embedder) makes the table unit length under L2: the same order and the
    // same cosine distances as cosine itself.
    await old.reset(3);
    old.stage(given.map(([rowid, vector]) => ({ rowid, kind: "knowledge" as const, createdAt: rowid, vector: new Float32Array(vector) })));
    const after = await old.search(query, 4, {});
    expect(after.map((hit) => hit.rowid)).toEqual(before.map((hit) => hit.rowid));
    after.forEach((hit, i) => expect(hit.distance).toBeCloseTo(before[i]!.distance, 5));
    expect([...(await old.get([2])).get(2)!].map((x) => Math.round(x * 100) / 100)).toEqual([0.6, 0.8, 0]);
    expect(db.query<{ value: string }, []>("SELECT value FROM meta WHERE key = 'vector_metric'").get()?.value).toBe("unit-l2");

    // A vector with no length has no direction: it is stored as no vector, and a query without one finds nothing.
    old.stage([{ rowid: 6, kind: "knowledge", createdAt: 6, vector: new Float32Array(3) }]);
    expect(await old.count()).toBe(4);
    expect(await old.search(new Float32Array(3), 4, {})).toEqual([]);
    db.close();
  });
});
