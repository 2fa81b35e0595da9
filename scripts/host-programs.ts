/**
 * scripts/host-programs: every program the build, the tests and the benches run on the host,
 * with the Debian package that provides it. One list: `just deps` installs from it
 * (scripts/deps.ts), test/host-programs.test.ts fails with the program and its package when
 * one is missing and fails when code runs a program that is not listed here. A program found
 * only because a machine happened to have it is how a fresh machine's `just test` went red.
 *
 * Essential Debian packages (coreutils, util-linux, findutils, tar, gzip, dpkg, ...) are on
 * every Debian system; they are listed too, so that the list is the whole truth about what
 * runs, and installing them is a no-op.
 */
import { existsSync } from "node:fs";

/** What a program is needed for: each is a group `just deps GROUP` can install alone. */
export type Use = "image" | "llama-server" | "qemu" | "tests" | "tools" | "bench" | "browser";

export interface HostProgram {
  /** The Debian 12 package that provides it. */
  debian: string;
  for: readonly Use[];
  /** Part of the README's starting point (Node.js and npm): checked, never installed by apt. */
  given?: true;
}

/** Searched after PATH: root's programs live in sbin, which a user's PATH may lack. */
const SBIN = "/usr/sbin:/sbin";

// Keys are program names looked up in PATH (plus sbin), or absolute paths of files or
// directories that must exist.
export const HOST_PROGRAMS = {
  // The image: rootfs/build.ts, rootfs/debs.ts, the Justfile's iso recipe.
  // The package tests build their repository from the image build's cached .debs (rootfs/debs).
  "apt-get": { debian: "apt", for: ["image", "tests"] },
  "apt-cache": { debian: "apt", for: ["image", "tests"] },
  "dpkg-deb": { debian: "dpkg", for: ["image", "tests"] },
  // lib/pkg's version order is checked against dpkg's own.
  dpkg: { debian: "dpkg", for: ["tests"] },
  readelf: { debian: "binutils", for: ["image"] },
  modinfo: { debian: "kmod", for: ["image"] },
  depmod: { debian: "kmod", for: ["image"] },
  cpio: { debian: "cpio", for: ["image", "bench"] },
  zstd: { debian: "zstd", for: ["image"] },
  lz4: { debian: "lz4", for: ["bench"] },
  mksquashfs: { debian: "squashfs-tools", for: ["image", "tests"] },
  // The update test makes a broken build from the real root image.
  unsquashfs: { debian: "squashfs-tools", for: ["tests"] },
  mknod: { debian: "coreutils", for: ["image", "bench"] },
  find: { debian: "findutils", for: ["image", "bench"] },
  sort: { debian: "coreutils", for: ["bench"] },
  uname: { debian: "coreutils", for: ["tests"] },
  touch: { debian: "coreutils", for: ["image", "tests"] },
  chown: { debian: "coreutils", for: ["tests"] },
  busybox: { debian: "busybox-static", for: ["image", "tools", "tests", "bench"] },
  "grub-mkrescue": { debian: "grub-common", for: ["image"] },
  "/usr/lib/grub/i386-pc": { debian: "grub-pc-bin", for: ["image"] },
  "/usr/lib/grub/x86_64-efi": { debian: "grub-efi-amd64-bin", for: ["image"] },
  xorriso: { debian: "xorriso", for: ["image"] },
  mformat: { debian: "mtools", for: ["image"] },
  mcopy: { debian: "mtools", for: ["image"] },
  // GRUB for a disk-installed AIOS (rootfs/boot-files.ts): its EFI system partition image.
  mmd: { debian: "mtools", for: ["image"] },
  "grub-mkimage": { debian: "grub-common", for: ["image"] },
  // just disk writes the ext file systems of a disk image (lib/update/install).
  mke2fs: { debian: "e2fsprogs", for: ["image", "qemu", "tests"] },
  // The installer's test reads the boot partition back from a disk image.
  debugfs: { debian: "e2fsprogs", for: ["tests"] },
  diff: { debian: "diffutils", for: ["image"] },
  git: { debian: "git", for: ["image", "llama-server"] },
  // llama-server from node-llama-cpp's bundled llama.cpp sources (rootfs/llama-server.ts).
  npm: { debian: "npm", for: ["llama-server"], given: true },
  // bench/rpc.ts runs its transport matrix on Node.js too (a bundle of bench/support/rpc-matrix.ts).
  node: { debian: "nodejs", for: ["bench"], given: true },
  tar: { debian: "tar", for: ["llama-server"] },
  cmake: { debian: "cmake", for: ["llama-server"] },
  ninja: { debian: "ninja-build", for: ["llama-server"] },
  "g++": { debian: "g++", for: ["llama-server"] },
  strip: { debian: "binutils", for: ["llama-server"] },
  chmod: { debian: "coreutils", for: ["llama-server", "tests"] },
  sh: { debian: "dash", for: ["llama-server", "bench", "tests"] },
  // Booting the image (rootfs/qemu.ts, test/support/vm.ts, bench/boot.ts).
  "qemu-system-x86_64": { debian: "qemu-system-x86", for: ["qemu", "tests", "bench"] },
  truncate: { debian: "coreutils", for: ["qemu", "image"] },
  "/usr/share/OVMF/OVMF_CODE_4M.fd": { debian: "ovmf", for: ["qemu", "tests"] },
  "mkfs.ext4": { debian: "e2fsprogs", for: ["qemu"] },
  timeout: { debian: "coreutils", for: ["tests"] },
  ssh: { debian: "openssh-client", for: ["tests", "bench"] },
  "ssh-keygen": { debian: "openssh-client", for: ["tests", "bench"] },
  // The tools, which the tests run on this machine (lib/tools/defs: systemProgram and spawns).
  ip: { debian: "iproute2", for: ["tools", "tests"] },
  ss: { debian: "iproute2", for: ["tests"] },
  nft: { debian: "nftables", for: ["tools"] },
  dmesg: { debian: "util-linux", for: ["tools"] },
  "/bin/sh": { debian: "dash", for: ["tools", "tests"] },
  "/bin/busybox": { debian: "busybox-static", for: ["tools"] },
  // Test helpers.
  df: { debian: "coreutils", for: ["tests"] },
  sleep: { debian: "coreutils", for: ["tests"] },
  "/bin/echo": { debian: "coreutils", for: ["tests"] },
  "/bin/true": { debian: "coreutils", for: ["tests"] },
  // The fleet's tests and bench: JetStream on loopback (lib/fleet).
  "nats-server": { debian: "nats-server", for: ["tests", "bench"] },
  // scripts/failure-digest repeats what each failed test said at the end of `just test`.
  awk: { debian: "mawk", for: ["tests"] },
  // The console's browser tests (playwright-core drives Debian's chromium).
  chromium: { debian: "chromium", for: ["browser"] },
} as const satisfies Record<string, HostProgram>;

export type HostProgramName = keyof typeof HOST_PROGRAMS;

/** The full path of a listed program (PATH, then sbin), or the file itself for a path key; null when absent. */
export function findHostProgram(name: string): string | null {
  if (name.startsWith("/")) return existsSync(name) ? name : null;
  return Bun.which(name, { PATH: `${process.env.PATH ?? ""}:${SBIN}` });
}

/** What is missing, with what to install, for these uses (all when none are given). */
export function missingHostPrograms(uses: readonly Use[] = []): Array<{ program: string; debian: string }> {
  return Object.entries(HOST_PROGRAMS as Record<string, HostProgram>)
    .filter(([, p]) => uses.length === 0 || p.for.some((u) => uses.includes(u)))
    .filter(([name]) => findHostProgram(name) === null)
    .map(([program, p]) => ({ program, debian: p.debian }));
}

/** One sentence a person can act on: which programs are missing and the command that installs them. */
export function describeMissing(missing: ReadonlyArray<{ program: string; debian: string }>): string {
  const packages = [...new Set(missing.map((m) => m.debian))].sort();
  return `${missing.map((m) => `${m.program} (Debian package ${m.debian})`).join(", ")} ${missing.length === 1 ? "is" : "are"} missing: run \`just deps\`, or apt-get install ${packages.join(" ")}`;
}

/** The full path of a listed program; throws a sentence naming its package when it is absent. */
export function requireHostProgram(name: HostProgramName): string {
  const found = findHostProgram(name);
  if (found === null) throw new Error(describeMissing([{ program: name, debian: HOST_PROGRAMS[name].debian }]));
  return found;
}

/** Throws one sentence naming every missing program of these uses (a test suite's preflight). */
export function requireHostPrograms(...uses: Use[]): void {
  const missing = missingHostPrograms(uses);
  if (missing.length) throw new Error(describeMissing(missing));
}
