/**
 * @module lib/tools/service
 * The Tools gRPC service (proto/aios/v1/tools.proto) over the executor, the ledger, the
 * approvals and the grants.
 */
import { toJsonSchema } from "@valibot/to-json-schema";
import * as v from "valibot";
import { ApprovalState, RiskLevel } from "../rpc/gen/aios/v1/common.ts";
import { AuditResult, type CapabilityGrant, type Tool, type ToolApproval, ToolsServiceDefinition } from "../rpc/gen/aios/v1/tools.ts";
import { AiosError, failedPrecondition, implement, invalidArgument, notFound, pageLimit, pageOffset, parseRequest, permissionDenied, type ServiceImplementation } from "../rpc/index.ts";
import type { ApprovalRow, Approvals } from "./approvals.ts";
import type { AuditLedger, AuditResult as AuditResultName, AuditRow } from "./audit.ts";
import type { HeadAnchor } from "./anchor.ts";
import { formatCapability, grantedBy, parseCapability } from "./capability.ts";
import type { ToolExecutor } from "./executor.ts";
import type { GrantRow, Grants } from "./grants.ts";
import type { ToolDefinition, ToolRegistry } from "./registry.ts";
import { type Autonomy, signToken } from "./token.ts";
import type { Logger } from "../log/index.ts";
import { AUTONOMY_LEVEL } from "../rpc/autonomy.ts";

const RISK = { low: RiskLevel.RISK_LEVEL_LOW, medium: RiskLevel.RISK_LEVEL_MEDIUM, high: RiskLevel.RISK_LEVEL_HIGH, critical: RiskLevel.RISK_LEVEL_CRITICAL };
const RESULT: Record<AuditResultName, AuditResult> = {
  ok: AuditResult.AUDIT_RESULT_OK,
  failed: AuditResult.AUDIT_RESULT_FAILED,
  denied: AuditResult.AUDIT_RESULT_DENIED,
  needs_approval: AuditResult.AUDIT_RESULT_NEEDS_APPROVAL,
  invalid: AuditResult.AUDIT_RESULT_INVALID,
  timeout: AuditResult.AUDIT_RESULT_TIMEOUT,
  cancelled: AuditResult.AUDIT_RESULT_CANCELLED,
  started: AuditResult.AUDIT_RESULT_STARTED,
};
const RESULT_NAME = new Map(Object.entries(RESULT).map(([name, value]) => [value, name as AuditResultName]));
const AUTONOMY_NAME = new Map(Object.entries(AUTONOMY_LEVEL).map(([name, value]) => [value, name as Autonomy]));
const APPROVAL_STATE = {
  pending: ApprovalState.APPROVAL_STATE_PENDING,
  approved: ApprovalState.APPROVAL_STATE_APPROVED,
  denied: ApprovalState.APPROVAL_STATE_DENIED,
  expired: ApprovalState.APPROVAL_STATE_EXPIRED,
};
const DEFAULT_TOKEN_TTL_MS = 15 * 60_000;
/** No token outlives an hour: a leaked one is worth little, and a task asks for a new one. */
const MAX_TOKEN_TTL_MS = 60 * 60_000;
/** An agent kind as its TOML file names it: no spaces or look-alikes to slip past a comparison. */
const AgentKind = v.pipe(v.string(), v.nonEmpty("agent is required"), v.regex(/^[a-z][a-z0-9-]{0,62}$/, "must be an agent kind (lower-case letters, digits, -)"));
const MAX_PAGE = 1000;

const schemaText = (schema: v.GenericSchema) => JSON.stringify(toJsonSchema(schema, { errorMode: "ignore", typeMode: "input" }));

export function toProtoTool(tool: ToolDefinition): Tool {
  return {
    name: tool.name,
    namespace: tool.namespace ?? tool.name.split(".")[0]!,
    description: tool.description,
    inputSchemaJson: tool.inputJsonSchema ? JSON.stringify(tool.inputJsonSchema) : schemaText(tool.input),
    outputSchemaJson: schemaText(tool.output),
    risk: RISK[tool.risk],
    capability: tool.capability,
    idempotent: tool.idempotent,
    reversible: tool.reversible,
    readOnly: tool.readOnly,
    timeoutMs: tool.timeoutMs,
    unavailable: tool.unavailable?.() ?? "",
  };
}

function toProtoAudit(row: AuditRow) {
  return {
    ...row,
    executionId: row.execution_id,
    time: new Date(row.time),
    goalId: row.goal_id,
    taskId: row.task_id,
    inputHash: row.input_hash,
    outputHash: row.output_hash,
    result: RESULT[row.result],
    durationMs: row.duration_ms,
    backupId: row.backup_id,
    approvalId: row.approval_id,
    prevHash: row.prev_hash,
  };
}

function toProtoGrant(row: GrantRow): CapabilityGrant {
  return {
    id: row.id,
    agent: row.agent,
    capability: row.capability,
    grantedBy: row.granted_by,
    reason: row.reason,
    grantedAt: row.granted_at ? new Date(row.granted_at) : undefined,
    expiresAt: row.expires_at ? new Date(row.expires_at) : undefined,
    fromConfig: row.from_config,
  };
}

function toProtoApproval(row: ApprovalRow): ToolApproval {
  return {
    id: row.id,
    tool: row.tool,
    input: JSON.parse(row.input_json) as Record<string, unknown>,
    inputHash: row.input_hash,
    agent: row.agent,
    goalId: row.goal_id,
    taskId: row.task_id,
    reason: row.reason,
    risk: RISK[row.risk],
    autonomy: AUTONOMY_LEVEL[row.autonomy],
    state: APPROVAL_STATE[row.state],
    requestedAt: new Date(row.requested_at),
    expiresAt: new Date(row.expires_at),
    decidedAt: row.decided_at ? new Date(row.decided_at) : undefined,
    decidedBy: row.decided_by,
    used: row.used === 1,
  };
}

const Required = (field: string) => v.pipe(v.string(), v.nonEmpty(`${field} is required`));
/** Why a call is made, in words: kept in the audit ledger and shown to an approver, so bounded. */
const Reason = v.pipe(v.string(), v.maxLength(1000, "reason is at most 1000 characters"));
/** An execution id as the ledger gives them (exe_ and a UUID); anything else names no call. */
const ExecutionId = v.pipe(Required("execution_id"), v.regex(/^exe_[\w-]{1,64}$/, "execution_id is an id from the audit ledger (exe_…); aiosctl audit lists them"));

export interface ToolsServiceOptions {
  registry: ToolRegistry;
  executor: ToolExecutor;
  ledger: AuditLedger;
  approvals: Approvals;
  grants: Grants;
  /** Agent kinds of outside clients (MCP): the only ones the console may issue tokens for. */
  externalAgents?: ReadonlySet<string>;
  key: Buffer;
  root: string;
  outputCap: number;
  /** Keeps the ledger's head in aios-memory; none where memory is not part of the system (tests). */
  anchor?: HeadAnchor;
  log: Logger;
}

export function toolsService(options: ToolsServiceOptions): ServiceImplementation {
  const pageOf = <T>(items: T[], pageSize: number, token: string) => {
    const start = pageOffset(token);
    const size = pageLimit(pageSize, 50, MAX_PAGE);
    return { page: items.slice(start, start + size), next: start + size < items.length ? String(start + size) : "" };
  };

  return implement(ToolsServiceDefinition, {
    listTools: (request) => {
      const { page, next } = pageOf(options.registry.list(request.namespace || undefined), request.pageSize, request.pageToken);
      return { tools: page.map(toProtoTool), nextPageToken: next };
    },
    getTool: (request) => {
      const { name } = parseRequest(v.object({ name: Required("name") }), request);
      const tool = options.registry.get(name);
      if (!tool) throw notFound(`no tool named "${name}"`);
      return { tool: toProtoTool(tool) };
    },
    execute: async (request, ctx) => {
      parseRequest(v.object({ tool: Required("tool"), capabilityToken: Required("capability_token"), reason: Reason }), request);
      const outcome = await options.executor.execute({
        tool: request.tool,
        input: request.input ?? {},
        token: request.capabilityToken,
        approvalId: request.approvalId,
        goalId: request.goalId,
        taskId: request.taskId,
        reason: request.reason,
        timeoutMs: request.timeoutMs,
        signal: ctx.signal,
      });
      return { ...outcome, durationMs: outcome.durationMs, output: outcome.output, error: outcome.error };
    },
    rollback: async (request, ctx) => {
      const { executionId, capabilityToken } = parseRequest(v.object({ executionId: ExecutionId, capabilityToken: Required("capability_token"), reason: Reason }), request);
      const outcome = await options.executor.rollback({
        executionId,
        token: capabilityToken,
        approvalId: request.approvalId,
        reason: request.reason,
        timeoutMs: request.timeoutMs,
        signal: ctx.signal,
      });
      if (outcome.ok) return { executionId: outcome.executionId, summary: String(outcome.output?.summary ?? "") };
      // The undo ran and did not restore: the caller learns why, and that it is in the ledger.
      const said = `rollback of ${executionId} ${outcome.error?.message ?? "failed"} (audited as ${outcome.executionId})`;
      if (outcome.error?.code === "timeout") throw new AiosError("deadline_exceeded", said);
      if (outcome.error?.code === "cancelled") throw new AiosError("cancelled", said);
      throw failedPrecondition(said);
    },
    queryAudit: (request) => {
      // The token is the seq of the last entry given: the next page starts below it.
      const after = request.afterSeq > 0 ? request.afterSeq : undefined;
      const before = request.pageToken && after === undefined ? pageOffset(request.pageToken) : undefined;
      const limit = pageLimit(request.pageSize, 50, MAX_PAGE);
      const rows = options.ledger.query(
        {
          agent: request.agent || undefined,
          tool: request.tool || undefined,
          goal_id: request.goalId || undefined,
          execution_id: request.executionId || undefined,
          result: RESULT_NAME.get(request.result),
          since: request.since?.toISOString(),
          until: request.until?.toISOString(),
        },
        limit + 1,
        before,
        after,
      );
      const page = rows.slice(0, limit);
      return { entries: page.map(toProtoAudit), nextPageToken: rows.length > limit ? String(page.at(-1)!.seq) : "" };
    },
    verifyAudit: async (request) => {
      const given = parseRequest(
        v.object({
          anchors: v.pipe(
            v.array(
              v.object({
                seq: v.pipe(v.number(), v.integer(), v.minValue(1, "must be an entry number, 1 or more")),
                hash: v.pipe(v.string(), v.regex(/^[0-9a-f]{64}$/, "must be an entry's hash in hex (64 characters)")),
                source: v.pipe(v.string(), v.maxLength(100)),
              }),
            ),
            v.maxLength(64),
          ),
        }),
        request,
      ).anchors.map((a) => ({ ...a, source: a.source.trim() || "the caller" }));
      const memory = await options.anchor?.fetch();
      const anchors = memory ? [memory, ...given] : given;
      const result = options.ledger.verify(anchors);
      return {
        ok: result.ok,
        entriesChecked: result.checked,
        firstBrokenSeq: result.firstBrokenSeq,
        reason: result.reason,
        tampering: result.tampering,
        head: result.head ? { ...result.head, source: "aios-tools" } : undefined,
        anchorsChecked: anchors,
      };
    },
    grantCapability: (request) => {
      const { agent, capability, grantedBy } = parseRequest(v.object({ agent: AgentKind, capability: Required("capability"), grantedBy: v.pipe(Required("granted_by"), v.trim()) }), request);
      try {
        parseCapability(capability);
      } catch (error) {
        throw invalidArgument("capability", (error as Error).message);
      }
      if (grantedBy.toLowerCase().replace(/^agent:\s*/, "") === agent) throw permissionDenied("an agent cannot grant itself a capability");
      return { grant: toProtoGrant(options.grants.grant(agent, capability, grantedBy, request.reason, request.ttlMs)) };
    },
    revokeCapability: (request) => {
      const { grantId } = parseRequest(v.object({ grantId: Required("grant_id") }), request);
      return { grant: toProtoGrant(options.grants.revoke(grantId)) };
    },
    listCapabilities: (request) => {
      const { page, next } = pageOf(options.grants.list(request.agent || undefined), request.pageSize, request.pageToken);
      return { grants: page.map(toProtoGrant), nextPageToken: next };
    },
    issueCapabilityToken: (request, ctx) => {
      const { agent } = parseRequest(v.object({ agent: AgentKind, ttlMs: v.pipe(v.number(), v.maxValue(MAX_TOKEN_TTL_MS, `ttl_ms is at most ${MAX_TOKEN_TTL_MS} (an hour)`)) }), request);
      // The console speaks for MCP clients over HTTP: it may act only as their outside kinds.
      if (ctx.peer.caller === "console" && !options.externalAgents?.has(agent)) {
        throw permissionDenied(`the console may issue tokens only for outside clients' agent kinds (external = true in agents/*.toml); "${agent}" is not one`);
      }
      const held = options.grants.capabilitiesOf(agent).map(parseCapability);
      if (held.length === 0) throw permissionDenied(`agent "${agent}" holds no capabilities (no agents/${agent}.toml and no grants)`);
      const wanted = request.capabilities.length > 0 ? request.capabilities : held.map(formatCapability);
      for (const [i, text] of wanted.entries()) {
        let capability: ReturnType<typeof parseCapability>;
        try {
          capability = parseCapability(text);
        } catch (error) {
          throw invalidArgument(`capabilities.${i}`, (error as Error).message);
        }
        if (!grantedBy(held, capability.namespace, capability.action, capability.resource)) {
          throw permissionDenied(`agent "${agent}" is not granted ${text}`);
        }
      }
      const now = Date.now();
      const exp = now + (request.ttlMs || DEFAULT_TOKEN_TTL_MS);
      const autonomy = AUTONOMY_NAME.get(request.autonomy) ?? "supervised";
      const token = signToken({ agent, goal_id: request.goalId, task_id: request.taskId, caps: wanted, autonomy, iat: now, exp, jti: crypto.randomUUID() }, options.key);
      return { token, expiresAt: new Date(exp) };
    },
    getApproval: (request) => {
      const { approvalId } = parseRequest(v.object({ approvalId: Required("approval_id") }), request);
      return { approval: toProtoApproval(options.approvals.get(approvalId)) };
    },
    decideApproval: (request, ctx) => {
      const { approvalId, decidedBy } = parseRequest(v.object({ approvalId: Required("approval_id"), decidedBy: Required("decided_by") }), request);
      // A yes comes from a person (aiosctl as root, the console, or a person at a trusted
      // machine of the fleet: aios-fleet passes on only a signed answer, and only with
      // [fleet] remote_approvals on); the orchestrator, which runs the agents that asked, may
      // only say no (for a goal that was cancelled).
      if (request.approve && ctx.peer.caller !== "person" && ctx.peer.caller !== "console" && ctx.peer.caller !== "fleet") {
        throw permissionDenied(`only a person (aiosctl as root, the console) may approve a call; this caller is ${ctx.peer.caller}, which may only deny`);
      }
      return { approval: toProtoApproval(options.approvals.decide(approvalId, request.approve, decidedBy)) };
    },
  });
}
