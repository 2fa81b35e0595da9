/**
 * A Debian-format repository built by a test: real .debs from Debian 12 (rootfs/test-packages.txt,
 * fetched and checked by the image build's cache), a Packages index, and an InRelease
 * clear-signed with a key made for the test (its public half is the keyring the machine is
 * given). Served over HTTP on loopback, or read as a directory. tamperDeb / tamperIndex change
 * what the mirror serves after it was signed, as an attacker on the path would.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import * as openpgp from "openpgp";
import { DebCache, readPins } from "../../rootfs/debs.ts";

const REPO = join(import.meta.dir, "../..");
const SUITE = "bookworm";

function sh(argv: string[]): string {
  const r = Bun.spawnSync(argv, { stdout: "pipe", stderr: "pipe" });
  if (r.exitCode !== 0) throw new Error(`${argv.join(" ")}: ${r.stderr.toString()}`);
  return r.stdout.toString();
}

const sha256 = (data: Uint8Array) => new Bun.CryptoHasher("sha256").update(data).digest("hex");

export interface DebRepo {
  dir: string;
  /** The armoured public key the Release is signed with. */
  keyring: string;
  /** http://127.0.0.1:PORT/debian */
  url: string;
  port: number;
  /** The .debs in the pool by package name. */
  debs: Map<string, { version: string; path: string }>;
  /** Signs the current Packages index again (after a change made on purpose). */
  sign(): Promise<void>;
  tamperDeb(name: string): void;
  tamperIndex(): void;
  /** What the server was asked for, in order. */
  requests: string[];
  close(): void;
}

export async function startDebRepo(options: { key?: { privateKey: string; publicKey: string } } = {}): Promise<DebRepo> {
  const dir = mkdtempSync(join(tmpdir(), "aios-debrepo-"));
  const root = join(dir, "debian");
  const pool = join(root, "pool/main");
  const lists = join(root, `dists/${SUITE}/main/binary-amd64`);
  mkdirSync(pool, { recursive: true });
  mkdirSync(lists, { recursive: true });
  const cache = new DebCache(join(REPO, ".cache"));
  const debs = new Map<string, { version: string; path: string }>();
  const stanzas: string[] = [];
  for (const deb of cache.getAll(readPins(join(REPO, "rootfs/test-packages.txt")))) {
    const to = join(pool, basename(deb.file));
    copyFileSync(deb.file, to);
    debs.set(deb.name, { version: deb.version, path: to });
    const bytes = readFileSync(to);
    const control = sh(["dpkg-deb", "-f", to]).trimEnd();
    stanzas.push(`${control}\nFilename: pool/main/${basename(to)}\nSize: ${bytes.byteLength}\nSHA256: ${sha256(bytes)}\n`);
  }
  const key = options.key ?? (await openpgp.generateKey({ type: "curve25519", userIDs: [{ name: "AIOS test archive", email: "archive@aios.test" }], format: "armored" }));
  const keyring = join(dir, "archive-key.asc");
  writeFileSync(keyring, key.publicKey);
  const privateKey = await openpgp.readPrivateKey({ armoredKey: key.privateKey });

  const writeIndex = (text: string) => {
    writeFileSync(join(lists, "Packages"), text);
    writeFileSync(join(lists, "Packages.gz"), Bun.gzipSync(Buffer.from(text)));
  };
  const sign = async () => {
    const files = ["main/binary-amd64/Packages", "main/binary-amd64/Packages.gz"].map((rel) => {
      const bytes = readFileSync(join(root, `dists/${SUITE}`, rel));
      return ` ${sha256(bytes)} ${bytes.byteLength} ${rel}`;
    });
    const release = `Origin: AIOS test\nSuite: stable\nCodename: ${SUITE}\nDate: ${new Date().toUTCString()}\nArchitectures: amd64\nComponents: main\nSHA256:\n${files.join("\n")}\n`;
    const message = await openpgp.createCleartextMessage({ text: release });
    writeFileSync(join(root, `dists/${SUITE}/InRelease`), await openpgp.sign({ message, signingKeys: privateKey }));
  };
  writeIndex(stanzas.join("\n"));
  await sign();

  const requests: string[] = [];
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch(request) {
      const path = decodeURIComponent(new URL(request.url).pathname);
      requests.push(path);
      if (!path.startsWith("/debian/") || path.includes("..")) return new Response("not found", { status: 404 });
      const file = Bun.file(join(dir, path));
      return file.size > 0 ? new Response(file) : new Response("not found", { status: 404 });
    },
  });
  return {
    dir: root,
    keyring,
    url: `http://127.0.0.1:${server.port}/debian`,
    port: server.port!,
    debs,
    sign,
    requests,
    tamperDeb(name) {
      const path = debs.get(name)!.path;
      const bytes = readFileSync(path);
      // A byte of the data member changed: the size is the same, the hash is not.
      bytes[bytes.byteLength - 100] = bytes[bytes.byteLength - 100]! ^ 0xff;
      writeFileSync(path, bytes);
    },
    tamperIndex() {
      const text = readFileSync(join(lists, "Packages"), "utf8");
      writeIndex(text.replace(/^SHA256: [0-9a-f]{64}$/m, `SHA256: ${"0".repeat(64)}`));
    },
    close() {
      server.stop(true);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
