/**
 * rootfs/build.ts: assembles the AIOS root tree and packs it.
 *
 *   bun rootfs/build.ts rootfs   build/rootfs/     the tree
 *   bun rootfs/build.ts initrd   build/initrd.img  stage 0: BusyBox and the modules that find the
 *                                                  root image (cpio newc, zstd), reproducible
 *                                build/root.img    the tree as squashfs, reproducible
 *                                build/vmlinuz     the kernel
 *
 * The tree: dist/aios and its symlinks, dist/llama-server; BusyBox and its applet links; the pinned Debian
 * packages of rootfs/packages.txt with the shared libraries their binaries (and Bun) need;
 * the kernel modules of kernel/modules.txt with their dependencies, indexed by depmod; and
 * rootfs/overlay. Paths are merged-/usr (/bin → usr/bin ...). Needs root (device nodes) and
 * apt-get, dpkg-deb, readelf, modinfo, depmod, cpio, zstd, mksquashfs.
 */
import {
  chmodSync,
  closeSync,
  copyFileSync,
  openSync,
  readSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { basename, dirname, join, relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import { buildBootFiles } from "./boot-files.ts";
import { candidateVersions, type Deb, DebCache, readPins } from "./debs.ts";
import { releasePublicKeyPem } from "./release-key.ts";

const REPO = resolve(import.meta.dir, "..");
const BUILD = join(REPO, "build");
const STAGING = join(BUILD, "rootfs");
const STAGE0 = join(BUILD, "stage0");
const CACHE = join(REPO, ".cache");
const LINKS = ["aios-init", "aios-memory", "aios-gateway", "aios-tools", "aios-orchestrator", "aios-console", "aiosctl"];
// What a running system never reads: documentation, translations, other init systems.
// Also Debian's per-release and removed keyrings: debian-archive-keyring.gpg holds every key in use.
// And OpenSSH's helpers for what AIOS does not do: host-based authentication (ssh-keysign, a
// setuid-root program better absent), PKCS#11 tokens and FIDO keys used from this machine as a
// client (1.6 MB; sshd checks a person's FIDO key without them).
const SKIP =
  /^(usr\/share\/(doc|man|info|locale|lintian|bug|bash-completion|zsh)|usr\/share\/keyrings\/debian-archive-(removed-keys|[a-z]+-[a-z-]+)\.gpg|usr\/lib\/openssh\/ssh-(keysign|pkcs11-helper|sk-helper)|etc\/(init\.d|rc\d\.d|cron\.[a-z]+|logrotate\.d|default|ufw|apt)|lib\/systemd|usr\/lib\/systemd|etc\/systemd)(\/|$)/;
const LIB_DIR = "usr/lib/x86_64-linux-gnu";
const EPOCH = Number(process.env.SOURCE_DATE_EPOCH ?? 0);
// The Filesystem Hierarchy Standard 3.0's directories, so that scripts and instructions written
// for any Linux find them. /home, /srv, /opt, /usr/local and /var/tmp are bound over from the
// data disk at boot (lib/init/boot.ts PERSISTENT_PATHS).
const FHS_DIRS = [
  "boot",
  "dev",
  "etc/opt",
  "home",
  "media",
  "mnt",
  "opt",
  "proc",
  "root",
  "run",
  "srv",
  "sys",
  "tmp",
  "usr/bin",
  "usr/include",
  "usr/lib64",
  "usr/sbin",
  "usr/share",
  "usr/src",
  "usr/local/bin",
  "usr/local/etc",
  "usr/local/include",
  "usr/local/lib",
  "usr/local/sbin",
  "usr/local/share",
  "usr/local/src",
  "var/cache",
  "var/lib",
  "var/local",
  "var/log",
  "var/mail",
  "var/opt",
  "var/spool",
  "var/tmp",
];

/** Which package (or "aios", "kernel modules", "rootfs/overlay") put each file in the tree: the size table. */
const ownerOf = new Map<string, string>();

const started = performance.now();
const say = (line: string) => console.error(`[${((performance.now() - started) / 1000).toFixed(1).padStart(5)} s] ${line}`);

function sh(argv: string[], options: { cwd?: string; input?: string } = {}): string {
  const result = Bun.spawnSync(argv, { cwd: options.cwd, stdin: options.input ? Buffer.from(options.input) : "ignore", stdout: "pipe", stderr: "pipe" });
  if (result.exitCode !== 0) throw new Error(`${argv.join(" ")} failed (exit ${result.exitCode}): ${result.stderr.toString().trim()}`);
  return result.stdout.toString();
}

/**
 * /usr/lib/aios/packages: the image's Debian packages as the package manager's base list
 * ([pkg] base): what it never installs again. Library packages count though the image has only
 * the libraries its programs need.
 */
function writeBaseList(cache: DebCache, debs: readonly Deb[]): void {
  const stanzas = [...new Map(debs.map((d) => [d.name, d])).values()]
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((deb) => {
      const provides = cache.field(deb, "Provides");
      return `Package: ${deb.name}\nVersion: ${deb.version}\n${provides ? `Provides: ${provides}\n` : ""}`;
    });
  mkdirSync(join(STAGING, "usr/lib/aios"), { recursive: true });
  writeFileSync(join(STAGING, "usr/lib/aios/packages"), stanzas.join("\n"));
}

/** Maps a package path onto the merged-/usr tree. */
function mergedUsr(path: string): string {
  return path.replace(/^(bin|sbin|lib|lib64)(\/|$)/, "usr/$1$2");
}

function walk(dir: string, into: (rel: string) => void, base = dir): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    const rel = relative(base, full);
    into(rel);
    if (entry.isDirectory() && !entry.isSymbolicLink()) walk(full, into, base);
  }
}

/** Copies a package tree into the staging tree, merged-/usr, without the SKIP paths. */
function install(deb: Deb): void {
  walk(deb.tree, (rel) => {
    if (rel === ".done" || SKIP.test(rel)) return;
    const from = join(deb.tree, rel);
    const to = join(STAGING, mergedUsr(rel));
    const stat = lstatSync(from);
    if (stat.isDirectory()) {
      mkdirSync(to, { recursive: true, mode: stat.mode & 0o7777 });
    } else if (stat.isSymbolicLink()) {
      mkdirSync(dirname(to), { recursive: true });
      rmSync(to, { force: true });
      symlinkSync(readlinkSync(from).replace(/^\/(bin|sbin|lib|lib64)\//, "/usr/$1/"), to);
    } else {
      mkdirSync(dirname(to), { recursive: true });
      rmSync(to, { force: true });
      copyFileSync(from, to);
      chmodSync(to, stat.mode & 0o7777);
      ownerOf.set(relative(STAGING, to), deb.name);
    }
  });
}

function skeleton(): void {
  rmSync(STAGING, { recursive: true, force: true });
  for (const dir of [...FHS_DIRS, `usr/${LIB_DIR.slice(4)}`, "var/lib/aios", "var/log/aios", "var/empty"]) {
    mkdirSync(join(STAGING, dir), { recursive: true });
  }
  for (const dir of ["bin", "sbin", "lib", "lib64"]) symlinkSync(`usr/${dir}`, join(STAGING, dir));
  symlinkSync("/run", join(STAGING, "var/run"));
  symlinkSync("/run/lock", join(STAGING, "var/lock"));
  // BusyBox df and mount, and many scripts, read the mount table from /etc/mtab.
  symlinkSync("/proc/self/mounts", join(STAGING, "etc/mtab"));
  for (const dir of ["tmp", "var/tmp"]) chmodSync(join(STAGING, dir), 0o1777);
  chmodSync(join(STAGING, "root"), 0o700);
}

function installBusybox(cache: DebCache, pins: Map<string, string>): Deb {
  const version = pins.get("busybox-static");
  if (!version) throw new Error("rootfs/packages.txt must pin busybox-static");
  const deb = cache.get("busybox-static", version);
  copyFileSync(join(deb.tree, "bin/busybox"), join(STAGING, "usr/bin/busybox"));
  ownerOf.set("usr/bin/busybox", deb.name);
  chmodSync(join(STAGING, "usr/bin/busybox"), 0o755);
  for (const applet of sh([join(deb.tree, "bin/busybox"), "--list-full"])
    .trim()
    .split("\n")) {
    const target = join(STAGING, mergedUsr(applet));
    if (existsSync(target) || lstatSync(dirname(target), { throwIfNoEntry: false }) === undefined) continue;
    symlinkSync("/usr/bin/busybox", target);
  }
  return deb;
}

/** /etc/os-release (and /usr/lib's, its FHS home): what programs and people read to know the system. */
function writeOsRelease(): void {
  const version = (JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as { version: string }).version;
  const text = [`NAME="AIOS"`, `ID=aios`, `ID_LIKE=debian`, `VERSION="${version}"`, `VERSION_ID="${version}"`, `PRETTY_NAME="AIOS ${version}"`, ""].join("\n");
  mkdirSync(join(STAGING, "usr/lib"), { recursive: true });
  writeFileSync(join(STAGING, "usr/lib/os-release"), text);
  writeFileSync(join(STAGING, "etc/os-release"), text);
}

function installAios(): void {
  writeOsRelease();
  const binary = join(REPO, "dist/aios");
  if (!existsSync(binary)) throw new Error("dist/aios is missing: run just build first (just iso does)");
  copyFileSync(binary, join(STAGING, "usr/bin/aios"));
  chmodSync(join(STAGING, "usr/bin/aios"), 0o755);
  // The sqlite-vec extension aios-memory loads (found beside the executable at ../lib/aios).
  mkdirSync(join(STAGING, "usr/lib/aios"), { recursive: true });
  copyFileSync(join(REPO, "dist/vec0.so"), join(STAGING, "usr/lib/aios/vec0.so"));
  // The static llama-server aios-gateway runs for local models (gateway.llama_server).
  const llama = join(REPO, "dist/llama-server");
  if (!existsSync(llama)) throw new Error("dist/llama-server is missing: run just llama-server first (just iso does)");
  copyFileSync(llama, join(STAGING, "usr/bin/llama-server"));
  chmodSync(join(STAGING, "usr/bin/llama-server"), 0o755);
  for (const link of LINKS) {
    rmSync(join(STAGING, "usr/bin", link), { force: true });
    symlinkSync("aios", join(STAGING, "usr/bin", link));
  }
  // What aiosctl install writes for GRUB, and the public key aiosctl update trusts.
  buildBootFiles(join(STAGING, "usr/lib/aios/boot"), join(BUILD, "boot-scratch"));
  writeFileSync(join(STAGING, "usr/lib/aios/update-key.pem"), releasePublicKeyPem(say));
}

const neededCache = new Map<string, string[]>();

/** NEEDED sonames of an ELF file, or [] for anything else. */
function needed(path: string): string[] {
  let sonames = neededCache.get(path);
  if (!sonames) {
    sonames = readNeeded(path);
    neededCache.set(path, sonames);
  }
  return sonames;
}

function readNeeded(path: string): string[] {
  const head = Buffer.alloc(4);
  const fd = openSync(path, "r");
  readSync(fd, head, 0, 4, 0);
  closeSync(fd);
  if (head.toString("latin1") !== "\x7fELF") return [];
  const result = Bun.spawnSync(["readelf", "-d", path], { stdout: "pipe", stderr: "ignore" });
  return [...result.stdout.toString().matchAll(/\(NEEDED\)\s+Shared library: \[([^\]]+)\]/g)].map((m) => m[1]!);
}

function elfFiles(): string[] {
  const files: string[] = [];
  walk(STAGING, (rel) => {
    const full = join(STAGING, rel);
    const stat = lstatSync(full);
    if (stat.isFile() && (stat.mode & 0o111 || rel.includes(".so"))) files.push(full);
  });
  return files;
}

function presentSonames(): Set<string> {
  const names = new Set<string>();
  for (const dir of [LIB_DIR, "usr/lib64", "usr/lib"]) {
    if (existsSync(join(STAGING, dir))) for (const f of readdirSync(join(STAGING, dir))) names.add(f);
  }
  return names;
}

/** Finds a soname's real file in an extracted lib package. */
function findSoname(tree: string, soname: string): string | undefined {
  for (const dir of ["lib/x86_64-linux-gnu", "usr/lib/x86_64-linux-gnu", "lib64", "usr/lib64", "lib", "usr/lib"]) {
    const candidate = join(tree, dir, soname);
    if (existsSync(candidate)) return realpathSync(candidate);
  }
  return undefined;
}

/** Adds the shared libraries every ELF file in the tree needs, from the packages' lib deps. */
function resolveLibraries(cache: DebCache, installed: Deb[]): Deb[] {
  const fetched = new Map(installed.map((d) => [d.name, d]));
  const libDebs: Deb[] = [];
  const tried = new Set<string>();
  for (let round = 0; round < 12; round++) {
    const present = presentSonames();
    const missing = new Set<string>();
    for (const file of elfFiles()) for (const soname of needed(file)) if (!present.has(soname)) missing.add(soname);
    if (missing.size === 0) return libDebs;
    // Look in the lib packages already fetched first, then fetch the next ring of lib deps.
    for (const deb of libDebs) {
      for (const soname of missing) {
        const found = findSoname(deb.tree, soname);
        if (found) {
          const to = join(STAGING, soname === "ld-linux-x86-64.so.2" ? "usr/lib64" : LIB_DIR, soname);
          copyFileSync(found, to);
          chmodSync(to, 0o755);
          ownerOf.set(relative(STAGING, to), deb.name);
          missing.delete(soname);
        }
      }
    }
    if (missing.size === 0) continue;
    const next = new Set<string>();
    for (const deb of [...fetched.values()]) {
      for (const dep of cache.depends(deb)) if (/^(lib|zlib)/.test(dep) && !fetched.has(dep) && !tried.has(dep)) next.add(dep);
    }
    if (next.size === 0) throw new Error(`no package provides ${[...missing].join(", ")}: add its package to rootfs/packages.txt`);
    for (const name of next) tried.add(name);
    const versions = candidateVersions([...next]);
    for (const deb of cache.getAll([...versions])) {
      fetched.set(deb.name, deb);
      libDebs.push(deb);
    }
  }
  throw new Error("shared library resolution did not settle after 12 rounds");
}

/** The pinned kernel package: its version, its vmlinuz, its modules directory. */
function kernelPackage(cache: DebCache): { version: string; vmlinuz: string; modulesRoot: string; name: string } {
  const [[name, pin]] = readPins(join(REPO, "kernel/kernel.txt")) as [[string, string]];
  const deb = cache.get(name, pin);
  const version = name.replace(/^linux-image-/, "");
  return { name, version, vmlinuz: join(deb.tree, "boot", `vmlinuz-${version}`), modulesRoot: join(deb.tree, "lib/modules", version) };
}

/** The modules a list names, with everything they depend on (modinfo), into tree's usr/lib/modules, indexed by depmod. */
function copyModules(kernel: ReturnType<typeof kernelPackage>, listFile: string, tree: string): { lines: string[]; count: number } {
  const { modulesRoot, version, name } = kernel;
  const byName = new Map<string, string>();
  walk(modulesRoot, (rel) => {
    if (rel.endsWith(".ko")) byName.set(basename(rel, ".ko").replace(/-/g, "_"), rel);
  });
  const builtin = readFileSync(join(modulesRoot, "modules.builtin"), "utf8")
    .split("\n")
    .map((line) => basename(line, ".ko").replace(/-/g, "_"));
  const wanted = new Set<string>();
  const add = (module: string) => {
    const key = module.replace(/-/g, "_");
    if (wanted.has(key)) return;
    const rel = byName.get(key);
    if (!rel) {
      if (builtin.includes(key)) return;
      throw new Error(`${relative(REPO, listFile)}: no module "${module}" in ${name}`);
    }
    wanted.add(key);
    const deps = sh(["modinfo", "-F", "depends", join(modulesRoot, rel)]).trim();
    for (const dep of deps.split(",").filter(Boolean)) add(dep);
  };
  const lines = readFileSync(listFile, "utf8")
    .split("\n")
    .map((l) => l.replace(/#.*/, "").trim())
    .filter(Boolean);
  for (const module of lines.flatMap((line) => line.split(/\s+/))) add(module);
  const target = join(tree, "usr/lib/modules", version);
  for (const key of wanted) {
    const rel = byName.get(key)!;
    mkdirSync(dirname(join(target, rel)), { recursive: true });
    copyFileSync(join(modulesRoot, rel), join(target, rel));
    if (tree === STAGING) ownerOf.set(relative(STAGING, join(target, rel)), `${name} (modules)`);
  }
  for (const file of ["modules.builtin", "modules.builtin.modinfo", "modules.order"]) copyFileSync(join(modulesRoot, file), join(target, file));
  sh(["depmod", "-b", tree, version]);
  return { lines, count: wanted.size };
}

function installKernel(cache: DebCache): { version: string; vmlinuz: string } {
  const kernel = kernelPackage(cache);
  const { count } = copyModules(kernel, join(REPO, "kernel/modules.txt"), STAGING);
  say(`  kernel ${kernel.version}: ${count} modules`);
  return kernel;
}

/**
 * The stage-0 initramfs tree (build/stage0): static BusyBox, rootfs/stage0.sh as /init, and the
 * modules of kernel/boot-modules.txt, which it loads to find the root image and mount it.
 */
function buildStage0(cache: DebCache, busybox: Deb): void {
  rmSync(STAGE0, { recursive: true, force: true });
  for (const dir of ["usr/bin", "proc", "sys", "dev", "etc/aios-stage0"]) mkdirSync(join(STAGE0, dir), { recursive: true });
  for (const dir of ["bin", "sbin", "lib"]) symlinkSync(`usr/${dir === "lib" ? "lib" : "bin"}`, join(STAGE0, dir));
  copyFileSync(join(busybox.tree, "bin/busybox"), join(STAGE0, "usr/bin/busybox"));
  chmodSync(join(STAGE0, "usr/bin/busybox"), 0o755);
  symlinkSync("busybox", join(STAGE0, "usr/bin/sh"));
  const { lines, count } = copyModules(kernelPackage(cache), join(REPO, "kernel/boot-modules.txt"), STAGE0);
  writeFileSync(join(STAGE0, "etc/aios-stage0/modules"), `${lines.join("\n")}\n`);
  copyFileSync(join(REPO, "rootfs/stage0.sh"), join(STAGE0, "init"));
  chmodSync(join(STAGE0, "init"), 0o755);
  sh(["mknod", "-m", "600", join(STAGE0, "dev/console"), "c", "5", "1"]);
  say(`  stage 0: BusyBox and ${count} modules`);
}

function finish(): void {
  cpSync(join(REPO, "rootfs/overlay"), STAGING, { recursive: true, verbatimSymlinks: true });
  // /init: stage 1 (rootfs/init.sh): /proc, then PID 1 to aios-init (DESIGN.md 1).
  copyFileSync(join(REPO, "rootfs/init.sh"), join(STAGING, "init"));
  chmodSync(join(STAGING, "init"), 0o755);
  // The kernel opens /dev/console for PID 1 before anything can mount devtmpfs.
  sh(["mknod", "-m", "600", join(STAGING, "dev/console"), "c", "5", "1"]);
  sh(["mknod", "-m", "666", join(STAGING, "dev/null"), "c", "1", "3"]);
  // What update-ca-certificates would write at install time.
  const certs = join(STAGING, "usr/share/ca-certificates");
  if (existsSync(certs)) {
    const bundle: string[] = [];
    walk(certs, (rel) => {
      if (rel.endsWith(".crt")) bundle.push(readFileSync(join(certs, rel), "utf8"));
    });
    mkdirSync(join(STAGING, "etc/ssl/certs"), { recursive: true });
    writeFileSync(join(STAGING, "etc/ssl/certs/ca-certificates.crt"), bundle.sort().join(""));
    // Every program here reads the bundle (curl, Bun, OpenSSL's default path): the 140 files it
    // was made from would be the same certificates twice.
    rmSync(certs, { recursive: true, force: true });
  }
  for (const secret of ["etc/shadow"]) if (existsSync(join(STAGING, secret))) chmodSync(join(STAGING, secret), 0o640);
}

export function buildRootfs(): { kernelVersion: string; vmlinuz: string; busybox: Deb; cache: DebCache } {
  const cache = new DebCache(CACHE);
  const pins = new Map(readPins(join(REPO, "rootfs/packages.txt")));
  say("assembling build/rootfs");
  skeleton();
  const busybox = installBusybox(cache, pins);
  say("  packages");
  const packages = cache.getAll([...pins].filter(([name]) => name !== "busybox-static"));
  for (const deb of packages) install(deb);
  installAios();
  say("  shared libraries");
  const libs = resolveLibraries(cache, [busybox, ...packages]);
  say(`  ${packages.length + 1} packages, libraries from ${libs.map((d) => d.name).join(", ")}`);
  writeBaseList(cache, [busybox, ...packages, ...libs]);
  // Fetched with the image's packages (same checks), for the package manager's tests.
  cache.getAll(readPins(join(REPO, "rootfs/test-packages.txt")));
  say("  kernel");
  const kernel = installKernel(cache);
  finish();
  say("  tree done");
  return { kernelVersion: kernel.version, vmlinuz: kernel.vmlinuz, busybox, cache };
}

/**
 * What the root image is made of, uncompressed: bytes by file class and by the package that
 * put each file there, written to build/rootfs-sizes.txt and summed up in the build's output.
 */
function sizeTable(outDir: string): void {
  const byClass = new Map<string, number>();
  const byOwner = new Map<string, number>();
  const classOf = (rel: string) =>
    rel === "usr/bin/aios"
      ? "the aios executable"
      : rel === "usr/bin/llama-server"
        ? "llama-server"
        : rel.startsWith("usr/lib/modules/")
          ? "kernel modules"
          : /^usr\/(lib\/x86_64-linux-gnu|lib64)\//.test(rel) || /\.so(\.\d+)*$/.test(rel)
            ? "shared libraries"
            : /^usr\/(s?bin|libexec|lib\/openssh)\//.test(rel)
              ? "other programs"
              : "configuration and data";
  walk(STAGING, (rel) => {
    const stat = lstatSync(join(STAGING, rel));
    if (!stat.isFile()) return;
    const owner = ownerOf.get(rel) ?? (rel === "usr/bin/aios" || rel === "usr/bin/llama-server" || rel.startsWith("usr/lib/aios/") ? "aios" : "rootfs/overlay and generated");
    byClass.set(classOf(rel), (byClass.get(classOf(rel)) ?? 0) + stat.size);
    byOwner.set(owner, (byOwner.get(owner) ?? 0) + stat.size);
  });
  const total = [...byClass.values()].reduce((a, b) => a + b, 0);
  const rows = (map: Map<string, number>) =>
    [...map].sort((a, b) => b[1] - a[1]).map(([name, bytes]) => `  ${(bytes / 1024 / 1024).toFixed(2).padStart(8)} MiB  ${((100 * bytes) / total).toFixed(1).padStart(5)}%  ${name}`);
  const text = [`the root tree, uncompressed: ${(total / 1024 / 1024).toFixed(1)} MiB`, "", "by file class:", ...rows(byClass), "", "by package:", ...rows(byOwner), ""].join("\n");
  writeFileSync(join(outDir, "rootfs-sizes.txt"), text);
  say(
    `  sizes: ${rows(byClass)
      .map((r) => r.trim().replace(/\s+/g, " "))
      .join("; ")} (build/rootfs-sizes.txt by package)`,
  );
}

/** Every mtime EPOCH, so that identical trees pack to identical bytes. */
function stamp(tree: string): void {
  sh(["find", tree, "-exec", "touch", "-h", "-d", `@${EPOCH}`, "{}", "+"]);
}

/**
 * cpio newc in sorted order, owner 0:0, every mtime EPOCH; zstd (one thread, so the bytes do
 * not depend on the machine). Byte-identical for identical trees. The stage-0 initramfs is
 * small: what decides the boot is the root image. zstd -19 against lz4 -9, measured: 2.1 MB
 * instead of 3.2 (one MB less for GRUB's BIOS disk calls to read), unpacked by the kernel under
 * QEMU TCG in 0.29-0.30 s instead of 0.19-0.24 (DESIGN.md 6a).
 */
export function packInitrd(tree: string, out: string, level: number): void {
  stamp(tree);
  const list = sh(["find", ".", "-mindepth", "1"], { cwd: tree }).trim().split("\n").sort();
  const cpio = `${out}.cpio`;
  const result = Bun.spawnSync(["cpio", "-o", "-H", "newc", "-R", "0:0", "--reproducible", "--quiet", "-O", cpio], {
    cwd: tree,
    stdin: Buffer.from(list.join("\n") + "\n"),
    stderr: "pipe",
  });
  if (result.exitCode !== 0) throw new Error(`cpio failed: ${result.stderr.toString()}`);
  sh(["zstd", "-q", "-f", "--no-progress", "-T1", `-${level}`, cpio, "-o", out]);
  rmSync(cpio);
}

export const ROOT_COMPRESSIONS = ["zstd", "lz4", "xz"] as const;
export type RootCompression = (typeof ROOT_COMPRESSIONS)[number];

/**
 * The root image: the tree as squashfs, read-only, paged in from the medium as it is used and
 * dropped under memory pressure (DESIGN.md 6a says why this compression). Reproducible: owner
 * 0:0, every time EPOCH (mksquashfs output does not depend on its threads).
 */
const ROOT_BLOCK_BYTES = 1 << 20;

export function packRoot(out: string, compression: RootCompression): void {
  stamp(STAGING);
  rmSync(out, { force: true });
  const options = compression === "zstd" ? ["-Xcompression-level", "19"] : compression === "lz4" ? ["-Xhc"] : [];
  // 1 MiB blocks, the largest squashfs has: 4.9 MiB smaller than 128 KiB with zstd, and the
  // first Bun start reads the executable in as fast (DESIGN.md 6a).
  sh([
    "mksquashfs",
    STAGING,
    out,
    "-noappend",
    "-quiet",
    "-no-progress",
    "-all-root",
    "-comp",
    compression,
    ...options,
    "-b",
    String(ROOT_BLOCK_BYTES),
    "-mkfs-time",
    String(EPOCH),
    "-all-time",
    String(EPOCH),
  ]);
}

if (import.meta.main) {
  const { values, positionals } = parseArgs({
    args: process.argv.slice(2),
    options: { "out-dir": { type: "string" }, level: { type: "string" }, compression: { type: "string" } },
    allowPositionals: true,
  });
  const what = positionals[0] ?? "initrd";
  const usage = `usage: bun rootfs/build.ts [rootfs|initrd] [--out-dir DIR] [--level N] [--compression ${ROOT_COMPRESSIONS.join("|")}]`;
  if (what !== "initrd" && what !== "rootfs") throw new Error(usage);
  const level = Number(values.level ?? process.env.AIOS_INITRD_LEVEL ?? 19);
  const compression = (values.compression ?? process.env.AIOS_ROOT_COMPRESSION ?? "zstd") as RootCompression;
  if (!ROOT_COMPRESSIONS.includes(compression)) throw new Error(usage);
  const outDir = resolve(values["out-dir"] ?? BUILD);
  mkdirSync(outDir, { recursive: true });
  const { vmlinuz, busybox, cache } = buildRootfs();
  if (what === "initrd") {
    buildStage0(cache, busybox);
    copyFileSync(vmlinuz, join(outDir, "vmlinuz"));
    packInitrd(STAGE0, join(outDir, "initrd.img"), level);
    sizeTable(outDir);
    say(`  root image (squashfs, ${compression})`);
    packRoot(join(outDir, "root.img"), compression);
    const size = (f: string) => `${(statSync(join(outDir, f)).size / 1024 / 1024).toFixed(1)} MiB`;
    say(`built ${relative(REPO, outDir) || "."}/vmlinuz (${size("vmlinuz")}), initrd.img (${size("initrd.img")}, stage 0, zstd -${level}) and root.img (${size("root.img")}, squashfs ${compression})`);
  }
}
