/**
 * @module lib/pkg/release
 * The trust anchor of a mirror: its InRelease file, an OpenPGP clear-signed Release, checked
 * against the keyring in the image (Debian's archive keys) before a word of it is believed.
 * The Release then names each index file with its SHA256 and size, and every .deb is named by
 * an index with its SHA256: one signature covers everything installed.
 */
import * as openpgp from "openpgp";
import { parseStanzas } from "./deb822.ts";

export class ReleaseError extends Error {}

export interface IndexFile {
  sha256: string;
  size: number;
}

export interface Release {
  suite: string;
  codename: string;
  date: string;
  /** The key that signed it, as a fingerprint. */
  signedBy: string;
  /** Index files by path under dists/SUITE/ ("main/binary-amd64/Packages.xz"). */
  files: Map<string, IndexFile>;
}

/** Reads a keyring: binary (.gpg, as Debian ships it) or ASCII-armoured (.asc). */
export async function readKeyring(bytes: Uint8Array): Promise<openpgp.Key[]> {
  const text = new TextDecoder().decode(bytes.subarray(0, 64));
  try {
    return text.includes("-----BEGIN PGP") ? await openpgp.readKeys({ armoredKeys: new TextDecoder().decode(bytes) }) : await openpgp.readKeys({ binaryKeys: bytes });
  } catch (error) {
    throw new ReleaseError(`the keyring cannot be read: ${(error as Error).message}`);
  }
}

/** The Release within a clear-signed InRelease, once one of its signatures is good; else ReleaseError. */
export async function verifyInRelease(text: string, keys: openpgp.Key[], expectedSuite: string, now = new Date()): Promise<Release> {
  let message: openpgp.CleartextMessage;
  try {
    message = await openpgp.readCleartextMessage({ cleartextMessage: text });
  } catch (error) {
    throw new ReleaseError(`InRelease is not a signed Release: ${(error as Error).message}`);
  }
  const result = await openpgp.verify({ message, verificationKeys: keys, date: now });
  let signedBy: string | undefined;
  const problems: string[] = [];
  for (const signature of result.signatures) {
    try {
      await signature.verified;
      const key = keys.find((k) => k.getKeys(signature.keyID).length > 0);
      signedBy ??= key?.getFingerprint() ?? signature.keyID.toHex();
    } catch (error) {
      problems.push(`${signature.keyID.toHex()}: ${(error as Error).message}`);
    }
  }
  if (!signedBy) throw new ReleaseError(`InRelease has no good signature from a key in the keyring (${problems.join("; ") || "no signatures"}): the mirror's index is not trusted`);
  // Only the signed text counts: result.data, never the file around it.
  const [stanza] = parseStanzas(String(result.data));
  if (!stanza) throw new ReleaseError("the signed Release is empty");
  const suite = stanza.get("Suite") ?? "";
  const codename = stanza.get("Codename") ?? "";
  if (suite !== expectedSuite && codename !== expectedSuite) {
    throw new ReleaseError(`the mirror's Release is for ${codename || suite || "no suite"}, not ${expectedSuite} (a signed Release of another suite is not accepted)`);
  }
  const validUntil = stanza.get("Valid-Until");
  if (validUntil && Date.parse(validUntil) < now.getTime()) throw new ReleaseError(`the mirror's Release expired on ${validUntil} (a stale or replayed index): use an up-to-date mirror`);
  const files = new Map<string, IndexFile>();
  for (const line of (stanza.get("SHA256") ?? "").split("\n")) {
    const [sha256, size, path] = line.trim().split(/\s+/);
    if (sha256 && /^[0-9a-f]{64}$/.test(sha256) && size && path) files.set(path, { sha256, size: Number(size) });
  }
  if (files.size === 0) throw new ReleaseError("the signed Release lists no SHA256 sums");
  return { suite, codename, date: stanza.get("Date") ?? "", signedBy, files };
}
