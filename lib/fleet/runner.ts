/**
 * @module lib/fleet/runner
 * A fleet goal addressed to this machine, from its JetStream message to its answer: the
 * signature checked against this machine's key and [fleet] trusted_keys before anything else
 * is read; then submitted to this machine's own orchestrator (its autonomy, approvals, tools and
 * audit, as any goal of a person here), with the fleet goal's id as the idempotency key, so a
 * message delivered again after a restart finds the goal it already started; its progress and
 * answer published on the results stream; the message acknowledged only when the answer is
 * out, so a machine stopped mid-goal picks it up again.
 */
import * as v from "valibot";
import type { Logger } from "../log/index.ts";
import { GoalSource, GoalState, type OrchestratorServiceDefinition } from "../rpc/gen/aios/v1/orchestrator.ts";
import type { ServiceClient } from "../rpc/index.ts";
import { signedBy } from "./signing.ts";
import { FINAL_STATES, FleetApprovalMessage, FleetGoalMessage, type FleetResultMessage, SIGNATURE_HEADER } from "./wire.ts";

/** What the runner needs of a JetStream message (lib/fleet/link adapts the client's). */
export interface GoalDelivery {
  readonly data: Uint8Array;
  header(name: string): string | undefined;
  /** Still working: the server waits longer before delivering it again. */
  working(): void;
  ack(): void;
  /** Never deliver it again (a message refused for good). */
  term(): void;
}

export interface RunnerDeps {
  machine: string;
  /** This machine's own key and [fleet] trusted_keys. */
  trustedKeys(): readonly string[];
  orchestrator: ServiceClient<typeof OrchestratorServiceDefinition>;
  publish(result: FleetResultMessage): Promise<void>;
  /** [fleet] remote_approvals: people at trusted machines may answer this machine's approvals. */
  remoteApprovals?: boolean;
  /** Answers an approval of this machine (the orchestrator's and aios-tools' records alike). */
  decide?(answer: { approvalId: string; approve: boolean; by: string; note: string }): Promise<unknown>;
  /** Keeps a refusal where a person looks for what went wrong (aios-memory, a security event). */
  recordRefusal(why: string, fleetGoalId: string): Promise<void>;
  log: Logger;
  /** How often a running goal is looked at. */
  pollMs?: number;
}

const STATE_WORDS: Partial<Record<GoalState, FleetResultMessage["state"]>> = {
  [GoalState.GOAL_STATE_SUCCEEDED]: "succeeded",
  [GoalState.GOAL_STATE_FAILED]: "failed",
  [GoalState.GOAL_STATE_CANCELLED]: "cancelled",
  [GoalState.GOAL_STATE_WAITING_APPROVAL]: "waiting_approval",
};

export class FleetGoalRunner {
  constructor(private readonly deps: RunnerDeps) {}

  private answerApproval(body: unknown, message: GoalDelivery, refuse: (why: string, id?: string) => Promise<void>): Promise<void> {
    return answerApprovalWith(this.deps, body, message, refuse);
  }

  async handle(message: GoalDelivery, signal: AbortSignal): Promise<void> {
    const { deps } = this;
    const refuse = async (why: string, id?: string) => {
      deps.log.warn("fleet goal refused", { reason: why, fleet_goal: id ?? "unknown" });
      await deps.recordRefusal(why, id ?? "").catch((error: Error) => deps.log.warn("could not record the refusal in memory", { error: error.message }));
      if (id) await deps.publish(result(deps.machine, id, "refused", why, "")).catch(() => undefined);
      message.term();
    };
    // The id, for saying why it was refused, from JSON nobody has vouched for yet.
    let claimed: string | undefined;
    try {
      const loose = JSON.parse(new TextDecoder().decode(message.data)) as { id?: unknown };
      claimed = typeof loose.id === "string" && /^fleet-[0-9a-f-]{36}$/.test(loose.id) ? loose.id : undefined;
    } catch {
      return refuse("the message is not JSON");
    }
    const signature = message.header(SIGNATURE_HEADER);
    if (!signature) return refuse("it is not signed", claimed);
    if (!signedBy(message.data, signature, deps.trustedKeys())) return refuse("its signature is not from a key this machine trusts ([fleet] trusted_keys)", claimed);
    const body = JSON.parse(new TextDecoder().decode(message.data)) as { kind?: unknown };
    if (body.kind === "approval") return this.answerApproval(body, message, refuse);
    const parsed = v.safeParse(FleetGoalMessage, body);
    if (!parsed.success) return refuse(`it is not a fleet goal: ${parsed.issues[0]?.message}`, claimed);
    const goal = parsed.output;
    if (goal.to !== deps.machine) return refuse(`it is addressed to ${goal.to}, not to this machine`, goal.id);
    if (Date.parse(goal.expires_at) < Date.now()) return refuse(`it expired at ${goal.expires_at} before this machine read it`, goal.id);

    const { goal: local } = await deps.orchestrator.submitGoal({
      text: goal.text,
      source: GoalSource.GOAL_SOURCE_FLEET,
      idempotencyKey: goal.id,
      priority: 50,
    });
    deps.log.info("fleet goal running", { fleet_goal: goal.id, from: goal.from, goal: local!.id });
    let said = "";
    const say = async (state: FleetResultMessage["state"], answer: string) => {
      if (`${state}:${answer}` === said) return;
      said = `${state}:${answer}`;
      await deps.publish(result(deps.machine, goal.id, state, answer, local!.id));
    };
    for (;;) {
      if (signal.aborted) return; // not acknowledged: delivered again when this machine is back
      const { goal: now } = await deps.orchestrator.getGoal({ goalId: local!.id });
      const state = STATE_WORDS[now!.state] ?? "running";
      await say(state, FINAL_STATES.has(state) ? now!.answer || now!.result || now!.stateReason : now!.stateReason);
      if (FINAL_STATES.has(state)) {
        message.ack();
        return;
      }
      message.working();
      await Bun.sleep(deps.pollMs ?? 1000);
    }
  }
}

/** An answer to one of this machine's approvals, from a person at a trusted machine (signature already checked). */
async function answerApprovalWith(deps: RunnerDeps, body: unknown, message: GoalDelivery, refuse: (why: string, id?: string) => Promise<void>): Promise<void> {
  const parsed = v.safeParse(FleetApprovalMessage, body);
  if (!parsed.success) return refuse(`it is not an approval answer: ${parsed.issues[0]?.message}`);
  const answer = parsed.output;
  if (answer.to !== deps.machine) return refuse(`it is addressed to ${answer.to}, not to this machine`, answer.id);
  if (Date.parse(answer.expires_at) < Date.now()) return refuse(`it expired at ${answer.expires_at}`, answer.id);
  if (!deps.remoteApprovals) return refuse("this machine takes answers to its approvals only from its own people ([fleet] remote_approvals = false)", answer.id);
  const by = `${answer.by} at ${answer.from} (fleet)`;
  try {
    if (!deps.decide) throw new Error("this machine cannot answer approvals from the fleet");
    await deps.decide({ approvalId: answer.approval_id, approve: answer.approve, by, note: answer.note });
  } catch (error) {
    await deps.publish(result(deps.machine, answer.id, "failed", `approval ${answer.approval_id}: ${(error as Error).message}`, "")).catch(() => undefined);
    message.term();
    return;
  }
  deps.log.info("an approval answered from the fleet", { approval: answer.approval_id, approve: answer.approve, by });
  await deps.publish(result(deps.machine, answer.id, "succeeded", `approval ${answer.approval_id} ${answer.approve ? "approved" : "denied"} by ${by}`, ""));
  message.ack();
}

export function result(machine: string, id: string, state: FleetResultMessage["state"], answer: string, goalId: string): FleetResultMessage {
  return { v: 1, id, machine, state, answer: answer.slice(0, 20_000), goal_id: goalId, updated_at: new Date().toISOString() };
}
