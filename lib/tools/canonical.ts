/**
 * @module lib/tools/canonical
 * Hashes of canonical JSON (RFC 8785, lib/rpc/canonical-json): the same value always hashes the
 * same, whatever order its keys were built in. The audit chain depends on it.
 */
import { canonicalJson } from "../rpc/canonical-json.ts";

export { canonicalJson } from "../rpc/canonical-json.ts";

export function sha256(text: string): string {
  return new Bun.CryptoHasher("sha256").update(text).digest("hex");
}

export const hashValue = (value: unknown) => sha256(canonicalJson(value));
