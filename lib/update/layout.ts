/**
 * @module lib/update/layout
 * The disk an installed AIOS boots from (GPT, 1 MiB aligned):
 *
 *   1 bios-boot    1 MiB    GRUB's core.img for BIOS firmware
 *   2 aios-esp     8 MiB    EFI system partition: GRUB for UEFI (FAT, made at image build)
 *   3 aios-boot    64 MiB   ext2 "AIOS-BOOT": grub/grub.cfg, grub/grubenv, a/ and b/ (vmlinuz, initrd.img)
 *   4 aios-root-a  256 MiB  slot A's root image (squashfs, written whole)
 *   5 aios-root-b  256 MiB  slot B's root image
 *   6 aios-data    the rest ext4 "AIOS-DATA": /var/lib/aios, kept across updates
 */
import { PARTITION_TYPES, type Partition, usableRange } from "./gpt.ts";

export const MIB_SECTORS = 2048;
export const SLOTS = ["a", "b"] as const;
export type Slot = (typeof SLOTS)[number];

export const BOOT_LABEL = "AIOS-BOOT";
export const DATA_LABEL = "AIOS-DATA";
export const rootPartitionName = (slot: Slot) => `aios-root-${slot}`;
export const otherSlot = (slot: Slot): Slot => (slot === "a" ? "b" : "a");

const SIZES_MIB = { bios: 1, esp: 8, boot: 64, root: 256 } as const;
/** The smallest disk worth installing to: the fixed partitions and 256 MiB of data. */
export const MIN_DISK_BYTES = (1 + 1 + SIZES_MIB.esp + SIZES_MIB.boot + 2 * SIZES_MIB.root + 256) * 1024 * 1024;

export interface Layout {
  partitions: Partition[];
  bios: Partition;
  esp: Partition;
  boot: Partition;
  roots: Record<Slot, Partition>;
  data: Partition;
}

export function diskLayout(sectors: number): Layout {
  if (sectors * 512 < MIN_DISK_BYTES) throw new Error(`the disk has ${Math.floor((sectors * 512) / 1048576)} MiB; AIOS needs at least ${MIN_DISK_BYTES / 1048576} MiB`);
  let next = MIB_SECTORS;
  const take = (name: string, type: string, mib: number, extra: Partial<Partition> = {}): Partition => {
    const p = { name, type, firstLba: next, lastLba: next + mib * MIB_SECTORS - 1, ...extra };
    next += mib * MIB_SECTORS;
    return p;
  };
  const bios = take("bios-boot", PARTITION_TYPES.biosBoot, SIZES_MIB.bios);
  const esp = take("aios-esp", PARTITION_TYPES.efiSystem, SIZES_MIB.esp);
  const boot = take("aios-boot", PARTITION_TYPES.linuxData, SIZES_MIB.boot, { legacyBootable: true });
  const a = take(rootPartitionName("a"), PARTITION_TYPES.linuxData, SIZES_MIB.root);
  const b = take(rootPartitionName("b"), PARTITION_TYPES.linuxData, SIZES_MIB.root);
  // The data partition ends on a MiB boundary before the backup table.
  const last = Math.floor((usableRange(sectors).last + 1) / MIB_SECTORS) * MIB_SECTORS - 1;
  const data = { name: "aios-data", type: PARTITION_TYPES.linuxData, firstLba: next, lastLba: last };
  return { partitions: [bios, esp, boot, a, b, data], bios, esp, boot, roots: { a, b }, data };
}

export const partitionBytes = (p: Partition) => (p.lastLba - p.firstLba + 1) * 512;
