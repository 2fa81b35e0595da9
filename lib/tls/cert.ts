/**
 * @module lib/tls/cert
 * The console's TLS certificate: a self-signed ECDSA P-256 certificate for the machine's names
 * and addresses (WebCrypto's keys, lib/tls/der's encoding), or one a person provides; either way described by its
 * SHA-256 fingerprint, which clients pin instead of trusting a certificate authority.
 */
import { createPrivateKey, X509Certificate } from "node:crypto";
import { isIP } from "node:net";
import { bitString, boolean, explicit, implicit, integer, octetString, oid, sequence, set, time, utf8String } from "./der.ts";

export interface CertificateFiles {
  certPem: string;
  keyPem: string;
}

export interface CertificateInfo {
  /** "AB:CD:..." as OpenSSL and browsers show it. */
  fingerprint: string;
  subject: string;
  /** DNS names and IP addresses it is valid for. */
  names: string[];
  notBefore: string;
  notAfter: string;
  selfSigned: boolean;
}

const OID = {
  ecdsaWithSha256: "1.2.840.10045.4.3.2",
  commonName: "2.5.4.3",
  subjectAltName: "2.5.29.17",
  basicConstraints: "2.5.29.19",
  keyUsage: "2.5.29.15",
  extKeyUsage: "2.5.29.37",
  serverAuth: "1.3.6.1.5.5.7.3.1",
};
const YEAR_MS = 365 * 86_400_000;

function pem(label: string, der: ArrayBuffer | Uint8Array): string {
  const base64 = Buffer.from(der instanceof ArrayBuffer ? new Uint8Array(der) : der)
    .toString("base64")
    .match(/.{1,64}/g)!
    .join("\n");
  return `-----BEGIN ${label}-----\n${base64}\n-----END ${label}-----\n`;
}

function ipBytes(address: string): Uint8Array {
  if (isIP(address) === 4) return Uint8Array.from(address.split(".").map(Number));
  // IPv6: expand "::" and write the eight groups.
  const [head, tail] = address.includes("::") ? address.split("::") : [address, undefined];
  const left = head ? head.split(":") : [];
  const right = tail ? tail.split(":") : [];
  const groups = tail === undefined ? left : [...left, ...Array(8 - left.length - right.length).fill("0"), ...right];
  return Uint8Array.from(groups.flatMap((g) => [Number.parseInt(g, 16) >> 8, Number.parseInt(g, 16) & 0xff]));
}

/** WebCrypto's ECDSA signature (r || s) as X.509 carries it: SEQUENCE { INTEGER r, INTEGER s }. */
function derSignature(raw: Uint8Array): Uint8Array {
  const half = raw.length / 2;
  return sequence(integer(raw.subarray(0, half)), integer(raw.subarray(half)));
}

function extension(id: string, critical: boolean, value: Uint8Array): Uint8Array {
  return sequence(oid(id), ...(critical ? [boolean(true)] : []), octetString(value));
}

/** A new self-signed certificate for these names (host names and IP addresses), valid for `years`. */
export async function makeSelfSignedCertificate(commonName: string, names: readonly string[], years = 5): Promise<CertificateFiles> {
  const keys = (await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign", "verify"])) as CryptoKeyPair;
  const spki = new Uint8Array(await crypto.subtle.exportKey("spki", keys.publicKey));
  const serial = crypto.getRandomValues(new Uint8Array(16));
  serial[0]! &= 0x7f;
  serial[0]! |= 0x01;
  const algorithm = sequence(oid(OID.ecdsaWithSha256));
  const name = sequence(set(sequence(oid(OID.commonName), utf8String(commonName))));
  const now = Date.now();
  const unique = [...new Set(names.filter(Boolean))];
  const altNames = sequence(...unique.map((n) => (isIP(n) ? implicit(7, ipBytes(n)) : implicit(2, new TextEncoder().encode(n)))));
  const tbs = sequence(
    explicit(0, integer(Uint8Array.of(2))),
    integer(serial),
    algorithm,
    name,
    sequence(time(new Date(now - 3600_000)), time(new Date(now + years * YEAR_MS))),
    name,
    spki,
    explicit(
      3,
      sequence(
        extension(OID.subjectAltName, false, altNames),
        // cA FALSE is the default: an empty sequence.
        extension(OID.basicConstraints, true, sequence()),
        // digitalSignature only: the key signs TLS handshakes, nothing else.
        extension(OID.keyUsage, true, bitString(Uint8Array.of(0x80), 7)),
        extension(OID.extKeyUsage, false, sequence(oid(OID.serverAuth))),
      ),
    ),
  );
  const signature = new Uint8Array(await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, keys.privateKey, tbs as Uint8Array<ArrayBuffer>));
  const der = sequence(tbs, algorithm, bitString(derSignature(signature)));
  const pkcs8 = await crypto.subtle.exportKey("pkcs8", keys.privateKey);
  return { certPem: pem("CERTIFICATE", der), keyPem: pem("PRIVATE KEY", pkcs8) };
}

/** What a PEM certificate (the first of a chain) says; throws on one that is not a certificate. */
export function describeCertificate(certPem: string): CertificateInfo {
  const cert = new X509Certificate(certPem);
  const names = (cert.subjectAltName ?? "")
    .split(/,\s*/)
    .map((entry) => entry.replace(/^(DNS|IP Address):/, ""))
    .filter(Boolean);
  return {
    fingerprint: cert.fingerprint256,
    subject: cert.subject.replace(/\n/g, ", "),
    names,
    notBefore: new Date(cert.validFrom).toISOString(),
    notAfter: new Date(cert.validTo).toISOString(),
    selfSigned: cert.issuer === cert.subject && cert.verify(cert.publicKey),
  };
}

/** Whether the key belongs to the certificate (a provided pair that does not match is refused). */
export function keyMatches(certPem: string, keyPem: string): boolean {
  try {
    return new X509Certificate(certPem).checkPrivateKey(createPrivateKey(keyPem));
  } catch {
    return false;
  }
}
