/**
 * @module lib/rpc/canonical-json
 * Canonical JSON as RFC 8785 (JSON Canonicalization Scheme) defines it: no whitespace, object
 * members sorted by their names' UTF-16 code units at every level, strings and numbers as
 * ECMAScript's JSON.stringify writes them. Members whose value is undefined are left out and a
 * value with toJSON (a Date) is written as what toJSON returns, as JSON.stringify does. The
 * same value always gives the same text, whatever order its keys were built in, so an outside
 * verifier with any JCS library can recompute what AIOS hashed: the audit chain
 * (lib/tools/audit.ts) and the gateway's cache keys.
 */
export function canonicalJson(value: unknown): string {
  const plain = value !== null && typeof value === "object" && typeof (value as { toJSON?: unknown }).toJSON === "function" ? (value as { toJSON(): unknown }).toJSON() : value;
  if (Array.isArray(plain)) return `[${plain.map((item) => (item === undefined || typeof item === "function" ? "null" : canonicalJson(item))).join(",")}]`;
  if (plain !== null && typeof plain === "object") {
    const members = Object.keys(plain)
      .filter((key) => (plain as Record<string, unknown>)[key] !== undefined && typeof (plain as Record<string, unknown>)[key] !== "function")
      // UTF-16 code unit order, which is what < compares (and not the numeric order JS gives
      // integer-like keys when it walks an object).
      .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${members.map((key) => `${JSON.stringify(key)}:${canonicalJson((plain as Record<string, unknown>)[key])}`).join(",")}}`;
  }
  return JSON.stringify(plain) ?? "null";
}
