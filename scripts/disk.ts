/**
 * scripts/disk: `just disk [SIZE_MIB]` writes build/disk.img, AIOS installed as `aiosctl install`
 * installs it (lib/update/install), from this build's kernel, initramfs and root image: a disk
 * for QEMU (just qemu-disk) or to write to a real one with dd.
 */
import { existsSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { installTo } from "../lib/update/install.ts";

const BUILD = resolve(import.meta.dir, "../build");
const sizeMiB = Number(process.argv[2] ?? 2048);
if (!Number.isInteger(sizeMiB) || sizeMiB < 1024) {
  console.error("just disk SIZE_MIB: at least 1024");
  process.exit(64);
}
const slot = { vmlinuz: join(BUILD, "vmlinuz"), initrd: join(BUILD, "initrd.img"), rootImg: join(BUILD, "root.img") };
const boot = { bootImg: join(BUILD, "rootfs/usr/lib/aios/boot/boot.img"), coreImg: join(BUILD, "rootfs/usr/lib/aios/boot/core.img"), espImg: join(BUILD, "rootfs/usr/lib/aios/boot/esp.img") };
for (const file of [...Object.values(slot), ...Object.values(boot)]) {
  if (!existsSync(file)) {
    console.error(`${file} is missing: run just iso first`);
    process.exit(1);
  }
}
const out = join(BUILD, "disk.img");
rmSync(out, { force: true });
Bun.spawnSync(["truncate", "-s", `${sizeMiB}M`, out]);
installTo(out, slot, boot, (line) => console.error(line));
console.log(`built ${out} (${sizeMiB} MiB, sparse): just qemu-disk boots it`);
