/**
 * @module lib/update/install
 * AIOS written to a whole disk (lib/update/layout): the partition table, GRUB for BIOS (into
 * the MBR and the BIOS boot partition) and for UEFI (the prebuilt EFI system partition), the
 * boot partition with slot A's kernel and initramfs, slot A's root image, and a fresh data
 * partition. The target is a block device (aiosctl install, on a running AIOS) or a disk image
 * file (just disk, on the build machine); the two differ only in how the ext file systems are
 * made: on a device with BusyBox's mke2fs and a mount, in a file with e2fsprogs' mke2fs -d.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, readSync, rmSync, statSync, writeFileSync, writeSync } from "node:fs";
import { basename, join } from "node:path";
import { biosBootSectors } from "./bios.ts";
import { buildGpt } from "./gpt.ts";
import { formatGrubEnv } from "./grubenv.ts";
import { installedGrubConfig } from "./grub-config.ts";
import { BOOT_LABEL, DATA_LABEL, diskLayout, type Layout, partitionBytes, type Slot } from "./layout.ts";

export class InstallError extends Error {}

export interface SlotFiles {
  vmlinuz: string;
  initrd: string;
  rootImg: string;
}

/** GRUB's pieces, made at image build (rootfs/build.ts): /usr/lib/aios/boot on the image. */
export interface BootFiles {
  bootImg: string;
  coreImg: string;
  espImg: string;
}

const BUSYBOX = "/bin/busybox";
const CHUNK = 4 << 20;

/** Runs a program to its end; InstallError saying what failed, with its words. */
export function sh(argv: string[], what: string): string {
  const r = Bun.spawnSync(argv, { stdout: "pipe", stderr: "pipe" });
  if (r.exitCode !== 0) throw new InstallError(`${what} failed (${argv[0]} exit ${r.exitCode}): ${r.stderr.toString().trim() || r.stdout.toString().trim()}`);
  return r.stdout.toString();
}

/** Copies a file into the target at a byte offset, at most `limit` bytes; returns the bytes written. */
export function copyInto(fd: number, file: string, offset: number, limit: number, what: string, say: (line: string) => void = () => {}): number {
  const size = statSync(file).size;
  if (size > limit) throw new InstallError(`${what} (${file}, ${size} bytes) is larger than its partition (${limit} bytes)`);
  const source = openSync(file, "r");
  const buffer = Buffer.alloc(CHUNK);
  let done = 0;
  let shown = 0;
  try {
    while (done < size) {
      const n = readSync(source, buffer, 0, CHUNK, done);
      if (n <= 0) break;
      writeSync(fd, buffer, 0, n, offset + done);
      done += n;
      if (done - shown >= 32 << 20) {
        say(`  ${what}: ${Math.floor(done / 1048576)} of ${Math.ceil(size / 1048576)} MiB`);
        shown = done;
      }
    }
  } finally {
    closeSync(source);
  }
  return done;
}

/** The size in bytes of a block device or a file. */
export function targetBytes(target: string): number {
  const stat = statSync(target);
  if (stat.isBlockDevice()) {
    const name = basename(target);
    const sectors = Number(readFileSync(`/sys/class/block/${name}/size`, "utf8").trim());
    return sectors * 512;
  }
  if (stat.isFile()) return stat.size;
  throw new InstallError(`${target} is neither a disk nor a disk image file`);
}

/** The kernel's name of partition N of a disk: vdb3, nvme0n1p3, mmcblk0p3. */
export function partitionDevice(disk: string, number: number): string {
  const name = basename(disk);
  return `/dev/${/\d$/.test(name) ? `${name}p${number}` : `${name}${number}`}`;
}

/** Partitions of the disk that are mounted now (installing over them would pull the floor away). */
export function mountedParts(disk: string): string[] {
  const name = basename(disk);
  return readFileSync("/proc/mounts", "utf8")
    .split("\n")
    .map((line) => line.split(" ")[0] ?? "")
    .filter((device) => device === `/dev/${name}` || device.startsWith(`/dev/${name}`));
}

/** The boot partition's files for a fresh install: GRUB's configuration, its environment, slot A. */
function bootPartitionFiles(slot: SlotFiles, first: Slot): Array<[string, string | Buffer]> {
  return [
    ["grub/grub.cfg", installedGrubConfig()],
    ["grub/grubenv", formatGrubEnv(new Map([["slot", first]]))],
    [`${first}/vmlinuz`, readFileSync(slot.vmlinuz)],
    [`${first}/initrd.img`, readFileSync(slot.initrd)],
  ];
}

function writeTree(dir: string, files: Array<[string, string | Buffer]>): void {
  for (const [path, content] of files) {
    mkdirSync(join(dir, path, ".."), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
}

export interface InstallResult {
  layout: Layout;
  bytes: number;
}

/**
 * Writes AIOS to `target`. Everything on it is lost: the caller asked the person first.
 * `say` is told each step.
 */
export function installTo(target: string, slot: SlotFiles, boot: BootFiles, say: (line: string) => void): InstallResult {
  for (const file of [slot.vmlinuz, slot.initrd, slot.rootImg, boot.bootImg, boot.coreImg, boot.espImg]) {
    if (!existsSync(file)) throw new InstallError(`${file} is missing`);
  }
  const isDevice = statSync(target).isBlockDevice();
  if (isDevice) {
    const mounted = mountedParts(target);
    if (mounted.length > 0) throw new InstallError(`${target} is in use (${mounted.join(", ")} mounted): it cannot be the disk AIOS is installed to`);
  }
  const bytes = targetBytes(target);
  const layout = diskLayout(Math.floor(bytes / 512));
  say(`partitioning ${target} (${Math.floor(bytes / 1048576)} MiB): bios-boot, aios-esp, aios-boot, aios-root-a, aios-root-b, aios-data`);
  const gpt = buildGpt(Math.floor(bytes / 512), layout.partitions);
  const core = readFileSync(boot.coreImg);
  if (core.length > partitionBytes(layout.bios)) throw new InstallError(`GRUB's core.img (${core.length} bytes) does not fit the BIOS boot partition`);
  const bios = biosBootSectors(readFileSync(boot.bootImg), core, gpt.head.subarray(0, 512), layout.bios.firstLba);
  const fd = openSync(target, "r+");
  try {
    writeSync(fd, gpt.head, 0, gpt.head.length, 0);
    writeSync(fd, gpt.tail, 0, gpt.tail.length, gpt.tailOffset);
    writeSync(fd, bios.mbr, 0, 512, 0);
    writeSync(fd, bios.core, 0, bios.core.length, layout.bios.firstLba * 512);
    say("GRUB for BIOS and UEFI");
    copyInto(fd, boot.espImg, layout.esp.firstLba * 512, partitionBytes(layout.esp), "the EFI system partition");
    say("slot A's root image");
    copyInto(fd, slot.rootImg, layout.roots.a.firstLba * 512, partitionBytes(layout.roots.a), "the root image", say);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  const files = bootPartitionFiles(slot, "a");
  if (isDevice) {
    // The kernel reads the new table; the partitions' device nodes appear.
    sh([BUSYBOX, "blockdev", "--rereadpt", target], "re-reading the partition table");
    const bootDevice = partitionDevice(target, 3);
    const dataDevice = partitionDevice(target, 6);
    for (let i = 0; i < 100 && !(existsSync(bootDevice) && existsSync(dataDevice)); i++) Bun.sleepSync(100);
    say(`the boot partition (${bootDevice}, ${BOOT_LABEL})`);
    sh([BUSYBOX, "mke2fs", "-F", "-L", BOOT_LABEL, bootDevice], `making ${bootDevice}'s file system`);
    const mountPoint = mkdtempSync("/run/aios-install-");
    sh([BUSYBOX, "mount", "-t", "ext4", bootDevice, mountPoint], `mounting ${bootDevice}`);
    try {
      writeTree(mountPoint, files);
      sh([BUSYBOX, "sync"], "sync");
    } finally {
      sh([BUSYBOX, "umount", mountPoint], `unmounting ${bootDevice}`);
      rmSync(mountPoint, { recursive: true, force: true });
    }
    say(`the data partition (${dataDevice}, ${DATA_LABEL})`);
    sh([BUSYBOX, "mke2fs", "-F", "-L", DATA_LABEL, dataDevice], `making ${dataDevice}'s file system`);
  } else {
    const staging = mkdtempSync(join(process.env.TMPDIR ?? "/tmp", "aios-boot-"));
    try {
      writeTree(staging, files);
      say(`the boot partition (${BOOT_LABEL})`);
      sh(
        ["mke2fs", "-q", "-F", "-t", "ext2", "-L", BOOT_LABEL, "-d", staging, "-E", `offset=${layout.boot.firstLba * 512}`, target, `${partitionBytes(layout.boot) / 1024}k`],
        "making the boot partition",
      );
      say(`the data partition (${DATA_LABEL})`);
      sh(["mke2fs", "-q", "-F", "-t", "ext4", "-L", DATA_LABEL, "-E", `offset=${layout.data.firstLba * 512}`, target, `${partitionBytes(layout.data) / 1024}k`], "making the data partition");
    } finally {
      rmSync(staging, { recursive: true, force: true });
    }
  }
  return { layout, bytes };
}

/** A disk's partitions and their GPT names, as the kernel sees them (for status and checks). */
export function partitionNames(disk: string): Map<string, string> {
  const names = new Map<string, string>();
  const dir = `/sys/class/block/${basename(disk)}`;
  if (!existsSync(dir)) return names;
  for (const entry of readdirSync(dir)) {
    const uevent = join(dir, entry, "uevent");
    if (!existsSync(uevent)) continue;
    const name = /^PARTNAME=(.*)$/m.exec(readFileSync(uevent, "utf8"))?.[1];
    if (name) names.set(name, `/dev/${entry}`);
  }
  return names;
}
