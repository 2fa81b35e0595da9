/**
 * The host programs the build, tests and benches run: each is on this machine (else the test
 * names it and the Debian package to install), and each program the code runs is in the one
 * list, scripts/host-programs.ts, that `just deps` installs from.
 */
import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { describeMissing, HOST_PROGRAMS, missingHostPrograms } from "../scripts/host-programs.ts";

const REPO = resolve(import.meta.dir, "..");
const SCANNED = ["lib", "cmd", "test", "bench", "rootfs", "scripts"];
// Not host programs: AIOS's own executables, and what only PID 1 runs inside the image (boot
// steps, DHCP, the recovery shell), which rootfs/packages.txt and BusyBox provide there.
const NOT_HOST = /^\/usr\/bin\/(aios[\w-]*|llama-server)$|^\/s?bin\/(udhcpc|modprobe|findfs|setsid|cttyhack)$/;

// How code names a program it runs: the first string of an argv given to a spawner, a lookup
// on the PATH, or an absolute path under a bin directory.
const PATTERNS = [
  /\b(?:spawn|spawnSync|sh|run)\(\s*\[\s*"([^"$]+)"/g,
  /\bspawnSync\(\s*"([^"$]+)"/g,
  /\b(?:systemProgram|which|requireHostProgram)\(\s*"([^"$]+)"/g,
  /\b(?:argv\s*=|return)\s*\[\s*"([a-z/][\w.+/-]*)",/g,
  /^\s*\[\s*"([a-z][\w.+-]*)",\s*"-/gm, // an argv alone on its line: ["mkfs.ext4", "-q", ...]
  /"((?:\/usr)?\/s?bin\/[\w.+-]+)"/g,
];

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.(ts|mjs)$/.test(e.name) && !join(e.parentPath, e.name).includes("/rpc/gen/"))
    .map((e) => join(e.parentPath, e.name));
}

/** program → the files that run it. */
function programsRunByCode(): Map<string, Set<string>> {
  const found = new Map<string, Set<string>>();
  for (const file of SCANNED.flatMap((d) => sources(join(REPO, d)))) {
    const text = readFileSync(file, "utf8");
    for (const pattern of PATTERNS) {
      for (const match of text.matchAll(pattern)) {
        const program = match[1]!;
        if (!found.has(program)) found.set(program, new Set());
        found.get(program)!.add(file.slice(REPO.length + 1));
      }
    }
  }
  return found;
}

describe("host programs", () => {
  test("every program the build, tests and benches run is installed", () => {
    const missing = missingHostPrograms();
    if (missing.length) throw new Error(describeMissing(missing));
    expect(missing).toEqual([]);
  });

  test("every program the code runs is in scripts/host-programs.ts", () => {
    const listed = new Set(Object.keys(HOST_PROGRAMS));
    const run = programsRunByCode();
    // The scan must see the programs we know are run, or it sees nothing at all.
    for (const known of ["nft", "ip", "qemu-system-x86_64", "mkfs.ext4", "ssh-keygen", "cmake"]) expect(run.has(known)).toBe(true);
    const unlisted = [...run]
      .filter(([program]) => !listed.has(program) && !listed.has(basename(program)) && !NOT_HOST.test(program))
      .map(([program, files]) => `${program} (run by ${[...files].join(", ")})`);
    if (unlisted.length) throw new Error(`add these to scripts/host-programs.ts with their Debian package: ${unlisted.join("; ")}`);
    expect(unlisted).toEqual([]);
  });

  test("a missing program is named with its package and the command that installs it", () => {
    expect(describeMissing([{ program: "nft", debian: "nftables" }])).toBe("nft (Debian package nftables) is missing: run `just deps`, or apt-get install nftables");
  });
});
