import { describe, expect, test } from "bun:test";
import { generateKeyPairSync } from "node:crypto";
import { checkChain } from "./audit-replica.ts";
import { parseSelector, selects } from "./selector.ts";
import { publicKeyText, signBytes, signedBy } from "./signing.ts";
import type { ReplicatedEntry } from "./wire.ts";

const entry = (seq: number, prev: string, hash: string): ReplicatedEntry => ({
  seq,
  execution_id: `exe_${seq}`,
  time: "",
  agent: "a",
  goal_id: "",
  tool: "fs.read",
  result: "ok",
  error: "",
  prev_hash: prev,
  hash,
});
const chain = (n: number) => Array.from({ length: n }, (_, i) => entry(i + 1, i === 0 ? "genesis" : `h${i}`, `h${i + 1}`));

describe("label selectors", () => {
  test("every term must hold; != excludes; a typo is an error naming the term", () => {
    const web = { role: "web", site: "lab" };
    expect(selects(parseSelector("role=web"), web)).toBe(true);
    expect(selects(parseSelector("role=web, site=lab"), web)).toBe(true);
    expect(selects(parseSelector("role=web,site=dc"), web)).toBe(false);
    expect(selects(parseSelector("role!=db"), web)).toBe(true);
    expect(selects(parseSelector("zone=a"), web)).toBe(false);
    expect(() => parseSelector("role")).toThrow('"role" is not a label term');
    expect(() => parseSelector(" , ")).toThrow("at least one term");
  });
});

describe("a replicated audit chain", () => {
  test("whole and linked; a sent-twice entry is no break", () => {
    const entries = chain(4);
    expect(checkChain(entries)).toEqual({ ok: true, firstBrokenSeq: 0, reason: "" });
    expect(checkChain([...entries.slice(0, 2), entries[1]!, ...entries.slice(2)]).ok).toBe(true);
  });
  test("a missing entry, a changed one, one rewritten with another hash: the first broken seq, in words", () => {
    const entries = chain(5);
    expect(checkChain([entries[0]!, entries[1]!, entries[3]!, entries[4]!])).toMatchObject({ ok: false, firstBrokenSeq: 4, reason: "entries 3 to 3 are missing" });
    expect(checkChain([entries[0]!, entry(2, "forged", "h2"), ...entries.slice(2)])).toMatchObject({ ok: false, firstBrokenSeq: 2 });
    expect(checkChain([...entries, entry(5, "h4", "other")])).toMatchObject({ ok: false, firstBrokenSeq: 5, reason: expect.stringContaining("rewritten") });
    expect(checkChain(entries.slice(1))).toMatchObject({ ok: false, firstBrokenSeq: 2 });
  });
});

describe("fleet goal signatures", () => {
  test("the trusted key that signed, or null for another key, changed bytes or a bad signature", () => {
    const mine = generateKeyPairSync("ed25519").privateKey;
    const other = generateKeyPairSync("ed25519").privateKey;
    const data = new TextEncoder().encode('{"text":"disk usage"}');
    const signature = signBytes(mine, data);
    expect(signedBy(data, signature, [publicKeyText(other), publicKeyText(mine)])).toBe(publicKeyText(mine));
    expect(signedBy(data, signature, [publicKeyText(other)])).toBeNull();
    expect(signedBy(new TextEncoder().encode('{"text":"rm -rf /"}'), signature, [publicKeyText(mine)])).toBeNull();
    expect(signedBy(data, "AAAA", [publicKeyText(mine)])).toBeNull();
  });
});
