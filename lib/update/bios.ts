/**
 * @module lib/update/bios
 * GRUB for BIOS on a GPT disk, set up as grub-bios-setup sets it up: boot.img in the first 440
 * bytes of the protective MBR (told where core.img starts and to trust the BIOS's drive only
 * when it is a hard disk), and core.img in the BIOS boot partition, its first sector
 * (diskboot.img) given the one block list of the sectors after it. The offsets are GRUB's
 * (include/grub/i386/pc/boot.h, grub-core/boot/i386/pc/diskboot.S).
 */

const SECTOR = 512;
/** boot.img: where core.img's first sector is (LBA, 8 bytes). */
const KERNEL_SECTOR = 0x5c;
/** boot.img: the drive to boot, 0xff for "the BIOS's". */
const BOOT_DRIVE = 0x64;
/** boot.img: a jump over a drive check that buggy BIOSes fail; two NOPs on a hard disk. */
const DRIVE_CHECK = 0x66;
/** The MBR's disk signature and partition table: kept from the disk's own MBR. */
const TABLE_START = 0x1b8;
/** diskboot.img's block list entry: start (8 bytes), length (2), segment (2), at the sector's end. */
const BLOCKLIST_SIZE = 12;
/** Where the sectors after the first are loaded (GRUB_BOOT_I386_PC_KERNEL_SEG + 0x20). */
const FIRST_SEGMENT = 0x820;

/**
 * The MBR sector with boot.img's code and the table of `mbr`, and core.img ready to be written
 * at `coreLba` (contiguous, in the BIOS boot partition).
 */
export function biosBootSectors(bootImg: Uint8Array, coreImg: Uint8Array, mbr: Uint8Array, coreLba: number): { mbr: Buffer; core: Buffer } {
  if (bootImg.length !== SECTOR) throw new Error("boot.img must be one sector");
  const boot = Buffer.from(bootImg);
  Buffer.from(mbr).copy(boot, TABLE_START, TABLE_START, SECTOR);
  boot.writeBigUInt64LE(BigInt(coreLba), KERNEL_SECTOR);
  boot[BOOT_DRIVE] = 0xff;
  boot[DRIVE_CHECK] = 0x90;
  boot[DRIVE_CHECK + 1] = 0x90;
  const sectors = Math.ceil(coreImg.length / SECTOR);
  const core = Buffer.alloc(sectors * SECTOR);
  Buffer.from(coreImg).copy(core);
  const list = SECTOR - BLOCKLIST_SIZE;
  core.writeBigUInt64LE(BigInt(coreLba + 1), list);
  core.writeUInt16LE(sectors - 1, list + 8);
  core.writeUInt16LE(FIRST_SEGMENT, list + 10);
  // The entry before it ends the list.
  core.fill(0, list - BLOCKLIST_SIZE, list);
  return { mbr: boot, core };
}
