/**
 * @module lib/tls/der
 * The few DER (X.690) encodings an X.509 certificate is made of: lengths, tagged values,
 * INTEGER, OBJECT IDENTIFIER, strings, times. Written here rather than taken from a library:
 * the general ASN.1 libraries (pkijs and its kin) add 2 MB to the executable the image carries
 * for the one certificate the console makes.
 */

function length(n: number): Uint8Array {
  if (n < 0x80) return Uint8Array.of(n);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Uint8Array.of(0x80 | bytes.length, ...bytes);
}

export function tlv(tag: number, ...contents: Uint8Array[]): Uint8Array {
  const body = Buffer.concat(contents);
  return Buffer.concat([Uint8Array.of(tag), length(body.length), body]);
}

export const sequence = (...items: Uint8Array[]) => tlv(0x30, ...items);
export const set = (...items: Uint8Array[]) => tlv(0x31, ...items);
/** [n] EXPLICIT: constructed, context-specific. */
export const explicit = (n: number, ...items: Uint8Array[]) => tlv(0xa0 | n, ...items);
/** [n] IMPLICIT of a primitive value. */
export const implicit = (n: number, value: Uint8Array) => tlv(0x80 | n, value);
export const octetString = (value: Uint8Array) => tlv(0x04, value);
export const bitString = (value: Uint8Array, unusedBits = 0) => tlv(0x03, Uint8Array.of(unusedBits), value);
export const utf8String = (value: string) => tlv(0x0c, new TextEncoder().encode(value));
export const boolean = (value: boolean) => tlv(0x01, Uint8Array.of(value ? 0xff : 0));

/** An unsigned big-endian integer: no leading zeros, one 0x00 when the high bit is set. */
export function integer(bytes: Uint8Array): Uint8Array {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  const trimmed = bytes.subarray(start);
  return tlv(0x02, trimmed[0]! & 0x80 ? Buffer.concat([Uint8Array.of(0), trimmed]) : trimmed);
}

export function oid(dotted: string): Uint8Array {
  const [first, second, ...rest] = dotted.split(".").map(Number);
  const out = [first! * 40 + second!];
  for (const arc of rest) {
    const chunk: number[] = [arc & 0x7f];
    for (let v = Math.floor(arc / 128); v > 0; v = Math.floor(v / 128)) chunk.unshift(0x80 | (v & 0x7f));
    out.push(...chunk);
  }
  return tlv(0x06, Uint8Array.from(out));
}

/** UTCTime until 2049, GeneralizedTime from 2050 (RFC 5280 4.1.2.5). */
export function time(date: Date): Uint8Array {
  const iso = date
    .toISOString()
    .replace(/[-:T]/g, "")
    .replace(/\.\d+Z$/, "Z");
  return date.getUTCFullYear() < 2050 ? tlv(0x17, new TextEncoder().encode(iso.slice(2))) : tlv(0x18, new TextEncoder().encode(iso));
}
