/**
 * An installed AIOS moved between versions, in QEMU (TCG, restricted network), as a person
 * does it: `aiosctl install` from the ISO onto a blank disk; that disk boots by itself (UEFI
 * first, then BIOS); a bundle signed with the builder's release key, fetched from the host
 * through guestfwd, goes into slot b and is kept after its trial boot; a bundle whose critical
 * service fails is left by itself (the trial boot reboots, the old slot says why); a bundle
 * signed by another key is refused with the slot untouched.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { generateKeyPairSync } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeBundle } from "../lib/update/bundle.ts";
import { BUILD, ensureDataDisk, ensureUefiVars } from "../rootfs/qemu.ts";
import { releaseKey } from "../rootfs/release-key.ts";
import { bootVm, openSerialShell, sshWhenUp, type Vm } from "./support/vm.ts";

const READY = "aios-init: AIOS ready";
const BUNDLES = "10.0.2.103:8080";
let dir: string;
let key: string;
let target: string;
let server: ReturnType<typeof Bun.serve>;
let vm: Vm | undefined;

function sh(argv: string[]): string {
  const r = Bun.spawnSync(argv, { stdout: "pipe", stderr: "pipe" });
  if (r.exitCode !== 0) throw new Error(`${argv.join(" ")}: ${r.stderr.toString()}`);
  return r.stdout.toString();
}

beforeAll(async () => {
  for (const file of ["aios.iso", "vmlinuz", "initrd.img", "root.img"]) {
    if (!existsSync(join(BUILD, file))) throw new Error(`build/${file} is missing: run just iso (just test does)`);
  }
  dir = mkdtempSync(join(tmpdir(), "aios-update-"));
  key = join(dir, "id_ed25519");
  sh(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "aios-update", "-f", key]);
  target = join(dir, "target.img");
  sh(["truncate", "-s", "2048M", target]);
  const files = { vmlinuz: join(BUILD, "vmlinuz"), "initrd.img": join(BUILD, "initrd.img"), "root.img": join(BUILD, "root.img") };
  // The builder's key, as just release signs with it (the image trusts its public half).
  await writeBundle(join(dir, "good.tar"), files, { version: "AIOS second build (update test)", commit: "test2" }, releaseKey());
  await writeBundle(join(dir, "stranger.tar"), files, { version: "AIOS from a stranger", commit: "evil" }, generateKeyPairSync("ed25519").privateKey);
  // A build whose critical aios-tools cannot start.
  const tree = join(dir, "broken-root");
  sh(["unsquashfs", "-q", "-n", "-d", tree, files["root.img"]]);
  const toolsToml = join(tree, "etc/aios/services/tools.toml");
  writeFileSync(toolsToml, readFileSync(toolsToml, "utf8").replace(/^command = .*$/m, 'command = "/usr/bin/aios-tools-missing"'));
  sh(["mksquashfs", tree, join(dir, "broken-root.img"), "-comp", "zstd", "-Xcompression-level", "3", "-noappend", "-quiet"]);
  rmSync(tree, { recursive: true, force: true });
  await writeBundle(join(dir, "broken.tar"), { ...files, "root.img": join(dir, "broken-root.img") }, { version: "AIOS broken build (update test)", commit: "broken" }, releaseKey());
  server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch: (request) => {
      const name = new URL(request.url).pathname.slice(1);
      return /^[a-z]+\.tar$/.test(name) && existsSync(join(dir, name)) ? new Response(Bun.file(join(dir, name))) : new Response("not found", { status: 404 });
    },
  });
});

afterAll(() => {
  vm?.kill();
  server?.stop(true);
  rmSync(dir, { recursive: true, force: true });
});

/** Boots the installed disk; the SSH key let in from the serial console (kept in aios.toml on the data partition). */
async function bootDisk(firmware: "bios" | "uefi"): Promise<Vm> {
  // A machine a failed step left running holds the disk: stop it first.
  if (vm && vm.process.exitCode === null) {
    vm.kill();
    await vm.exited;
  }
  const uefiVars = join(dir, "vars.fd");
  if (firmware === "uefi") ensureUefiVars(uefiVars);
  vm = await bootVm({ mode: "disk", dataDisk: target, firmware, uefiVars, guestForwards: [{ guest: BUNDLES, hostPort: server.port! }] });
  await vm.waitForSerial(READY);
  return vm;
}

async function letIn(machine: Vm): Promise<void> {
  await openSerialShell(machine);
  const mark = machine.serial().length;
  const publicKey = readFileSync(`${key}.pub`, "utf8").trim();
  machine.type(`!aiosctl config set ssh.authorized_keys '["${publicKey}"]' >/dev/null && aiosctl reload >/dev/null; echo key-set\n`);
  await machine.waitForSerial("key-set\r\n", mark).catch(() => machine.waitForSerial("key-set\n", mark));
}

const guest = (command: string) => sshWhenUp(vm!.sshPort, key, command);

describe("an installed AIOS, updated and rolled back", () => {
  test("aiosctl install writes the disk from the ISO", async () => {
    const data = join(dir, "live-data.img");
    ensureDataDisk(data, 256);
    vm = await bootVm({ mode: "iso", dataDisk: data, extraDisks: [target] });
    await vm.waitForSerial(READY);
    await letIn(vm);
    const refused = await guest("aiosctl install /dev/vdb");
    expect([refused.code, refused.stderr]).toEqual([1, expect.stringContaining("run it again with --yes")]);
    const installed = await guest("aiosctl install /dev/vdb --yes");
    expect([installed.code, installed.stdout]).toEqual([0, expect.stringContaining("on /dev/vdb: slot a")]);
    expect((await guest("cat /sys/class/block/vdb*/uevent | grep PARTNAME | tr '\\n' ' '")).stdout).toBe(
      "PARTNAME=bios-boot PARTNAME=aios-esp PARTNAME=aios-boot PARTNAME=aios-root-a PARTNAME=aios-root-b PARTNAME=aios-data ",
    );
    // The live system is not installed: it has no slots to update.
    const live = await guest("aiosctl update /nonexistent.tar");
    expect(live.stderr).toContain("install it first");
    await guest("aiosctl poweroff");
    expect(await vm.exited).toBe(0);
  });

  test("the disk boots by itself on UEFI firmware into slot a; a bundle signed by another key is refused", async () => {
    await bootDisk("uefi");
    expect(vm!.serial()).toContain("Booting `AIOS (slot a)'");
    await letIn(vm!);
    const status = await guest("aiosctl update status");
    expect(status.stdout).toMatch(/running: .*, slot a\nboots: {4}slot a\n/);
    const refused = await guest(`wget -q -O /var/tmp/stranger.tar http://${BUNDLES}/stranger.tar && aiosctl update /var/tmp/stranger.tar --yes`);
    expect([refused.code, refused.stderr]).toEqual([1, expect.stringContaining("the bundle's signature is not good")]);
    expect((await guest("aiosctl update status")).stdout).toContain("boots:    slot a\n");
    await guest("aiosctl poweroff");
    expect(await vm!.exited).toBe(0);
  });

  test("on BIOS: an update from a URL goes into slot b, is tried once and kept when its services are ready", async () => {
    await bootDisk("bios");
    const updated = await guest(`aiosctl update http://${BUNDLES}/good.tar --yes`);
    expect([updated.code, updated.stdout]).toEqual([0, expect.stringContaining("AIOS second build (update test) is in slot b")]);
    expect((await guest("aiosctl update status")).stdout).toContain("slot b once on trial at the next boot");
    await guest("aiosctl reboot");
    // -no-reboot: the guest's reboot ends QEMU; the machine is started again, as a reset would.
    await vm!.exited;
    await bootDisk("bios");
    await vm!.waitForSerial("update: confirmed: slot b (AIOS second build (update test)) is this machine's now");
    const status = await guest("aiosctl update status --json");
    expect(JSON.parse(status.stdout)).toMatchObject({ slot: "b", grub_slot: "b", grub_trial: null, last_update: { state: "confirmed", to: "b" } });
    // Back to the version before, and forward again, as GRUB will boot them.
    const back = await guest("aiosctl update rollback --yes");
    expect([back.code, back.stdout]).toEqual([0, expect.stringContaining("slot a")]);
    expect((await guest("aiosctl update status")).stdout).toContain("boots:    slot a\n");
    expect((await guest("aiosctl update rollback --yes")).stdout).toContain("slot b (AIOS second build (update test)) boots from now on");
  });

  test("an update whose critical service fails is left by itself: the trial reboots and slot b comes back, saying why", async () => {
    const updated = await guest(`aiosctl update http://${BUNDLES}/broken.tar --yes --reboot`);
    expect(updated.stdout).toContain("is in slot a");
    await vm!.exited;
    // The trial boot of slot a: aios-tools cannot start, the trial fails and reboots.
    const trial = await bootVm({ mode: "disk", dataDisk: target, guestForwards: [{ guest: BUNDLES, hostPort: server.port! }] });
    vm = trial;
    await trial.waitForSerial("update: the trial of slot a failed: tools failed");
    await trial.exited;
    await bootDisk("bios");
    await vm!.waitForSerial("update: the update to AIOS broken build (update test) was rolled back: tools failed");
    const status = JSON.parse((await guest("aiosctl update status --json")).stdout);
    expect(status).toMatchObject({ slot: "b", grub_slot: "b", grub_trial: null, last_update: { state: "rolled-back", to: "a", version: "AIOS broken build (update test)" } });
    expect(status.last_update.reason).toContain("tools failed");
    // Slot a holds the build that failed: there is nothing to roll back to.
    const nothing = await guest("aiosctl update rollback --yes");
    expect([nothing.code, nothing.stderr]).toEqual([1, expect.stringContaining("whose trial did not succeed")]);
    await guest("aiosctl poweroff");
    await vm!.exited;
  });
});
