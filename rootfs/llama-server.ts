/**
 * rootfs/llama-server.ts: builds llama-server offline from the llama.cpp sources that the
 * node-llama-cpp npm package ships (llama/gitRelease.bundle), once per package version.
 *
 *   bun rootfs/llama-server.ts   →  dist/llama-server (static, portable x86-64-v3)
 *
 * Only the package's own tarball is fetched (`npm pack`, from the npm registry): installing
 * node-llama-cpp would also pull ~730 MB of prebuilt CUDA/Vulkan binaries we do not use. The
 * result is cached in .cache/llama-server/VERSION/, so the ~8 minute build is paid once.
 * Flags: static (OpenMP off: libgomp does not link statically), the web UI off (its prebuilt
 * download would reach the network), GGML_NATIVE off so the binary runs on other machines
 * (ggml then enables AVX2/FMA/F16C: CPUs from 2013 on, and QEMU's -cpu max), HTTPS off.
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { findHostProgram, requireHostPrograms } from "../scripts/host-programs.ts";

const REPO = resolve(import.meta.dir, "..");
const VERSION = readFileSync(join(REPO, "rootfs/llama-server.txt"), "utf8").trim();
/** The npm registry's integrity of node-llama-cpp@VERSION's tarball (`npm view node-llama-cpp@VERSION dist.integrity`). */
const INTEGRITY = readFileSync(join(REPO, "rootfs/llama-server.integrity"), "utf8").trim();
const CACHE = join(REPO, ".cache/llama-server", VERSION);
const BINARY = join(CACHE, "llama-server");
const OUTPUT = join(REPO, "dist/llama-server");

function run(argv: string[], cwd: string): void {
  process.stderr.write(`llama-server: ${argv.join(" ")}\n`);
  const result = spawnSync(argv[0]!, argv.slice(1), { cwd, stdio: ["ignore", "inherit", "inherit"] });
  if (result.status !== 0) throw new Error(`${argv[0]} failed (exit ${result.status}); see its output above`);
}

if (!existsSync(BINARY)) {
  requireHostPrograms("llama-server");
  rmSync(CACHE, { recursive: true, force: true });
  mkdirSync(CACHE, { recursive: true });
  const started = performance.now();
  run(["npm", "pack", `node-llama-cpp@${VERSION}`, "--pack-destination", CACHE, "--silent"], CACHE);
  // The sources are what the registry recorded when the version was published, or nothing is built.
  const tarball = join(CACHE, `node-llama-cpp-${VERSION}.tgz`);
  const actual = `sha512-${new Bun.CryptoHasher("sha512").update(readFileSync(tarball)).digest("base64")}`;
  if (actual !== INTEGRITY) throw new Error(`${tarball} is ${actual}, not the recorded ${INTEGRITY} (rootfs/llama-server.integrity): refusing to build from it`);
  run(["tar", "xzf", `node-llama-cpp-${VERSION}.tgz`, "package/llama/gitRelease.bundle"], CACHE);
  run(["git", "-c", "advice.detachedHead=false", "clone", "--quiet", "package/llama/gitRelease.bundle", "src"], CACHE);
  run(
    [
      "cmake",
      "-S",
      "src",
      "-B",
      "build",
      "-G",
      "Ninja",
      "-DCMAKE_BUILD_TYPE=Release",
      "-DBUILD_SHARED_LIBS=OFF",
      "-DCMAKE_EXE_LINKER_FLAGS=-static",
      "-DGGML_NATIVE=OFF",
      "-DGGML_OPENMP=OFF",
      "-DLLAMA_BUILD_UI=OFF",
      "-DLLAMA_USE_PREBUILT_UI=OFF",
      "-DLLAMA_OPENSSL=OFF",
      "-DLLAMA_BUILD_TESTS=OFF",
      "-DLLAMA_BUILD_EXAMPLES=OFF",
      "-DLLAMA_BUILD_SERVER=ON",
      ...(findHostProgram("ccache") ? ["-DCMAKE_CXX_COMPILER_LAUNCHER=ccache", "-DCMAKE_C_COMPILER_LAUNCHER=ccache"] : []),
    ],
    CACHE,
  );
  run(["cmake", "--build", "build", "--target", "llama-server", "-j", "2"], CACHE);
  copyFileSync(join(CACHE, "build/bin/llama-server"), BINARY);
  run(["strip", BINARY], CACHE);
  // Keep the binary; the sources and objects (~1 GB) are not needed again.
  for (const path of ["src", "build", "package", `node-llama-cpp-${VERSION}.tgz`]) rmSync(join(CACHE, path), { recursive: true, force: true });
  process.stderr.write(`llama-server: built in ${Math.round((performance.now() - started) / 1000)} s, cached in ${CACHE}\n`);
}
mkdirSync(join(REPO, "dist"), { recursive: true });
copyFileSync(BINARY, OUTPUT);
spawnSync("chmod", ["755", OUTPUT]);
console.log(`dist/llama-server (node-llama-cpp ${VERSION}'s llama.cpp)`);
