/**
 * @module lib/fleet/signing
 * A fleet goal is signed by the machine that sends it (ed25519; the key made on first start
 * under STATE_DIR/fleet, mode 0600) and checked by the machine that runs it against its own key
 * and [fleet] trusted_keys, before anything else is read from it. NATS's permissions say who
 * may publish on a subject; the signature says which machine's person asked, end to end,
 * whatever server or leaf node carried it.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject, sign, verify } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

/** The raw 32-byte public key, base64: how keys are written in [fleet] trusted_keys. */
export function publicKeyText(key: KeyObject): string {
  const der = createPublicKey(key).export({ format: "der", type: "spki" });
  return der.subarray(der.length - 32).toString("base64");
}

function publicKeyFromText(text: string): KeyObject {
  const raw = Buffer.from(text, "base64");
  if (raw.length !== 32) throw new Error("an ed25519 public key is 32 bytes");
  // SPKI of an ed25519 key: a fixed 12-byte prefix, then the key.
  return createPublicKey({ key: Buffer.concat([Buffer.from("302a300506032b6570032100", "hex"), raw]), format: "der", type: "spki" });
}

/** This machine's signing key, made once. */
export function loadOrCreateSigningKey(path: string): KeyObject {
  if (existsSync(path)) return createPrivateKey(readFileSync(path, "utf8"));
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const { privateKey } = generateKeyPairSync("ed25519");
  writeFileSync(path, privateKey.export({ format: "pem", type: "pkcs8" }), { mode: 0o600, flag: "wx" });
  return privateKey;
}

export const signBytes = (key: KeyObject, data: Uint8Array): string => sign(null, data, key).toString("base64");

/** The trusted key (base64) that signed these bytes, or null. */
export function signedBy(data: Uint8Array, signature: string, trusted: readonly string[]): string | null {
  const sig = Buffer.from(signature, "base64");
  if (sig.length !== 64) return null;
  for (const text of trusted) {
    try {
      if (verify(null, data, publicKeyFromText(text), sig)) return text;
    } catch {
      // A malformed key in the list trusts nothing; the config's schema refuses most of them.
    }
  }
  return null;
}
