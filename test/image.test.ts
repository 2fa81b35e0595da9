/**
 * End to end: the real image in QEMU (TCG), booted directly and from the ISO through GRUB,
 * with a persistent data disk. Needs build/vmlinuz, build/initrd.img, build/root.img and build/aios.iso
 * (just test builds them) and runs as root (mkfs, ssh-keygen).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BUILD, ensureDataDisk, ensureUefiVars } from "../rootfs/qemu.ts";
import { bootVm, openSerialShell, ssh, sshWhenUp, type Vm } from "./support/vm.ts";

const READY = "aios-init: AIOS ready";
const PERSISTENT = ["/home", "/srv", "/opt", "/usr/local", "/var/tmp"];
const FHS = [
  ...PERSISTENT,
  "/boot",
  "/media",
  "/mnt",
  "/etc/opt",
  "/usr/local/bin",
  "/usr/local/sbin",
  "/usr/local/lib",
  "/usr/share",
  "/var/cache",
  "/var/lib",
  "/var/local",
  "/var/lock",
  "/var/log",
  "/var/mail",
  "/var/opt",
  "/var/spool",
  "/run",
  "/tmp",
  "/root",
];
let dir: string;
let dataDisk: string;
let key: string;

beforeAll(() => {
  for (const file of ["vmlinuz", "initrd.img", "root.img", "aios.iso"]) {
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
      expect(rows.map((r) => `${r.component}=${r.status}`)).toEqual(["aios-init=SERVING", "aios-memory=SERVING", "aios-gateway=SERVING", "aios-tools=SERVING", "aios-orchestrator=SERVING"]);
      const processes = await ssh(vm.sshPort, key, "ps -o pid,args");
      for (const name of ["/usr/bin/aios-init", "/usr/bin/aios-console", "/usr/sbin/sshd -D -e", "/sbin/udhcpc"]) {
        expect(processes.stdout).toContain(name);
      }
      expect(processes.stdout).toMatch(/^\s*1 \/usr\/bin\/aios-init/m);

      // The static llama-server the gateway runs for local models is in the image and runs there.
      const llama = await ssh(vm.sshPort, key, "llama-server --version 2>&1");
      expect(llama.stdout).toMatch(/version: \d+/);

      // Plain HTTP sends browsers to HTTPS; the health answer is there (a self-signed certificate).
      expect((await fetch(`http://127.0.0.1:${vm.consolePort}/api/health`, { redirect: "manual" })).status).toBe(308);
      const consoleHealth = await fetch(`https://127.0.0.1:${vm.consoleHttpsPort}/api/health`, { tls: { rejectUnauthorized: false } });
      expect(await consoleHealth.json()).toMatchObject({ status: "SERVING", component: "aios-console" });

      const wrote = await ssh(vm.sshPort, key, "echo written-by-boot-one > /var/lib/aios/marker && sync && cat /var/lib/aios/marker");
      expect(wrote.stdout.trim()).toBe("written-by-boot-one");

      // The hierarchy any Linux has (FHS 3.0), as a sysadmin's script expects it.
      const missing = await ssh(vm.sshPort, key, `for d in ${FHS.join(" ")}; do [ -d "$d" ] || echo "missing $d"; done; echo checked`);
      expect(missing.stdout.trim()).toBe("checked");
      expect((await ssh(vm.sshPort, key, "readlink /etc/mtab")).stdout.trim()).toBe("/proc/self/mounts");
      // "/" is the root image (squashfs, read-only, paged in from its disk) under a writable
      // layer: nothing of the image is held in RAM for the machine's life.
      const root = await ssh(vm.sshPort, key, "grep -E ' / | /run ' /proc/mounts; echo written > /etc/aios-written && cat /etc/aios-written && rm /etc/aios-written");
      expect(root.stdout).toMatch(/^aios-root \/ overlay /m);
      expect(root.stdout).toContain("written");
      // At idle: every service healthy, and the memory figure a person reads first.
      const status = await ssh(vm.sshPort, key, "aiosctl status");
      expect([status.code, status.stdout]).toEqual([0, expect.stringMatching(/^memory: +\d+ MiB in use of \d+ MiB$/m)]);
      // Where the boot's time went, on the kernel's clock, in order: stage 0 to AIOS ready.
      const timeline = await ssh(vm.sshPort, key, "grep '\"boot timeline\"' /var/log/aios/init.log | tail -n 1");
      const steps = (JSON.parse(timeline.stdout) as { steps: { step: string; at_s: number }[] }).steps;
      expect(steps.map((s) => s.step)).toEqual(
        expect.arrayContaining(["stage 0 switched to the root image", "stage 1 began (/init)", "aios-init started", "kernel modules", "data disk", "orchestrator ready", "AIOS ready"]),
      );
      expect(steps.map((s) => s.at_s)).toEqual(steps.map((s) => s.at_s).toSorted((a, b) => a - b));
      expect(steps.at(-1)!.step).toBe("AIOS ready");
      const df = await ssh(vm.sshPort, key, "df / && df /var/lib/aios");
      expect(df.code).toBe(0);
      expect(df.stderr).not.toContain("can't find mount point");
      expect((await ssh(vm.sshPort, key, "stat -c %a /tmp /var/tmp")).stdout.trim().split("\n")).toEqual(["1777", "1777"]);
      expect((await ssh(vm.sshPort, key, "sh -lc 'echo $PATH'")).stdout).toMatch(/^\/usr\/local\/sbin:\/usr\/local\/bin:/);
      // resolv.conf: QEMU's restricted DHCP offers no DNS server, so the lease is replayed through
      // udhcpc's script with the servers a LAN's DHCP would give (same address, so SSH stays up).
      expect((await ssh(vm.sshPort, key, "cat /etc/resolv.conf")).stdout).not.toContain("nameserver");
      const lease = "interface=eth0 ip=10.0.2.15 mask=24 dns='192.0.2.53 192.0.2.54' domain=lab.example";
      expect((await ssh(vm.sshPort, key, `env ${lease} /etc/aios/udhcpc.script renew`)).stdout).toContain("dns 192.0.2.53 192.0.2.54");
      expect((await ssh(vm.sshPort, key, "cat /etc/resolv.conf")).stdout).toMatch(/^search lab\.example\nnameserver 192\.0\.2\.53\nnameserver 192\.0\.2\.54\n$/m);
      // With [network] dns set, aios-init runs udhcpc with AIOS_DNS_FIXED=1: the lease's servers are not written.
      await ssh(vm.sshPort, key, `env AIOS_DNS_FIXED=1 ${lease.replace("192.0.2.53", "198.51.100.1")} /etc/aios/udhcpc.script renew`);
      expect((await ssh(vm.sshPort, key, "cat /etc/resolv.conf")).stdout).not.toContain("198.51.100.1");
      // What a person keeps lives on the data disk: bound over from /var/lib/aios/persist.
      const mounts = (await ssh(vm.sshPort, key, "cat /proc/self/mounts")).stdout;
      for (const path of PERSISTENT) expect(mounts).toMatch(new RegExp(`^/dev/vda ${path} ext4 `, "m"));
      const kept = await ssh(
        vm.sshPort,
        key,
        "mkdir -p /home/alice && echo kept-in-home > /home/alice/note && printf '#!/bin/sh\\necho local-tool-ran\\n' > /usr/local/bin/hello-local && chmod +x /usr/local/bin/hello-local && echo kept-in-srv > /srv/site && echo kept-in-opt > /opt/app && echo kept-in-var-tmp > /var/tmp/scratch && sync && echo ok",
      );
      expect(kept.stdout.trim()).toBe("ok");
      // /etc/aios is the image's files under the data disk's /var/lib/aios/etc: a change made
      // with aiosctl config is written there and kept (the ISO boot below reads it back).
      expect(mounts).toMatch(/^overlay \/etc\/aios overlay .*upperdir=\/var\/lib\/aios\/etc/m);
      const configured = await ssh(vm.sshPort, key, "aiosctl config set system.hostname kept-host && sync && cat /var/lib/aios/etc/aios.toml | grep '^hostname'");
      expect([configured.code, configured.stdout]).toEqual([0, expect.stringContaining('hostname = "kept-host"')]);
      // aiosctl reload: aios-init, as PID 1, applies the host name at once.
      const reloaded = await ssh(vm.sshPort, key, "aiosctl reload && hostname");
      expect([reloaded.code, reloaded.stdout]).toEqual([0, 'system.hostname: "aios" → "kept-host"  (applied now)\nkept-host\n']);

      await ssh(vm.sshPort, key, "poweroff");
      expect(await vm.exited).toBe(0);
      expect(vm.serial()).toContain("aios-init: poweroff: SIGUSR2; stopping services");
      expect(vm.serial()).toContain("aios-init: services stopped; poweroff");
    } finally {
      vm.kill();
    }
  });

  test("ISO boot through GRUB with the same data disk: the first boot's file is there; poweroff from aiosctl shell on the serial console", async () => {
    const vm = await bootVm({ mode: "iso", dataDisk });
    try {
      await vm.waitForSerial(READY);
      // The console login lands in aiosctl shell; `!` runs one BusyBox command.
      await openSerialShell(vm);
      const mark = vm.serial().length;
      vm.type("!cat /var/lib/aios/marker\n");
      await vm.waitForSerial("written-by-boot-one", mark);
      // /home, /srv, /opt, /usr/local and /var/tmp came back from the data disk; /usr/local/bin is on the PATH.
      const again = vm.serial().length;
      vm.type("!cat /home/alice/note /srv/site /opt/app /var/tmp/scratch; hello-local\n");
      await vm.waitForSerial("local-tool-ran", again);
      expect(vm.serial().slice(again)).toMatch(/kept-in-home\s+kept-in-srv\s+kept-in-opt\s+kept-in-var-tmp\s+local-tool-ran/);
      // The configuration changed in the first boot is in effect: the host name came from it.
      const named = vm.serial().length;
      vm.type("!hostname; aiosctl config show system.hostname\n");
      await vm.waitForSerial('system.hostname = "kept-host"', named);
      expect(vm.serial().slice(named)).toMatch(/^kept-host\s*$/m);
      // GRUB's entry keeps transparent huge pages off: with them on, the kernel holds back
      // 44 MiB more (vm.min_free_kbytes) on a 2 GiB machine for pages nothing in AIOS asks for.
      const thp = vm.serial().length;
      vm.type("!echo thp=$(cat /sys/kernel/mm/transparent_hugepage/enabled) min_free=$(cat /proc/sys/vm/min_free_kbytes) end-$((40+2))\n");
      await vm.waitForSerial("end-42", thp);
      const reserve = /thp=(.*) min_free=(\d+) end-42/.exec(vm.serial().slice(thp))!;
      expect(reserve[1]).toContain("[never]");
      expect(Number(reserve[2])).toBeLessThan(16 * 1024);
      vm.type(":poweroff\n");
      expect(await vm.exited).toBe(0);
      expect(vm.serial()).toContain("aios-init: services stopped; poweroff");
    } finally {
      vm.kill();
    }
  });

  test("ISO on UEFI firmware: recovery chosen from GRUB's menu over serial starts only the console shell; reboot from it is orderly", async () => {
    const uefiVars = join(dir, "uefi-vars.fd");
    ensureUefiVars(uefiVars);
    const vm = await bootVm({ mode: "iso", firmware: "uefi", uefiVars, dataDisk });
    try {
      // GRUB counts down from 2 s: a key stops it; one down arrow, then Enter, boots the second entry.
      await vm.waitForSerial("executed automatically");
      const menu = vm.serial().length;
      vm.type("\x1b[B");
      await Bun.sleep(300);
      vm.type("\r");
      // Either the recovery entry booted, or the default one did and says so by its ready line.
      const recovery = "recovery mode: only the console shell is started";
      await Promise.race([vm.waitForSerial(recovery, menu), vm.waitForSerial(READY, menu)]);
      expect(vm.serial().slice(menu)).toContain(recovery);
      await vm.waitForSerial(READY, menu);
      const mark = vm.serial().length;
      // One socket: aios-init's own (the console shell has none).
      vm.type("\nls /run/aios; echo sockets=$(ls /run/aios/*.sock | wc -l)\n");
      await vm.waitForSerial("sockets=1", mark);
      vm.type("reboot\n");
      // -no-reboot: a guest reboot ends QEMU with status 0.
      expect(await vm.exited).toBe(0);
      expect(vm.serial()).toContain("aios-init: reboot: SIGTERM; stopping services");
      expect(vm.serial()).toContain("aios-init: services stopped; reboot");
    } finally {
      vm.kill();
    }
  });
});
