/**
 * @module rootfs/debs
 * Debian packages for the image: downloaded once with apt into .cache/debs (apt checks them
 * against the signed archive index), re-checked against apt's SHA256 when reused from the
 * cache, and extracted once into .cache/extract.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

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
    throw new Error(`${argv.join(" ")} failed (exit ${result.exitCode}): ${result.stderr.toString().trim()}`);
  }
  return result.stdout.toString();
}

export function candidateVersion(name: string): string {
  const policy = sh(["apt-cache", "policy", name]);
  const version = /Candidate: (\S+)/.exec(policy)?.[1];
  if (!version || version === "(none)") throw new Error(`apt knows no package "${name}" (run apt-get update?)`);
  return version;
}

function aptSha256(name: string, version: string): string | undefined {
  try {
    return /^SHA256: (\S+)/m.exec(sh(["apt-cache", "show", `${name}=${version}`]))?.[1];
  } catch {
    return undefined;
  }
}

export class DebCache {
  constructor(private readonly dir: string) {
    mkdirSync(join(dir, "debs"), { recursive: true });
    mkdirSync(join(dir, "extract"), { recursive: true });
  }

  /** The package at exactly this version, downloaded and extracted. */
  get(name: string, version: string): Deb {
    const debs = join(this.dir, "debs");
    const escaped = version.replace(/:/g, "%3a");
    const file = join(debs, `${name}_${escaped}_amd64.deb`);
    const fileAll = join(debs, `${name}_${escaped}_all.deb`);
    let path = existsSync(file) ? file : existsSync(fileAll) ? fileAll : undefined;
    const expected = aptSha256(name, version);
    if (path && expected) {
      const actual = new Bun.CryptoHasher("sha256").update(readFileSync(path)).digest("hex");
      if (actual !== expected) {
        console.error(`  ${name} ${version}: cached file does not match apt's SHA256; downloading again`);
        rmSync(path);
        path = undefined;
      }
    }
    if (!path) {
      if (!expected) {
        throw new Error(`${name}=${version} is not in apt's index (the candidate now is ${candidateVersion(name)}): update the pin`);
      }
      console.error(`  downloading ${name} ${version}`);
      sh(["apt-get", "download", "-q", `${name}=${version}`], debs);
      path = [file, fileAll].find((f) => existsSync(f)) ?? readdirSync(debs).map((f) => join(debs, f)).find((f) => f.includes(`/${name}_${escaped}_`));
      if (!path) throw new Error(`apt-get download ${name}=${version} left no .deb in ${debs}`);
    }
    const tree = join(this.dir, "extract", `${name}_${escaped}`);
    if (!existsSync(join(tree, ".done"))) {
      sh(["rm", "-rf", tree]);
      mkdirSync(tree, { recursive: true });
      sh(["dpkg-deb", "-x", path, tree]);
      writeFileSync(join(tree, ".done"), "");
    }
    return { name, version, file: path, tree };
  }

  private readonly dependsCache = new Map<string, string[]>();

  /** Direct dependencies and recommendations (first alternative of each), names only. */
  depends(deb: Deb): string[] {
    const cached = this.dependsCache.get(deb.file);
    if (cached) return cached;
    const field = sh(["dpkg-deb", "-f", deb.file, "Depends", "Pre-Depends", "Recommends"]);
    const names = field
      .split(/\n/)
      .flatMap((line) => line.replace(/^[A-Za-z-]+: /, "").split(","))
      .map((alt) => alt.split("|")[0]!.trim().replace(/\s*\(.*\)$/, "").replace(/:any$/, ""))
      .filter(Boolean);
    this.dependsCache.set(deb.file, names);
    return names;
  }
}
