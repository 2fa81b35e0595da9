// The npm registry reachable here serves only the Linux x64 platform packages of packages that
// ship native binaries (rust-just, @lancedb/lancedb), so `npm install` writes a lockfile without
// the other platforms, and `npm ci` then refuses it ("Missing: rust-just-darwin-arm64@ from lock
// file"). This adds the missing optional platform entries (os/cpu/libc only: npm skips them on
// other platforms without fetching). Run by `just lockfile` after any `npm install`.
import { readFileSync, writeFileSync } from "node:fs";

const OS = { darwin: "darwin", linux: "linux", win32: "win32", windows: "win32" };
const CPU = ["arm64", "x64", "armv7", "arm", "loong64", "riscv64"];
const LIBC = { gnu: "glibc", musl: "musl" };

/** "rust-just-linux-x64" → linux/x64; "@lancedb/lancedb-linux-arm64-musl" → linux/arm64/musl. */
function platformOf(name) {
  const parts = name.split("/").pop().split("-");
  const os = parts.map((part) => OS[part]).find(Boolean);
  const cpu = parts.find((part) => CPU.includes(part));
  if (!os || !cpu) return null;
  const libc = parts.map((part) => LIBC[part]).find(Boolean);
  return { os: [os], cpu: [cpu === "armv7" ? "arm" : cpu], ...(libc ? { libc: [libc] } : {}) };
}

const lock = JSON.parse(readFileSync("package-lock.json", "utf8"));
const packages = lock.packages;
let added = 0;
for (const parent of Object.values(packages)) {
  for (const [name, version] of Object.entries(parent.optionalDependencies ?? {})) {
    const key = `node_modules/${name}`;
    if (packages[key]) continue;
    const platform = platformOf(name);
    if (!platform) continue; // not a platform package (lancedb's optional openai, transformers)
    packages[key] = { version, cpu: platform.cpu, ...(parent.dev ? { dev: true } : {}), license: parent.license ?? "UNLICENSED", optional: true, os: platform.os, ...(platform.libc ? { libc: platform.libc } : {}) };
    added++;
  }
}
lock.packages = Object.fromEntries(Object.entries(packages).sort(([a], [b]) => (a === "" ? -1 : b === "" ? 1 : a < b ? -1 : 1)));
writeFileSync("package-lock.json", JSON.stringify(lock, null, 2) + "\n");
console.log(`package-lock.json: added ${added} optional platform entries`);
