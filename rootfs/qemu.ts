/**
 * rootfs/qemu.ts: boots AIOS in QEMU on the serial console (this terminal).
 *
 *   bun rootfs/qemu.ts iso      the ISO through GRUB          (just qemu)
 *   bun rootfs/qemu.ts uefi     the ISO through GRUB on UEFI firmware (OVMF) (just qemu-uefi)
 *   bun rootfs/qemu.ts kernel   build/vmlinuz + initrd.img, build/root.img as a read-only
 *                               disk                          (just qemu-kernel; faster)
 *
 * A persistent data disk (build/data.img, ext4 labelled AIOS-DATA) is made on first use.
 * The user network is restrict=on: the guest reaches nothing but the forwarded ports.
 * AIOS_QEMU_OPEN_NETWORK=1 lifts that, for a person on their own machine who wants the guest
 * online. AIOS_SSH_KEY (a public key line; default ~/.ssh/id_ed25519.pub when present) is
 * passed on the kernel command line for direct kernel boots.
 */
import { copyFileSync, existsSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { homedir } from "node:os";
import { join, resolve } from "node:path";

const REPO = resolve(import.meta.dir, "..");
export const BUILD = join(REPO, "build");

export interface QemuOptions {
  /** iso: the ISO on a CD; kernel: build/vmlinuz and initrd directly; disk: an installed disk (dataDisk) boots by itself. */
  mode: "iso" | "kernel" | "disk";
  /** The data disk; in disk mode, the installed disk (its last partition is the data). */
  dataDisk: string;
  /** More disks after the data disk (/dev/vdb ...): an install's target. */
  extraDisks?: string[];
  /** Host port forwarded to the console's plain HTTP (9090: redirects to HTTPS). */
  consolePort: number;
  /** Host port forwarded to the console's HTTPS (9443). */
  consoleHttpsPort?: number;
  sshPort: number;
  /**
   * ISO mode: the machine's firmware. "uefi" is OVMF (Debian's ovmf package), whose variables
   * live in uefiVars (a writable copy, see ensureUefiVars); "bios" (the default) is SeaBIOS.
   */
  firmware?: "bios" | "uefi";
  uefiVars?: string;
  /** Extra kernel command line (kernel mode only). */
  append?: string;
  openNetwork?: boolean;
  /**
   * Guest addresses forwarded to host loopback ports ("10.0.2.100:8080" → 127.0.0.1:hostPort):
   * with restrict=on these are the only places the guest can reach.
   */
  guestForwards?: { guest: string; hostPort: number }[];
  memoryMiB?: number;
  iso?: string;
  kernel?: string;
  initrd?: string;
  /** Kernel mode: the root image stage 0 looks for, as a read-only disk (build/root.img); null for none. */
  rootImage?: string | null;
}

/**
 * transparent_hugepage=never: the image's own setting (rootfs/grub.cfg has it too), so the
 * BusyBox-only baseline boots with it as well. With THP on, the kernel reserves 44 MiB more
 * (vm.min_free_kbytes) for huge pages that no AIOS process asks for (DESIGN.md 6a).
 */
export const BASE_CMDLINE = "console=ttyS0,115200 panic=-1 quiet transparent_hugepage=never";

export const OVMF_CODE = "/usr/share/OVMF/OVMF_CODE_4M.fd";
const OVMF_VARS = "/usr/share/OVMF/OVMF_VARS_4M.fd";

/** The UEFI variable store a machine writes its boot entries to, copied from OVMF's template once. */
export function ensureUefiVars(path: string): void {
  if (!existsSync(path)) copyFileSync(OVMF_VARS, path);
}

export function qemuArgs(options: QemuOptions): string[] {
  const net = [
    "user",
    "id=n0",
    ...(options.openNetwork ? [] : ["restrict=on"]),
    `hostfwd=tcp:127.0.0.1:${options.consolePort}-:9090`,
    ...(options.consoleHttpsPort ? [`hostfwd=tcp:127.0.0.1:${options.consoleHttpsPort}-:9443`] : []),
    `hostfwd=tcp:127.0.0.1:${options.sshPort}-:22`,
    // cmd: runs a relay per connection; a tcp: chardev target connects once, at QEMU's start.
    ...(options.guestForwards ?? []).map((f) => `guestfwd=tcp:${f.guest}-cmd:busybox nc 127.0.0.1 ${f.hostPort}`),
  ].join(",");
  const rootImage = options.rootImage === undefined ? join(BUILD, "root.img") : options.rootImage;
  if (options.firmware === "uefi" && (options.mode === "kernel" || !options.uefiVars)) throw new Error("UEFI firmware boots the ISO or a disk and needs uefiVars (ensureUefiVars makes one)");
  const firmware = options.firmware === "uefi" ? ["-drive", `if=pflash,format=raw,readonly=on,file=${OVMF_CODE}`, "-drive", `if=pflash,format=raw,file=${options.uefiVars}`] : [];
  const boot =
    options.mode === "disk"
      ? firmware
      : options.mode === "iso"
        ? [...firmware, "-cdrom", options.iso ?? join(BUILD, "aios.iso")]
        : [
            "-kernel",
            options.kernel ?? join(BUILD, "vmlinuz"),
            "-initrd",
            options.initrd ?? join(BUILD, "initrd.img"),
            "-append",
            `${BASE_CMDLINE} ${options.append ?? ""}`.trim(),
            // After the data disk, so that it stays /dev/vda.
            ...(rootImage ? ["-drive", `file=${rootImage},format=raw,if=virtio,readonly=on`] : []),
          ];
  return [
    "qemu-system-x86_64",
    // Bun needs SSE4.2; TCG (no KVM here) emulates it with -cpu max.
    "-cpu",
    "max",
    "-smp",
    "2",
    "-m",
    String(options.memoryMiB ?? 2048),
    "-nographic",
    "-no-reboot",
    "-drive",
    `file=${options.dataDisk},format=raw,if=virtio`,
    ...(options.extraDisks ?? []).flatMap((disk) => ["-drive", `file=${disk},format=raw,if=virtio`]),
    ...boot,
    "-netdev",
    net,
    "-device",
    "virtio-net-pci,netdev=n0",
    "-device",
    "virtio-rng-pci",
  ];
}

/** A raw disk image with an ext4 file system labelled AIOS-DATA, made once. */
export function ensureDataDisk(path: string, sizeMiB = 512): void {
  if (existsSync(path)) return;
  const steps = [
    ["truncate", "-s", `${sizeMiB}M`, path],
    ["mkfs.ext4", "-q", "-F", "-L", "AIOS-DATA", path],
  ];
  for (const argv of steps) {
    const result = Bun.spawnSync(argv, { stderr: "pipe" });
    if (result.exitCode !== 0) throw new Error(`${argv.join(" ")} failed: ${result.stderr.toString()}`);
  }
}

/** A free loopback port, preferring the one asked for. */
export async function freePort(preferred = 0): Promise<number> {
  const tryPort = (port: number) =>
    new Promise<number | null>((ok) => {
      const server = createServer();
      server.once("error", () => ok(null));
      server.listen(port, "127.0.0.1", () => {
        const address = server.address();
        server.close(() => ok(typeof address === "object" && address ? address.port : null));
      });
    });
  return (preferred && (await tryPort(preferred))) || ((await tryPort(0)) as number);
}

function defaultSshKey(): string | undefined {
  if (process.env.AIOS_SSH_KEY) return process.env.AIOS_SSH_KEY;
  for (const name of ["id_ed25519.pub", "id_ecdsa.pub", "id_rsa.pub"]) {
    const path = join(homedir(), ".ssh", name);
    if (existsSync(path)) return readFileSync(path, "utf8").trim();
  }
  return undefined;
}

if (import.meta.main) {
  const mode = process.argv[2] === "kernel" ? "kernel" : process.argv[2] === "disk" ? "disk" : "iso";
  const firmware = process.argv[2] === "uefi" || process.argv[3] === "uefi" ? "uefi" : "bios";
  const uefiVars = join(BUILD, "uefi-vars.fd");
  if (firmware === "uefi") ensureUefiVars(uefiVars);
  const needed = mode === "iso" ? [join(BUILD, "aios.iso")] : mode === "disk" ? [join(BUILD, "disk.img")] : [join(BUILD, "vmlinuz"), join(BUILD, "initrd.img"), join(BUILD, "root.img")];
  for (const file of needed) if (!existsSync(file)) throw new Error(`${file} is missing: run just ${mode === "kernel" ? "initrd" : mode} first`);
  const dataDisk = mode === "disk" ? join(BUILD, "disk.img") : join(BUILD, "data.img");
  if (mode !== "disk") ensureDataDisk(dataDisk);
  const consolePort = await freePort(Number(process.env.AIOS_CONSOLE_PORT ?? 9090));
  const consoleHttpsPort = await freePort(Number(process.env.AIOS_CONSOLE_HTTPS_PORT ?? 9443));
  const sshPort = await freePort(Number(process.env.AIOS_SSH_PORT ?? 2222));
  const key = defaultSshKey();
  const append = key && mode === "kernel" ? `aios.ssh_key="${key}"` : "";
  const openNetwork = process.env.AIOS_QEMU_OPEN_NETWORK === "1";
  console.log(`AIOS in QEMU (${mode} boot${firmware === "uefi" ? " on UEFI firmware" : ""}, data disk ${dataDisk})`);
  console.log(`  console: https://127.0.0.1:${consoleHttpsPort}/ (self-signed: compare the fingerprint the serial console shows)`);
  console.log(`  ssh:     ssh -p ${sshPort} root@127.0.0.1${key && mode === "kernel" ? "" : "   (add your key to [ssh] authorized_keys, or boot with just qemu-kernel)"}`);
  console.log(`  network: ${openNetwork ? "OPEN (AIOS_QEMU_OPEN_NETWORK=1): the guest can reach the outside" : "restricted: the guest reaches only the forwarded ports"}`);
  console.log("  leave:   type poweroff in the shell, or Ctrl-A X");
  const child = Bun.spawn(qemuArgs({ mode, firmware, uefiVars, dataDisk, consolePort, consoleHttpsPort, sshPort, append, openNetwork }), { stdio: ["inherit", "inherit", "inherit"] });
  process.exit(await child.exited);
}
