/**
 * A fleet of three AIOS machines (whole stacks under `aios init --root`, compiled binary) joined
 * through a real nats-server with JetStream on loopback, each signing in as its own NATS user:
 * web-1 and web-2 (role=web) and db-1 (role=db, whose user may read nothing addressed to
 * others). Membership through the key-value bucket; a label-selected goal runs on exactly the
 * machines it selects, through each one's own orchestrator, and the answers come back; a goal
 * signed by a key nobody trusts, or not signed, is refused and said so; a machine stopped while
 * its goal waits for approval picks it up when it starts again; a goal sent while its machine
 * is down survives a NATS restart and is run when the machine comes back.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { generateKeyPairSync, type KeyObject } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { jetstream } from "@nats-io/jetstream";
import { connect, headers, type NatsConnection } from "@nats-io/transport-node";
import { publicKeyText, signBytes } from "../lib/fleet/signing.ts";
import { encode, type FleetGoalMessage } from "../lib/fleet/wire.ts";
import { ApprovalState } from "../lib/rpc/gen/aios/v1/common.ts";
import { FleetServiceDefinition } from "../lib/rpc/gen/aios/v1/fleet.ts";
import { GoalSource } from "../lib/rpc/gen/aios/v1/orchestrator.ts";
import { MemoryKind } from "../lib/rpc/gen/aios/v1/memory.ts";
import { connect as rpcConnect, decideApproval } from "../lib/rpc/index.ts";
import { run } from "./support/binary.ts";
import { NatsServer, type NatsUser } from "./support/nats.ts";
import { QUIET, type Stack, startStack } from "./support/stack.ts";
import { waitFor } from "./support/wait.ts";
import { adminToken, consoleConfig, consoleService } from "./support/console.ts";
import { freePort } from "../rootfs/qemu.ts";

const dir = mkdtempSync(join(tmpdir(), "aios-fleet-"));
const MACHINES = { "web-1": "web", "web-2": "web", "db-1": "db" } as const;
type Name = keyof typeof MACHINES;
const NAMES = Object.keys(MACHINES) as Name[];
const keys = Object.fromEntries(NAMES.map((name) => [name, generateKeyPairSync("ed25519").privateKey])) as Record<Name, KeyObject>;
const stacks: Partial<Record<Name, Stack>> = {};
let nats: NatsServer;
let admin: NatsConnection;

const RUNNER = 'description = "runs commands"\ntool_namespaces = ["process"]\ncapabilities = ["process:spawn:/bin/*"]\nprompt = "You run commands."\n';

/** db-1 may not read what is addressed to others, nor answer for them (README "Running a fleet"). */
function restricted(machine: Name): NatsUser["permissions"] {
  const others = NAMES.filter((n) => n !== machine);
  return {
    publish: {
      deny: [
        ...others.flatMap((o) => [`$JS.API.CONSUMER.*.AIOS_FLEET_GOALS.machine-${o}`, `$JS.API.CONSUMER.*.AIOS_FLEET_GOALS.machine-${o}.>`, `$JS.API.CONSUMER.MSG.NEXT.AIOS_FLEET_GOALS.machine-${o}`]),
        ...others.map((o) => `$JS.API.CONSUMER.CREATE.AIOS_FLEET_GOALS.*.aios.fleet.goal.${o}`),
        "$JS.API.CONSUMER.DURABLE.CREATE.AIOS_FLEET_GOALS.>",
        "$JS.API.CONSUMER.CREATE.AIOS_FLEET_GOALS.*",
        "$JS.API.STREAM.MSG.GET.AIOS_FLEET_GOALS",
        "$JS.API.DIRECT.GET.AIOS_FLEET_GOALS.>",
        ...others.map((o) => `aios.fleet.result.*.${o}`),
        ...others.map((o) => `aios.fleet.audit.${o}`),
        ...others.map((o) => `$KV.aios-fleet.machines.${o}`),
      ],
    },
    subscribe: { deny: others.map((o) => `aios.fleet.goal.${o}`) },
  };
}

let consolePort = 0;

function fleetConfig(name: Name): string {
  const trusted = NAMES.filter((n) => n !== name).map((n) => publicKeyText(keys[n]));
  return [
    QUIET,
    '[memory]\nembedder = "hashing"\n',
    "[orchestrator]\nmonitor_interval_ms = 0\n",
    "[gateway]\nmodels = []\n",
    "[fleet]",
    "enabled = true",
    `servers = [${JSON.stringify(nats.url)}]`,
    `name = "${name}"`,
    `labels = { role = "${MACHINES[name]}", site = "lab" }`,
    `user = "${name}"`,
    'password_file = "/etc/aios/nats-password"',
    `trusted_keys = ${JSON.stringify(trusted)}`,
    // web-1 takes answers to its approvals from the fleet's other machines; web-2 does not.
    `remote_approvals = ${name === "web-1"}`,
    // The web machines share what they learn; db-1 keeps to itself.
    `share_procedures = ${name !== "db-1"}`,
    "heartbeat_ms = 1000",
    "stale_ms = 4000",
    "",
    // db-1 has a console: its Fleet view's API.
    name === "db-1" ? consoleConfig(consolePort) : "",
  ].join("\n");
}

async function boot(name: Name): Promise<Stack> {
  const root = join(dir, name);
  mkdirSync(join(root, "etc/aios"), { recursive: true });
  mkdirSync(join(root, "var/lib/aios/fleet"), { recursive: true });
  writeFileSync(join(root, "etc/aios/nats-password"), `pw-${name}\n`, { mode: 0o600 });
  writeFileSync(join(root, "var/lib/aios/fleet/signing.key"), keys[name].export({ format: "pem", type: "pkcs8" }), { mode: 0o600 });
  const stack = await startStack(root, { config: fleetConfig(name), agents: { runner: RUNNER }, ...(name === "db-1" ? { services: { console: consoleService(consolePort) } } : {}) });
  stacks[name] = stack;
  return stack;
}

const aiosctl = (name: Name, ...args: string[]) => run([join(dir, name, "usr/bin/aiosctl"), ...args, "--root", join(dir, name)], join(dir, name));
const fleetClient = (name: Name) => rpcConnect(FleetServiceDefinition, join(dir, name, "run/aios/fleet.sock"), { defaultTimeoutMs: 30_000 });

async function fleetGoalsOn(name: Name) {
  const { goals } = await stacks[name]!.orchestrator.listGoals({ states: [], pageSize: 100, pageToken: "" });
  return goals.filter((goal) => goal.source === GoalSource.GOAL_SOURCE_FLEET);
}

async function results(from: Name, id: string) {
  const client = fleetClient(from);
  try {
    return await client.getFleetGoal({ fleetGoalId: id });
  } finally {
    client.close();
  }
}

beforeAll(async () => {
  consolePort = await freePort();
  nats = await NatsServer.start(join(dir, "nats"), [
    { user: "admin", password: "pw-admin" },
    { user: "web-1", password: "pw-web-1" },
    { user: "web-2", password: "pw-web-2" },
    { user: "db-1", password: "pw-db-1", permissions: restricted("db-1") },
  ]);
  for (const name of NAMES) await boot(name);
  admin = await connect({ servers: nats.url, user: "admin", pass: "pw-admin" });
  // Every machine's record is in the bucket.
  await waitFor(
    async () => {
      const listed = await aiosctl("web-1", "fleet", "ls", "--json");
      return listed.code === 0 && (JSON.parse(listed.stdout).machines ?? []).filter((m: { reachable: boolean }) => m.reachable).length === 3;
    },
    () => `three reachable machines:\n${stacks["web-1"]!.init.output().slice(-2000)}`,
  );
});

afterAll(async () => {
  await admin?.close();
  for (const stack of Object.values(stacks)) await stack?.stop();
  await nats?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("a fleet on NATS JetStream", () => {
  test("aiosctl fleet ls: every machine, its labels, health and version; a selector narrows it", async () => {
    const listed = await aiosctl("db-1", "fleet", "ls");
    expect(listed.stdout).toMatch(/^MACHINE\s+HEALTH\s+LABELS/);
    for (const name of NAMES) expect(listed.stdout).toMatch(new RegExp(`^${name}\\s+ready\\s+role=${MACHINES[name]},site=lab\\s`, "m"));
    const web = await aiosctl("db-1", "fleet", "ls", "role=web", "--json");
    expect(JSON.parse(web.stdout).machines.map((m: { name: string }) => m.name)).toEqual(["web-1", "web-2"]);
    const status = await aiosctl("web-2", "fleet", "status");
    expect(status.stdout).toContain("connected:  yes");
    expect(status.stdout).toContain(publicKeyText(keys["web-2"]));
  });

  test("aiosctl goal --on role=web runs on exactly web-1 and web-2, each through its own orchestrator; the answers come back", async () => {
    const sent = await aiosctl("db-1", "goal", "--on", "role=web", "disk usage");
    expect(sent.code).toBe(0);
    expect(sent.stdout).toMatch(/^fleet goal fleet-[0-9a-f-]{36} sent to web-1, web-2$/m);
    expect(sent.stdout).toMatch(/^web-1\s+succeeded\s+.*% used/m);
    expect(sent.stdout).toMatch(/^web-2\s+succeeded\s+.*% used/m);
    expect(sent.stdout).not.toMatch(/^db-1\s/m);
    expect(await fleetGoalsOn("web-1")).toHaveLength(1);
    expect(await fleetGoalsOn("web-2")).toHaveLength(1);
    expect(await fleetGoalsOn("db-1")).toHaveLength(0);
  });

  test("the console's fleet API: the machines, a goal sent by label, each machine's answer", async () => {
    const base = `http://127.0.0.1:${consolePort}`;
    const auth = { authorization: `Bearer ${adminToken(join(dir, "db-1"))}`, "content-type": "application/json" };
    const fleet = (await (await fetch(`${base}/api/fleet`, { headers: auth })).json()) as {
      status: { connected: boolean; name: string };
      machines: { name: string; labels: Record<string, string> }[];
    };
    expect(fleet.status).toMatchObject({ connected: true, name: "db-1" });
    expect(fleet.machines.map((m) => m.name)).toEqual(["db-1", "web-1", "web-2"]);
    const sent = await fetch(`${base}/api/fleet/goals`, { method: "POST", headers: auth, body: JSON.stringify({ text: "memory usage", selector: "role=db" }) });
    expect(sent.status).toBe(201);
    const { fleetGoalId, machines } = (await sent.json()) as { fleetGoalId: string; machines: string[] };
    expect(machines).toEqual(["db-1"]);
    let answer: { done?: boolean; results?: { machine: string; state: string }[] } = {};
    await waitFor(async () => (answer = await (await fetch(`${base}/api/fleet/goals/${fleetGoalId}`, { headers: auth })).json()).done === true, "db-1's answer");
    expect(answer.results).toEqual([expect.objectContaining({ machine: "db-1", state: "succeeded" })]);
    const bad = await fetch(`${base}/api/fleet/goals`, { method: "POST", headers: auth, body: JSON.stringify({ text: "x", selector: "role" }) });
    expect(bad.status).toBe(422);
  });

  test("each machine's audit ledger is copied to the fleet: any machine verifies it whole; a forged entry breaks the chain; nobody deletes from it", async () => {
    const newest = async () => Number((await stacks["web-1"]!.tools.queryAudit({ pageSize: 1 })).entries[0]?.seq ?? 0);
    const head = await newest();
    expect(head).toBeGreaterThan(0);
    let verdict = { stdout: "", stderr: "", code: -1 };
    await waitFor(
      async () => {
        verdict = await aiosctl("db-1", "fleet", "audit", "web-1", "--json");
        return verdict.code === 0 && Number(JSON.parse(verdict.stdout).lastSeq) >= head;
      },
      () => `web-1's ledger copied up to ${head}: ${verdict.stdout} ${(verdict as { stderr?: string }).stderr}`,
    );
    expect(JSON.parse(verdict.stdout)).toMatchObject({ machine: "web-1", ok: true });
    const { jetstreamManager } = await import("@nats-io/jetstream");
    const jsm = await jetstreamManager(admin);
    expect(await jsm.streams.deleteMessage("AIOS_FLEET_AUDIT", 1).catch((e: Error) => e)).toBeInstanceOf(Error);
    // A forged entry: the next seq, linked to nothing real.
    const last = JSON.parse(verdict.stdout) as { lastSeq: string };
    const forged = {
      seq: Number(last.lastSeq) + 1,
      execution_id: "exe_forged",
      time: new Date().toISOString(),
      agent: "general",
      goal_id: "",
      tool: "fs.delete",
      result: "ok",
      error: "",
      prev_hash: "0".repeat(64),
      hash: "f".repeat(64),
    };
    await jetstream(admin).publish("aios.fleet.audit.web-1", encode(forged));
    const broken = await aiosctl("db-1", "fleet", "audit", "web-1");
    expect(broken.code).toBe(1);
    expect(broken.stdout).toContain(`BROKEN at entry ${forged.seq}`);
  });

  test("a goal signed by a key no machine trusts, or not signed at all, is refused and said so; nothing runs", async () => {
    const js = jetstream(admin);
    const stranger = generateKeyPairSync("ed25519").privateKey;
    const before = (await fleetGoalsOn("web-1")).length;
    const ids: string[] = [];
    for (const signer of [stranger, null]) {
      const id = `fleet-${crypto.randomUUID()}`;
      ids.push(id);
      const message: FleetGoalMessage = {
        v: 1,
        id,
        text: "disk usage",
        from: "db-1",
        to: "web-1",
        selector: "role=web",
        sent_at: new Date().toISOString(),
        expires_at: new Date(Date.now() + 60_000).toISOString(),
      };
      const data = encode(message);
      const h = headers();
      if (signer) h.set("Aios-Signature", signBytes(signer, data));
      await js.publish("aios.fleet.goal.web-1", data, { headers: h });
    }
    // The refusal is on the results stream, where the sender looks (read here by the admin).
    for (const [id, why] of [
      [ids[0]!, "not from a key this machine trusts"],
      [ids[1]!, "not signed"],
    ] as const) {
      let said = "";
      await waitFor(
        async () => {
          const stored = await (await import("@nats-io/jetstream"))
            .jetstreamManager(admin)
            .then((jsm) => jsm.streams.getMessage("AIOS_FLEET_RESULTS", { last_by_subj: `aios.fleet.result.${id}.web-1` }).catch(() => null));
          said = stored ? new TextDecoder().decode(stored.data) : "";
          return said !== "";
        },
        () => `web-1 to refuse ${id}: ${stacks["web-1"]!.init.output().slice(-1500)}`,
      );
      expect(JSON.parse(said)).toMatchObject({ state: "refused", answer: expect.stringContaining(why) });
    }
    expect((await fleetGoalsOn("web-1")).length).toBe(before);
    // And kept on web-1 as a security event, where a person looks for what went wrong.
    const { events } = await stacks["web-1"]!.memory.recentEvents({ source: "aios-fleet", types: ["fleet.goal_refused"], limit: 50 });
    expect(events.filter((e) => e.type === "fleet.goal_refused").map((e) => e.message)).toEqual(expect.arrayContaining([expect.stringContaining("not signed")]));
  });

  test("db-1's NATS user cannot read what is addressed to web-1: no subscription, no pull from its consumer, no consumer of its own on it", async () => {
    const spy = await connect({ servers: nats.url, user: "db-1", pass: "pw-db-1" });
    try {
      const errors: string[] = [];
      spy.subscribe("aios.fleet.goal.web-1", {
        callback: (error) => {
          if (error) errors.push(error.message);
        },
      });
      await spy.flush();
      await waitFor(() => errors.length > 0, "a permissions violation for the subscription");
      expect(errors[0]).toMatch(/permission/i);
      const jsm = await (await import("@nats-io/jetstream")).jetstreamManager(spy);
      const created = await jsm.consumers.add("AIOS_FLEET_GOALS", { durable_name: "peek", filter_subject: "aios.fleet.goal.web-1" }).catch((e: Error) => e);
      expect(created).toBeInstanceOf(Error);
      const pulled = await jetstream(spy)
        .consumers.get("AIOS_FLEET_GOALS", "machine-web-1")
        .then((c) => c.next({ expires: 2000 }))
        .catch((e: Error) => e);
      expect(pulled).toBeInstanceOf(Error);
    } finally {
      await spy.close();
    }
  });

  test("an approval web-1 waits on is answered from db-1 (web-1 has remote_approvals on); web-2, which has not, refuses such an answer", async () => {
    const waitingOn = async (name: Name) => {
      let listed: { name: string; approvals?: string[] }[] = [];
      await waitFor(async () => {
        listed = JSON.parse((await aiosctl("db-1", "fleet", "ls", "--json")).stdout).machines;
        return (listed.find((m) => m.name === name)?.approvals ?? []).length > 0;
      }, `${name}'s record to show its approval`);
      return listed.find((m) => m.name === name)!.approvals![0]!.split(" ")[0]!;
    };
    const sent = await aiosctl("db-1", "goal", "--machine", "web-1", "--no-follow", 'call process.spawn {"argv": ["/bin/echo", "approved from db-1"]}');
    const id = /fleet goal (fleet-[0-9a-f-]{36})/.exec(sent.stdout)![1]!;
    const approval = await waitingOn("web-1");
    const answered = await aiosctl("db-1", "fleet", "approve", "web-1", approval, "--note", "fine");
    expect([answered.code, answered.stdout]).toEqual([0, expect.stringMatching(/^web-1\s+succeeded\s+approval \S+ approved by human:\S+ at db-1 \(fleet\)/m)]);
    await waitFor(async () => (await results("db-1", id)).done, `web-1's answer to ${id}`);
    expect((await results("db-1", id)).results[0]).toMatchObject({ state: "succeeded", answer: expect.stringContaining("approved from db-1") });

    await aiosctl("db-1", "goal", "--machine", "web-2", "--no-follow", 'call process.spawn {"argv": ["/bin/echo", "never"]}');
    const other = await waitingOn("web-2");
    const refused = await aiosctl("db-1", "fleet", "approve", "web-2", other);
    expect([refused.code, refused.stdout]).toEqual([1, expect.stringMatching(/^web-2\s+refused\s+this machine takes answers to its approvals only from its own people/m)]);
    // The same from db-1's console (its Fleet view's buttons).
    const base = `http://127.0.0.1:${consolePort}`;
    const auth = { authorization: `Bearer ${adminToken(join(dir, "db-1"))}`, "content-type": "application/json" };
    const posted = await fetch(`${base}/api/fleet/approvals`, { method: "POST", headers: auth, body: JSON.stringify({ machine: "web-2", approvalId: other, approve: true }) });
    expect(posted.status).toBe(201);
    const { fleetGoalId } = (await posted.json()) as { fleetGoalId: string };
    let said: { done?: boolean; results?: { state: string }[] } = {};
    await waitFor(async () => (said = await (await fetch(`${base}/api/fleet/goals/${fleetGoalId}`, { headers: auth })).json()).done === true, "web-2's refusal of the console's answer");
    expect(said.results?.[0]?.state).toBe("refused");
    const { approvals } = await stacks["web-2"]!.orchestrator.listApprovals({ states: [ApprovalState.APPROVAL_STATE_PENDING], goalId: "" });
    expect(approvals.map((a) => a.id)).toContain(other);
    // Its own person says no: nothing is left waiting there.
    await decideApproval(stacks["web-2"]!, { approvalId: other, approve: false, by: "human:test", note: "" });
  });

  test("a procedure web-1 learned is shared with web-2 (both share_procedures), tagged where it came from; db-1, which does not share, gets nothing", async () => {
    const steps = JSON.stringify([{ tool: "monitor.disk", agent: "general", input: {}, description: "look at the disks" }]);
    await stacks["web-1"]!.memory.remember({
      kind: MemoryKind.MEMORY_KIND_PROCEDURE,
      title: "how full are the disks",
      content: "monitor.disk answers it",
      tags: [],
      procedure: { goalPattern: "how full are the disks on this web server", toolSequence: ["monitor.disk"], successes: 3, failures: 0, stepsJson: steps, promoted: false },
    });
    const learned = async (name: Name) =>
      (await stacks[name]!.memory.listProcedures({ replayableOnly: true, limit: 100 })).procedures.filter((p) => p.procedure?.goalPattern === "how full are the disks on this web server");
    await waitFor(
      async () => (await learned("web-2")).length === 1,
      () => `web-2 to learn web-1's procedure:\n${stacks["web-2"]!.init.output().slice(-1500)}`,
    );
    const [taken] = await learned("web-2");
    expect(taken!.tags).toEqual(expect.arrayContaining(["fleet", "from:web-1"]));
    expect(taken!.procedure).toMatchObject({ stepsJson: steps, promoted: false });
    expect(await learned("db-1")).toHaveLength(0);
  });

  test("a machine stopped while its goal waits for approval picks it up when it starts again; the sender gets the answer", async () => {
    const sent = await aiosctl("db-1", "goal", "--machine", "web-2", "--no-follow", 'call process.spawn {"argv": ["/bin/echo", "from the fleet"]}');
    const id = /fleet goal (fleet-[0-9a-f-]{36})/.exec(sent.stdout)![1]!;
    await waitFor(async () => (await results("db-1", id)).results[0]?.state === "waiting_approval", `web-2 to wait for approval of ${id}`);
    await stacks["web-2"]!.stop();
    await boot("web-2");
    // The approval is web-2's own, answered there by a person, after the restart.
    const web2 = stacks["web-2"]!;
    let approvalId = "";
    await waitFor(async () => {
      const { approvals } = await web2.orchestrator.listApprovals({ states: [ApprovalState.APPROVAL_STATE_PENDING], goalId: "" });
      approvalId = approvals[0]?.id ?? "";
      return approvalId !== "";
    }, "the approval on web-2 after its restart");
    await decideApproval(web2, { approvalId, approve: true, by: "human:test", note: "" });
    await waitFor(async () => (await results("db-1", id)).done, `the answer of web-2 to ${id}`);
    const answer = (await results("db-1", id)).results[0]!;
    expect([answer.machine, answer.state]).toEqual(["web-2", "succeeded"]);
    expect(answer.answer).toContain("from the fleet");
    // Run once: the message delivered again found the goal it had started.
    expect((await fleetGoalsOn("web-2")).filter((g) => g.text.includes("from the fleet"))).toHaveLength(1);
  });

  test("a goal sent while its machine is down survives a NATS restart and runs when the machine is back", async () => {
    await stacks["web-1"]!.stop();
    const sent = await aiosctl("db-1", "goal", "--machine", "web-1", "--no-follow", "memory usage");
    expect(sent.code).toBe(0);
    const id = /fleet goal (fleet-[0-9a-f-]{36})/.exec(sent.stdout)![1]!;
    await nats.stop();
    await nats.resume();
    await boot("web-1");
    await waitFor(async () => (await results("db-1", id).catch(() => ({ done: false }))).done, `web-1 to answer ${id} after the NATS restart`);
    expect((await results("db-1", id)).results[0]).toMatchObject({ machine: "web-1", state: "succeeded" });
  });
});
