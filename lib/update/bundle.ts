/**
 * @module lib/update/bundle
 * An update bundle: a tar of manifest.json (version and each file's SHA256 and size),
 * manifest.sig (ed25519 over manifest.json's bytes, base64) and the files it names: vmlinuz,
 * initrd.img, root.img. The manifest and its signature come first and are checked against the
 * image's public key before a byte of the rest is kept; each file is cut at its declared size
 * and checked against its SHA256. Nothing else is accepted in a bundle.
 */
import { createPublicKey, sign, verify, type KeyObject } from "node:crypto";
import { closeSync, createReadStream, mkdirSync, openSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";
import * as v from "valibot";
import * as tar from "tar-stream";

export class BundleError extends Error {}

export const BUNDLE_FILES = ["vmlinuz", "initrd.img", "root.img"] as const;
const MAX_MANIFEST = 64 * 1024;

const FileEntry = v.strictObject({ sha256: v.pipe(v.string(), v.regex(/^[0-9a-f]{64}$/)), size: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(1 << 30)) });
export const ManifestSchema = v.strictObject({
  format: v.literal(1),
  version: v.pipe(v.string(), v.minLength(1), v.maxLength(200), v.regex(/^[^\n]*$/)),
  commit: v.pipe(v.string(), v.maxLength(64)),
  created: v.pipe(v.string(), v.maxLength(64)),
  files: v.strictObject({ vmlinuz: FileEntry, "initrd.img": FileEntry, "root.img": FileEntry }),
});
export type Manifest = v.InferOutput<typeof ManifestSchema>;

export function signManifest(manifest: Manifest, privateKey: KeyObject): { json: Buffer; signature: string } {
  const json = Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`);
  return { json, signature: sign(null, json, privateKey).toString("base64") };
}

/** Reads and checks a bundle, writing its files into outDir; the manifest when every check passed. */
export async function openBundle(file: string, publicKeyPem: string, outDir: string, say: (line: string) => void = () => {}): Promise<Manifest> {
  const key = createPublicKey(publicKeyPem);
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true, mode: 0o700 });
  const extract = tar.extract();
  createReadStream(file).pipe(extract);
  let manifestJson: Buffer | undefined;
  let signature: string | undefined;
  let manifest: Manifest | undefined;
  const seen = new Set<string>();
  try {
    for await (const entry of extract) {
      const name = entry.header.name.replace(/^\.\//, "");
      if (entry.header.type !== "file") throw new BundleError(`the bundle has a ${entry.header.type} entry (${name}): only files are accepted`);
      if (seen.has(name)) throw new BundleError(`the bundle has ${name} twice`);
      seen.add(name);
      if (name === "manifest.json" || name === "manifest.sig") {
        const chunks: Buffer[] = [];
        let size = 0;
        for await (const chunk of entry) {
          size += (chunk as Buffer).length;
          if (size > MAX_MANIFEST) throw new BundleError(`${name} is larger than ${MAX_MANIFEST} bytes`);
          chunks.push(chunk as Buffer);
        }
        if (name === "manifest.json") manifestJson = Buffer.concat(chunks);
        else signature = Buffer.concat(chunks).toString("utf8").trim();
        if (manifestJson && signature !== undefined) {
          if (!verify(null, manifestJson, key, Buffer.from(signature, "base64"))) {
            throw new BundleError("the bundle's signature is not good: it was not signed by the key this AIOS trusts (/usr/lib/aios/update-key.pem), or it was changed after signing");
          }
          let parsed: unknown;
          try {
            parsed = JSON.parse(manifestJson.toString("utf8"));
          } catch {
            throw new BundleError("the signed manifest is not JSON");
          }
          const checked = v.safeParse(ManifestSchema, parsed);
          if (!checked.success) throw new BundleError(`the signed manifest is not one this AIOS reads: ${checked.issues.map((i) => `${v.getDotPath(i) ?? "manifest"}: ${i.message}`).join("; ")}`);
          manifest = checked.output;
          say(`signature good: ${manifest.version}`);
        }
        continue;
      }
      if (!manifest) throw new BundleError(`the bundle has ${name} before its signed manifest: refused`);
      if (!(BUNDLE_FILES as readonly string[]).includes(name)) throw new BundleError(`the bundle has ${name}, which is not one of ${BUNDLE_FILES.join(", ")}`);
      const expected = manifest.files[name as (typeof BUNDLE_FILES)[number]];
      const hasher = new Bun.CryptoHasher("sha256");
      const fd = openSync(join(outDir, name), "w", 0o600);
      let size = 0;
      try {
        for await (const chunk of entry) {
          size += (chunk as Buffer).length;
          if (size > expected.size) throw new BundleError(`${name} is larger than its manifest says (${expected.size} bytes)`);
          hasher.update(chunk as Buffer);
          writeSync(fd, chunk as Buffer);
        }
      } finally {
        closeSync(fd);
      }
      const sha256 = hasher.digest("hex");
      if (sha256 !== expected.sha256 || size !== expected.size)
        throw new BundleError(`${name} does not match the signed manifest (SHA256 ${sha256.slice(0, 16)}…, ${size} bytes): a changed or damaged bundle`);
      say(`${name}: ${Math.ceil(size / 1048576)} MiB, SHA256 good`);
    }
  } catch (error) {
    extract.destroy();
    rmSync(outDir, { recursive: true, force: true });
    if (error instanceof BundleError) throw error;
    throw new BundleError(`the bundle cannot be read: ${(error as Error).message}`);
  }
  if (!manifest) {
    rmSync(outDir, { recursive: true, force: true });
    throw new BundleError(manifestJson ? "the bundle has no manifest.sig: it is not signed" : "the bundle has no manifest.json: it is not an AIOS update");
  }
  const missing = BUNDLE_FILES.filter((f) => !seen.has(f));
  if (missing.length > 0) {
    rmSync(outDir, { recursive: true, force: true });
    throw new BundleError(`the bundle lacks ${missing.join(", ")}`);
  }
  return manifest;
}

/** Writes a bundle (just release, tests): the files of a build, signed. */
export async function writeBundle(out: string, files: Record<(typeof BUNDLE_FILES)[number], string>, meta: { version: string; commit: string }, privateKey: KeyObject): Promise<Manifest> {
  const entries: Record<string, { sha256: string; size: number }> = {};
  for (const name of BUNDLE_FILES) {
    const bytes = await Bun.file(files[name]).bytes();
    entries[name] = { sha256: new Bun.CryptoHasher("sha256").update(bytes).digest("hex"), size: bytes.length };
  }
  const manifest = v.parse(ManifestSchema, { format: 1, version: meta.version, commit: meta.commit, created: new Date().toISOString(), files: entries });
  const { json, signature } = signManifest(manifest, privateKey);
  const pack = tar.pack();
  const written = Bun.write(out, new Response(pack as unknown as ReadableStream));
  const add = (name: string, data: Buffer) => new Promise<void>((resolve, reject) => pack.entry({ name, size: data.length, mode: 0o644 }, data, (e) => (e ? reject(e) : resolve())));
  await add("manifest.json", json);
  await add("manifest.sig", Buffer.from(`${signature}\n`));
  for (const name of BUNDLE_FILES) await add(name, Buffer.from(await Bun.file(files[name]).arrayBuffer()));
  pack.finalize();
  await written;
  return manifest;
}
