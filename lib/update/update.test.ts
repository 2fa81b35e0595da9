/**
 * The pieces of an A/B update that need no disk: the partition table's checksums and layout,
 * GRUB's environment block, the BIOS boot sectors, signed bundles (a good one opened; a
 * stranger's signature, a changed file and a stray entry refused), the data disk's format, and
 * aios-init's trial: confirmed when ready, left (with the reason recorded) when a critical
 * service fails, and a rollback told at the next boot.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { generateKeyPairSync } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tar from "tar-stream";
import { checkDataFormat } from "../init/data-format.ts";
import { UpdateTrial } from "../init/update-trial.ts";
import { biosBootSectors } from "./bios.ts";
import { openBundle, writeBundle } from "./bundle.ts";
import { buildGpt, crc32, guidBytes, usableRange } from "./gpt.ts";
import { formatGrubEnv, parseGrubEnv, readGrubEnv, updateGrubEnv } from "./grubenv.ts";
import { diskLayout, MIN_DISK_BYTES } from "./layout.ts";
import { readUpdateState, writeUpdateState } from "./slots.ts";

const dir = mkdtempSync(join(tmpdir(), "aios-update-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("the disk's table", () => {
  test("CRC32 as UEFI computes it; GUIDs in GPT's mixed byte order", () => {
    expect(crc32(new TextEncoder().encode("123456789"))).toBe(0xcbf43926);
    expect(Buffer.from(guidBytes("C12A7328-F81F-11D2-BA4B-00A0C93EC93B")).toString("hex")).toBe("28732ac11ff8d211ba4b00a0c93ec93b");
  });

  test("a 2 GiB disk: six aligned partitions, headers that check, the backup at the end", () => {
    const sectors = (2048 * 1048576) / 512;
    const layout = diskLayout(sectors);
    expect(layout.partitions.map((p) => p.name)).toEqual(["bios-boot", "aios-esp", "aios-boot", "aios-root-a", "aios-root-b", "aios-data"]);
    for (const p of layout.partitions) expect(p.firstLba % 2048).toBe(0);
    expect(layout.data.lastLba).toBeLessThanOrEqual(usableRange(sectors).last);
    const gpt = buildGpt(sectors, layout.partitions);
    const head = Buffer.from(gpt.head);
    expect(head.readUInt16LE(510)).toBe(0xaa55);
    expect(head[446 + 4]).toBe(0xee);
    const primary = head.subarray(512, 1024);
    expect(primary.subarray(0, 8).toString("ascii")).toBe("EFI PART");
    const crc = primary.readUInt32LE(16);
    const zeroed = Buffer.from(primary.subarray(0, 92));
    zeroed.writeUInt32LE(0, 16);
    expect(crc32(zeroed)).toBe(crc);
    expect(crc32(head.subarray(1024, 1024 + 128 * 128))).toBe(primary.readUInt32LE(88));
    const backup = Buffer.from(gpt.tail).subarray(gpt.tail.length - 512);
    expect(Number(backup.readBigUInt64LE(24))).toBe(sectors - 1);
    expect(gpt.tailOffset + gpt.tail.length).toBe(sectors * 512);
    // The partition's name is its PARTNAME for the kernel (UTF-16LE).
    expect(head.subarray(1024 + 3 * 128 + 56, 1024 + 3 * 128 + 56 + 22).toString("utf16le")).toBe("aios-root-a");
    expect(() => diskLayout(MIN_DISK_BYTES / 512 - 2048)).toThrow("AIOS needs at least");
  });

  test("BIOS: boot.img told where core.img is; core.img's block list covers the rest of it", () => {
    const boot = Buffer.alloc(512, 0x11);
    const core = Buffer.alloc(512 * 40 + 100, 0x22);
    const mbr = Buffer.alloc(512);
    mbr.fill(0x33, 0x1b8, 0x1fe);
    mbr.writeUInt16LE(0xaa55, 510);
    const { mbr: sector, core: written } = biosBootSectors(boot, core, mbr, 2048);
    expect(Number(sector.readBigUInt64LE(0x5c))).toBe(2048);
    expect([sector[0x64], sector[0x66], sector[0x67]]).toEqual([0xff, 0x90, 0x90]);
    expect(sector.subarray(0x1b8, 0x1fe).every((b) => b === 0x33)).toBe(true);
    expect(written.length).toBe(512 * 41);
    expect(Number(written.readBigUInt64LE(500))).toBe(2049);
    expect([written.readUInt16LE(508), written.readUInt16LE(510)]).toEqual([40, 0x820]);
  });
});

describe("GRUB's environment block", () => {
  test("1024 bytes, changed in place, read back; values GRUB could not keep refused", () => {
    const file = join(dir, "grubenv");
    writeFileSync(file, formatGrubEnv(new Map([["slot", "a"]])));
    updateGrubEnv(file, { trial: "b" });
    expect(readFileSync(file).length).toBe(1024);
    expect([...readGrubEnv(file)]).toEqual([
      ["slot", "a"],
      ["trial", "b"],
    ]);
    updateGrubEnv(file, { slot: "b", trial: "" });
    expect(readGrubEnv(file).get("slot")).toBe("b");
    expect(() => formatGrubEnv(new Map([["bad key", "x"]]))).toThrow();
    expect(() => parseGrubEnv("slot=a")).toThrow("not a GRUB environment block");
  });
});

describe("update bundles", () => {
  const files = { vmlinuz: join(dir, "vmlinuz"), "initrd.img": join(dir, "initrd.img"), "root.img": join(dir, "root.img") };
  writeFileSync(files.vmlinuz, "kernel bytes");
  writeFileSync(files["initrd.img"], "initramfs bytes");
  writeFileSync(files["root.img"], Buffer.alloc(3 << 20, 7));
  const ours = generateKeyPairSync("ed25519");
  const stranger = generateKeyPairSync("ed25519");
  const publicPem = ours.publicKey.export({ type: "spki", format: "pem" }).toString();

  test("signed and opened: the manifest, and the files as they were", async () => {
    const bundle = join(dir, "good.tar");
    await writeBundle(bundle, files, { version: "AIOS 9.9.9 (commit abc)", commit: "abc" }, ours.privateKey);
    const out = join(dir, "out");
    const manifest = await openBundle(bundle, publicPem, out);
    expect(manifest.version).toBe("AIOS 9.9.9 (commit abc)");
    expect(readFileSync(join(out, "root.img")).equals(readFileSync(files["root.img"]))).toBe(true);
  });

  test("a stranger's signature, a changed file, a file the manifest does not name: refused, nothing left", async () => {
    const foreign = join(dir, "foreign.tar");
    await writeBundle(foreign, files, { version: "AIOS evil", commit: "x" }, stranger.privateKey);
    await expect(openBundle(foreign, publicPem, join(dir, "o1"))).rejects.toThrow("the bundle's signature is not good");
    expect(existsSync(join(dir, "o1"))).toBe(false);

    const good = join(dir, "good.tar");
    const bytes = readFileSync(good);
    // A byte of root.img changed after signing (its content starts after the manifest's entries).
    const at = bytes.indexOf(Buffer.alloc(64, 7));
    bytes[at + 10] = 8;
    const changed = join(dir, "changed.tar");
    writeFileSync(changed, bytes);
    await expect(openBundle(changed, publicPem, join(dir, "o2"))).rejects.toThrow("root.img does not match the signed manifest");

    // A bundle with one more file (a path outside, say) is not an AIOS update.
    const extra = join(dir, "extra.tar");
    const pack = tar.pack();
    const done = Bun.write(extra, new Response(pack as unknown as ReadableStream));
    const out = join(dir, "o3");
    mkdirSync(out, { recursive: true });
    const entries: Array<[string, Buffer]> = [];
    const extract = tar.extract();
    Bun.file(good)
      .stream()
      .pipeTo(new WritableStream({ write: (c) => void extract.write(Buffer.from(c)), close: () => void extract.end(undefined) }));
    for await (const entry of extract) {
      const chunks: Buffer[] = [];
      for await (const c of entry) chunks.push(c as Buffer);
      entries.push([entry.header.name, Buffer.concat(chunks)]);
    }
    entries.splice(2, 0, ["../../etc/shadow", Buffer.from("x")]);
    for (const [name, data] of entries) await new Promise<void>((resolve) => pack.entry({ name, size: data.length }, data, () => resolve()));
    pack.finalize();
    await done;
    await expect(openBundle(extra, publicPem, out)).rejects.toThrow("which is not one of vmlinuz, initrd.img, root.img");
  });
});

describe("the data disk and the trial boot", () => {
  test("format: a fresh disk gets the number, an older one moves forward once, a newer one is refused", () => {
    const state = join(dir, "state-format");
    mkdirSync(state, { recursive: true });
    expect(checkDataFormat(state, 1)).toEqual({ ok: true, from: 1, to: 1 });
    expect(readFileSync(join(state, "format"), "utf8")).toBe("1\n");
    const moved: number[] = [];
    expect(checkDataFormat(state, 3, { 1: () => moved.push(1), 2: () => moved.push(2) })).toEqual({ ok: true, from: 1, to: 3 });
    expect(moved).toEqual([1, 2]);
    expect(checkDataFormat(state, 3, { 1: () => moved.push(9) })).toEqual({ ok: true, from: 3, to: 3 });
    const newer = checkDataFormat(state, 2);
    expect(newer.ok).toBe(false);
    expect(!newer.ok && newer.reason).toContain("the data disk is format 3, written by a newer AIOS");
  });

  test("a trial confirmed when ready; a failed one records why and reboots; the old slot tells of the rollback", () => {
    const state = join(dir, "state-trial");
    const lines: string[] = [];
    const grub: string[] = [];
    const reboots: string[] = [];
    const record = { state: "trial", from: "a", to: "b", version: "AIOS 2", previous_version: "AIOS 1", reason: "", at: "" } as const;
    writeUpdateState(state, record);
    const ok = new UpdateTrial({ stateDir: state, slot: "b", onTrial: true, say: (l) => lines.push(l), reboot: (r) => reboots.push(r), setGrubSlot: (s) => grub.push(s), timeoutMs: 60_000 });
    ok.atBoot();
    ok.onHealth("starting", []);
    ok.onHealth("ok", []);
    ok.onHealth("degraded", ["tools failed"]);
    expect(grub).toEqual(["b"]);
    expect(reboots).toEqual([]);
    expect(readUpdateState(state)?.state).toBe("confirmed");

    writeUpdateState(state, record);
    const bad = new UpdateTrial({ stateDir: state, slot: "b", onTrial: true, say: (l) => lines.push(l), reboot: (r) => reboots.push(r), setGrubSlot: (s) => grub.push(s), timeoutMs: 60_000 });
    bad.atBoot();
    bad.onHealth("degraded", ["tools failed: exited 1 five times"]);
    expect(grub).toEqual(["b"]);
    expect(reboots).toEqual(["the trial of slot b failed"]);
    expect(readUpdateState(state)).toMatchObject({ state: "failed", reason: "tools failed: exited 1 five times" });

    // Given up before any service runs (invalid service files): recorded, and rebooted the same way.
    writeUpdateState(state, record);
    const early = new UpdateTrial({ stateDir: state, slot: "b", onTrial: true, say: (l) => lines.push(l), reboot: (r) => reboots.push(r), setGrubSlot: (s) => grub.push(s), timeoutMs: 60_000 });
    expect(early.abandon("the service definitions are invalid")).toBe(true);
    expect(readUpdateState(state)).toMatchObject({ state: "failed", reason: "the service definitions are invalid" });
    expect(new UpdateTrial({ stateDir: state, slot: "a", onTrial: false, say: () => {}, reboot: () => {} }).abandon("x")).toBe(false);
    writeUpdateState(state, { ...record, state: "failed", reason: "tools failed: exited 1 five times" });

    const back = new UpdateTrial({ stateDir: state, slot: "a", onTrial: false, say: (l) => lines.push(l), reboot: () => {}, setGrubSlot: () => {} });
    back.atBoot();
    expect(readUpdateState(state)).toMatchObject({ state: "rolled-back", reason: "tools failed: exited 1 five times" });
    expect(lines.at(-1)).toContain("the update to AIOS 2 was rolled back: tools failed");
  });
});
