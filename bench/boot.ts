/**
 * bench/boot.ts: how long AIOS takes to boot, against the floor of the same kernel.
 *
 *   aios      QEMU start → "aios-init: AIOS ready" (every critical service ready), direct
 *             kernel boot of build/vmlinuz + build/initrd.img
 *   baseline  the same kernel and QEMU settings with an initramfs of only BusyBox and an
 *             /init that prints a line and powers off: QEMU start → that line
 *
 * Also the sizes of the ISO and the initrd, and the RSS of PID 1 and every service at idle,
 * read from /proc inside the VM over SSH. Prints one JSON line, then a table.
 * just bench builds the image first.
 */
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { DebCache } from "../rootfs/debs.ts";
import { BUILD, ensureDataDisk } from "../rootfs/qemu.ts";
import { bootVm, ssh } from "../test/support/vm.ts";
import { round } from "./support/stats.ts";

const REPO = resolve(import.meta.dir, "..");

const mib = (path: string) => round(statSync(path).size / 1024 / 1024);

function baselineInitrd(dir: string): string {
  const pin = readFileSync(join(REPO, "rootfs/packages.txt"), "utf8").match(/^busybox-static=(\S+)/m)?.[1];
  if (!pin) throw new Error("rootfs/packages.txt pins no busybox-static");
  const busybox = new DebCache(join(REPO, ".cache")).get("busybox-static", pin);
  const tree = join(dir, "baseline");
  mkdirSync(join(tree, "bin"), { recursive: true });
  for (const d of ["proc", "dev"]) mkdirSync(join(tree, d));
  copyFileSync(join(busybox.tree, "bin/busybox"), join(tree, "bin/busybox"));
  chmodSync(join(tree, "bin/busybox"), 0o755);
  symlinkSync("busybox", join(tree, "bin/sh"));
  writeFileSync(join(tree, "init"), "#!/bin/sh\necho BASELINE READY\n/bin/busybox poweroff -f\n", { mode: 0o755 });
  Bun.spawnSync(["mknod", "-m", "600", join(tree, "dev/console"), "c", "5", "1"]);
  const out = join(dir, "baseline.img");
  const packed = Bun.spawnSync(["sh", "-c", `cd ${tree} && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet | lz4 -q -l -9 - ${out}`]);
  if (packed.exitCode !== 0) throw new Error(`packing the baseline failed: ${packed.stderr.toString()}`);
  return out;
}

async function timeToLine(vm: Awaited<ReturnType<typeof bootVm>>, line: string, started: number): Promise<number> {
  await vm.waitForSerial(line);
  return (performance.now() - started) / 1000;
}

for (const file of ["vmlinuz", "initrd.img", "aios.iso"]) {
  if (!existsSync(join(BUILD, file))) throw new Error(`build/${file} is missing: run just iso first`);
}
const dir = mkdtempSync(join(tmpdir(), "aios-bench-boot-"));
try {
  const baseline = baselineInitrd(dir);
  // The same QEMU command line, data disk included, so that only the initramfs differs.
  ensureDataDisk(join(dir, "unused.img"), 64);
  let started = performance.now();
  const floor = await bootVm({ mode: "kernel", dataDisk: join(dir, "unused.img"), initrd: baseline }, 600);
  const baselineSeconds = await timeToLine(floor, "BASELINE READY", started);
  await floor.exited;

  const dataDisk = join(dir, "data.img");
  ensureDataDisk(dataDisk, 256);
  const key = join(dir, "key");
  Bun.spawnSync(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key]);
  started = performance.now();
  const vm = await bootVm({ mode: "kernel", dataDisk, append: `aios.ssh_key="${readFileSync(`${key}.pub`, "utf8").trim()}"` }, 900);
  const aiosSeconds = await timeToLine(vm, "aios-init: AIOS ready", started);
  await Bun.sleep(5000); // idle: let start-up work settle before reading RSS
  const script =
    'for s in /proc/[0-9]*/status; do n=$(sed -n "s/^Name:\\t//p" $s); r=$(sed -n "s/^VmRSS:\\s*//p" $s); p=${s#/proc/}; p=${p%/status}; [ -n "$r" ] && echo "$p $n $r $(tr "\\0" " " < /proc/$p/cmdline | cut -c1-60)"; done';
  const listing = (await ssh(vm.sshPort, key, script)).stdout;
  await ssh(vm.sshPort, key, "poweroff");
  await vm.exited;

  const rss: Record<string, number> = {};
  for (const line of listing.trim().split("\n")) {
    const [pid, , kib, , ...cmd] = line.split(/\s+/);
    const command = cmd.join(" ");
    const name = pid === "1" ? "pid1:aios-init" : (/aios-(\w+)/.exec(command)?.[0] ?? /sshd|udhcpc/.exec(command)?.[0]);
    if (name) rss[name] = round(Number(kib) / 1024 + (rss[name] ?? 0));
  }
  const result = {
    bench: "boot",
    baseline_busybox_s: round(baselineSeconds, 2),
    aios_ready_s: round(aiosSeconds, 2),
    ratio: round(aiosSeconds / baselineSeconds, 2),
    iso_mib: mib(join(BUILD, "aios.iso")),
    initrd_mib: mib(join(BUILD, "initrd.img")),
    rss_mib: rss,
  };
  console.log(JSON.stringify(result));
  console.log(`
boot under QEMU TCG (-cpu max -smp 2 -m 2048, direct kernel boot)
  baseline: BusyBox /init prints a line     ${result.baseline_busybox_s} s
  AIOS: every critical service ready        ${result.aios_ready_s} s      (${result.ratio}x the baseline)

image
  build/aios.iso                            ${result.iso_mib} MiB
  build/initrd.img                          ${result.initrd_mib} MiB

RSS at idle (MiB)
${Object.entries(rss)
  .map(([name, value]) => `  ${name.padEnd(40)}  ${value}`)
  .join("\n")}
`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
