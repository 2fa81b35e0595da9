/**
 * The package manager against a real Debian-format repository on loopback (test/support/
 * deb-repo: jq and the two libraries it needs, from Debian 12): install with dependencies,
 * run the program, remove exactly what was put there; a tampered .deb, a tampered index and a
 * Release signed by a stranger refused before anything is unpacked; a library still needed
 * kept; a cut-short unpack cleaned up by remove.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { type DebRepo, startDebRepo } from "../../test/support/deb-repo.ts";
import { PackageManager, type PackageSettings } from "./manager.ts";
import { readKeyring, verifyInRelease } from "./release.ts";

let repo: DebRepo;
let scratch: string;

beforeAll(async () => {
  repo = await startDebRepo();
  scratch = mkdtempSync(join(tmpdir(), "aios-pkg-"));
  // The image's list as the machine has it: libc6 is there, the rest is not.
  writeFileSync(join(scratch, "base"), "Package: libc6\nVersion: 2.36-9+deb12u14\n\nPackage: busybox-static\nVersion: 1:1.35.0-4+deb12u1+b1\nProvides: busybox\n");
});
afterAll(() => {
  repo.close();
  rmSync(scratch, { recursive: true, force: true });
});

function manager(name: string, settings: Partial<PackageSettings> = {}): PackageManager {
  return new PackageManager({ dir: join(scratch, name), mirror: repo.url, suite: "bookworm", components: ["main"], keyring: repo.keyring, base: join(scratch, "base"), ...settings });
}

/** Every path under dir except the database and the download cache. */
function tree(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return (readdirSync(dir, { recursive: true }) as string[])
    .map((p) => relative(dir, join(dir, p)))
    .filter((p) => !/^(pkg\.db|cache)/.test(p))
    .sort();
}

function run(command: string): { code: number; out: string } {
  const r = Bun.spawnSync(["/bin/sh", "-c", command], { stdout: "pipe", stderr: "pipe" });
  return { code: r.exitCode, out: `${r.stdout}${r.stderr}` };
}

describe("packages from a signed Debian repository", () => {
  test("install jq with its libraries, run it, remove exactly what was installed", async () => {
    const m = manager("main");
    const before = tree(join(scratch, "main"));
    const found = await m.search("json processor");
    expect(found.map((p) => p.name)).toEqual(["jq", "libjq1"]);
    const result = await m.install(["jq"]);
    expect(result.installed.map((p) => [p.name, p.version, p.auto])).toEqual([
      ["libonig5", repo.debs.get("libonig5")!.version, true],
      ["libjq1", repo.debs.get("libjq1")!.version, true],
      ["jq", repo.debs.get("jq")!.version, false],
    ]);
    expect(result.installed.at(-1)!.commands).toEqual(["jq"]);
    // The libraries' postinst (ldconfig triggers) were not run, and the result says what that means.
    expect(result.installed[0]!.scripts_not_run.length).toBeGreaterThan(0);
    expect(result.note).toContain("no maintainer scripts");
    const jq = join(scratch, "main/bin/jq");
    expect(run(`echo '{"a":[1,2,3]}' | ${jq} -c '.a | map(. * 2)'`)).toEqual({ code: 0, out: "[2,4,6]\n" });
    // Its library is the package's own copy, found through the command's loader path.
    expect(run(`LD_DEBUG=libs ${jq} --version 2>&1 | grep 'calling init: .*libjq'`).out).toContain(join(scratch, "main/root"));
    expect((await m.list()).map((p) => `${p.name}:${p.state}`)).toEqual(["jq:installed", "libjq1:installed", "libonig5:installed"]);
    expect((await m.info("jq")).status).toBe("installed");
    // Again: already there.
    await expect(m.install(["jq"])).rejects.toThrow("jq 1.6-2.1+deb12u3 is installed already");
    await expect(m.install(["libc6"])).rejects.toThrow("part of the image already");

    // libjq1 is still needed by jq.
    await expect(m.remove(["libjq1"])).rejects.toThrow("jq still needs libjq1");
    const removed = await m.remove(["jq"]);
    expect(removed.removed.map((r) => r.name).sort()).toEqual(["jq", "libjq1", "libonig5"]);
    expect(tree(join(scratch, "main")).filter((p) => p !== "root" && p !== "bin")).toEqual(before.filter((p) => p !== "root" && p !== "bin"));
    expect(tree(join(scratch, "main/root"))).toEqual([]);
    expect(existsSync(jq)).toBe(false);
    m.close();
  });

  test("the mirror's directory works as well as its URL", async () => {
    const m = manager("directory", { mirror: repo.dir });
    expect((await m.install(["libonig5"])).installed.map((p) => p.name)).toEqual(["libonig5"]);
    m.close();
  });

  test("a .deb changed after the index was signed is refused before anything is unpacked", async () => {
    const m = manager("tampered-deb");
    await m.update();
    repo.tamperDeb("libjq1");
    try {
      await expect(m.install(["jq"])).rejects.toThrow(/libjq1_1\.6-2\.1\+deb12u3_amd64\.deb does not match the mirror's signed index .*nothing was installed/);
      expect(await m.list()).toEqual([]);
      expect(tree(join(scratch, "tampered-deb/root"))).toEqual([]);
    } finally {
      // Put the original back for the other tests.
      writeFileSync(repo.debs.get("libjq1")!.path, readFileSync(join(import.meta.dir, "../../.cache/debs", relative(join(repo.dir, "pool/main"), repo.debs.get("libjq1")!.path))));
      m.close();
    }
  });

  test("an index changed after the Release was signed is refused, and the index kept is unchanged", async () => {
    const m = manager("tampered-index");
    await m.update();
    repo.tamperIndex();
    try {
      await expect(m.update()).rejects.toThrow(/Packages\.gz does not match the signed Release/);
      expect((await m.search("jq")).map((p) => p.name)).toContain("jq");
    } finally {
      // A fresh, honestly signed index again.
      await repo.sign();
      m.close();
    }
  });

  test("a Release signed by a key not in the keyring is not trusted", async () => {
    const stranger = join(scratch, "stranger.asc");
    const other = await startDebRepo();
    writeFileSync(stranger, readFileSync(other.keyring));
    other.close();
    const m = manager("stranger", { keyring: stranger });
    await expect(m.search("jq")).rejects.toThrow(/InRelease has no good signature from a key in the keyring/);
    m.close();
  });

  test("a Release of another suite is refused (no downgrade to a different signed suite)", async () => {
    const m = manager("suite", { suite: "trixie" });
    await expect(m.update()).rejects.toThrow(/not found/);
    // bookworm's signed Release served as trixie's: the signature is good, the suite is not.
    cpSync(join(repo.dir, "dists/bookworm"), join(repo.dir, "dists/trixie"), { recursive: true });
    await expect(m.update()).rejects.toThrow("the mirror's Release is for bookworm, not trixie");
    m.close();
  });

  test("an unpack cut short is on record as half-installed and remove cleans it up", async () => {
    const dir = join(scratch, "cut");
    // A file where the package needs a directory stops the unpack half-way.
    mkdirSync(join(dir, "root/usr/lib"), { recursive: true });
    writeFileSync(join(dir, "root/usr/lib/x86_64-linux-gnu"), "in the way");
    const m = manager("cut");
    await expect(m.install(["libonig5"])).rejects.toThrow(/is in the way \(not a directory\)/);
    expect((await m.list()).map((p) => `${p.name}:${p.state}`)).toEqual(["libonig5:half-installed"]);
    rmSync(join(dir, "root/usr/lib/x86_64-linux-gnu"));
    await m.remove(["libonig5"]);
    expect(await m.list()).toEqual([]);
    expect((await m.install(["libonig5"])).installed.map((p) => p.name)).toEqual(["libonig5"]);
    m.close();
  });
});

describe("Debian's own archive signature", () => {
  const lists = "/var/lib/apt/lists";
  const inRelease = existsSync(lists) ? readdirSync(lists).find((f) => f.endsWith("_dists_bookworm_InRelease")) : undefined;
  test.skipIf(!inRelease || !existsSync("/usr/share/keyrings/debian-archive-keyring.gpg"))(
    "this machine's apt InRelease for bookworm verifies with Debian's keyring, and not once changed",
    async () => {
      const keys = await readKeyring(readFileSync("/usr/share/keyrings/debian-archive-keyring.gpg"));
      const text = readFileSync(join(lists, inRelease!), "utf8");
      const release = await verifyInRelease(text, keys, "bookworm");
      expect(release.codename).toBe("bookworm");
      expect(release.files.has("main/binary-amd64/Packages.xz")).toBe(true);
      const changed = text.replace(/^( [0-9a-f]{64})(\s+\d+ main\/binary-amd64\/Packages\.xz)$/m, (_m, _h, rest) => ` ${"1".repeat(64)}${rest}`);
      expect(changed).not.toBe(text);
      await expect(verifyInRelease(changed, keys, "bookworm")).rejects.toThrow("no good signature");
    },
  );
});
