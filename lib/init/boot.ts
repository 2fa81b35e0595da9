/**
 * @module lib/init/boot
 * Stage 1 of PID 1: the machine as services expect it. Mounts the kernel filesystems, sets
 * the host name, loads modules, brings up the network, mounts the data disk (or a tmpfs, and
 * says so) and installs SSH keys. Each step logs and goes on when it fails: a machine that
 * booted without its network is still one a person can log in to on the console.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type Config, parseConfigText } from "../config/index.ts";
import type { Logger } from "../log/index.ts";
import { mount, MS_BIND, MS_NODEV, MS_NOEXEC, MS_NOSUID, sethostname, SysError } from "../sys/index.ts";

export type Say = (line: string) => void;

const KERNEL_MOUNTS: ReadonlyArray<[source: string, target: string, fstype: string, flags: number, data: string]> = [
  ["sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, ""],
  // cgroup v2: process.spawn holds each command in a cgroup of its own (memory, pids, CPU).
  ["cgroup2", "/sys/fs/cgroup", "cgroup2", MS_NOSUID | MS_NODEV | MS_NOEXEC, "nsdelegate"],
  ["devtmpfs", "/dev", "devtmpfs", MS_NOSUID, "mode=0755"],
  ["devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC, "gid=5,mode=0620,ptmxmode=0666"],
  ["tmpfs", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777"],
  ["tmpfs", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755"],
  ["tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777"],
];

/** Runs a program to its end (synchronously: nothing else may reap it meanwhile). */
function run(argv: string[], log: Logger): { ok: boolean; output: string } {
  const result = spawnSync(argv[0]!, argv.slice(1), { encoding: "utf8", timeout: 30_000 });
  const output = `${result.stdout ?? ""}${result.stderr ?? ""}`.trim();
  const ok = result.status === 0;
  if (!ok) log.warn("command failed", { argv, status: result.status, output, error: result.error?.message });
  return { ok, output };
}

export function mountKernelFilesystems(log: Logger): void {
  for (const [source, target, fstype, flags, data] of KERNEL_MOUNTS) {
    try {
      mkdirSync(target, { recursive: true });
      mount(source, target, fstype, flags, data);
    } catch (error) {
      // EBUSY: already mounted (by the kernel's devtmpfs automount, or a previous init).
      if (!(error instanceof SysError && error.code === "EBUSY")) log.error("failed to mount", { target, err: error });
    }
  }
  // /var/lock points here (FHS): lock files of programs that expect it.
  mkdirSync("/run/lock", { recursive: true, mode: 0o1777 });
}

export function setHostname(config: Config, log: Logger): void {
  try {
    sethostname(config.system.hostname);
    writeFileSync("/etc/hostname", `${config.system.hostname}\n`);
  } catch (error) {
    log.error("failed to set the host name", { err: error });
  }
}

/** Modules already in the kernel (stage 0 loaded them, or a previous init): /sys/module/NAME. */
export function modulesToLoad(names: readonly string[], sysModule = "/sys/module"): string[] {
  return names.filter((name) => !existsSync(join(sysModule, name.replaceAll("-", "_"))));
}

/**
 * The configured modules not yet loaded, in one modprobe: under QEMU's emulation each program
 * started costs ~0.15 s, and one modprobe a module took 1.7 s of a boot (bench/boot.ts's
 * timeline). Only when that fails, one at a time, to name the modules that would not load.
 */
export function loadModules(config: Config, log: Logger, say: Say): void {
  const wanted = modulesToLoad(config.system.modules);
  if (wanted.length === 0 || run(["/sbin/modprobe", "-a", ...wanted], log).ok) return;
  const failed = modulesToLoad(wanted).filter((name) => !run(["/sbin/modprobe", name], log).ok);
  if (failed.length > 0) say(`could not load kernel modules: ${failed.join(", ")} (see /var/log/aios/init.log)`);
}

export function bringUpNetwork(config: Config, log: Logger, say: Say): void {
  const { interface: iface, mode, address, gateway } = config.network;
  run(["/sbin/ip", "link", "set", "lo", "up"], log);
  if (!existsSync(`/sys/class/net/${iface}`)) {
    say(`network: no interface ${iface}; continuing without a network`);
    return;
  }
  run(["/sbin/ip", "link", "set", iface, "up"], log);
  // Configured DNS servers win in both modes (udhcpc's script leaves them alone); otherwise
  // DHCP writes the lease's servers when it binds.
  if (config.network.dns.length > 0) writeResolvConf(config.network.dns, config.network.search, log);
  if (mode === "static" && address) {
    run(["/sbin/ip", "addr", "add", address, "dev", iface], log);
    if (gateway) run(["/sbin/ip", "route", "add", "default", "via", gateway], log);
    say(`network: ${iface} ${address}${gateway ? ` via ${gateway}` : ""}`);
  }
}

/** Mounts the disk labelled data_label at state_dir, or a tmpfs there. */
export function mountDataDisk(config: Config, log: Logger, say: Say): "disk" | "tmpfs" {
  const target = config.paths.state_dir;
  mkdirSync(target, { recursive: true });
  const label = config.storage.data_label;
  const found = run(["/sbin/findfs", `LABEL=${label}`], log);
  if (found.ok && found.output.startsWith("/dev/")) {
    try {
      mount(found.output, target, "ext4", MS_NOSUID | MS_NODEV);
      say(`data disk ${found.output} (${label}) mounted at ${target}`);
      return "disk";
    } catch (error) {
      say(`data disk ${found.output} (${label}) could not be mounted: ${(error as Error).message}`);
    }
  }
  mount("tmpfs", target, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755");
  say(`no data disk labelled ${label}: state is kept in memory (tmpfs) and lost at power off`);
  return "tmpfs";
}

/** resolv.conf (/etc/resolv.conf), replaced atomically: a resolver never reads half of it. */
export function writeResolvConf(servers: readonly string[], search: readonly string[], log: Logger, path = "/etc/resolv.conf"): void {
  const text = `# written by aios-init from [network] dns in aios.toml\n${search.length ? `search ${search.join(" ")}\n` : ""}${servers.map((s) => `nameserver ${s}\n`).join("")}`;
  try {
    writeFileSync(`${path}.aios`, text, { mode: 0o644 });
    renameSync(`${path}.aios`, path);
  } catch (error) {
    log.error("failed to write resolv.conf", { path, err: error });
  }
}

/**
 * What a person keeps on a Linux machine, kept on the data disk (STATE_DIR/persist/PATH,
 * bind-mounted over PATH): their homes, services' data, add-on software and /var/tmp. Without
 * a data disk the same binds come from the tmpfs, so the paths exist either way.
 */
export const PERSISTENT_PATHS: ReadonlyArray<[path: string, mode: number]> = [
  ["/home", 0o755],
  ["/srv", 0o755],
  ["/opt", 0o755],
  ["/usr/local", 0o755],
  ["/var/tmp", 0o1777],
];

export function bindPersistentPaths(config: Config, log: Logger, say: Say): void {
  const failed: string[] = [];
  for (const [path, mode] of PERSISTENT_PATHS) {
    const kept = join(config.paths.state_dir, "persist", path);
    try {
      if (!existsSync(kept)) {
        mkdirSync(kept, { recursive: true });
        chmodSync(kept, mode);
        // /usr/local starts as the FHS lays it out; the rest start empty.
        if (path === "/usr/local") for (const sub of ["bin", "sbin", "lib", "include", "share", "etc", "src"]) mkdirSync(join(kept, sub), { recursive: true });
      }
      mkdirSync(path, { recursive: true });
      mount(kept, path, "", MS_BIND);
    } catch (error) {
      failed.push(path);
      log.error("failed to bind a persistent path", { path, kept, err: error });
    }
  }
  if (failed.length) say(`could not keep ${failed.join(", ")} on the data disk (see /var/log/aios/init.log)`);
}

/**
 * /etc/aios as the image's files overlaid by the data disk's STATE_DIR/etc (overlayfs, upper
 * layer on the disk): what a person changes there (aiosctl config, an editor) is written to
 * the disk and kept across reboots and updates, and every file they did not change is the
 * image's, so a new version's defaults reach them. Only with a data disk: on the tmpfs it
 * would keep nothing. A persisted aios.toml that no longer passes the schema (edited by hand,
 * or a key a new version dropped) is moved aside, named, before the overlay is mounted, so the
 * services start on the image's file rather than not at all. Returns the persisted directory
 * when the overlay is mounted.
 */
export function overlayConfigDir(config: Config, log: Logger, say: Say): string | null {
  const dir = config.paths.config_dir;
  const kept = join(config.paths.state_dir, "etc");
  const work = join(config.paths.state_dir, ".etc-work");
  try {
    mkdirSync(kept, { recursive: true, mode: 0o755 });
    mkdirSync(work, { recursive: true, mode: 0o700 });
    const persisted = join(kept, "aios.toml");
    if (existsSync(persisted)) {
      try {
        parseConfigText(readFileSync(persisted, "utf8"), persisted);
      } catch (error) {
        const aside = `${persisted}.invalid-${new Date().toISOString().replace(/[:.]/g, "-")}`;
        renameSync(persisted, aside);
        say(`${(error as Error).message}\nthe image's aios.toml is used instead; yours is kept as ${aside} (fix it, then aiosctl config edit)`);
      }
    }
    // lowerdir is the mount point itself: the kernel looks it up before the overlay covers it.
    mount("overlay", dir, "overlay", MS_NOSUID | MS_NODEV, `lowerdir=${dir},upperdir=${kept},workdir=${work}`);
    return kept;
  } catch (error) {
    log.error("failed to overlay the configuration directory", { dir, kept, err: error });
    say(`${dir} could not be kept on the data disk (${(error as Error).message}): changes to it last until power off`);
    return null;
  }
}

/** Writes root's authorized_keys from the config and the kernel command line. */
export function installSshKeys(config: Config, cmdline: Map<string, string>, say: Say): void {
  const keys = [...config.ssh.authorized_keys];
  const fromCmdline = cmdline.get("aios.ssh_key");
  if (fromCmdline) keys.push(fromCmdline);
  mkdirSync("/root/.ssh", { recursive: true, mode: 0o700 });
  writeFileSync("/root/.ssh/authorized_keys", keys.map((k) => `${k}\n`).join(""), { mode: 0o600 });
  if (keys.length === 0) say("ssh: no authorized keys (set [ssh] authorized_keys or aios.ssh_key=); SSH logins are refused");
}

export function readCmdlineText(): string {
  try {
    return readFileSync("/proc/cmdline", "utf8");
  } catch {
    return "";
  }
}
