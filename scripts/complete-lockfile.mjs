// The npm registry reachable here serves rust-just's Linux x64 binary package but not its
// other platform packages, so `npm install` writes a lockfile without them, and `npm ci` then
// refuses it ("Missing: rust-just-darwin-arm64@ from lock file"). This adds the missing
// optional platform entries (os/cpu only: npm skips them on other platforms without fetching).
// Run by `just lockfile` after any `npm install`.
import { readFileSync, writeFileSync } from "node:fs";

const PLATFORMS = {
  "darwin-arm64": ["darwin", "arm64"], "darwin-x64": ["darwin", "x64"], "linux-arm": ["linux", "arm"],
  "linux-arm64": ["linux", "arm64"], "linux-armv7": ["linux", "arm"], "linux-loong64": ["linux", "loong64"],
  "linux-riscv64": ["linux", "riscv64"], "linux-x64": ["linux", "x64"], "windows-arm64": ["win32", "arm64"],
  "windows-x64": ["win32", "x64"],
};

const lock = JSON.parse(readFileSync("package-lock.json", "utf8"));
const packages = lock.packages;
let added = 0;
for (const [name, version] of Object.entries(packages["node_modules/rust-just"]?.optionalDependencies ?? {})) {
  const key = `node_modules/${name}`;
  if (packages[key]) continue;
  const platform = PLATFORMS[name.replace(/^rust-just-/, "")];
  if (!platform) throw new Error(`unknown rust-just platform package ${name}: add it to scripts/complete-lockfile.mjs`);
  packages[key] = { version, cpu: [platform[1]], dev: true, license: "CC0-1.0", optional: true, os: [platform[0]] };
  added++;
}
lock.packages = Object.fromEntries(Object.entries(packages).sort(([a], [b]) => (a === "" ? -1 : b === "" ? 1 : a < b ? -1 : 1)));
writeFileSync("package-lock.json", JSON.stringify(lock, null, 2) + "\n");
console.log(`package-lock.json: added ${added} optional platform entries`);
