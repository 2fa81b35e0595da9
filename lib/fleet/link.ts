/**
 * @module lib/fleet/link
 * This machine's connection to the fleet's NATS servers (the official @nats-io clients): it
 * keeps trying until a server answers and reconnects by itself after; the goal stream, the
 * results stream and the members' key-value bucket are made if absent (file storage, so a NATS
 * restart loses nothing); this machine's durable consumer reads only its own goal subject.
 * Nothing here is on AIOS's local path: a machine that cannot reach NATS works alone.
 */
import { readFileSync } from "node:fs";
import { AckPolicy, DeliverPolicy, type JetStreamClient, type JetStreamManager, jetstream, jetstreamManager, type JsMsg, RetentionPolicy, StorageType } from "@nats-io/jetstream";
import { type KV, Kvm } from "@nats-io/kv";
import { type Authenticator, connect, credsAuthenticator, headers, type NatsConnection, nkeyAuthenticator, usernamePasswordAuthenticator } from "@nats-io/transport-node";
import * as v from "valibot";
import type { Config } from "../config/index.ts";
import type { Logger } from "../log/index.ts";
import {
  AUDIT_STREAM,
  auditSubject,
  consumerName,
  encode,
  FleetResultMessage,
  GOALS_STREAM,
  goalSubject,
  MachineRecord,
  MEMBERS_BUCKET,
  memberKey,
  PROCEDURES_STREAM,
  RESULTS_STREAM,
  type ReplicatedEntry,
  ReplicatedEntrySchema,
  resultSubject,
  SIGNATURE_HEADER,
} from "./wire.ts";

const ACK_WAIT_NS = 30_000_000_000;
const RESULTS_MAX_AGE_NS = 30 * 86_400 * 1_000_000_000;

export interface LinkOptions {
  fleet: Config["fleet"];
  machine: string;
  /** A path of the configuration under --root. */
  physical(path: string): string;
  log: Logger;
  /** Called with each goal message addressed to this machine, while connected. */
  onGoal(message: JsMsg, signal: AbortSignal): Promise<void>;
}

export class FleetLink {
  private nc: NatsConnection | undefined;
  private js: JetStreamClient | undefined;
  private jsm: JetStreamManager | undefined;
  private kv: KV | undefined;
  private stopped = false;
  private readonly controller = new AbortController();
  lastError = "";

  constructor(private readonly options: LinkOptions) {}

  get connected(): boolean {
    return this.kv !== undefined && this.nc !== undefined && !this.nc.isClosed();
  }

  get server(): string {
    return this.nc?.getServer() ?? this.options.fleet.servers.join(", ");
  }

  /** Starts connecting; resolves at once (the fleet never holds up the machine). */
  start(): void {
    void this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.controller.abort();
    await this.nc?.drain().catch(() => undefined);
  }

  private authenticator(): Authenticator | undefined {
    const { fleet, physical } = this.options;
    if (fleet.credentials_file) return credsAuthenticator(new Uint8Array(readFileSync(physical(fleet.credentials_file))));
    if (fleet.nkey_seed_file) return nkeyAuthenticator(new TextEncoder().encode(readFileSync(physical(fleet.nkey_seed_file), "utf8").trim()));
    if (fleet.user) return usernamePasswordAuthenticator(fleet.user, fleet.password_file ? readFileSync(physical(fleet.password_file), "utf8").trim() : "");
    return undefined;
  }

  private async run(): Promise<void> {
    const { fleet, machine, log } = this.options;
    for (let attempt = 0; !this.stopped; attempt++) {
      try {
        const authenticator = this.authenticator();
        this.nc = await connect({
          servers: fleet.servers,
          name: `aios-fleet ${machine}`,
          // Replies come to an inbox of this machine's own, which a subject permission can name.
          inboxPrefix: `_INBOX_${machine.replaceAll("-", "_")}`,
          waitOnFirstConnect: true,
          maxReconnectAttempts: -1,
          reconnectTimeWait: 2000,
          ...(authenticator ? { authenticator } : {}),
          ...(fleet.tls_ca_file ? { tls: { caFile: this.options.physical(fleet.tls_ca_file) } } : {}),
        });
        void this.watchStatus(this.nc);
        await this.prepare(this.nc);
        log.info("joined the fleet", { server: this.nc.getServer(), machine });
        this.lastError = "";
        await this.consume();
        return;
      } catch (error) {
        this.lastError = (error as Error).message;
        this.kv = undefined;
        await this.nc?.close().catch(() => undefined);
        this.nc = undefined;
        if (this.stopped) return;
        const wait = Math.min(1000 * 2 ** Math.min(attempt, 5), 30_000);
        log.warn("the fleet is not reachable; this machine works alone and tries again", { error: this.lastError, retry_in_ms: wait });
        await Bun.sleep(wait);
      }
    }
  }

  private async watchStatus(nc: NatsConnection): Promise<void> {
    for await (const status of nc.status()) {
      if (status.type === "disconnect") this.options.log.warn("lost the fleet's server; reconnecting", { server: String(status.server ?? "") });
      if (status.type === "reconnect") this.options.log.info("reconnected to the fleet", { server: String(status.server ?? "") });
    }
  }

  /** The streams, the bucket and this machine's consumer, made when absent. */
  private async prepare(nc: NatsConnection): Promise<void> {
    const jsm = await jetstreamManager(nc);
    const js = jetstream(nc);
    const ensureStream = async (name: string, config: Parameters<JetStreamManager["streams"]["add"]>[0]) => {
      try {
        await jsm.streams.info(name);
      } catch {
        await jsm.streams.add(config);
      }
    };
    // A work queue: a goal message is gone once its machine acknowledged the answer.
    await ensureStream(GOALS_STREAM, { name: GOALS_STREAM, subjects: [goalSubject("*")], retention: RetentionPolicy.Workqueue, storage: StorageType.File, duplicate_window: 120_000_000_000 });
    await ensureStream(RESULTS_STREAM, {
      name: RESULTS_STREAM,
      subjects: ["aios.fleet.result.*.*"],
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      max_age: RESULTS_MAX_AGE_NS,
      max_msgs_per_subject: 20,
    });
    // Append-only: no member may delete or purge what was copied of a ledger.
    await ensureStream(AUDIT_STREAM, {
      name: AUDIT_STREAM,
      subjects: [auditSubject("*")],
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      deny_delete: true,
      deny_purge: true,
      duplicate_window: 120_000_000_000,
    });
    await ensureStream(PROCEDURES_STREAM, {
      name: PROCEDURES_STREAM,
      subjects: ["aios.fleet.procedure.*"],
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      max_msgs_per_subject: 1000,
      duplicate_window: 120_000_000_000,
    });
    this.kv = await new Kvm(js).create(MEMBERS_BUCKET, { history: 1, storage: StorageType.File });
    const durable = consumerName(this.options.machine);
    try {
      await jsm.consumers.info(GOALS_STREAM, durable);
    } catch {
      await jsm.consumers.add(GOALS_STREAM, {
        durable_name: durable,
        filter_subject: goalSubject(this.options.machine),
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.All,
        ack_wait: ACK_WAIT_NS,
        max_ack_pending: 16,
      });
    }
    this.js = js;
    this.jsm = jsm;
  }

  private async consume(): Promise<void> {
    const consumer = await this.js!.consumers.get(GOALS_STREAM, consumerName(this.options.machine));
    // The loop outlives disconnections: the client pulls again when the server is back.
    for (;;) {
      if (this.stopped) return;
      const messages = await consumer.consume({ max_messages: 8 });
      for await (const message of messages)
        void this.options.onGoal(message, this.controller.signal).catch((error: Error) => this.options.log.error("a fleet goal failed to run", { error: error.message }));
      if (this.stopped) return;
      await Bun.sleep(1000);
    }
  }

  private need(): { js: JetStreamClient; jsm: JetStreamManager; kv: KV } {
    if (!this.js || !this.jsm || !this.kv || !this.connected) throw new Error(`not connected to the fleet (${this.lastError || `trying ${this.options.fleet.servers.join(", ")}`})`);
    return { js: this.js, jsm: this.jsm, kv: this.kv };
  }

  async putRecord(record: MachineRecord): Promise<void> {
    await this.need().kv.put(memberKey(record.name), encode(record));
  }

  /** Every machine's record that parses; a record that does not is skipped. */
  async records(): Promise<MachineRecord[]> {
    const { kv } = this.need();
    const keys: string[] = [];
    for await (const key of await kv.keys("machines.*")) keys.push(key);
    const records: MachineRecord[] = [];
    for (const key of keys.sort()) {
      const entry = await kv.get(key);
      if (!entry || entry.operation !== "PUT") continue;
      const parsed = v.safeParse(MachineRecord, safeJson(entry.string()));
      if (parsed.success) records.push(parsed.output);
      else this.options.log.warn("a fleet member's record is malformed; skipped", { key });
    }
    return records;
  }

  async publishGoal(machine: string, data: Uint8Array, signature: string, msgId: string): Promise<void> {
    const h = headers();
    h.set(SIGNATURE_HEADER, signature);
    await this.need().js.publish(goalSubject(machine), data, { headers: h, msgID: msgId });
  }

  async publishResult(result: FleetResultMessage): Promise<void> {
    await this.need().js.publish(resultSubject(result.id, result.machine), encode(result));
  }

  /** What a machine last said of a fleet goal, or null. */
  async lastResult(fleetGoalId: string, machine: string): Promise<FleetResultMessage | null> {
    const stored = await this.need()
      .jsm.streams.getMessage(RESULTS_STREAM, { last_by_subj: resultSubject(fleetGoalId, machine) })
      .catch(() => null);
    if (!stored) return null;
    const parsed = v.safeParse(FleetResultMessage, safeJson(new TextDecoder().decode(stored.data)));
    return parsed.success ? parsed.output : null;
  }

  /** The seq of the newest entry of a machine's ledger in the fleet's stream; 0 when none. */
  async lastAuditSeq(machine: string): Promise<number> {
    const stored = await this.need()
      .jsm.streams.getMessage(AUDIT_STREAM, { last_by_subj: auditSubject(machine) })
      .catch(() => null);
    if (!stored) return 0;
    const seq = (safeJson(new TextDecoder().decode(stored.data)) as { seq?: unknown } | undefined)?.seq;
    return typeof seq === "number" && Number.isInteger(seq) ? seq : 0;
  }

  async publishAudit(machine: string, entry: ReplicatedEntry): Promise<void> {
    await this.need().js.publish(auditSubject(machine), encode(entry), { msgID: `${machine}.${entry.seq}` });
  }

  /** Every entry of a machine's ledger in the fleet's stream, in the stream's order. */
  async auditEntries(machine: string): Promise<ReplicatedEntry[]> {
    const { js, jsm } = this.need();
    const info = await jsm.streams.info(AUDIT_STREAM, { subjects_filter: auditSubject(machine) });
    const total = info.state.subjects?.[auditSubject(machine)] ?? 0;
    const entries: ReplicatedEntry[] = [];
    if (total === 0) return entries;
    // One subject as a string: nats-server 2.9 (Debian 12) takes filter_subject, not the list.
    const consumer = await js.consumers.get(AUDIT_STREAM, { filter_subjects: auditSubject(machine) });
    const messages = await consumer.consume();
    for await (const message of messages) {
      const parsed = v.safeParse(ReplicatedEntrySchema, safeJson(new TextDecoder().decode(message.data)));
      // A message that is not an entry breaks the chain where it stands.
      entries.push(parsed.success ? parsed.output : { seq: -1, execution_id: "", time: "", agent: "", goal_id: "", tool: "", result: "", error: "", prev_hash: "", hash: "" });
      if (message.info.pending === 0) break;
    }
    await messages.close();
    return entries;
  }

  async publishProcedure(machine: string, data: Uint8Array, signature: string, msgId: string): Promise<void> {
    const h = headers();
    h.set(SIGNATURE_HEADER, signature);
    await this.need().js.publish(`aios.fleet.procedure.${machine}`, data, { headers: h, msgID: msgId });
  }

  /**
   * Reads every machine's shared procedures through this machine's durable consumer
   * (procedures-NAME), from the oldest it has not acknowledged; runs until stopped.
   */
  async takeProcedures(take: (data: Uint8Array, signature: string | undefined) => Promise<void>): Promise<void> {
    const { js, jsm } = this.need();
    const durable = `procedures-${this.options.machine}`;
    try {
      await jsm.consumers.info(PROCEDURES_STREAM, durable);
    } catch {
      await jsm.consumers.add(PROCEDURES_STREAM, { durable_name: durable, ack_policy: AckPolicy.Explicit, deliver_policy: DeliverPolicy.All, ack_wait: ACK_WAIT_NS });
    }
    const consumer = await js.consumers.get(PROCEDURES_STREAM, durable);
    while (!this.stopped) {
      const messages = await consumer.consume({ max_messages: 16 });
      for await (const message of messages) {
        await take(message.data, message.headers?.get(SIGNATURE_HEADER) || undefined).then(
          () => message.ack(),
          (error: Error) => {
            this.options.log.warn("could not remember a shared procedure; it comes again", { error: error.message });
            message.nak(5000);
          },
        );
        if (this.stopped) break;
      }
      await Bun.sleep(1000);
    }
  }

  /** A fleet goal's targets, kept in the bucket so that its answers can be read after the sender is gone. */
  async putGoalTargets(fleetGoalId: string, targets: { machines: string[]; text: string; from: string; sent_at: string }): Promise<void> {
    await this.need().kv.put(`goals.${fleetGoalId}`, encode(targets));
  }

  async goalTargets(fleetGoalId: string): Promise<{ machines: string[] } | null> {
    const entry = await this.need().kv.get(`goals.${fleetGoalId}`);
    if (!entry || entry.operation !== "PUT") return null;
    const parsed = v.safeParse(v.object({ machines: v.array(v.string()) }), safeJson(entry.string()));
    return parsed.success ? parsed.output : null;
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
