/**
 * @module rootfs/release-key
 * The key update bundles are signed with (ed25519). The builder keeps the private half outside
 * the repository: $AIOS_RELEASE_KEY, else ~/.config/aios/release-key.pem, made there (0600) the
 * first time an image is built. The image carries the public half (/usr/lib/aios/update-key.pem):
 * an installed AIOS accepts only bundles that key signed.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";

export function releaseKeyPath(): string {
  return process.env.AIOS_RELEASE_KEY || join(homedir(), ".config/aios/release-key.pem");
}

/** The private key, made at its path when there is none (say is told). */
export function releaseKey(say: (line: string) => void = () => {}): KeyObject {
  const path = releaseKeyPath();
  if (!existsSync(path)) {
    const { privateKey } = generateKeyPairSync("ed25519");
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    writeFileSync(path, privateKey.export({ type: "pkcs8", format: "pem" }), { mode: 0o600, flag: "wx" });
    say(`made a release signing key at ${path}: keep it (and a copy) outside the repository; images built from now on trust only updates it signs`);
  }
  const key = createPrivateKey(readFileSync(path));
  if (key.asymmetricKeyType !== "ed25519") throw new Error(`${path} is not an ed25519 private key`);
  return key;
}

export function releasePublicKeyPem(say?: (line: string) => void): string {
  return createPublicKey(releaseKey(say)).export({ type: "spki", format: "pem" }).toString();
}
