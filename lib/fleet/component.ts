/**
 * @module lib/fleet/component
 * aios-fleet as a process (started by aios-init only when [fleet] enabled): this machine's
 * record in the members' bucket, written when it changes and every heartbeat; goals addressed
 * to it run through its own orchestrator (lib/fleet/runner); the FleetService on
 * RUN_DIR/fleet.sock lists the machines and sends signed goals to them.
 */
import { hostname, loadavg } from "node:os";
import { join } from "node:path";
import * as v from "valibot";
import { ConfigError, rooted, socketPath, VERSION } from "../config/index.ts";
import { autonomyName } from "../rpc/autonomy.ts";
import { ApprovalState, Severity } from "../rpc/gen/aios/v1/common.ts";
import { MemoryServiceDefinition } from "../rpc/gen/aios/v1/memory.ts";
import { FleetServiceDefinition, type Machine } from "../rpc/gen/aios/v1/fleet.ts";
import { InitServiceDefinition, ServiceState } from "../rpc/gen/aios/v1/init.ts";
import { OrchestratorServiceDefinition } from "../rpc/gen/aios/v1/orchestrator.ts";
import { ToolsServiceDefinition } from "../rpc/gen/aios/v1/tools.ts";
import { type ComponentSpec, connect, decideApproval, failedPrecondition, implement, invalidArgument, notFound, parseRequest } from "../rpc/index.ts";
import { AuditReplica, checkChain } from "./audit-replica.ts";
import { ProcedureSharing } from "./procedures.ts";
import { FleetLink } from "./link.ts";
import { FleetGoalRunner, result } from "./runner.ts";
import { parseSelector, selects } from "./selector.ts";
import { sendApprovalAnswer, sendFleetGoal } from "./send.ts";
import { loadOrCreateSigningKey, publicKeyText } from "./signing.ts";
import { FINAL_STATES, FleetGoalId, type MachineRecord } from "./wire.ts";

/** How often the audit ledger's new entries are copied to the fleet. */
const AUDIT_COPY_MS = 3000;
/** How often learned procedures are looked for and shared ([fleet] share_procedures). */
const PROCEDURE_SHARE_MS = 5000;

export const fleetComponent: ComponentSpec = {
  name: "fleet",
  summary: "this machine in a fleet of AIOS machines on NATS JetStream",
  services: async ({ config, root, log, onStop }) => {
    const fleet = config.fleet;
    // A fleet with nowhere to go would quietly try the default address forever.
    if (fleet.servers.length === 0) throw new ConfigError("aios.toml", ["fleet.servers: [fleet] enabled needs at least one NATS server (nats://HOST:4222)"]);
    const machine =
      fleet.name ||
      (config.system.hostname !== "aios"
        ? config.system.hostname
        : hostname()
            .toLowerCase()
            .replace(/[^a-z0-9-]/g, "-"));
    const key = loadOrCreateSigningKey(rooted(root, join(config.paths.state_dir, "fleet/signing.key")));
    const ownKey = publicKeyText(key);
    const trusted = [ownKey, ...fleet.trusted_keys];
    const orchestrator = connect(OrchestratorServiceDefinition, socketPath(config, root, "orchestrator"), { defaultTimeoutMs: 15_000 });
    const init = connect(InitServiceDefinition, socketPath(config, root, "init"), { defaultTimeoutMs: 5_000 });
    let link: FleetLink;
    const memory = connect(MemoryServiceDefinition, socketPath(config, root, "memory"), { defaultTimeoutMs: 5_000 });
    const recordRefusal = async (why: string, fleetGoalId: string) => {
      await memory.pushEvent({
        event: {
          source: "aios-fleet",
          type: "fleet.goal_refused",
          severity: Severity.SEVERITY_WARNING,
          message: `a fleet goal was refused: ${why}`,
          data: { fleet_goal: fleetGoalId, reason: why },
          security: true,
        },
      });
    };
    const tools = connect(ToolsServiceDefinition, socketPath(config, root, "tools"), { defaultTimeoutMs: 15_000 });
    const runner = new FleetGoalRunner({
      machine,
      trustedKeys: () => trusted,
      orchestrator,
      publish: (r) => link.publishResult(r),
      recordRefusal,
      remoteApprovals: fleet.remote_approvals,
      decide: (answer) => decideApproval({ tools, orchestrator }, answer),
      log,
    });
    link = new FleetLink({
      fleet,
      machine,
      physical: (path) => rooted(root, path),
      log,
      onGoal: (message, signal) =>
        runner.handle(
          {
            data: message.data,
            header: (name) => message.headers?.get(name) || undefined,
            working: () => message.working(),
            ack: () => message.ack(),
            term: () => message.term(),
          },
          signal,
        ),
    });

    /** This machine as the fleet sees it. */
    const record = async (): Promise<MachineRecord> => {
      const [services, status, waiting] = await Promise.all([
        init.listServices({}).catch(() => null),
        orchestrator.getSystemStatus({}).catch(() => null),
        orchestrator.listApprovals({ states: [ApprovalState.APPROVAL_STATE_PENDING], goalId: "", pageSize: 20, pageToken: "" }).catch(() => null),
      ]);
      const pending = waiting?.approvals ?? [];
      const down = (services?.services ?? []).filter((s) => s.critical && s.state !== ServiceState.SERVICE_STATE_RUNNING).map((s) => s.name);
      return {
        v: 1,
        name: machine,
        labels: fleet.labels,
        version: VERSION,
        health: !services ? "starting" : down.length ? "degraded" : "ready",
        unhealthy_services: down,
        load1: Math.round(loadavg()[0]! * 100) / 100,
        autonomy: (status && autonomyName(status.autonomy)) ?? "",
        pending_approvals: status?.pendingApprovals ?? 0,
        approvals: pending.map((a) => ({ id: a.id, goal_id: a.goalId, tool: a.tool, reason: a.reason.slice(0, 200) })),
        remote_approvals: fleet.remote_approvals,
        public_key: ownKey,
        updated_at: new Date().toISOString(),
      };
    };
    // Looked at every second; written when something changed, and every heartbeat_ms so that
    // its age says the machine is alive.
    let written = "";
    let writtenAt = 0;
    let writing = false;
    const heartbeat = setInterval(async () => {
      if (!link.connected || writing) return;
      writing = true;
      try {
        const now = await record();
        // Load moves all the time: it goes out with the heartbeat, not as a change.
        const { updated_at: _at, load1: _load, ...meaning } = now;
        const text = JSON.stringify(meaning);
        if (text === written && Date.now() - writtenAt < fleet.heartbeat_ms) return;
        await link.putRecord(now);
        written = text;
        writtenAt = Date.now();
      } catch (error) {
        log.warn("could not write this machine's fleet record", { error: (error as Error).message });
      } finally {
        writing = false;
      }
    }, 1000);
    // This machine's audit ledger, copied to the fleet as it grows.
    const replica = new AuditReplica(link, tools, machine, log);
    const copier = setInterval(() => void replica.catchUp(), AUDIT_COPY_MS);
    // Learned procedures, given and taken, only when the person said so.
    const sharing = fleet.share_procedures ? new ProcedureSharing(link, memory, machine, key, () => trusted, log) : null;
    const sharer = sharing ? setInterval(() => void sharing.share().catch((error: Error) => log.warn("could not share procedures", { error: error.message })), PROCEDURE_SHARE_MS) : undefined;
    let taking = false;
    const taker = sharing
      ? setInterval(() => {
          if (taking || !link.connected) return;
          taking = true;
          void link
            .takeProcedures((data, signature) => sharing.take(data, signature))
            .catch((error: Error) => log.warn("could not read shared procedures", { error: error.message }))
            .finally(() => (taking = false));
        }, 2000)
      : undefined;
    link.start();
    onStop(async () => {
      clearInterval(heartbeat);
      clearInterval(copier);
      clearInterval(sharer);
      clearInterval(taker);
      tools.close();
      await link.stop();
      orchestrator.close();
      init.close();
      memory.close();
    });

    const toProto = (r: MachineRecord): Machine => {
      const seen = Date.parse(r.updated_at);
      return {
        name: r.name,
        labels: r.labels,
        version: r.version,
        health: r.health,
        unhealthyServices: r.unhealthy_services,
        load1: r.load1,
        autonomy: r.autonomy,
        pendingApprovals: r.pending_approvals,
        approvals: r.approvals.map((a) => `${a.id} ${a.tool}: ${a.reason}`),
        remoteApprovals: r.remote_approvals,
        lastSeen: new Date(seen),
        reachable: Date.now() - seen <= fleet.stale_ms,
      };
    };
    const connected = () => {
      if (!link.connected) throw failedPrecondition(`this machine is not connected to the fleet (${link.lastError || `trying ${fleet.servers.join(", ")}`}): aiosctl fleet status`);
    };

    return [
      implement(FleetServiceDefinition, {
        getFleetStatus: () => ({ enabled: fleet.enabled, connected: link.connected, name: machine, labels: fleet.labels, server: link.server, error: link.lastError, publicKey: ownKey }),
        listMachines: async (request) => {
          connected();
          const terms = request.selector ? selectorOf(request.selector) : [];
          return { machines: (await link.records()).filter((r) => terms.length === 0 || selects(terms, r.labels)).map(toProto) };
        },
        sendFleetGoal: async (request) => {
          const {
            text,
            selector,
            machine: named,
          } = parseRequest(
            v.object({
              text: v.pipe(v.string(), v.trim(), v.nonEmpty("say what to do"), v.maxLength(10_000)),
              selector: v.string(),
              machine: v.pipe(v.string(), v.regex(/^$|^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, "must be a machine name")),
            }),
            request,
          );
          if (!selector === !named) throw invalidArgument("selector", "give a label selector (role=web) or one machine's name, not both");
          connected();
          const records = await link.records();
          let targets: string[];
          if (named) {
            if (!records.some((r) => r.name === named)) throw notFound(`no machine named ${named} in the fleet: aiosctl fleet ls`);
            targets = [named];
          } else {
            const terms = selectorOf(selector);
            targets = records.filter((r) => selects(terms, r.labels) && toProto(r).reachable).map((r) => r.name);
            if (targets.length === 0) throw failedPrecondition(`no reachable machine has the labels ${selector}: aiosctl fleet ls`);
          }
          const id = await sendFleetGoal(link, key, machine, text, selector || `name=${named}`, targets);
          log.info("fleet goal sent", { fleet_goal: id, machines: targets });
          return { fleetGoalId: id, machines: targets };
        },
        decideFleetApproval: async (request) => {
          const answer = parseRequest(
            v.object({
              machine: v.pipe(v.string(), v.regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, "must be a machine name")),
              approvalId: v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{1,100}$/, "must be an approval id as aiosctl fleet ls --json shows it")),
              approve: v.boolean(),
              note: v.pipe(v.string(), v.maxLength(2000), v.regex(/^[^\p{Cc}]*$/u, "must be printable text")),
              decidedBy: v.pipe(v.string(), v.regex(/^[\x20-\x7e]{0,200}$/, "must be printable text of at most 200 characters")),
            }),
            request,
          );
          connected();
          const id = await sendApprovalAnswer(link, key, machine, { ...answer, by: answer.decidedBy || "a person" });
          log.info("an approval answer sent to the fleet", { fleet_goal: id, machine: answer.machine, approval: answer.approvalId, approve: answer.approve });
          return { fleetGoalId: id };
        },
        verifyFleetAudit: async (request) => {
          const { machine: name } = parseRequest(v.object({ machine: v.pipe(v.string(), v.regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, "must be a machine name")) }), request);
          connected();
          const entries = await link.auditEntries(name);
          if (entries.length === 0) throw notFound(`nothing of ${name}'s audit ledger is in the fleet's stream: aiosctl fleet ls`);
          const verdict = checkChain(entries);
          const last = entries.at(-1)!;
          return { machine: name, entriesChecked: entries.length, ok: verdict.ok, firstBrokenSeq: verdict.firstBrokenSeq, reason: verdict.reason, lastSeq: last.seq, lastHash: last.hash };
        },
        getFleetGoal: async (request) => {
          const { fleetGoalId } = parseRequest(v.object({ fleetGoalId: FleetGoalId }), request);
          connected();
          const targets = await link.goalTargets(fleetGoalId);
          if (!targets) throw notFound(`no fleet goal ${fleetGoalId}`);
          const results = await Promise.all(
            targets.machines.map(async (name) => {
              const said = (await link.lastResult(fleetGoalId, name)) ?? result(name, fleetGoalId, "sent", "", "");
              return { machine: name, state: said.state, answer: said.answer, goalId: said.goal_id, updatedAt: new Date(said.updated_at) };
            }),
          );
          return { results, done: results.every((r) => FINAL_STATES.has(r.state)) };
        },
      }),
    ];
  },
};

function selectorOf(text: string) {
  try {
    return parseSelector(text);
  } catch (error) {
    throw invalidArgument("selector", (error as Error).message);
  }
}
