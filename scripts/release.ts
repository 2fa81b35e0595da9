/**
 * scripts/release: `just release` signs this build as an update bundle,
 * build/aios-update-COMMIT.tar (lib/update/bundle), with the builder's release key
 * (rootfs/release-key: $AIOS_RELEASE_KEY or ~/.config/aios/release-key.pem, outside the
 * repository). An AIOS built with that key's public half takes it with `aiosctl update`.
 */
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { writeBundle } from "../lib/update/bundle.ts";
import { releaseKey, releaseKeyPath } from "../rootfs/release-key.ts";

const REPO = resolve(import.meta.dir, "..");
const BUILD = join(REPO, "build");
const commit = Bun.spawnSync(["git", "rev-parse", "--short", "HEAD"], { cwd: REPO }).stdout.toString().trim() || "unknown";
const version = `AIOS ${(await Bun.file(join(REPO, "package.json")).json()).version} (commit ${commit})`;
const files = { vmlinuz: join(BUILD, "vmlinuz"), "initrd.img": join(BUILD, "initrd.img"), "root.img": join(BUILD, "root.img") };
for (const file of Object.values(files)) {
  if (!existsSync(file)) {
    console.error(`${file} is missing: run just iso first`);
    process.exit(1);
  }
}
const out = join(BUILD, `aios-update-${commit}.tar`);
const manifest = await writeBundle(
  out,
  files,
  { version, commit },
  releaseKey((line) => console.error(line)),
);
console.log(`built ${out}: ${manifest.version}, signed with ${releaseKeyPath()}`);
