/**
 * @module lib/fleet/wire
 * What travels between machines, and the subjects it travels on. Everything read from NATS is
 * checked with these schemas first: another machine's record or answer is input like any other.
 */
import * as v from "valibot";

export const GOALS_STREAM = "AIOS_FLEET_GOALS";
export const RESULTS_STREAM = "AIOS_FLEET_RESULTS";
export const MEMBERS_BUCKET = "aios-fleet";
export const AUDIT_STREAM = "AIOS_FLEET_AUDIT";
export const PROCEDURES_STREAM = "AIOS_FLEET_PROCEDURES";
export const SIGNATURE_HEADER = "Aios-Signature";

export const goalSubject = (machine: string) => `aios.fleet.goal.${machine}`;
export const resultSubject = (fleetGoalId: string, machine: string) => `aios.fleet.result.${fleetGoalId}.${machine}`;
export const memberKey = (machine: string) => `machines.${machine}`;
export const auditSubject = (machine: string) => `aios.fleet.audit.${machine}`;
/** The durable consumer a machine reads its goals through. */
export const consumerName = (machine: string) => `machine-${machine}`;

const Name = v.pipe(v.string(), v.regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/));
export const FleetGoalId = v.pipe(v.string(), v.regex(/^fleet-[0-9a-f-]{36}$/, "must be a fleet goal id"));

export const FleetGoalMessage = v.strictObject({
  v: v.literal(1),
  id: FleetGoalId,
  text: v.pipe(v.string(), v.nonEmpty(), v.maxLength(10_000)),
  from: Name,
  to: Name,
  selector: v.pipe(v.string(), v.maxLength(500)),
  sent_at: v.pipe(v.string(), v.isoTimestamp()),
  expires_at: v.pipe(v.string(), v.isoTimestamp()),
});
export type FleetGoalMessage = v.InferOutput<typeof FleetGoalMessage>;

/**
 * A person's answer, at another machine, to an approval this machine waits on: on the same
 * subject as goals (one consumer a machine), signed the same way, run only where
 * [fleet] remote_approvals is on.
 */
export const FleetApprovalMessage = v.strictObject({
  v: v.literal(1),
  kind: v.literal("approval"),
  id: FleetGoalId,
  approval_id: v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{1,100}$/)),
  approve: v.boolean(),
  // Printed and recorded on the machine that acts on it: printable text only.
  by: v.pipe(v.string(), v.regex(/^[\x20-\x7e]{1,200}$/, "must be printable text")),
  note: v.pipe(v.string(), v.maxLength(2000), v.regex(/^[^\p{Cc}]*$/u, "must be printable text")),
  from: Name,
  to: Name,
  sent_at: v.pipe(v.string(), v.isoTimestamp()),
  expires_at: v.pipe(v.string(), v.isoTimestamp()),
});
export type FleetApprovalMessage = v.InferOutput<typeof FleetApprovalMessage>;

export const RESULT_STATES = ["sent", "running", "waiting_approval", "succeeded", "failed", "cancelled", "refused"] as const;
export const FINAL_STATES: ReadonlySet<string> = new Set(["succeeded", "failed", "cancelled", "refused"]);

export const FleetResultMessage = v.strictObject({
  v: v.literal(1),
  id: FleetGoalId,
  machine: Name,
  state: v.picklist(RESULT_STATES),
  answer: v.pipe(v.string(), v.maxLength(20_000)),
  goal_id: v.pipe(v.string(), v.maxLength(100)),
  updated_at: v.pipe(v.string(), v.isoTimestamp()),
});
export type FleetResultMessage = v.InferOutput<typeof FleetResultMessage>;

export const MachineRecord = v.strictObject({
  v: v.literal(1),
  name: Name,
  labels: v.record(v.string(), v.string()),
  version: v.string(),
  health: v.string(),
  unhealthy_services: v.array(v.string()),
  load1: v.number(),
  autonomy: v.string(),
  pending_approvals: v.number(),
  /** The approvals waiting, newest 20: what a person elsewhere in the fleet may answer. */
  approvals: v.optional(v.array(v.object({ id: v.string(), goal_id: v.string(), tool: v.string(), reason: v.string() })), []),
  /** Whether it takes answers to its approvals from trusted machines ([fleet] remote_approvals). */
  remote_approvals: v.optional(v.boolean(), false),
  public_key: v.string(),
  updated_at: v.pipe(v.string(), v.isoTimestamp()),
});
export type MachineRecord = v.InferOutput<typeof MachineRecord>;

/** JSON bytes of a message, as signed and as sent. */
export const encode = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

export const ReplicatedEntrySchema = v.object({
  seq: v.pipe(v.number(), v.integer(), v.minValue(1)),
  execution_id: v.string(),
  time: v.string(),
  agent: v.string(),
  goal_id: v.string(),
  tool: v.string(),
  result: v.string(),
  error: v.string(),
  prev_hash: v.string(),
  hash: v.string(),
});
export type ReplicatedEntry = v.InferOutput<typeof ReplicatedEntrySchema>;
