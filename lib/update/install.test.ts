/**
 * The installer on a disk image file, as `just disk` runs it: the table names the six
 * partitions, GRUB's pieces and slot A's root image are where the table says, the boot
 * partition (read back with e2fsprogs' debugfs) holds grub.cfg, grubenv (slot a) and slot A's
 * kernel, and the data partition is ext4 labelled AIOS-DATA. A disk too small is refused
 * before anything is written.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { closeSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { installTo } from "./install.ts";

const dir = mkdtempSync(join(tmpdir(), "aios-install-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const file = (name: string, bytes: Buffer) => {
  writeFileSync(join(dir, name), bytes);
  return join(dir, name);
};

function debugfs(image: string, offset: number, request: string): string {
  const r = Bun.spawnSync(["debugfs", "-R", request, `${image}?offset=${offset}`], { stdout: "pipe", stderr: "pipe" });
  return r.stdout.toString();
}

describe("installing to a disk image", () => {
  const slot = { vmlinuz: file("vmlinuz", Buffer.from("a kernel")), initrd: file("initrd.img", Buffer.from("an initramfs")), rootImg: file("root.img", Buffer.alloc(3 << 20, 0x5a)) };
  const boot = { bootImg: file("boot.img", Buffer.alloc(512, 0x11)), coreImg: file("core.img", Buffer.alloc(64 << 10, 0x22)), espImg: file("esp.img", Buffer.alloc(1 << 20, 0x33)) };

  test("every piece where the table says, the file systems made and filled", () => {
    const image = join(dir, "disk.img");
    Bun.spawnSync(["truncate", "-s", "1100M", image]);
    const lines: string[] = [];
    const { layout } = installTo(image, slot, boot, (line) => lines.push(line));
    expect(lines[0]).toContain("partitioning");
    const disk = readFileSync(image);
    const names = Array.from({ length: 6 }, (_, i) =>
      disk
        .subarray(1024 + i * 128 + 56, 1024 + i * 128 + 128)
        .toString("utf16le")
        .replace(/\0+$/, ""),
    );
    expect(names).toEqual(["bios-boot", "aios-esp", "aios-boot", "aios-root-a", "aios-root-b", "aios-data"]);
    expect(disk.readUInt16LE(510)).toBe(0xaa55);
    expect(Number(disk.readBigUInt64LE(0x5c))).toBe(layout.bios.firstLba);
    expect(disk[layout.bios.firstLba * 512 + 10]).toBe(0x22);
    expect(disk[layout.esp.firstLba * 512 + 10]).toBe(0x33);
    expect(disk.subarray(layout.roots.a.firstLba * 512, layout.roots.a.firstLba * 512 + (3 << 20)).every((b) => b === 0x5a)).toBe(true);
    const bootOffset = layout.boot.firstLba * 512;
    expect(debugfs(image, bootOffset, "cat /grub/grubenv")).toStartWith("# GRUB Environment Block\nslot=a\n#");
    expect(debugfs(image, bootOffset, "cat /grub/grub.cfg")).toContain("aios.root=PARTLABEL=aios-root-${boot}");
    expect(debugfs(image, bootOffset, "cat /a/vmlinuz")).toBe("a kernel");
    expect(debugfs(image, bootOffset, "stats")).toContain("Filesystem volume name:   AIOS-BOOT");
    const data = debugfs(image, layout.data.firstLba * 512, "stats");
    expect(data).toContain("Filesystem volume name:   AIOS-DATA");
    expect(data).toContain("extent");
  });

  test("a disk too small is refused before anything is written", () => {
    const small = join(dir, "small.img");
    Bun.spawnSync(["truncate", "-s", "512M", small]);
    expect(() => installTo(small, slot, boot, () => {})).toThrow("AIOS needs at least");
    const fd = openSync(small, "r");
    const head = Buffer.alloc(1 << 20);
    readSync(fd, head, 0, head.length, 0);
    closeSync(fd);
    expect(head.every((b) => b === 0)).toBe(true);
  });
});
