/**
 * @module lib/tls/pin
 * A client's trust in a self-signed server by its fingerprint: fetch the certificate the
 * server presents, compare its SHA-256 fingerprint with the one the person read on the
 * machine's console, and from then on trust exactly that certificate (as the only CA of the
 * connection), so a different one is refused by the TLS handshake itself.
 */
import { X509Certificate } from "node:crypto";
import { connect } from "node:tls";

export class PinError extends Error {}

/** "ab:cd…", "ABCD…" or "sha256/AB:CD" → "AB:CD:…". */
export function normalizeFingerprint(text: string): string {
  const hex = text
    .replace(/^sha-?256[:/=\s]*/i, "")
    .replace(/[^0-9a-f]/gi, "")
    .toUpperCase();
  if (hex.length !== 64) throw new PinError(`"${text}" is not a SHA-256 fingerprint (64 hex digits)`);
  return hex.match(/../g)!.join(":");
}

/** The PEM certificate host:port presents, when its fingerprint is the expected one. */
export function certificateByFingerprint(host: string, port: number, fingerprint: string, timeoutMs = 10_000): Promise<string> {
  const expected = normalizeFingerprint(fingerprint);
  return new Promise((resolve, reject) => {
    // Not verified here: the fingerprint below is the check.
    const socket = connect({ host, port, rejectUnauthorized: false, servername: /^[\d.]+$|:/.test(host) ? undefined : host });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new PinError(`${host}:${port} did not complete a TLS handshake in ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once("secureConnect", () => {
      clearTimeout(timer);
      const raw = socket.getPeerCertificate(false)?.raw;
      socket.end();
      if (!raw) return reject(new PinError(`${host}:${port} presented no certificate`));
      const cert = new X509Certificate(raw);
      if (cert.fingerprint256 !== expected)
        return reject(new PinError(`${host}:${port} presented a certificate with fingerprint ${cert.fingerprint256}, not ${expected}: not the machine you meant, or its certificate was replaced`));
      resolve(cert.toString());
    });
    socket.once("error", (error) => {
      clearTimeout(timer);
      reject(new PinError(`${host}:${port}: ${error.message}`));
    });
  });
}
