/**
 * The audit ledger of a real aios-tools: a thousand mixed calls verify, and every kind of
 * tampering with a copy of its SQLite file (an edit, a delete, a reorder, a cut tail, a forged
 * entry, a forged or torn head record, a rewrite with or without the key) is caught at its row.
 */
import { Database } from "bun:sqlite";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHash, createHmac } from "node:crypto";
import { copyFileSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { AuditLedger, type ExternalAnchor } from "./audit.ts";
import { canonicalJson } from "./canonical.ts";
import { startToolsServer, type ToolsServer } from "../../test/support/tools-server.ts";

let server: ToolsServer;
let dir: string;
let root: string;
let tools: ToolsServer["tools"];
beforeAll(async () => {
  server = await startToolsServer();
  ({ dir, root, tools } = server);
});
afterAll(() => server.close());
const tokenFor = (...args: Parameters<ToolsServer["tokenFor"]>) => server.tokenFor(...args);
const call = (...args: Parameters<ToolsServer["call"]>) => server.call(...args);

describe("the audit ledger", () => {
  test("1000 mixed calls verify; editing, deleting or reordering any row is caught at that row", async () => {
    const token = await tokenFor("storage");
    const before = (await tools.verifyAudit({})).entriesChecked;
    for (let i = 0; i < 1000; i++) {
      const kind = i % 4;
      if (kind === 0) await call(token, "fs.write", { path: `/data/many-${i % 10}.txt`, content: `${i}` });
      else if (kind === 1) await call(token, "fs.read", { path: `/data/many-${i % 10}.txt` }).catch(() => undefined);
      else if (kind === 2) await call(token, "fs.read", { path: "/etc/secret" }).catch(() => undefined);
      else await call(token, "fs.stat", { path: "/data/nope" });
    }
    const verified = await tools.verifyAudit({});
    expect(verified).toMatchObject({ ok: true, firstBrokenSeq: 0 });
    // 1000 entries, and 250 more: each write's "#started" entry before it.
    expect(verified.entriesChecked).toBe(before + 1250);

    // Copies of the ledger, each with its own copy of the head record, checked with the key.
    const toolsDir = join(root, "var/lib/aios/tools");
    const { key, since } = JSON.parse(readFileSync(join(toolsDir, "audit.key"), "utf8")) as { key: string; since: number };
    const copy = (name: string) => {
      const path = join(dir, `${name}.db`);
      const source = new Database(join(toolsDir, "tools.db"));
      source.exec(`VACUUM INTO '${path}'`);
      source.close();
      copyFileSync(join(toolsDir, "audit.head"), `${path}.head`);
      return new Database(path);
    };
    const verifyCopy = (db: Database, anchors: ExternalAnchor[] = []) => new AuditLedger(db, { key: Buffer.from(key, "base64"), since, headPath: `${db.filename}.head` }).verify(anchors);
    const end = verified.entriesChecked;
    // What someone without the key would write: the chain recomputed with plain SHA-256.
    const rechain = (db: Database, from: number) => {
      let prev = db.query<{ hash: string }, [number]>("SELECT hash FROM audit WHERE seq = ?").get(from - 1)?.hash ?? "0".repeat(64);
      for (const row of db.query<Record<string, unknown>, [number]>("SELECT * FROM audit WHERE seq >= ? ORDER BY seq").all(from)) {
        const { hash: _old, ...rest } = row;
        const hash = createHash("sha256")
          .update(prev + canonicalJson({ ...rest, prev_hash: prev }))
          .digest("hex");
        db.query("UPDATE audit SET prev_hash = ?, hash = ? WHERE seq = ?").run(prev, hash, row.seq as number);
        prev = hash;
      }
    };
    // What someone holding the key would write: the chain and the head record recomputed with it.
    const keyed = Buffer.from(key, "base64");
    const rechainWithKey = (db: Database, from: number) => {
      let prev = db.query<{ hash: string }, [number]>("SELECT hash FROM audit WHERE seq = ?").get(from - 1)?.hash ?? "0".repeat(64);
      for (const row of db.query<Record<string, unknown>, [number]>("SELECT * FROM audit WHERE seq >= ? ORDER BY seq").all(from)) {
        const { hash: _old, ...rest } = row;
        const hash = createHmac("sha256", keyed)
          .update(prev + canonicalJson({ ...rest, prev_hash: prev }))
          .digest("hex");
        db.query("UPDATE audit SET prev_hash = ?, hash = ? WHERE seq = ?").run(prev, hash, row.seq as number);
        prev = hash;
      }
      const last = db.query<{ seq: number; hash: string }, []>("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1").get()!;
      const slot = JSON.stringify({ seq: last.seq, hash: last.hash, mac: createHmac("sha256", keyed).update(`${last.seq}:${last.hash}`).digest("hex") }).padEnd(256);
      writeFileSync(`${db.filename}.head`, slot + slot);
    };
    const original = new Database(join(toolsDir, "tools.db"), { readonly: true });
    const endHash = original.query<{ hash: string }, [number]>("SELECT hash FROM audit WHERE seq = ?").get(end)!.hash;
    original.close();
    // The head as aios-memory anchored it (and a person or the console noted it).
    const anchored = [{ seq: end, hash: endHash, source: "aios-memory" }];
    const cases: Array<[string, (db: Database) => void, number, string, string]> = [
      ["a field edited", (db) => db.exec("UPDATE audit SET agent = 'someone-else' WHERE seq = 500"), 500, "edited", "it was edited"],
      ["an entry deleted", (db) => db.exec("DELETE FROM audit WHERE seq = 321"), 321, "removed", "an entry is missing"],
      [
        "two entries swapped",
        (db) => db.exec("UPDATE audit SET seq = -1 WHERE seq = 700; UPDATE audit SET seq = 700 WHERE seq = 701; UPDATE audit SET seq = 701 WHERE seq = -1;"),
        700,
        "reordered",
        "reordered",
      ],
      [
        "the last entry edited",
        (db) => db.exec("UPDATE audit SET result = CASE result WHEN 'ok' THEN 'failed' ELSE 'ok' END WHERE seq = (SELECT MAX(seq) FROM audit)"),
        end,
        "edited",
        "it was edited",
      ],
      ["the last entry removed", (db) => db.exec(`DELETE FROM audit WHERE seq = ${end}`), end, "truncated", "removed from the end"],
      ["the last five removed", (db) => db.exec(`DELETE FROM audit WHERE seq > ${end - 5}`), end - 4, "truncated", "removed from the end"],
      ["every entry removed", (db) => db.exec("DELETE FROM audit"), 1, "truncated", "removed from the end"],
      ["an edit with the chain recomputed", (db) => (db.exec("UPDATE audit SET agent = 'someone-else' WHERE seq = 600"), rechain(db, 600)), 600, "edited", "keyed hash"],
      [
        "a delete with the rest renumbered and rechained",
        (db) => (db.exec(`DELETE FROM audit WHERE seq = 800; UPDATE audit SET seq = seq - 1 WHERE seq > 800`), rechain(db, 800)),
        800,
        "edited",
        "keyed hash",
      ],
      [
        "a forged entry appended",
        (db) => (
          db.exec(
            `INSERT INTO audit SELECT seq + 1, execution_id || '-forged', time, agent, goal_id, task_id, tool, reason, input_hash, output_hash, result, error, duration_ms, backup_id, approval_id, hash, hash FROM audit WHERE seq = ${end}`,
          ),
          rechain(db, end + 1)
        ),
        end + 1,
        "forged",
        "added without the key",
      ],
      ["the head record deleted", (db) => rmSync(`${db.filename}.head`), end + 1, "head_missing", "head record"],
      [
        "the head record forged to match a cut",
        (db) => (
          db.exec(`DELETE FROM audit WHERE seq = ${end}`),
          writeFileSync(`${db.filename}.head`, [end - 1, end - 2].map((seq) => JSON.stringify({ seq, hash: "0".repeat(64), mac: "0".repeat(64) }).padEnd(256)).join(""))
        ),
        end - 1,
        "head_forged",
        "forged",
      ],
      ["the last entry replaced by a rechained one", (db) => (db.exec(`UPDATE audit SET tool = 'fs.read' WHERE seq = ${end}`), rechain(db, end)), end, "edited", "keyed hash"],
      // With the key, the ledger and its head record agree again: only a head kept elsewhere sees it.
      [
        "with the key: the tail cut, the head record rewritten",
        (db) => (db.exec(`DELETE FROM audit WHERE seq > ${end - 3}`), rechainWithKey(db, end - 2)),
        end - 2,
        "truncated",
        "aios-memory kept entry",
      ],
      [
        "with the key: an entry edited, everything after it rehashed",
        (db) => (db.exec("UPDATE audit SET agent = 'someone-else' WHERE seq = 900"), rechainWithKey(db, 900)),
        end,
        "rewritten",
        "not the one aios-memory kept",
      ],
    ];
    for (const [name, tamper, seq, kind, says] of cases) {
      const db = copy(name.replaceAll(" ", "-").replaceAll(":", "").replaceAll(",", ""));
      tamper(db);
      const result = verifyCopy(db, anchored);
      expect([name, result.ok, result.firstBrokenSeq, result.tampering]).toEqual([name, false, seq, kind]);
      expect([name, result.reason]).toEqual([name, expect.stringContaining(says)]);
      db.close();
    }
    // Without the anchor, the keyed rewrite passes: that is what the anchor is for.
    const unanchored = copy("keyed-rewrite-unanchored");
    unanchored.exec("UPDATE audit SET agent = 'someone-else' WHERE seq = 900");
    rechainWithKey(unanchored, 900);
    expect(verifyCopy(unanchored).ok).toBe(true);
    // Untouched, a copy verifies: the cases above are the tampering, not the copying.
    expect(verifyCopy(copy("untouched"), anchored).ok).toBe(true);
    // A crash that tears the slot being written leaves the other slot's (older) head: still sound.
    const torn = copy("torn");
    const headFile = `${torn.filename}.head`;
    const bytes = readFileSync(headFile);
    bytes.fill(0x7a, (end % 2) * 256 + 10, (end % 2) * 256 + 60);
    writeFileSync(headFile, bytes);
    expect(verifyCopy(torn).ok).toBe(true);
    // The recomputed chains are sound SHA-256 chains: without the key (as before) they pass.
    const rewritten = copy("rewritten");
    rewritten.exec("UPDATE audit SET agent = 'someone-else' WHERE seq = 10");
    rechain(rewritten, 1);
    expect(new AuditLedger(rewritten).verify().ok).toBe(true);
    expect(verifyCopy(rewritten).ok).toBe(false);
  });
});
