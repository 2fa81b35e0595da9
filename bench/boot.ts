/**
 * bench/boot.ts: how long AIOS takes to boot and what it costs at idle, against the floor of
 * the same kernel.
 *
 *   aios      QEMU start → "aios-init: AIOS ready" (every critical service ready), direct
 *             kernel boot of build/vmlinuz + build/initrd.img with build/root.img as a disk;
 *             then QEMU start → the answer of a first goal (`aiosctl goal "disk usage"` over SSH)
 *   baseline  the same kernel and QEMU settings with an initramfs of only BusyBox and an
 *             /init that prints a line, waits as long as AIOS is left idle, prints
 *             /proc/meminfo and powers off
 *
 * Memory at idle (20 s after ready): MemTotal − MemAvailable for both VMs (everything the
 * system costs: a file that stays in RAM counts, page cache that can be dropped does not), with
 * AIOS's Shmem (files held in RAM) and the PSS of every process (a shared page counted once).
 * Also the sizes of the ISO, the stage-0 initrd and the root image. Prints one JSON line, then
 * a table. just bench builds the image first.
 */
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { DebCache } from "../rootfs/debs.ts";
import { BUILD, ensureDataDisk } from "../rootfs/qemu.ts";
import { bootVm, ssh, sshWhenUp } from "../test/support/vm.ts";
import { round } from "./support/stats.ts";

const IDLE_S = 20;
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
  writeFileSync(
    join(tree, "init"),
    `#!/bin/sh\necho BASELINE READY\n/bin/busybox mount -t proc proc /proc\n/bin/busybox sleep ${IDLE_S}\n/bin/busybox cat /proc/meminfo\necho BASELINE END\n/bin/busybox poweroff -f\n`,
    { mode: 0o755 },
  );
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

/**
 * MemTotal − MemAvailable in MiB from /proc/meminfo's text, and what it is made of: Shmem
 * (files held in RAM), anonymous pages (heaps) and the kernel's own unreclaimable memory.
 */
function memory(meminfo: string) {
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(meminfo)?.[1] ?? Number.NaN);
  const mibOf = (...fields: string[]) => round(fields.reduce((sum, field) => sum + kib(field), 0) / 1024);
  return {
    used_mib: round((kib("MemTotal") - kib("MemAvailable")) / 1024),
    shmem_mib: mibOf("Shmem"),
    anon_mib: mibOf("AnonPages"),
    kernel_mib: mibOf("SUnreclaim", "PageTables", "KernelStack", "Percpu"),
  };
}

/** The kernel's marks (its /init started, stage 0 found the root) and aios-init's boot timeline. */
const TIMELINE_SCRIPT = `dmesg | grep -E 'Run /init|aios stage 0'; grep '"boot timeline"' /var/log/aios/init.log | tail -n 1`;

/** [step, seconds since the kernel started] in order, from TIMELINE_SCRIPT's output. */
function bootTimeline(text: string): [string, number][] {
  const marks: [string, number][] = [];
  for (const line of text.split("\n")) {
    const kernel = /^\[\s*([\d.]+)\]\s+(Run \/init|aios stage 0: root image found)/.exec(line);
    if (kernel) marks.push([kernel[2] === "Run /init" ? "stage 0 started (kernel ran /init)" : "stage 0 found the root image", Number(kernel[1])]);
    if (line.startsWith("{")) {
      const steps = (JSON.parse(line) as { steps?: { step: string; at_s: number }[] }).steps ?? [];
      for (const { step, at_s } of steps) marks.push([step, at_s]);
    }
  }
  return marks;
}

for (const file of ["vmlinuz", "initrd.img", "root.img", "aios.iso"]) {
  if (!existsSync(join(BUILD, file))) throw new Error(`build/${file} is missing: run just iso first`);
}
const dir = mkdtempSync(join(tmpdir(), "aios-bench-boot-"));
try {
  const baseline = baselineInitrd(dir);
  // The same QEMU command line, data disk included, so that only the initramfs and root differ.
  ensureDataDisk(join(dir, "unused.img"), 64);
  let started = performance.now();
  const floor = await bootVm({ mode: "kernel", dataDisk: join(dir, "unused.img"), initrd: baseline, rootImage: null }, 600);
  const baselineSeconds = await timeToLine(floor, "BASELINE READY", started);
  await floor.waitForSerial("BASELINE END");
  const baselineMemory = memory(floor.serial());
  await floor.exited;

  const dataDisk = join(dir, "data.img");
  ensureDataDisk(dataDisk, 256);
  const key = join(dir, "key");
  Bun.spawnSync(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key]);
  started = performance.now();
  const vm = await bootVm({ mode: "kernel", dataDisk, append: `aios.ssh_key="${readFileSync(`${key}.pub`, "utf8").trim()}"` }, 900);
  const aiosSeconds = await timeToLine(vm, "aios-init: AIOS ready", started);
  const goal = await sshWhenUp(vm.sshPort, key, 'aiosctl goal "disk usage"', 30);
  const firstGoalSeconds = (performance.now() - started) / 1000;
  if (goal.code !== 0) throw new Error(`the first goal failed (${goal.code}): ${goal.stderr}`);
  await Bun.sleep(IDLE_S * 1000); // idle: let start-up work settle
  const script =
    'cat /proc/meminfo; for p in /proc/[0-9]*; do r=$(sed -n "s/^\\(Pss\\|Anonymous\\):\\s*\\([0-9]*\\) kB/\\2/p" $p/smaps_rollup 2>/dev/null | tr "\\n" " "); [ -n "$r" ] && echo "PSS ${p#/proc/} $r$(tr "\\0" " " < $p/cmdline | cut -c1-60)"; done';
  const listing = (await ssh(vm.sshPort, key, script)).stdout;
  const timeline = bootTimeline((await ssh(vm.sshPort, key, TIMELINE_SCRIPT)).stdout);
  await ssh(vm.sshPort, key, "poweroff");
  await vm.exited;

  const pss: Record<string, number> = {};
  const anon: Record<string, number> = {};
  let pssTotalKib = 0;
  for (const line of listing.split("\n").filter((l) => l.startsWith("PSS "))) {
    const [, pid, kib, anonKib, ...cmd] = line.split(/\s+/);
    const command = cmd.join(" ");
    pssTotalKib += Number(kib);
    // The ssh session that reads these and the shell it runs are the bench's, not AIOS's.
    if (/^sshd: root@|^sh -c/.test(command)) continue;
    const hosted = /aios host ([\w ]+)/.exec(command)?.[1]?.trim().split(" ");
    const name =
      pid === "1"
        ? "aios-init (PID 1)"
        : hosted
          ? hosted.map((component) => `aios-${component}`).join(" + ")
          : (/aiosctl shell|aios-\w+/.exec(command)?.[0] ?? /sshd|udhcpc|llama-server/.exec(command)?.[0] ?? "other");
    pss[name] = round(Number(kib) / 1024 + (pss[name] ?? 0));
    anon[name] = round(Number(anonKib) / 1024 + (anon[name] ?? 0));
  }
  const aiosMemory = memory(listing);
  const result = {
    bench: "boot",
    baseline_busybox_s: round(baselineSeconds, 2),
    aios_ready_s: round(aiosSeconds, 2),
    ratio: round(aiosSeconds / baselineSeconds, 2),
    first_goal_s: round(firstGoalSeconds, 2),
    memory_used_mib: aiosMemory.used_mib,
    baseline_memory_used_mib: baselineMemory.used_mib,
    shmem_mib: aiosMemory.shmem_mib,
    anon_mib: aiosMemory.anon_mib,
    baseline_anon_mib: baselineMemory.anon_mib,
    kernel_mib: aiosMemory.kernel_mib,
    baseline_kernel_mib: baselineMemory.kernel_mib,
    pss_total_mib: round(pssTotalKib / 1024),
    pss_mib: pss,
    anon_by_process_mib: anon,
    timeline_s: Object.fromEntries(timeline),
    iso_mib: mib(join(BUILD, "aios.iso")),
    initrd_mib: mib(join(BUILD, "initrd.img")),
    root_image_mib: mib(join(BUILD, "root.img")),
  };
  console.log(JSON.stringify(result));
  console.log(`
boot under QEMU TCG (-cpu max -smp 2 -m 2048, direct kernel boot)
  baseline: BusyBox /init prints a line     ${result.baseline_busybox_s} s
  AIOS: every critical service ready        ${result.aios_ready_s} s      (${result.ratio}x the baseline)
  AIOS: first goal answered over SSH        ${result.first_goal_s} s

where the boot's time goes (seconds since the kernel started; QEMU and the firmware come before)
${timeline.map(([step, at]) => `  ${step.padEnd(40)}  ${at}`).join("\n")}

memory at idle (${IDLE_S} s after ready), MemTotal − MemAvailable
  baseline: BusyBox only                    ${result.baseline_memory_used_mib} MiB
  AIOS                                      ${result.memory_used_mib} MiB
    of which files held in RAM (Shmem)      ${result.shmem_mib} MiB
    anonymous memory (heaps)                ${result.anon_mib} MiB      (baseline ${result.baseline_anon_mib})
    kernel (slab, page tables, stacks)      ${result.kernel_mib} MiB      (baseline ${result.baseline_kernel_mib})
    PSS of every process                    ${result.pss_total_mib} MiB
      process                               PSS    anonymous
${Object.entries(pss)
  .sort((a, b) => b[1] - a[1])
  .map(([name, value]) => `      ${name.padEnd(36)}  ${String(value).padEnd(6)} ${anon[name]}`)
  .join("\n")}

image
  build/aios.iso                            ${result.iso_mib} MiB
  build/initrd.img (stage 0)                ${result.initrd_mib} MiB
  build/root.img (squashfs)                 ${result.root_image_mib} MiB
`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
