/**
 * @module lib/pkg/deb
 * A .deb read in memory: an ar archive of debian-binary, control.tar.* (the control file and
 * the maintainer scripts) and data.tar.* (the files). Entries come out checked: relative paths
 * without "..", only files, directories and links, so nothing in an archive names a place
 * outside the tree it is unpacked into.
 */
import { Readable } from "node:stream";
import * as tar from "tar-stream";
import { parseStanzas, type Stanza } from "./deb822.ts";
import { decompress } from "./decompress.ts";

export class DebError extends Error {}

/** The largest member unpacked in memory. */
const MAX_MEMBER_BYTES = 1 << 30;

export interface DataEntry {
  /** Relative to the package root, without "./" ("usr/bin/jq"). */
  path: string;
  type: "file" | "directory" | "symlink" | "link";
  mode: number;
  /** A symlink's target as written; a hard link's target path (relative, checked). */
  linkname?: string;
  data?: Uint8Array;
}

export interface DebContents {
  control: Stanza;
  /** The maintainer scripts and hooks it has (preinst, postinst, prerm, postrm, triggers, config). */
  scripts: string[];
  /** Its configuration files, as listed in conffiles. */
  conffiles: string[];
  entries: DataEntry[];
}

function arMembers(deb: Uint8Array, what: string): Map<string, Uint8Array> {
  const magic = "!<arch>\n";
  if (new TextDecoder().decode(deb.subarray(0, 8)) !== magic) throw new DebError(`${what} is not a Debian package (no ar header)`);
  const members = new Map<string, Uint8Array>();
  let offset = 8;
  while (offset + 60 <= deb.byteLength) {
    const header = new TextDecoder().decode(deb.subarray(offset, offset + 60));
    if (header.slice(58, 60) !== "`\n") throw new DebError(`${what}: a damaged ar header at byte ${offset}`);
    const name = header.slice(0, 16).trim().replace(/\/$/, "");
    const size = Number.parseInt(header.slice(48, 58).trim(), 10);
    if (!Number.isSafeInteger(size) || size < 0 || offset + 60 + size > deb.byteLength) throw new DebError(`${what}: member ${name} runs past the end of the file`);
    members.set(name, deb.subarray(offset + 60, offset + 60 + size));
    offset += 60 + size + (size % 2);
  }
  return members;
}

function member(members: Map<string, Uint8Array>, prefix: string, what: string): Uint8Array {
  for (const [name, data] of members) if (name === prefix || name.startsWith(`${prefix}.`)) return data;
  throw new DebError(`${what} has no ${prefix} member`);
}

/** "./usr/bin/jq" → "usr/bin/jq"; null for the root itself; DebError for an unsafe path. */
export function safeRelativePath(name: string, what: string): string | null {
  const path = name.replace(/^\.\/+/, "").replace(/\/+$/, "");
  if (path === "" || path === ".") return null;
  if (path.startsWith("/") || path.split("/").some((part) => part === ".." || part === "." || part === "") || path.includes("\0")) {
    throw new DebError(`${what} has an entry with an unsafe path (${JSON.stringify(name)}): refused`);
  }
  return path;
}

async function tarEntries(tarball: Uint8Array, what: string): Promise<DataEntry[]> {
  const extract = tar.extract();
  const entries: DataEntry[] = [];
  Readable.from([Buffer.from(tarball.buffer, tarball.byteOffset, tarball.byteLength)]).pipe(extract);
  for await (const entry of extract) {
    const { header } = entry;
    const chunks: Buffer[] = [];
    for await (const chunk of entry) chunks.push(chunk as Buffer);
    const path = safeRelativePath(header.name, what);
    if (path === null) continue;
    const mode = (header.mode ?? 0o644) & 0o7777;
    switch (header.type) {
      case "file":
      case "contiguous-file":
        entries.push({ path, type: "file", mode, data: Buffer.concat(chunks) });
        break;
      case "directory":
        entries.push({ path, type: "directory", mode });
        break;
      case "symlink":
        if (!header.linkname) throw new DebError(`${what}: the link ${path} has no target`);
        entries.push({ path, type: "symlink", mode, linkname: header.linkname });
        break;
      case "link": {
        const target = safeRelativePath(header.linkname ?? "", what);
        if (!target) throw new DebError(`${what}: the hard link ${path} has no target`);
        entries.push({ path, type: "link", mode, linkname: target });
        break;
      }
      default:
        throw new DebError(`${what} has a ${header.type} entry (${path}), which AIOS does not install`);
    }
  }
  return entries;
}

export async function readDeb(deb: Uint8Array, what: string): Promise<DebContents> {
  const members = arMembers(deb, what);
  const version = members.get("debian-binary");
  if (!version || !new TextDecoder().decode(version).startsWith("2.")) throw new DebError(`${what} is not a version 2 Debian package`);
  const controlTar = await decompress(member(members, "control.tar", what), MAX_MEMBER_BYTES, `${what} control.tar`);
  const dataTar = await decompress(member(members, "data.tar", what), MAX_MEMBER_BYTES, `${what} data.tar`);
  let controlEntries: DataEntry[];
  let entries: DataEntry[];
  try {
    controlEntries = await tarEntries(controlTar, `${what} control.tar`);
    entries = await tarEntries(dataTar, `${what} data.tar`);
  } catch (error) {
    if (error instanceof DebError) throw error;
    throw new DebError(`${what}: a damaged tar archive: ${(error as Error).message}`);
  }
  const text = (name: string) => {
    const found = controlEntries.find((e) => e.path === name && e.type === "file");
    return found?.data ? new TextDecoder().decode(found.data) : undefined;
  };
  const [control] = parseStanzas(text("control") ?? "");
  if (!control?.get("Package")) throw new DebError(`${what} has no control file`);
  const scripts = ["preinst", "postinst", "prerm", "postrm", "config", "triggers"].filter((name) => text(name) !== undefined);
  const conffiles = (text("conffiles") ?? "")
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);
  return { control, scripts, conffiles, entries };
}
