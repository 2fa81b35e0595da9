/**
 * @module lib/fleet/send
 * A fleet goal from this machine: one message per target machine, each signed with this
 * machine's key and published with a message id (JetStream drops a duplicate), the targets kept
 * in the bucket first so that the answers can be read by anyone, after the sender is gone.
 */
import type { KeyObject } from "node:crypto";
import type { FleetLink } from "./link.ts";
import { signBytes } from "./signing.ts";
import { encode, type FleetApprovalMessage, type FleetGoalMessage } from "./wire.ts";

/** A fleet goal not read within a day is refused by its machine: an old order is not run late. */
export const GOAL_LIFETIME_MS = 24 * 3600_000;

export async function sendFleetGoal(link: FleetLink, key: KeyObject, from: string, text: string, addressedTo: string, targets: readonly string[]): Promise<string> {
  const id = `fleet-${crypto.randomUUID()}`;
  const sentAt = new Date();
  await link.putGoalTargets(id, { machines: [...targets], text, from, sent_at: sentAt.toISOString() });
  for (const to of targets) {
    const message: FleetGoalMessage = { v: 1, id, text, from, to, selector: addressedTo, sent_at: sentAt.toISOString(), expires_at: new Date(sentAt.getTime() + GOAL_LIFETIME_MS).toISOString() };
    const data = encode(message);
    await link.publishGoal(to, data, signBytes(key, data), `${id}.${to}`);
  }
  return id;
}

/** A person's answer to an approval another machine waits on, signed; followed like a goal (its result says whether it was acted on). */
export async function sendApprovalAnswer(link: FleetLink, key: KeyObject, from: string, answer: { machine: string; approvalId: string; approve: boolean; note: string; by: string }): Promise<string> {
  const id = `fleet-${crypto.randomUUID()}`;
  const sentAt = new Date();
  await link.putGoalTargets(id, { machines: [answer.machine], text: `${answer.approve ? "approve" : "deny"} ${answer.approvalId}`, from, sent_at: sentAt.toISOString() });
  const message: FleetApprovalMessage = {
    v: 1,
    kind: "approval",
    id,
    approval_id: answer.approvalId,
    approve: answer.approve,
    by: answer.by,
    note: answer.note,
    from,
    to: answer.machine,
    sent_at: sentAt.toISOString(),
    // An answer is for now: one that arrives an hour late is not acted on.
    expires_at: new Date(sentAt.getTime() + 3600_000).toISOString(),
  };
  const data = encode(message);
  await link.publishGoal(answer.machine, data, signBytes(key, data), `${id}.${answer.machine}`);
  return id;
}
