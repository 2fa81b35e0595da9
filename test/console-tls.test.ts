/**
 * The console over HTTPS, as the compiled aios-console serves it: on first start a self-signed
 * certificate for the machine's names (kept, 0600 key), its fingerprint said; HTTPS answers a
 * client that pins that fingerprint, with HSTS; plain HTTP redirects (or serves, or is closed,
 * as configured); a restart keeps the certificate; a provided certificate is served as given,
 * and a key that is not its own stops the console with a clear error (exit 78).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describeCertificate, makeSelfSignedCertificate } from "../lib/tls/cert.ts";
import { certificateByFingerprint } from "../lib/tls/pin.ts";
import { installBinary, run, start } from "./support/binary.ts";
import { waitFor } from "./support/wait.ts";

const dir = mkdtempSync(join(tmpdir(), "aios-tls-"));
let bin: string;
beforeAll(() => {
  bin = installBinary(dir);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** aios-console alone under a root of its own, on free ports; the ports and fingerprint it says. */
async function startConsole(name: string, consoleToml: string) {
  const root = join(dir, name);
  const config = join(dir, `${name}.toml`);
  writeFileSync(config, `[console]\nlisten = "127.0.0.1"\n${consoleToml}`);
  const running = start([join(bin, "aios-console"), "--config", config, "--root", root, "--port", "0", "--https-port", "0"], dir);
  let said: { http?: number; https?: number; fingerprint?: string } = {};
  await waitFor(
    () => {
      const out = running.output();
      said = {
        http: Number(/listening on port (\d+)/.exec(out)?.[1]) || undefined,
        https: Number(/HTTPS on port (\d+)/.exec(out)?.[1]) || undefined,
        fingerprint: /certificate SHA-256 (\S+)/.exec(out)?.[1],
      };
      if (running.process.exitCode !== null) throw new Error(`aios-console exited ${running.process.exitCode}: ${out}`);
      return Boolean(said.http || said.https) && /serving/.test(out);
    },
    () => `aios-console to serve: ${running.output()}`,
  );
  return { root, running, ...said };
}

describe("the console over HTTPS", () => {
  test("first start: a certificate for this machine, said once with its fingerprint; HTTPS with HSTS to a pinning client; HTTP redirects", async () => {
    const c = await startConsole("default", "");
    try {
      const certPath = join(c.root, "var/lib/aios/tls/console.crt");
      const certPem = readFileSync(certPath, "utf8");
      const info = describeCertificate(certPem);
      expect(c.fingerprint).toBe(info.fingerprint);
      expect(c.running.output()).toContain(`Its SHA-256 fingerprint, to compare with what your browser or client shows:\n\n    ${info.fingerprint}`);
      expect(info.names).toEqual(expect.arrayContaining(["localhost", "127.0.0.1"]));
      expect(statSync(join(c.root, "var/lib/aios/tls/console.key")).mode & 0o777).toBe(0o600);

      const pinned = await certificateByFingerprint("127.0.0.1", c.https!, info.fingerprint);
      const health = await fetch(`https://127.0.0.1:${c.https}/api/health`, { tls: { ca: pinned } });
      expect(health.status).toBe(200);
      expect(health.headers.get("strict-transport-security")).toBe("max-age=31536000");
      // Refused requests carry it too.
      const refused = await fetch(`https://127.0.0.1:${c.https}/api/goals`, { tls: { ca: pinned } });
      expect([refused.status, refused.headers.get("strict-transport-security")]).toEqual([401, "max-age=31536000"]);
      // A client that does not pin it (or trusts another) is refused by the handshake.
      await expect(fetch(`https://127.0.0.1:${c.https}/api/health`)).rejects.toThrow();

      const plain = await fetch(`http://127.0.0.1:${c.http}/api/goals?state=open`, { redirect: "manual", headers: { host: "web-1.lan:9090" } });
      expect([plain.status, plain.headers.get("location")]).toEqual([308, `https://web-1.lan:${c.https}/api/goals?state=open`]);
      const badHost = await fetch(`http://127.0.0.1:${c.http}/`, { redirect: "manual", headers: { host: "evil.example/@x" } });
      expect(badHost.status).toBe(400);
    } finally {
      expect(await c.running.stop()).toBe(0);
    }
    // Started again: the same certificate, not said again.
    const again = await startConsole("default", "");
    try {
      expect(again.fingerprint).toBe(c.fingerprint);
      expect(again.running.output()).not.toContain("a new TLS certificate");
    } finally {
      await again.running.stop();
    }
  });

  test('http = "serve" keeps plain HTTP open (no HSTS there); tls = "off" is plain HTTP only', async () => {
    const both = await startConsole("serve", 'http = "serve"\n');
    try {
      const plain = await fetch(`http://127.0.0.1:${both.http}/api/health`);
      expect([plain.status, plain.headers.get("strict-transport-security")]).toEqual([200, null]);
      expect(both.https).toBeGreaterThan(0);
    } finally {
      await both.running.stop();
    }
    const off = await startConsole("off", 'tls = "off"\n');
    try {
      expect(off.https).toBeUndefined();
      expect((await fetch(`http://127.0.0.1:${off.http}/api/health`)).status).toBe(200);
    } finally {
      await off.running.stop();
    }
  });

  test("a provided certificate is served as given; a key that is not its own stops the console, saying so", async () => {
    const made = await makeSelfSignedCertificate("console.example.org", ["console.example.org", "127.0.0.1"]);
    const other = await makeSelfSignedCertificate("x", ["x"]);
    // The files are where the person put them on the machine: /etc/ssl/aios (inside --root).
    for (const name of ["provided", "wrong"]) {
      mkdirSync(join(dir, name, "etc/ssl/aios"), { recursive: true });
      writeFileSync(join(dir, name, "etc/ssl/aios/mine.crt"), made.certPem);
      writeFileSync(join(dir, name, "etc/ssl/aios/mine.key"), made.keyPem, { mode: 0o600 });
      writeFileSync(join(dir, name, "etc/ssl/aios/wrong.key"), other.keyPem, { mode: 0o600 });
    }
    const provided = await startConsole("provided", 'tls = "provided"\ncert_file = "/etc/ssl/aios/mine.crt"\nkey_file = "/etc/ssl/aios/mine.key"\n');
    try {
      expect(provided.fingerprint).toBe(describeCertificate(made.certPem).fingerprint);
      const response = await fetch(`https://127.0.0.1:${provided.https}/api/health`, { tls: { ca: made.certPem } });
      expect(response.status).toBe(200);
    } finally {
      await provided.running.stop();
    }
    const config = join(dir, "wrong.toml");
    writeFileSync(config, '[console]\nlisten = "127.0.0.1"\ntls = "provided"\ncert_file = "/etc/ssl/aios/mine.crt"\nkey_file = "/etc/ssl/aios/wrong.key"\n');
    const refused = await run([join(bin, "aios-console"), "--config", config, "--root", join(dir, "wrong"), "--port", "0", "--https-port", "0"], dir);
    expect([refused.code, refused.stderr]).toEqual([78, expect.stringContaining("wrong.key is not the private key of")]);
  });
});
