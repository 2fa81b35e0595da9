/**
 * bench/fleet.ts: a fleet goal dispatched to 1, 10 and 50 machines through a real nats-server
 * (JetStream, file storage, loopback). Each machine is simulated in this process with the real
 * fleet code (lib/fleet/link: its own NATS connection, durable consumer and record; lib/fleet/
 * runner: the signature checked, the answer published, the message acknowledged); only its
 * orchestrator is a stand-in that answers at once, so the numbers are the fleet's own cost.
 * For each size: the time from sending to the last answer, per machine, and the memory each
 * simulated machine's connection adds. The 1-machine row is the baseline.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect } from "@nats-io/transport-node";
import { parseConfig } from "../lib/config/index.ts";
import { FleetLink } from "../lib/fleet/link.ts";
import { FleetGoalRunner } from "../lib/fleet/runner.ts";
import { sendFleetGoal } from "../lib/fleet/send.ts";
import { loadOrCreateSigningKey, publicKeyText } from "../lib/fleet/signing.ts";
import { FINAL_STATES } from "../lib/fleet/wire.ts";
import { createLogger } from "../lib/log/index.ts";
import { GoalState } from "../lib/rpc/gen/aios/v1/orchestrator.ts";
import { NatsServer } from "../test/support/nats.ts";
import { waitFor } from "../test/support/wait.ts";
import { round } from "./support/stats.ts";

const SIZES = [1, 10, 50];
const ROUNDS = 3;
const dir = mkdtempSync(join(tmpdir(), "aios-bench-fleet-"));
const PASSWORD = join(dir, "password");
writeFileSync(PASSWORD, "bench\n");
const log = createLogger({ component: "bench-fleet", level: "error", sink: () => {} });

// The orchestrator of a simulated machine: every goal has succeeded by the time it is asked.
const instantOrchestrator = {
  submitGoal: async (request: { idempotencyKey: string }) => ({ goal: { id: `goal-${request.idempotencyKey}` } }),
  getGoal: async () => ({ goal: { state: GoalState.GOAL_STATE_SUCCEEDED, answer: "done", result: "done", stateReason: "every task succeeded" } }),
} as never;

async function machine(nats: NatsServer, name: string, trusted: string[]): Promise<FleetLink> {
  const fleet = parseConfig({ fleet: { enabled: true, servers: [nats.url], name, user: "bench", password_file: PASSWORD } }, "bench").fleet;
  let link: FleetLink;
  const runner = new FleetGoalRunner({
    machine: name,
    trustedKeys: () => trusted,
    orchestrator: instantOrchestrator,
    publish: (r) => link.publishResult(r),
    recordRefusal: async () => {},
    log,
    pollMs: 20,
  });
  link = new FleetLink({
    fleet,
    machine: name,
    physical: (p) => p,
    log,
    onGoal: (m, signal) => runner.handle({ data: m.data, header: (h) => m.headers?.get(h) || undefined, working: () => m.working(), ack: () => m.ack(), term: () => m.term() }, signal),
  });
  link.start();
  await waitFor(() => link.connected, `${name} to join`);
  return link;
}

const rssMib = () => process.memoryUsage().rss / 1048576;

try {
  const nats = await NatsServer.start(join(dir, "nats"), [{ user: "bench", password: "bench" }]);
  const key = loadOrCreateSigningKey(join(dir, "sender.key"));
  const trusted = [publicKeyText(key)];
  const watcher = await connect({ servers: nats.url, user: "bench", pass: "bench" });
  const sender = await machine(nats, "sender", trusted);
  const rows: { machines: number; last_answer_ms: number; per_machine_ms: number; join_mib_per_machine: number }[] = [];
  try {
    const links: FleetLink[] = [];
    for (const size of SIZES) {
      const before = rssMib();
      while (links.length < size) links.push(await machine(nats, `sim-${links.length + 1}`, trusted));
      Bun.gc(true);
      const joinMib = size === 1 ? rssMib() - before : (rssMib() - before) / Math.max(1, size - (rows.at(-1)?.machines ?? 0));
      const targets = links.slice(0, size).map((_, i) => `sim-${i + 1}`);
      const times: number[] = [];
      for (let round_ = 0; round_ < ROUNDS; round_++) {
        const answered = new Set<string>();
        const done = Promise.withResolvers<void>();
        const subscription = watcher.subscribe("aios.fleet.result.>", {
          callback: (_error, message) => {
            const result = message.json<{ state: string; machine: string }>();
            if (FINAL_STATES.has(result.state)) answered.add(result.machine);
            if (answered.size === size) done.resolve();
          },
        });
        await watcher.flush();
        const started = performance.now();
        await sendFleetGoal(sender, key, "sender", "disk usage", "role=sim", targets);
        await done.promise;
        times.push(performance.now() - started);
        subscription.unsubscribe();
      }
      const best = Math.min(...times);
      rows.push({ machines: size, last_answer_ms: round(best), per_machine_ms: round(best / size), join_mib_per_machine: round(joinMib) });
    }
    for (const link of links) await link.stop();
  } finally {
    await sender.stop();
    await watcher.close();
    await nats.stop();
  }
  console.log(JSON.stringify({ bench: "fleet", rounds: ROUNDS, sizes: rows }));
  console.log(`
a fleet goal through nats-server (JetStream, file storage, loopback) to simulated machines
(real lib/fleet code, instant orchestrators), best of ${ROUNDS}; 1 machine is the baseline
  machines   to the last answer   per machine   memory a machine's link adds
${rows.map((r) => `  ${String(r.machines).padStart(8)}   ${String(r.last_answer_ms).padStart(12)} ms   ${String(r.per_machine_ms).padStart(8)} ms   ${String(r.join_mib_per_machine).padStart(8)} MiB`).join("\n")}
`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
