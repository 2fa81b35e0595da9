/**
 * The initramfs is reproducible: two builds from the same inputs are byte-identical. Runs the
 * real rootfs/build.ts twice (debs come from the cache after the first build; lz4 -3 keeps it
 * quick; the level does not change what is reproducible).
 */
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const REPO = resolve(import.meta.dir, "..");
const dir = mkdtempSync(join(tmpdir(), "aios-initrd-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function build(out: string): void {
  const result = Bun.spawnSync([process.execPath, "rootfs/build.ts", "initrd", "--out", out, "--level", "3"], { cwd: REPO, stdout: "pipe", stderr: "pipe" });
  if (result.exitCode !== 0) throw new Error(`rootfs/build.ts failed:\n${result.stderr.toString()}`);
}

test("two builds of the initramfs from the same inputs are byte-identical", () => {
  build(join(dir, "one.img"));
  build(join(dir, "two.img"));
  const one = readFileSync(join(dir, "one.img"));
  const two = readFileSync(join(dir, "two.img"));
  expect(one.length).toBeGreaterThan(10 * 1024 * 1024);
  const sha = (b: Buffer) => new Bun.CryptoHasher("sha256").update(b).digest("hex");
  expect(sha(two)).toBe(sha(one));
  // The archive is lz4 in the legacy frame the kernel reads (magic 0x184c2102, little-endian).
  expect(one.subarray(0, 4).toString("hex")).toBe("02214c18");
});
