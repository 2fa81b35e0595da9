/**
 * The console's certificate as clients meet it: a self-signed ECDSA P-256 certificate for the
 * machine's names and addresses that Node's X.509 parser reads, whose key matches, that a real
 * TLS server on loopback serves; a client pinning it by fingerprint connects, and one pinning
 * another certificate is refused by the handshake.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { X509Certificate } from "node:crypto";
import { describeCertificate, keyMatches, makeSelfSignedCertificate } from "./cert.ts";
import { certificateByFingerprint, normalizeFingerprint } from "./pin.ts";

const servers: Array<{ stop(force?: boolean): void }> = [];
afterAll(() => {
  for (const s of servers) s.stop(true);
});

describe("the console's certificate", () => {
  test("names, addresses and validity as X.509 says them; self-signed; its key and no other", async () => {
    const made = await makeSelfSignedCertificate("web-1", ["web-1", "localhost", "127.0.0.1", "::1", "192.168.1.20", "fd00::5"], 5);
    const info = describeCertificate(made.certPem);
    expect(info.subject).toBe("CN=web-1");
    expect(info.names).toEqual(["web-1", "localhost", "127.0.0.1", "0:0:0:0:0:0:0:1", "192.168.1.20", "FD00:0:0:0:0:0:0:5"]);
    expect(info.selfSigned).toBe(true);
    const years = (Date.parse(info.notAfter) - Date.now()) / (365 * 86_400_000);
    expect(years).toBeGreaterThan(4.9);
    expect(years).toBeLessThan(5.1);
    const cert = new X509Certificate(made.certPem);
    expect(cert.publicKey.asymmetricKeyDetails).toMatchObject({ namedCurve: "prime256v1" });
    expect(cert.checkHost("web-1")).toBe("web-1");
    expect(cert.checkIP("192.168.1.20")).toBe("192.168.1.20");
    expect(cert.ca).toBe(false);
    expect(keyMatches(made.certPem, made.keyPem)).toBe(true);
    const other = await makeSelfSignedCertificate("web-1", ["web-1"]);
    expect(keyMatches(made.certPem, other.keyPem)).toBe(false);
    expect(info.fingerprint).not.toBe(describeCertificate(other.certPem).fingerprint);
  });

  test("served over TLS: a client pinning its fingerprint connects; another certificate is refused", async () => {
    const made = await makeSelfSignedCertificate("aios", ["aios", "localhost", "127.0.0.1"]);
    const server = Bun.serve({ hostname: "127.0.0.1", port: 0, tls: { cert: made.certPem, key: made.keyPem }, fetch: () => new Response("hello over tls") });
    servers.push(server);
    const fingerprint = describeCertificate(made.certPem).fingerprint;
    const pinned = await certificateByFingerprint("127.0.0.1", server.port!, fingerprint.toLowerCase().replaceAll(":", ""));
    const response = await fetch(`https://127.0.0.1:${server.port}/`, { tls: { ca: pinned } });
    expect(await response.text()).toBe("hello over tls");
    const stranger = await makeSelfSignedCertificate("aios", ["127.0.0.1"]);
    await expect(certificateByFingerprint("127.0.0.1", server.port!, describeCertificate(stranger.certPem).fingerprint)).rejects.toThrow(/presented a certificate with fingerprint .* not /);
    await expect(fetch(`https://127.0.0.1:${server.port}/`, { tls: { ca: stranger.certPem } })).rejects.toThrow();
    await expect(fetch(`https://127.0.0.1:${server.port}/`)).rejects.toThrow();
    expect(() => normalizeFingerprint("abc")).toThrow("not a SHA-256 fingerprint");
  });
});
