import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AiosError } from "../rpc/index.ts";
import { Backups } from "./backups.ts";

const dir = mkdtempSync(join(tmpdir(), "aios-backups-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("only the newest backups are kept, and a pruned one says it is gone", () => {
  const backups = new Backups(join(dir, "backups"), 3);
  const source = join(dir, "file");
  const ids: string[] = [];
  for (let i = 0; i < 8; i++) {
    writeFileSync(source, `version ${i}`);
    ids.push(backups.save("fs.write", { kind: "file", data: { path: "/x", i }, files: { content: source } }, { path: "/x" }));
  }
  expect(readdirSync(join(dir, "backups")).sort()).toEqual(ids.slice(-3).sort());
  const newest = backups.load(ids.at(-1)!);
  expect(newest.backup.data).toEqual({ path: "/x", i: 7 });
  expect(newest.input).toEqual({ path: "/x" });
  let gone: unknown;
  try {
    backups.load(ids[0]!);
  } catch (error) {
    gone = error;
  }
  expect(gone).toBeInstanceOf(AiosError);
  expect((gone as AiosError).message).toContain("only the newest 3 are kept");
});
