/**
 * The boot files are reproducible: two builds from the same inputs give byte-identical stage-0
 * initramfs and root image. Runs the real rootfs/build.ts twice (debs come from the cache after
 * the first build; low compression levels keep it quick; the compressor does not change what is reproducible).
 */
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const REPO = resolve(import.meta.dir, "..");
const dir = mkdtempSync(join(tmpdir(), "aios-initrd-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function build(outDir: string): void {
  const result = Bun.spawnSync([process.execPath, "rootfs/build.ts", "initrd", "--out-dir", outDir, "--level", "3", "--compression", "lz4"], {
    cwd: REPO,
    stdout: "pipe",
    stderr: "pipe",
    env: { ...process.env, PATH: `${process.env.PATH}:/usr/sbin:/sbin` },
  });
  if (result.exitCode !== 0) throw new Error(`rootfs/build.ts failed:\n${result.stderr.toString()}`);
}

test("two builds of the stage-0 initramfs and the root image from the same inputs are byte-identical", () => {
  build(join(dir, "one"));
  build(join(dir, "two"));
  const sha = (b: Buffer) => new Bun.CryptoHasher("sha256").update(b).digest("hex");
  for (const file of ["initrd.img", "root.img"]) {
    const one = readFileSync(join(dir, "one", file));
    const two = readFileSync(join(dir, "two", file));
    expect([file, sha(two)]).toEqual([file, sha(one)]);
  }
  // The initramfs is a zstd frame (magic 0xfd2fb528, little-endian), which the kernel unpacks,
  // and small: stage 0 only. The root image is squashfs ("hsqs") and holds the rest.
  const initrd = readFileSync(join(dir, "one", "initrd.img"));
  expect(initrd.subarray(0, 4).toString("hex")).toBe("28b52ffd");
  expect(initrd.length).toBeLessThan(16 * 1024 * 1024);
  const root = readFileSync(join(dir, "one", "root.img"));
  expect(root.subarray(0, 4).toString("latin1")).toBe("hsqs");
  expect(root.length).toBeGreaterThan(40 * 1024 * 1024);
});
