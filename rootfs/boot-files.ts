/**
 * @module rootfs/boot-files
 * GRUB for a disk-installed AIOS (lib/update/install), made at image build with GRUB's own
 * tools and carried in the image at /usr/lib/aios/boot: boot.img (the MBR code), core.img
 * (GRUB for BIOS, for the BIOS boot partition) and esp.img (an 8 MiB FAT EFI system partition
 * holding GRUB for UEFI as EFI/BOOT/BOOTX64.EFI). Both GRUBs carry every module they use and an
 * early configuration that finds the AIOS-BOOT partition and reads its grub/grub.cfg.
 */
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const EARLY_CONFIG = "search --no-floppy --label AIOS-BOOT --set=root\nset prefix=($root)/grub\nconfigfile ($root)/grub/grub.cfg\n";
const MODULES = ["part_gpt", "ext2", "search", "search_label", "configfile", "normal", "linux", "loadenv", "test", "echo", "serial", "terminal"];
const ESP_SECTORS = 8 * 2048;

// Reproducible: a fixed volume serial, and every FAT time the first one FAT can say (1980).
const FAT_EPOCH = "315532800";

function sh(argv: string[]): void {
  const r = Bun.spawnSync(argv, { stdout: "pipe", stderr: "pipe", env: { ...process.env, SOURCE_DATE_EPOCH: FAT_EPOCH } });
  if (r.exitCode !== 0) throw new Error(`${argv.join(" ")} failed (exit ${r.exitCode}): ${r.stderr.toString().trim()}`);
}

export function buildBootFiles(out: string, scratch: string): void {
  mkdirSync(out, { recursive: true });
  rmSync(scratch, { recursive: true, force: true });
  mkdirSync(scratch, { recursive: true });
  const early = join(scratch, "early.cfg");
  writeFileSync(early, EARLY_CONFIG);
  copyFileSync("/usr/lib/grub/i386-pc/boot.img", join(out, "boot.img"));
  sh(["grub-mkimage", "-O", "i386-pc", "-o", join(out, "core.img"), "-c", early, "-p", "/grub", "biosdisk", ...MODULES]);
  const efi = join(scratch, "BOOTX64.EFI");
  sh(["grub-mkimage", "-O", "x86_64-efi", "-o", efi, "-c", early, "-p", "/grub", "fat", ...MODULES]);
  const esp = join(out, "esp.img");
  rmSync(esp, { force: true });
  sh(["mformat", "-i", esp, "-C", "-T", String(ESP_SECTORS), "-N", "a1050001", "-v", "AIOS-ESP", "::"]);
  sh(["mmd", "-i", esp, "::/EFI", "::/EFI/BOOT"]);
  sh(["mcopy", "-i", esp, efi, "::/EFI/BOOT/BOOTX64.EFI"]);
  rmSync(scratch, { recursive: true, force: true });
}
