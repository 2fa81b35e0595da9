/**
 * @module lib/tls/console-cert
 * Where the console's certificate is and how it comes to be: STATE_DIR/tls/console.crt and
 * console.key (0600) made on first start for the machine's names and addresses, or the files
 * [console] cert_file and key_file name. aios-console serves it; sec.cert_info and
 * sec.cert_rotate (aios-tools) read and replace it. Machine state both read, like aios.toml.
 */
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { hostname, networkInterfaces } from "node:os";
import { join } from "node:path";
import type { Config } from "../config/schema.ts";
import { writeFileAtomic } from "../sys/atomic-file.ts";
import { type CertificateInfo, describeCertificate, keyMatches, makeSelfSignedCertificate } from "./cert.ts";

export class CertificateError extends Error {}

export interface ConsoleCertificate {
  certPem: string;
  keyPem: string;
  info: CertificateInfo;
  /** Made just now (first start, or a rotation). */
  created: boolean;
  certPath: string;
  keyPath: string;
}

/** The self-signed pair's logical paths. */
export function selfSignedPaths(config: Config): { cert: string; key: string } {
  const dir = join(config.paths.state_dir, "tls");
  return { cert: join(dir, "console.crt"), key: join(dir, "console.key") };
}

/** The names a certificate of this machine is made for: its host name, localhost, its addresses now. */
export function machineNames(): string[] {
  const host = hostname();
  const addresses = Object.values(networkInterfaces())
    .flat()
    .filter((a): a is NonNullable<typeof a> => Boolean(a) && !(a!.family === "IPv6" && a!.address.startsWith("fe80")))
    .map((a) => a.address);
  return [...new Set([host, `${host}.local`, "localhost", "127.0.0.1", "::1", ...addresses])];
}

/** A new self-signed pair written at the paths (physical), key first and 0600, each all or nothing. */
export async function writeSelfSigned(certPath: string, keyPath: string): Promise<{ certPem: string; keyPem: string }> {
  const made = await makeSelfSignedCertificate(hostname(), machineNames());
  mkdirSync(join(certPath, ".."), { recursive: true, mode: 0o755 });
  writeFileAtomic(keyPath, made.keyPem, 0o600);
  writeFileAtomic(certPath, made.certPem, 0o644);
  return made;
}

function readPair(certPath: string, keyPath: string, what: string): { certPem: string; keyPem: string; info: CertificateInfo } {
  let certPem: string;
  let keyPem: string;
  try {
    certPem = readFileSync(certPath, "utf8");
    keyPem = readFileSync(keyPath, "utf8");
  } catch (error) {
    throw new CertificateError(`${what}: ${(error as Error).message}`);
  }
  let info: CertificateInfo;
  try {
    info = describeCertificate(certPem);
  } catch (error) {
    throw new CertificateError(`${what}: ${certPath} is not a PEM certificate (${(error as Error).message})`);
  }
  if (!keyMatches(certPem, keyPem)) throw new CertificateError(`${what}: ${keyPath} is not the private key of ${certPath}`);
  return { certPem, keyPem, info };
}

/**
 * The certificate the console serves, or null when [console] tls is "off". physical() maps a
 * logical path under --root.
 */
export async function loadConsoleCertificate(config: Config, physical: (path: string) => string): Promise<ConsoleCertificate | null> {
  const { tls, cert_file, key_file } = config.console;
  if (tls === "off") return null;
  if (tls === "provided") {
    if (!cert_file || !key_file) throw new CertificateError('console.tls = "provided" needs console.cert_file and console.key_file');
    const [certPath, keyPath] = [physical(cert_file), physical(key_file)];
    return { ...readPair(certPath, keyPath, "the provided certificate"), created: false, certPath, keyPath };
  }
  const paths = selfSignedPaths(config);
  const [certPath, keyPath] = [physical(paths.cert), physical(paths.key)];
  if (existsSync(certPath) && existsSync(keyPath)) {
    try {
      return { ...readPair(certPath, keyPath, "the console's certificate"), created: false, certPath, keyPath };
    } catch {
      // Damaged (a cut-short write of an older version, a hand edit): made again below.
    }
  }
  const made = await writeSelfSigned(certPath, keyPath);
  return { ...made, info: describeCertificate(made.certPem), created: true, certPath, keyPath };
}
