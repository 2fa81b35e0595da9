/**
 * @module lib/cli/update
 * `aiosctl install DISK` and `aiosctl update FILE|URL | status | rollback`: AIOS on a disk of
 * its own with two slots, moved to a new version by a signed bundle written into the other
 * slot and booted once on trial (lib/update, DESIGN.md §6a). These are a person's commands on
 * the machine itself, as root: no agent tool writes a disk or a slot.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { commonUsage, loadComponentConfig, parseCommonFlags } from "../config/flags.ts";
import { rooted, socketPath, VERSION_LINE } from "../config/index.ts";
import { parseCmdline } from "../init/cmdline.ts";
import { InitServiceDefinition, ShutdownAction } from "../rpc/gen/aios/v1/init.ts";
import { connect, EXIT_USAGE } from "../rpc/index.ts";
import { BundleError, openBundle } from "../update/bundle.ts";
import { download } from "../pkg/fetch.ts";
import { InstallError, installTo, mountedParts, targetBytes } from "../update/install.ts";
import { MIN_DISK_BYTES, otherSlot, type Slot } from "../update/layout.ts";
import { bootedSlot, grubEnvPath, grubSlots, hasSlotFiles, mountBootPartition, readUpdateState, updateGrubEnv, writeSlot, writeUpdateState } from "../update/slots.ts";
import { askYesNo } from "./ask.ts";

const IMAGE_DIR = "/usr/lib/aios";
const say = (line: string) => process.stderr.write(`${line}\n`);

function cmdline(): Map<string, string> {
  try {
    return parseCmdline(readFileSync("/proc/cmdline", "utf8"));
  } catch {
    return new Map();
  }
}

/** The live medium's files (the ISO AIOS booted from), mounted read-only: kernel, initramfs, root image. */
function liveMedium(): { vmlinuz: string; initrd: string; rootImg: string } {
  const mountPoint = "/run/aios/medium";
  const files = () => ({ vmlinuz: join(mountPoint, "boot/vmlinuz"), initrd: join(mountPoint, "boot/initrd.img"), rootImg: join(mountPoint, "aios/root.img") });
  if (existsSync(files().rootImg)) return files();
  mkdirSync(mountPoint, { recursive: true });
  for (const name of existsSync("/sys/class/block") ? readdirSync("/sys/class/block") : []) {
    if (!/^(sr|vd|sd|nvme|mmcblk)/.test(name)) continue;
    const r = Bun.spawnSync(["/bin/busybox", "mount", "-t", "iso9660", "-o", "ro", `/dev/${name}`, mountPoint], { stderr: "pipe" });
    if (r.exitCode !== 0) continue;
    if (existsSync(files().rootImg)) return files();
    Bun.spawnSync(["/bin/busybox", "umount", mountPoint]);
  }
  throw new InstallError("no AIOS medium (an ISO holding aios/root.img) is attached: boot from the AIOS ISO to install, or give --bundle FILE");
}

const INSTALL_USAGE = commonUsage(
  "aiosctl install DISK [--yes] [--bundle FILE]",
  "install AIOS on a whole disk (everything on it is erased): GPT, GRUB for BIOS and UEFI, two slots, a data partition",
  "      --yes           do not ask (scripts)\n      --bundle FILE   install a signed update bundle instead of the running medium's version\n",
);

export async function installCommand(argv: readonly string[]): Promise<number> {
  const parsed = parseCommonFlags(argv, INSTALL_USAGE, { yes: { type: "boolean" }, bundle: { type: "string" } }, true);
  if (typeof parsed === "number") return parsed;
  const [disk, ...extra] = parsed.positionals;
  if (!disk || extra.length) {
    process.stderr.write(`aiosctl install: name one disk, such as /dev/vdb (ls /sys/class/block lists them)\n${INSTALL_USAGE}`);
    return EXIT_USAGE;
  }
  try {
    if (!existsSync(disk) || !statSync(disk).isBlockDevice()) throw new InstallError(`${disk} is not a disk`);
    const bytes = targetBytes(disk);
    if (bytes < MIN_DISK_BYTES) throw new InstallError(`${disk} has ${Math.floor(bytes / 1048576)} MiB; AIOS needs at least ${MIN_DISK_BYTES / 1048576} MiB`);
    const mounted = mountedParts(disk);
    if (mounted.length) throw new InstallError(`${disk} is in use (${mounted.join(", ")} mounted): it cannot be the disk AIOS is installed to`);
    const yes = parsed.values.yes === true;
    if (!yes) {
      if (!process.stdin.isTTY) throw new InstallError(`this erases everything on ${disk}: run it again with --yes to confirm`);
      if (!(await askYesNo(`Install AIOS on ${disk} (${Math.floor(bytes / 1048576)} MiB)? Everything on it is erased.`))) return 1;
    }
    let slotFiles = liveMedium;
    let version = VERSION_LINE;
    const staging = "/var/tmp/aios-install";
    if (typeof parsed.values.bundle === "string") {
      const manifest = await openBundle(parsed.values.bundle, readFileSync(join(IMAGE_DIR, "update-key.pem"), "utf8"), staging, say);
      version = manifest.version;
      slotFiles = () => ({ vmlinuz: join(staging, "vmlinuz"), initrd: join(staging, "initrd.img"), rootImg: join(staging, "root.img") });
    }
    const boot = { bootImg: join(IMAGE_DIR, "boot/boot.img"), coreImg: join(IMAGE_DIR, "boot/core.img"), espImg: join(IMAGE_DIR, "boot/esp.img") };
    installTo(disk, slotFiles(), boot, say);
    rmSync(staging, { recursive: true, force: true });
    process.stdout.write(`installed ${version} on ${disk}: slot a. Power off, remove the installation medium, and boot from ${disk}.\n`);
    return 0;
  } catch (error) {
    if (error instanceof InstallError || error instanceof BundleError) {
      process.stderr.write(`aiosctl install: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

const UPDATE_USAGE = commonUsage(
  "aiosctl update FILE|URL [--yes] [--reboot] | update status | update rollback [--yes]",
  "move an installed AIOS to a new version (a signed bundle) with automatic rollback",
  `      --yes           do not ask
      --reboot        reboot into the new version at once
      --json          status: as JSON

  FILE|URL            check the bundle's signature and hashes, write it into the other slot,
                      and boot that slot once on trial at the next reboot: it is kept when every
                      critical service is ready, else the next boot is this slot again
  status              which slot runs, what the other holds, what became of the last update
  rollback            boot the other slot from now on (the version before the last update)
`,
);

function requireInstalled(): Slot {
  const slot = bootedSlot(cmdline());
  if (!slot) throw new InstallError("AIOS runs from its live medium here, not from an installed disk: install it first (aiosctl install /dev/DISK)");
  return slot;
}

export async function updateCommand(argv: readonly string[]): Promise<number> {
  const parsed = parseCommonFlags(argv, UPDATE_USAGE, { yes: { type: "boolean" }, reboot: { type: "boolean" }, json: { type: "boolean" } }, true);
  if (typeof parsed === "number") return parsed;
  const config = loadComponentConfig(parsed.flags);
  if (typeof config === "number") return config;
  const stateDir = rooted(parsed.flags.root, config.paths.state_dir);
  const [what, ...extra] = parsed.positionals;
  const yes = parsed.values.yes === true;
  const ask = async (question: string) => yes || (process.stdin.isTTY && (await askYesNo(question)));
  const rebootNow = async (reason: string) => {
    const init = connect(InitServiceDefinition, socketPath(config, parsed.flags.root, "init"), { defaultTimeoutMs: 30_000, failFast: true });
    try {
      await init.shutdown({ action: ShutdownAction.SHUTDOWN_ACTION_REBOOT, reason });
    } finally {
      init.close();
    }
    process.stdout.write("rebooting\n");
  };
  try {
    if (!what || extra.length) {
      process.stderr.write(`aiosctl update: give a bundle (a file or an http(s) URL), status or rollback\n${UPDATE_USAGE}`);
      return EXIT_USAGE;
    }
    if (what === "status") {
      const slot = bootedSlot(cmdline());
      const state = readUpdateState(stateDir);
      const grub = slot ? grubSlots(mountBootPartition()) : null;
      const status = { running: VERSION_LINE, slot: slot ?? "live medium", grub_slot: grub?.slot ?? null, grub_trial: grub?.trial ?? null, last_update: state ?? null };
      if (parsed.values.json) process.stdout.write(`${JSON.stringify(status)}\n`);
      else {
        process.stdout.write(`running:  ${VERSION_LINE}, ${slot ? `slot ${slot}` : "from the live medium (not installed)"}\n`);
        if (grub) process.stdout.write(`boots:    slot ${grub.slot}${grub.trial ? `; slot ${grub.trial} once on trial at the next boot` : ""}\n`);
        if (state) process.stdout.write(`last update: ${state.version} into slot ${state.to}: ${state.state}${state.reason ? ` (${state.reason})` : ""}, ${state.at}\n`);
        else process.stdout.write("last update: none\n");
      }
      return 0;
    }
    const slot = requireInstalled();
    const boot = mountBootPartition();
    if (what === "rollback") {
      // From the slot GRUB boots now: run twice, it goes back and forth.
      const other = otherSlot(grubSlots(boot).slot);
      if (!hasSlotFiles(boot, other)) throw new InstallError(`slot ${other} holds no AIOS yet: there is nothing to roll back to`);
      const state = readUpdateState(stateDir);
      // The other slot holds the version before the last update, unless that update failed there.
      if (state && state.to === other && state.state !== "confirmed") {
        throw new InstallError(`slot ${other} holds ${state.version}, whose trial did not succeed (${state.reason || state.state}): there is no working version to roll back to`);
      }
      const held = state ? (state.to === other ? state.version : state.previous_version) : "";
      if (!(await ask(`Boot slot ${other}${held ? ` (${held})` : ""} from now on?`))) return 1;
      updateGrubEnv(grubEnvPath(boot), { slot: other, trial: "" });
      process.stdout.write(`slot ${other}${held ? ` (${held})` : ""} boots from now on\n`);
      if (parsed.values.reboot) await rebootNow("aiosctl update rollback");
      else process.stdout.write("reboot to use it: aiosctl reboot\n");
      return 0;
    }
    // A bundle: fetched onto the data disk when it is a URL, then checked before anything is written.
    const work = join(stateDir, "update");
    mkdirSync(work, { recursive: true, mode: 0o700 });
    let file = what;
    if (/^https?:\/\//.test(what)) {
      file = join(work, "download.tar");
      say(`downloading ${what}`);
      await download(what, file, { maxBytes: 1 << 30, timeoutMs: 30 * 60_000 });
    } else if (!existsSync(what)) throw new InstallError(`${what}: no such file`);
    const staging = join(work, "staging");
    const manifest = await openBundle(file, readFileSync(join(IMAGE_DIR, "update-key.pem"), "utf8"), staging, say);
    const target = otherSlot(slot);
    if (!(await ask(`Write ${manifest.version} into slot ${target} and boot it once on trial at the next reboot?`))) {
      rmSync(staging, { recursive: true, force: true });
      process.stderr.write(process.stdin.isTTY ? "not updated\n" : "aiosctl update: run it again with --yes to write the update\n");
      return 1;
    }
    // On record before the slot changes: a boot that happens now knows what was going on.
    writeUpdateState(stateDir, { state: "trial", from: slot, to: target, version: manifest.version, previous_version: VERSION_LINE, reason: "", at: new Date().toISOString() });
    writeSlot(target, staging, say);
    updateGrubEnv(grubEnvPath(boot), { trial: target });
    rmSync(staging, { recursive: true, force: true });
    if (file !== what) rmSync(file, { force: true });
    process.stdout.write(`${manifest.version} is in slot ${target}; the next boot tries it once, and keeps it when every critical service is ready\n`);
    if (parsed.values.reboot) await rebootNow(`update to ${manifest.version}`);
    else process.stdout.write("reboot to try it: aiosctl reboot\n");
    return 0;
  } catch (error) {
    if (error instanceof InstallError || error instanceof BundleError) {
      process.stderr.write(`aiosctl update: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}
