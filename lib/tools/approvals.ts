/**
 * @module lib/tools/approvals
 * Tool calls held for a human. An approval is for one tool, one input (by hash) and one
 * agent; once approved it lets exactly one retry run. Unanswered, it expires as denied.
 */
import type { Database } from "bun:sqlite";
import { failedPrecondition, notFound, permissionDenied } from "../rpc/index.ts";
import type { RiskName } from "./registry.ts";
import type { Autonomy } from "./token.ts";

export type ApprovalStateName = "pending" | "approved" | "denied" | "expired";

export interface ApprovalRow {
  id: string;
  tool: string;
  input_json: string;
  input_hash: string;
  agent: string;
  goal_id: string;
  task_id: string;
  reason: string;
  risk: RiskName;
  autonomy: Autonomy;
  state: ApprovalStateName;
  requested_at: number;
  expires_at: number;
  decided_at: number | null;
  decided_by: string;
  used: number;
}

export type NewApproval = Omit<ApprovalRow, "id" | "state" | "requested_at" | "expires_at" | "decided_at" | "decided_by" | "used">;

export class Approvals {
  constructor(
    private readonly db: Database,
    private readonly ttlMs: number,
  ) {}

  create(request: NewApproval): ApprovalRow {
    const now = Date.now();
    const row: ApprovalRow = { ...request, id: `apr_${crypto.randomUUID()}`, state: "pending", requested_at: now, expires_at: now + this.ttlMs, decided_at: null, decided_by: "", used: 0 };
    this.db
      .query(
        `INSERT INTO approvals (id, tool, input_json, input_hash, agent, goal_id, task_id, reason, risk, autonomy, state, requested_at, expires_at, decided_at, decided_by, used)
         VALUES ($id, $tool, $input_json, $input_hash, $agent, $goal_id, $task_id, $reason, $risk, $autonomy, $state, $requested_at, $expires_at, $decided_at, $decided_by, $used)`,
      )
      .run(row as never);
    return row;
  }

  get(id: string): ApprovalRow {
    const row = this.db.query<ApprovalRow, [string]>("SELECT * FROM approvals WHERE id = ?").get(id);
    if (!row) throw notFound(`no approval "${id}"`);
    if (row.state === "pending" && row.expires_at <= Date.now()) {
      this.db.query("UPDATE approvals SET state = 'expired' WHERE id = ?").run(id);
      return { ...row, state: "expired" };
    }
    return row;
  }

  decide(id: string, approve: boolean, by: string): ApprovalRow {
    const row = this.get(id);
    if (row.state !== "pending") throw failedPrecondition(`approval ${id} is ${row.state}, no longer pending`);
    const state = approve ? "approved" : "denied";
    const now = Date.now();
    this.db.query("UPDATE approvals SET state = ?, decided_at = ?, decided_by = ? WHERE id = ?").run(state, now, by, id);
    return { ...row, state, decided_at: now, decided_by: by };
  }

  /** Spends an approval on the call it was given for; throws when it does not fit. */
  consume(id: string, call: { tool: string; inputHash: string; agent: string; goalId: string }): ApprovalRow {
    const row = this.get(id);
    // Bound to one call of one goal: another goal of the same agent kind cannot spend it.
    if (row.tool !== call.tool || row.input_hash !== call.inputHash || row.agent !== call.agent || row.goal_id !== call.goalId) {
      throw permissionDenied(`approval ${id} is for another call (${row.tool} by ${row.agent} for goal ${row.goal_id || "none"} with its own input)`);
    }
    if (row.state === "pending") throw failedPrecondition(`approval ${id} is still waiting for a human`, { "approval-id": id });
    if (row.state !== "approved") throw permissionDenied(`approval ${id} was ${row.state}`);
    const spent = this.db.query("UPDATE approvals SET used = 1 WHERE id = ? AND used = 0").run(id);
    if (spent.changes !== 1) throw permissionDenied(`approval ${id} has already been used: an approval lets one call run`);
    return { ...row, used: 1 };
  }
}
