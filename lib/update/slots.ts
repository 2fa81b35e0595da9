/**
 * @module lib/update/slots
 * The two slots of an installed AIOS at run time: which one booted (aios.slot on the kernel's
 * command line, put there by GRUB), the boot partition (AIOS-BOOT, mounted on demand), writing
 * a verified bundle into the other slot, GRUB's environment (slot, trial), and the update's
 * record on the data disk (STATE_DIR/update/state.json), which survives the reboots between
 * an update, its trial and a rollback.
 */
import { closeSync, copyFileSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync } from "node:fs";
import { join } from "node:path";
import * as v from "valibot";
import { writeFileAtomic } from "../sys/atomic-file.ts";
import { readGrubEnv, updateGrubEnv } from "./grubenv.ts";
import { copyInto, InstallError, partitionNames, sh as run } from "./install.ts";

const sh = (argv: string[], what: string) => run(argv, what).trim();
import { BOOT_LABEL, otherSlot, partitionBytes, rootPartitionName, type Slot, SLOTS } from "./layout.ts";

const BUSYBOX = "/bin/busybox";
/** Where aiosctl and aios-init mount AIOS-BOOT when they need it. */
export const BOOT_MOUNT = "/run/aios/boot";

export const UpdateStateSchema = v.object({
  /** trial: written, waiting for its trial boot; confirmed; rolled-back (the trial did not confirm); failed (the trial boot gave up, with reason). */
  state: v.picklist(["trial", "confirmed", "rolled-back", "failed"]),
  from: v.picklist(SLOTS),
  to: v.picklist(SLOTS),
  version: v.string(),
  previous_version: v.string(),
  reason: v.string(),
  at: v.string(),
});
export type UpdateState = v.InferOutput<typeof UpdateStateSchema>;

export function statePath(stateDir: string): string {
  return join(stateDir, "update", "state.json");
}

export function readUpdateState(stateDir: string): UpdateState | undefined {
  try {
    const parsed = v.safeParse(UpdateStateSchema, JSON.parse(readFileSync(statePath(stateDir), "utf8")));
    return parsed.success ? parsed.output : undefined;
  } catch {
    return undefined;
  }
}

export function writeUpdateState(stateDir: string, state: UpdateState): void {
  mkdirSync(join(stateDir, "update"), { recursive: true, mode: 0o700 });
  writeFileAtomic(statePath(stateDir), `${JSON.stringify(state, null, 2)}\n`, 0o600);
}

/** The slot the running system booted from, or null on the live medium (ISO) or under --root. */
export function bootedSlot(cmdline: ReadonlyMap<string, string>): Slot | null {
  const slot = cmdline.get("aios.slot");
  return slot === "a" || slot === "b" ? slot : null;
}

/** AIOS-BOOT mounted at BOOT_MOUNT (mounted now if it was not). */
export function mountBootPartition(): string {
  const mounted = readFileSync("/proc/mounts", "utf8")
    .split("\n")
    .some((line) => line.split(" ")[1] === BOOT_MOUNT);
  if (!mounted) {
    const device = sh([BUSYBOX, "findfs", `LABEL=${BOOT_LABEL}`], `finding the ${BOOT_LABEL} partition`);
    mkdirSync(BOOT_MOUNT, { recursive: true, mode: 0o700 });
    sh([BUSYBOX, "mount", "-t", "ext4", "-o", "nosuid,nodev,noexec", device, BOOT_MOUNT], `mounting ${device}`);
  }
  return BOOT_MOUNT;
}

export const grubEnvPath = (boot: string) => join(boot, "grub", "grubenv");

export function grubSlots(boot: string): { slot: Slot; trial: Slot | null } {
  const env = readGrubEnv(grubEnvPath(boot));
  const trial = env.get("trial");
  return { slot: env.get("slot") === "b" ? "b" : "a", trial: trial === "a" || trial === "b" ? trial : null };
}

/** The device of a slot's root partition on the disk that holds AIOS-BOOT. */
export function rootPartitionDevice(slot: Slot): string {
  const boot = sh([BUSYBOX, "findfs", `LABEL=${BOOT_LABEL}`], `finding the ${BOOT_LABEL} partition`);
  const disk = readFileSync(`/sys/class/block/${boot.replace("/dev/", "")}/../uevent`, "utf8").match(/^DEVNAME=(.*)$/m)?.[1];
  if (!disk) throw new InstallError(`cannot tell which disk holds ${boot}`);
  const device = partitionNames(`/dev/${disk}`).get(rootPartitionName(slot));
  if (!device) throw new InstallError(`the disk ${disk} has no ${rootPartitionName(slot)} partition: was it installed by this AIOS?`);
  return device;
}

function replaceFile(from: string, to: string): void {
  const temp = `${to}.new`;
  copyFileSync(from, temp);
  const fd = openSync(temp, "r");
  fsyncSync(fd);
  closeSync(fd);
  renameSync(temp, to);
}

/** Writes a verified bundle's files (in dir) into a slot: its root partition, its kernel and initramfs. */
export function writeSlot(slot: Slot, dir: string, say: (line: string) => void): void {
  const device = rootPartitionDevice(slot);
  const size = Number(readFileSync(`/sys/class/block/${device.replace("/dev/", "")}/size`, "utf8").trim()) * 512;
  say(`writing slot ${slot}'s root image to ${device}`);
  const fd = openSync(device, "r+");
  try {
    copyInto(fd, join(dir, "root.img"), 0, size, "the root image", say);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  const boot = mountBootPartition();
  mkdirSync(join(boot, slot), { recursive: true });
  replaceFile(join(dir, "vmlinuz"), join(boot, slot, "vmlinuz"));
  replaceFile(join(dir, "initrd.img"), join(boot, slot, "initrd.img"));
  sh([BUSYBOX, "sync"], "sync");
}

export { otherSlot, partitionBytes, updateGrubEnv };

export function hasSlotFiles(boot: string, slot: Slot): boolean {
  return existsSync(join(boot, slot, "vmlinuz")) && existsSync(join(boot, slot, "initrd.img"));
}
