/**
 * End to end: the real image in QEMU (TCG), booted directly and from the ISO through GRUB,
 * with a persistent data disk. Needs build/vmlinuz, build/initrd.img and build/aios.iso
 * (just test builds them) and runs as root (mkfs, ssh-keygen).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BUILD, ensureDataDisk } from "../rootfs/qemu.ts";
import { bootVm, ssh, sshWhenUp, type Vm } from "./support/vm.ts";

const READY = "aios-init: AIOS ready";
let dir: string;
let dataDisk: string;
let key: string;

beforeAll(() => {
  for (const file of ["vmlinuz", "initrd.img", "aios.iso"]) {
    if (!existsSync(join(BUILD, file))) throw new Error(`build/${file} is missing: run just iso (just test does)`);
  }
  dir = mkdtempSync(join(tmpdir(), "aios-vm-"));
  dataDisk = join(dir, "data.img");
  ensureDataDisk(dataDisk, 256);
  key = join(dir, "id_ed25519");
  const made = Bun.spawnSync(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "aios-test", "-f", key]);
  if (made.exitCode !== 0) throw new Error(`ssh-keygen failed: ${made.stderr.toString()}`);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const sshUntilUp = (vm: Vm, command: string) => sshWhenUp(vm.sshPort, key, command);

describe("the AIOS image in QEMU", () => {
  test("direct kernel boot: ready line, SSH with a key, services running, console up, orderly poweroff", async () => {
    const publicKey = readFileSync(`${key}.pub`, "utf8").trim();
    const vm = await bootVm({ mode: "kernel", dataDisk, append: `aios.ssh_key="${publicKey}"` });
    try {
      await vm.waitForSerial(READY);
      expect(vm.serial()).toContain("data disk /dev/vda (AIOS-DATA) mounted at /var/lib/aios");

      const health = await sshUntilUp(vm, "aiosctl health --json");
      expect(health.code).toBe(0);
      const rows = JSON.parse(health.stdout) as { component: string; status: string }[];
      expect(rows.map((r) => `${r.component}=${r.status}`)).toEqual([
        "aios-init=SERVING",
        "aios-memory=SERVING",
        "aios-gateway=SERVING",
        "aios-tools=SERVING",
        "aios-orchestrator=SERVING",
      ]);
      const processes = await ssh(vm.sshPort, key, "ps -o pid,args");
      for (const name of ["/usr/bin/aios-init", "/usr/bin/aios-console", "/usr/sbin/sshd -D -e", "/sbin/udhcpc"]) {
        expect(processes.stdout).toContain(name);
      }
      expect(processes.stdout).toMatch(/^\s*1 \/usr\/bin\/aios-init/m);

      // The static llama-server the gateway runs for local models is in the image and runs there.
      const llama = await ssh(vm.sshPort, key, "llama-server --version 2>&1");
      expect(llama.stdout).toMatch(/version: \d+/);

      const consoleHealth = await fetch(`http://127.0.0.1:${vm.consolePort}/api/health`);
      expect(await consoleHealth.json()).toMatchObject({ status: "SERVING", component: "aios-console" });

      const wrote = await ssh(vm.sshPort, key, "echo written-by-boot-one > /var/lib/aios/marker && sync && cat /var/lib/aios/marker");
      expect(wrote.stdout.trim()).toBe("written-by-boot-one");

      await ssh(vm.sshPort, key, "poweroff");
      expect(await vm.exited).toBe(0);
      expect(vm.serial()).toContain("aios-init: poweroff: SIGUSR2; stopping services");
      expect(vm.serial()).toContain("aios-init: services stopped; poweroff");
    } finally {
      vm.process.kill("SIGKILL");
    }
  });

  test("ISO boot through GRUB with the same data disk: the first boot's file is there; poweroff from aiosctl shell on the serial console", async () => {
    const vm = await bootVm({ mode: "iso", dataDisk });
    try {
      await vm.waitForSerial(READY);
      // The console login lands in aiosctl shell; `!` runs one BusyBox command.
      await vm.waitForSerial("aios> ");
      const mark = vm.serial().length;
      vm.type("!cat /var/lib/aios/marker\n");
      await vm.waitForSerial("written-by-boot-one", mark);
      vm.type(":poweroff\n");
      expect(await vm.exited).toBe(0);
      expect(vm.serial()).toContain("aios-init: services stopped; poweroff");
    } finally {
      vm.process.kill("SIGKILL");
    }
  });

  test("recovery boot starts only the console shell; reboot from it is orderly", async () => {
    const vm = await bootVm({ mode: "kernel", dataDisk, append: "aios.recovery=1" });
    try {
      await vm.waitForSerial("recovery mode: only the console shell is started");
      await vm.waitForSerial(READY);
      const mark = vm.serial().length;
      vm.type("\nls /run/aios; echo services=$(ls /run/aios | wc -l)\n");
      await vm.waitForSerial("services=1", mark);
      vm.type("reboot\n");
      // -no-reboot: a guest reboot ends QEMU with status 0.
      expect(await vm.exited).toBe(0);
      expect(vm.serial()).toContain("aios-init: reboot: SIGTERM; stopping services");
      expect(vm.serial()).toContain("aios-init: services stopped; reboot");
    } finally {
      vm.process.kill("SIGKILL");
    }
  });
});
