/**
 * @module lib/update/gpt
 * A GUID partition table (UEFI 2.10 §5.3) for a whole disk: the protective MBR, the primary
 * header and entries after it, the backup entries and header at the disk's end, with their
 * CRC32s. AIOS's installer writes the layout of lib/update/layout with it; nothing here reads
 * a table another tool made.
 */

const SECTOR = 512;
const ENTRIES = 128;
const ENTRY_SIZE = 128;
/** Sectors the 128 entries take (16 KiB). */
const ENTRY_SECTORS = (ENTRIES * ENTRY_SIZE) / SECTOR;

export const PARTITION_TYPES = {
  biosBoot: "21686148-6449-6E6F-744E-656564454649",
  efiSystem: "C12A7328-F81F-11D2-BA4B-00A0C93EC93B",
  linuxData: "0FC63DAF-8483-4772-8E79-3D69D8477DE4",
} as const;

export interface Partition {
  /** GPT partition name (the kernel's PARTNAME; stage 0 finds slots by it). */
  name: string;
  type: string;
  firstLba: number;
  lastLba: number;
  /** Legacy BIOS bootable (attribute bit 2), for firmware that wants one. */
  legacyBootable?: boolean;
}

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

export function crc32(data: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of data) crc = CRC_TABLE[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** A GUID's text as GPT stores it: the first three fields little-endian, the rest as written. */
export function guidBytes(text: string): Uint8Array {
  const hex = text.replace(/-/g, "");
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new Error(`${text} is not a GUID`);
  const b = Buffer.from(hex, "hex");
  return Uint8Array.from([b[3]!, b[2]!, b[1]!, b[0]!, b[5]!, b[4]!, b[7]!, b[6]!, ...b.subarray(8)]);
}

export function randomGuid(): string {
  return crypto.randomUUID().toUpperCase();
}

/** The first and last LBA partitions may use on a disk of this many sectors. */
export function usableRange(sectors: number): { first: number; last: number } {
  return { first: 2 + ENTRY_SECTORS, last: sectors - 2 - ENTRY_SECTORS };
}

function header(o: { current: number; backup: number; first: number; last: number; disk: string; entriesLba: number; entriesCrc: number }): Uint8Array {
  const h = Buffer.alloc(SECTOR);
  h.write("EFI PART", 0, "ascii");
  h.writeUInt32LE(0x00010000, 8);
  h.writeUInt32LE(92, 12);
  h.writeBigUInt64LE(BigInt(o.current), 24);
  h.writeBigUInt64LE(BigInt(o.backup), 32);
  h.writeBigUInt64LE(BigInt(o.first), 40);
  h.writeBigUInt64LE(BigInt(o.last), 48);
  Buffer.from(guidBytes(o.disk)).copy(h, 56);
  h.writeBigUInt64LE(BigInt(o.entriesLba), 72);
  h.writeUInt32LE(ENTRIES, 80);
  h.writeUInt32LE(ENTRY_SIZE, 84);
  h.writeUInt32LE(o.entriesCrc, 88);
  h.writeUInt32LE(crc32(h.subarray(0, 92)), 16);
  return h;
}

export interface GptImage {
  /** LBA 0..33: protective MBR, primary header, entries. */
  head: Uint8Array;
  /** The last 33 sectors: backup entries, backup header. */
  tail: Uint8Array;
  /** Where `tail` goes, in bytes. */
  tailOffset: number;
}

/** The table for a disk of `sectors` sectors with these partitions (checked: inside the usable range, not overlapping). */
export function buildGpt(sectors: number, partitions: readonly Partition[], diskGuid = randomGuid()): GptImage {
  const { first, last } = usableRange(sectors);
  const sorted = [...partitions].sort((a, b) => a.firstLba - b.firstLba);
  sorted.forEach((p, i) => {
    if (p.firstLba < first || p.lastLba > last || p.lastLba < p.firstLba) throw new Error(`partition ${p.name} (${p.firstLba}-${p.lastLba}) does not fit the disk's usable sectors ${first}-${last}`);
    const next = sorted[i + 1];
    if (next && next.firstLba <= p.lastLba) throw new Error(`partitions ${p.name} and ${next.name} overlap`);
  });
  if (partitions.length > ENTRIES) throw new Error("too many partitions");
  const entries = Buffer.alloc(ENTRIES * ENTRY_SIZE);
  partitions.forEach((p, i) => {
    const e = entries.subarray(i * ENTRY_SIZE, (i + 1) * ENTRY_SIZE);
    Buffer.from(guidBytes(p.type)).copy(e, 0);
    Buffer.from(guidBytes(randomGuid())).copy(e, 16);
    e.writeBigUInt64LE(BigInt(p.firstLba), 32);
    e.writeBigUInt64LE(BigInt(p.lastLba), 40);
    e.writeBigUInt64LE(p.legacyBootable ? 4n : 0n, 48);
    if (p.name.length > 36) throw new Error(`partition name ${p.name} is longer than 36 characters`);
    Buffer.from(p.name, "utf16le").copy(e, 56);
  });
  const entriesCrc = crc32(entries);
  const mbr = Buffer.alloc(SECTOR);
  // One protective partition (type 0xEE) over the whole disk (or as much as 32 bits say).
  const entry = mbr.subarray(446, 462);
  entry[0] = 0x00;
  entry.set([0x00, 0x02, 0x00], 1);
  entry[4] = 0xee;
  entry.set([0xff, 0xff, 0xff], 5);
  entry.writeUInt32LE(1, 8);
  entry.writeUInt32LE(Math.min(sectors - 1, 0xffffffff), 12);
  mbr[510] = 0x55;
  mbr[511] = 0xaa;
  const primary = header({ current: 1, backup: sectors - 1, first, last, disk: diskGuid, entriesLba: 2, entriesCrc });
  const backup = header({ current: sectors - 1, backup: 1, first, last, disk: diskGuid, entriesLba: sectors - 1 - ENTRY_SECTORS, entriesCrc });
  return {
    head: Buffer.concat([mbr, primary, entries]),
    tail: Buffer.concat([entries, backup]),
    tailOffset: (sectors - 1 - ENTRY_SECTORS) * SECTOR,
  };
}
