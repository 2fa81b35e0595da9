/**
 * scripts/deps: installs, with apt, the Debian packages of every host program that
 * scripts/host-programs.ts lists (or only those of the uses named: `just deps image qemu`),
 * then checks again that each program is there. Run by `just deps`.
 */
import { readdirSync } from "node:fs";
import { describeMissing, HOST_PROGRAMS, type HostProgram, missingHostPrograms, type Use } from "./host-programs.ts";

const USES: readonly Use[] = ["image", "llama-server", "qemu", "tests", "tools", "bench", "browser"];

function fail(message: string): never {
  process.stderr.write(`deps: ${message}\n`);
  process.exit(1);
}

function apt(args: string[]): void {
  const sudo = process.getuid?.() === 0 ? [] : ["sudo"];
  const result = Bun.spawnSync([...sudo, "apt-get", ...args], { env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" }, stdout: "pipe", stderr: "pipe" });
  if (result.exitCode !== 0) fail(`apt-get ${args.join(" ")} failed (exit ${result.exitCode}):\n${result.stderr.toString().trim() || result.stdout.toString().trim()}`);
}

const uses = process.argv.slice(2) as Use[];
const unknown = uses.filter((u) => !USES.includes(u));
if (unknown.length) fail(`unknown use ${unknown.join(", ")}: pick from ${USES.join(", ")} (none: everything)`);

const missing = missingHostPrograms(uses);
const given = missing.filter((m) => (HOST_PROGRAMS as Record<string, HostProgram>)[m.program]!.given);
if (given.length) fail(`${describeMissing(given)}; Node.js and npm are the starting point (README), install them first`);

// The image build and the package tests ask apt about pinned packages (apt-cache policy/show):
// they need package lists.
const needsLists = uses.length === 0 || uses.includes("image") || uses.includes("tests");
const hasLists = (() => {
  try {
    return readdirSync("/var/lib/apt/lists").some((name) => name.endsWith("Packages") || name.includes("Packages."));
  } catch {
    return false;
  }
})();

if (missing.length === 0) {
  if (needsLists && !hasLists) apt(["update", "-qq"]);
  process.stdout.write(`deps: all ${uses.length ? uses.join(", ") : "host"} programs present\n`);
  process.exit(0);
}

const packages = [...new Set(missing.map((m) => m.debian))].sort();
process.stdout.write(`deps: installing ${packages.join(" ")} (for ${missing.map((m) => m.program).join(", ")})\n`);
const started = performance.now();
apt(["update", "-qq"]);
apt(["install", "-y", "-qq", "--no-install-recommends", ...packages]);
const still = missingHostPrograms(uses);
if (still.length) fail(`installed ${packages.join(" ")}, but ${describeMissing(still)}`);
process.stdout.write(`deps: installed ${packages.length} package(s) in ${((performance.now() - started) / 1000).toFixed(0)} s\n`);
