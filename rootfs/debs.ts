/**
 * @module rootfs/debs
 * Debian packages for the image: downloaded once with apt into .cache/debs (apt checks them
 * against the signed archive index), re-checked against apt's SHA256 when reused from the
 * cache, and extracted once into .cache/extract. apt is asked about many packages per call:
 * each apt-cache run costs about a second.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** NAME=VERSION lines of a pin file (# comments). */
export function readPins(file: string): Array<[string, string]> {
  return readFileSync(file, "utf8")
    .split("\n")
    .map((line) => line.replace(/#.*/, "").trim())
    .filter(Boolean)
    .map((line) => {
      const [name, version] = line.split("=");
      if (!name || !version) throw new Error(`${file}: "${line}" is not NAME=VERSION`);
      return [name, version];
    });
}

export interface Deb {
  name: string;
  version: string;
  file: string;
  /** The extracted tree. */
  tree: string;
}

function sh(argv: string[], cwd?: string): string {
  const result = Bun.spawnSync(argv, { cwd, stdout: "pipe", stderr: "pipe" });
  if (result.exitCode !== 0) {
    throw new Error(`${argv.slice(0, 4).join(" ")} ... failed (exit ${result.exitCode}): ${result.stderr.toString().trim()}`);
  }
  return result.stdout.toString();
}

/** The versions apt would install now, by package name. */
export function candidateVersions(names: readonly string[]): Map<string, string> {
  const versions = new Map<string, string>();
  if (names.length === 0) return versions;
  const output = sh(["apt-cache", "policy", ...names]);
  for (const block of output.split(/\n(?=\S)/)) {
    const name = /^(\S+):/.exec(block)?.[1];
    const version = /Candidate: (\S+)/.exec(block)?.[1];
    if (name && version && version !== "(none)") versions.set(name, version);
  }
  const unknown = names.filter((n) => !versions.has(n));
  if (unknown.length > 0) throw new Error(`apt knows no candidate for ${unknown.join(", ")} (run apt-get update?)`);
  return versions;
}

/** SHA256 of NAME=VERSION from apt's index, for those it has. */
function aptSha256s(specs: ReadonlyArray<readonly [string, string]>): Map<string, string> {
  const sums = new Map<string, string>();
  const result = Bun.spawnSync(["apt-cache", "show", ...specs.map(([n, v]) => `${n}=${v}`)], { stdout: "pipe", stderr: "pipe" });
  for (const record of result.stdout.toString().split(/\n\n+/)) {
    const name = /^Package: (\S+)/m.exec(record)?.[1];
    const version = /^Version: (\S+)/m.exec(record)?.[1];
    const sha = /^SHA256: (\S+)/m.exec(record)?.[1];
    if (name && version && sha && !sums.has(`${name}=${version}`)) sums.set(`${name}=${version}`, sha);
  }
  return sums;
}

const escapeVersion = (version: string) => version.replace(/:/g, "%3a");

export class DebCache {
  private readonly dependsCache = new Map<string, string[]>();

  constructor(private readonly dir: string) {
    mkdirSync(join(dir, "debs"), { recursive: true });
    mkdirSync(join(dir, "extract"), { recursive: true });
  }

  /** These packages at exactly these versions, downloaded (once), verified and extracted. */
  getAll(specs: ReadonlyArray<readonly [string, string]>): Deb[] {
    const debs = join(this.dir, "debs");
    const sums = aptSha256s(specs);
    const located = specs.map(([name, version]) => {
      const key = `${name}=${version}`;
      const expected = sums.get(key);
      if (!expected) {
        const now = candidateVersions([name]).get(name);
        throw new Error(`${key} is not in apt's index (the candidate now is ${now}): update the pin`);
      }
      const candidates = ["amd64", "all"].map((arch) => join(debs, `${name}_${escapeVersion(version)}_${arch}.deb`));
      let file = candidates.find((f) => existsSync(f));
      if (file && new Bun.CryptoHasher("sha256").update(readFileSync(file)).digest("hex") !== expected) {
        console.error(`  ${key}: the cached file does not match apt's SHA256; downloading it again`);
        rmSync(file);
        file = undefined;
      }
      return { name, version, candidates, file };
    });
    const missing = located.filter((l) => !l.file);
    if (missing.length > 0) {
      console.error(`  downloading ${missing.map((m) => `${m.name} ${m.version}`).join(", ")}`);
      sh(["apt-get", "download", "-q", ...missing.map((m) => `${m.name}=${m.version}`)], debs);
    }
    return located.map(({ name, version, candidates, file }) => {
      const path = file ?? candidates.find((f) => existsSync(f));
      if (!path) throw new Error(`apt-get download ${name}=${version} left no .deb in ${debs}`);
      const tree = join(this.dir, "extract", `${name}_${escapeVersion(version)}`);
      if (!existsSync(join(tree, ".done"))) {
        rmSync(tree, { recursive: true, force: true });
        mkdirSync(tree, { recursive: true });
        sh(["dpkg-deb", "-x", path, tree]);
        writeFileSync(join(tree, ".done"), "");
      }
      return { name, version, file: path, tree };
    });
  }

  get(name: string, version: string): Deb {
    return this.getAll([[name, version]])[0]!;
  }

  /** One field of the package's control file ("" when it has none). */
  field(deb: Deb, name: string): string {
    return sh(["dpkg-deb", "-f", deb.file, name]).trim();
  }

  /** Direct dependencies and recommendations (first alternative of each), names only. */
  depends(deb: Deb): string[] {
    const cached = this.dependsCache.get(deb.file);
    if (cached) return cached;
    const field = sh(["dpkg-deb", "-f", deb.file, "Depends", "Pre-Depends", "Recommends"]);
    const names = field
      .split(/\n/)
      .flatMap((line) => line.replace(/^[A-Za-z-]+: /, "").split(","))
      .map((alt) =>
        alt
          .split("|")[0]!
          .trim()
          .replace(/\s*\(.*\)$/, "")
          .replace(/:any$/, ""),
      )
      .filter(Boolean);
    this.dependsCache.set(deb.file, names);
    return names;
  }
}
