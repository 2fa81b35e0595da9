/**
 * Two booted AIOS guests (QEMU, TCG, restricted user network, direct kernel boot) in one fleet:
 * each reaches a nats-server on the host only through a guestfwd port, with its [fleet] table
 * on its data disk (the kept /etc/aios, as `aiosctl config set` would have left it). The host
 * sends a signed fleet goal with the real lib/fleet code; both guests run it through their own
 * orchestrators and answer.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { generateKeyPairSync, type KeyObject } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseConfig } from "../lib/config/index.ts";
import { FleetLink } from "../lib/fleet/link.ts";
import { sendFleetGoal } from "../lib/fleet/send.ts";
import { publicKeyText } from "../lib/fleet/signing.ts";
import { createLogger } from "../lib/log/index.ts";
import { BUILD } from "../rootfs/qemu.ts";
import { NatsServer } from "./support/nats.ts";
import { bootVm, type Vm } from "./support/vm.ts";
import { waitFor } from "./support/wait.ts";

const READY = "aios-init: AIOS ready";
const NATS_ADDRESS = "10.0.2.100:4222";
const GUESTS = ["guest-a", "guest-b"] as const;
const dir = mkdtempSync(join(tmpdir(), "aios-image-fleet-"));
const log = createLogger({ component: "image-fleet-test", level: "error", sink: () => {} });
let nats: NatsServer;
let host: FleetLink;
let key: KeyObject;
const vms: Vm[] = [];

/** A data disk whose kept /etc/aios/aios.toml joins the fleet (mkfs.ext4 -d fills it from a directory). */
function dataDiskFor(name: string, trusted: string): string {
  const tree = join(dir, `${name}-tree`);
  mkdirSync(join(tree, "etc"), { recursive: true });
  writeFileSync(
    join(tree, "etc/aios.toml"),
    [
      "[fleet]",
      "enabled = true",
      `servers = ["nats://${NATS_ADDRESS}"]`,
      `name = "${name}"`,
      'labels = { role = "web", site = "qemu" }',
      `trusted_keys = ["${trusted}"]`,
      'user = "fleet"',
      'password_file = "/etc/aios/nats-password"',
      "heartbeat_ms = 2000",
      "stale_ms = 60000",
      "",
    ].join("\n"),
  );
  writeFileSync(join(tree, "etc/nats-password"), "fleet\n", { mode: 0o600 });
  const disk = join(dir, `${name}.img`);
  for (const argv of [
    ["truncate", "-s", "256M", disk],
    ["mkfs.ext4", "-q", "-F", "-L", "AIOS-DATA", "-d", tree, disk],
  ]) {
    const made = Bun.spawnSync(argv, { stderr: "pipe" });
    if (made.exitCode !== 0) throw new Error(`${argv.join(" ")} failed: ${made.stderr.toString()}`);
  }
  return disk;
}

beforeAll(async () => {
  if (!existsSync(join(BUILD, "root.img"))) throw new Error("build/root.img is missing: run just iso (just test does)");
  nats = await NatsServer.start(join(dir, "nats"), [{ user: "fleet", password: "fleet" }]);
  key = generateKeyPairSync("ed25519").privateKey;
  writeFileSync(join(dir, "password"), "fleet\n");
  // The host is a member too (it sends): the same code a machine runs, signing with its key.
  const fleet = parseConfig({ fleet: { enabled: true, servers: [nats.url], name: "host", user: "fleet", password_file: join(dir, "password") } }, "test").fleet;
  host = new FleetLink({ fleet, machine: "host", physical: (p) => p, log, onGoal: async (m) => m.term() });
  host.start();
  await waitFor(() => host.connected, "the host to join the fleet");
  for (const name of GUESTS) {
    vms.push(await bootVm({ mode: "kernel", dataDisk: dataDiskFor(name, publicKeyText(key)), guestForwards: [{ guest: NATS_ADDRESS, hostPort: nats.port }] }));
  }
  for (const vm of vms) await vm.waitForSerial(READY);
});

afterAll(async () => {
  for (const vm of vms) vm.kill();
  await host?.stop();
  await nats?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test("two booted guests join the fleet through guestfwd; a goal sent from the host runs on both and both answer", async () => {
  await waitFor(
    async () => (await host.records()).filter((r) => r.name.startsWith("guest-")).length === 2,
    () => `both guests' records in the fleet:\n${vms.map((vm) => vm.serial().slice(-1500)).join("\n---\n")}`,
  );
  const records = await host.records();
  expect(records.filter((r) => r.name.startsWith("guest-")).map((r) => [r.name, r.labels.role, r.health])).toEqual([
    ["guest-a", "web", "ready"],
    ["guest-b", "web", "ready"],
  ]);
  const id = await sendFleetGoal(host, key, "host", "disk usage", "role=web", [...GUESTS]);
  for (const name of GUESTS) {
    let said: Awaited<ReturnType<FleetLink["lastResult"]>> = null;
    await waitFor(
      async () => ["succeeded", "failed", "refused"].includes((said = await host.lastResult(id, name))?.state ?? ""),
      () => `${name}'s answer: ${JSON.stringify(said)}`,
    );
    expect([said!.state, said!.answer]).toEqual(["succeeded", expect.stringContaining("% used")]);
  }
});
