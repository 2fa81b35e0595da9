/**
 * @module lib/tools/executor
 * The pipeline every tool call goes through, in order:
 *   1 find the tool, validate the input        → INVALID_ARGUMENT naming input.FIELD
 *   2 verify the token, check the capability   → PERMISSION_DENIED naming what is missing
 *     for every resource, symlinks resolved
 *   3 decide approval from risk and autonomy   → FAILED_PRECONDITION + aios-approval-id
 *   4 back up what a reversible tool changes
 *   5 run with a timeout, the output cap and the caller's cancellation
 *   6 validate the output
 *   7 append the audit entry (every call, whatever became of it) before answering; a call that
 *     changes anything also has an entry "#started" written before it runs
 * Rollback enters at step 1 with the call to undo and goes on through 2-7 as TOOL.rollback.
 */
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import * as v from "valibot";
import { rooted } from "../config/index.ts";
import type { Logger } from "../log/index.ts";
import { InitServiceDefinition } from "../rpc/gen/aios/v1/init.ts";
import { MemoryServiceDefinition } from "../rpc/gen/aios/v1/memory.ts";
import { AiosError, connect, failedPrecondition, fromValibotIssues, invalidArgument, notFound, permissionDenied, type ServiceClient } from "../rpc/index.ts";
import type { Approvals } from "./approvals.ts";
import type { AuditLedger, AuditResult } from "./audit.ts";
import type { Backups } from "./backups.ts";
import { hashValue } from "./canonical.ts";
import { type Capability, grantedBy, parseCapability } from "./capability.ts";
import type { Grants } from "./grants.ts";
import { resolvedPath } from "./paths.ts";
import type { ProtectedPaths } from "./protected.ts";
import type { RiskName, ToolContext, ToolDefinition, ToolRegistry } from "./registry.ts";
import { CheckedOpener } from "./checked-open.ts";
import { type Autonomy, type TokenClaims, verifyToken } from "./token.ts";
import { ToolFailure } from "./tool-error.ts";
import { UNDO_SUFFIX, undoTool } from "./undo.ts";

export interface ExecuteCall {
  tool: string;
  input: unknown;
  token: string;
  approvalId: string;
  goalId: string;
  taskId: string;
  reason: string;
  timeoutMs: number;
  signal: AbortSignal;
}

/** Rollback: undo an earlier call from its backup (see ToolExecutor.rollback). */
export interface RollbackCall {
  executionId: string;
  token: string;
  approvalId: string;
  reason: string;
  timeoutMs: number;
  signal: AbortSignal;
}

/** What steps 2-7 need of a call, whichever way it came. */
type Admitted = Pick<ExecuteCall, "token" | "approvalId" | "reason" | "timeoutMs" | "signal">;

export interface ExecuteOutcome {
  executionId: string;
  ok: boolean;
  output?: Record<string, unknown>;
  error?: { code: string; message: string };
  truncated: boolean;
  durationMs: number;
  backupId: string;
  auditHash: string;
}

export interface ExecutorOptions {
  registry: ToolRegistry;
  ledger: AuditLedger;
  approvals: Approvals;
  backups: Backups;
  grants: Grants;
  key: Buffer;
  root: string;
  outputCap: number;
  /** aios-init's socket, for the service tools. */
  initSocket: string;
  /** aios-memory's socket, for memory.search; none: that tool says it cannot answer. */
  memorySocket?: string;
  /** STATE_DIR/tools on disk. */
  stateDir: string;
  /** Paths no grant opens. */
  protectedPaths: ProtectedPaths;
  log: Logger;
}

const RISK_ORDER: readonly RiskName[] = ["low", "medium", "high", "critical"];

/** The tool's risk, raised (never lowered) by what this input asks for. */
export function riskOfCall(tool: ToolDefinition, input: unknown): RiskName {
  const raised = tool.riskOf?.(input);
  return raised && RISK_ORDER.indexOf(raised) > RISK_ORDER.indexOf(tool.risk) ? raised : tool.risk;
}

export function needsApproval(risk: RiskName, autonomy: Autonomy): boolean {
  if (autonomy === "manual") return risk !== "low";
  if (autonomy === "supervised") return risk === "high" || risk === "critical";
  return risk === "critical";
}

const ERRNO_CODES: Record<string, string> = {
  ENOENT: "not_found",
  EACCES: "permission",
  EPERM: "permission",
  EEXIST: "conflict",
  ENOTEMPTY: "conflict",
  EISDIR: "invalid",
  ENOTDIR: "invalid",
  EFBIG: "too_large",
  EINVAL: "invalid",
  ENAMETOOLONG: "invalid",
  ELOOP: "invalid",
  EROFS: "permission",
  // A component's answer (aios-init: "no service foo") means the same as the kernel's.
  not_found: "not_found",
  permission_denied: "permission",
  already_exists: "conflict",
  invalid_argument: "invalid",
  failed_precondition: "invalid",
};

class TimeoutError extends Error {}

type AuditEntryInProgress = ReturnType<ToolExecutor["entry"]>;

export class ToolExecutor {
  private initClient: ServiceClient<typeof InitServiceDefinition> | undefined;
  private memoryClient: ServiceClient<typeof MemoryServiceDefinition> | undefined;
  /** Backups being restored now: two concurrent rollbacks of one call cannot both run. */
  private readonly rollingBack = new Set<string>();

  constructor(private readonly options: ExecutorOptions) {}

  /**
   * Physical paths a spawned command is not shown: each hidden directory, or, when commands
   * must see something inside it (the installed packages), each of its other entries, listed
   * now, at the call.
   */
  private hiddenFromCommands(): string[] {
    const visible = this.options.protectedPaths.visibleToCommands.map((dir) => rooted(this.options.root, dir));
    return this.options.protectedPaths.hiddenFromCommands.flatMap((logical) => {
      const dir = rooted(this.options.root, logical);
      const inside = visible.filter((v) => dirname(v) === dir);
      if (inside.length === 0) return [dir];
      let entries: string[];
      try {
        entries = readdirSync(dir);
      } catch {
        return [];
      }
      return entries.map((name) => join(dir, name)).filter((path) => !inside.includes(path));
    });
  }

  /** One client for every call; grpc-js reconnects it when aios-init restarts. */
  init(): ServiceClient<typeof InitServiceDefinition> {
    this.initClient ??= connect(InitServiceDefinition, this.options.initSocket);
    return this.initClient;
  }

  memory(): ServiceClient<typeof MemoryServiceDefinition> {
    if (!this.options.memorySocket) throw new ToolFailure("io", "aios-memory is not known to this aios-tools");
    this.memoryClient ??= connect(MemoryServiceDefinition, this.options.memorySocket);
    return this.memoryClient;
  }

  async execute(call: ExecuteCall): Promise<ExecuteOutcome> {
    const entry = this.entry(call, call.tool, hashValue(call.input ?? {}));

    // 1. The tool and its input.
    const tool = this.options.registry.get(call.tool);
    if (!tool) return entry.refuse("invalid", notFound(`no tool named "${call.tool}"; ListTools names them all`));
    const parsed = v.safeParse(tool.input, call.input ?? {}, { abortEarly: false });
    if (!parsed.success) return entry.refuse("invalid", fromValibotIssues(parsed.issues, "input"));
    entry.audit.input_hash = hashValue(parsed.output);
    return this.admitAndRun(call, tool, parsed.output, entry);
  }

  /**
   * Undoes a reversible call from its backup, through the same pipeline as every call (steps
   * 2-7): the undo is the tool TOOL.rollback (lib/tools/undo.ts) with the call's input. Once
   * only: a second undo would overwrite whatever changed since the first.
   */
  async rollback(call: RollbackCall): Promise<ExecuteOutcome> {
    const undone = this.options.ledger.byExecution(call.executionId);
    const reason = call.reason || `rollback of ${call.executionId}`;
    const entry = this.entry({ ...call, reason, goalId: undone?.goal_id ?? "", taskId: undone?.task_id ?? "" }, `${undone?.tool ?? "unknown"}${UNDO_SUFFIX}`, undone?.input_hash ?? "");

    // 1. The call, its backup, and a tool that can still restore it.
    if (!undone) return entry.refuse("invalid", notFound(`no execution ${call.executionId} in the audit ledger`));
    const backupId = undone.backup_id;
    if (!backupId) return entry.refuse("invalid", invalidArgument("execution_id", `${undone.tool} call ${call.executionId} made no backup: only reversible calls that ran can be rolled back`));
    const done = this.options.ledger.rollbackOf(backupId);
    if (done || this.rollingBack.has(backupId)) {
      return entry.refuse("invalid", failedPrecondition(`${undone.tool} call ${call.executionId} was already rolled back${done ? ` (${done.execution_id} at ${done.time})` : ""}`));
    }
    let saved: ReturnType<Backups["load"]>;
    try {
      saved = this.options.backups.load(backupId);
    } catch (error) {
      return entry.refuse("invalid", error as AiosError);
    }
    const tool = this.options.registry.get(saved.tool);
    if (!tool?.restore) return entry.refuse("invalid", notFound(`tool ${saved.tool} can no longer restore its backups`));
    // The saved input is checked again, as any input is: the capability check reads its paths.
    const input = v.safeParse(tool.input, saved.input);
    if (!input.success) return entry.refuse("invalid", failedPrecondition(`the backup of ${call.executionId} holds an input ${tool.name} no longer takes: ${input.issues[0]?.message}`));
    entry.audit.backup_id = backupId;

    this.rollingBack.add(backupId);
    try {
      return await this.admitAndRun({ ...call, reason }, undoTool(tool, saved.backup, saved.dir), input.output, entry);
    } finally {
      this.rollingBack.delete(backupId);
    }
  }

  /** The audit entry of one call as it is filled in, and how to write it. */
  private entry(call: { approvalId: string; goalId: string; taskId: string; reason: string }, toolName: string, inputHash: string) {
    const executionId = `exe_${crypto.randomUUID()}`;
    const started = performance.now();
    const audit = {
      execution_id: executionId,
      agent: "unknown",
      goal_id: call.goalId,
      task_id: call.taskId,
      tool: toolName,
      reason: call.reason,
      input_hash: inputHash,
      output_hash: "",
      backup_id: "",
      approval_id: call.approvalId,
    };
    const record = (result: AuditResult, error = "", extra: Partial<typeof audit> = {}) =>
      this.options.ledger.append({ ...audit, ...extra, time: new Date().toISOString(), result, error, duration_ms: Math.round(performance.now() - started) });
    const refuse = (result: AuditResult, error: AiosError): never => {
      record(result, error.message);
      throw error;
    };
    return { executionId, audit, record, refuse };
  }

  /** Steps 2-7 for a tool and its checked input. */
  private async admitAndRun(call: Admitted, tool: ToolDefinition, input: unknown, entry: AuditEntryInProgress): Promise<ExecuteOutcome> {
    const { executionId, audit, record, refuse } = entry;

    // 2. Who is calling, and may they?
    let claims: TokenClaims;
    try {
      claims = verifyToken(call.token, this.options.key);
    } catch (error) {
      return refuse("denied", error as AiosError);
    }
    // Who and for what come from the signed token, never from the request's fields.
    audit.agent = claims.agent;
    audit.goal_id = claims.goal_id;
    audit.task_id = claims.task_id;
    const refusal = this.accessRefusal(tool, input, claims, `for ${tool.name}`);
    if (refusal) return refuse("denied", permissionDenied(refusal));

    // 3. Approval.
    const risk = riskOfCall(tool, input);
    if (needsApproval(risk, claims.autonomy)) {
      if (!call.approvalId) {
        const approval = this.options.approvals.create({
          tool: tool.name,
          input_json: JSON.stringify(input),
          input_hash: audit.input_hash,
          agent: claims.agent,
          goal_id: claims.goal_id,
          task_id: claims.task_id,
          reason: call.reason,
          risk,
          autonomy: claims.autonomy,
        });
        record("needs_approval", "", { approval_id: approval.id });
        throw failedPrecondition(
          `${tool.name} is ${risk} risk and needs a human's approval under ${claims.autonomy} autonomy: approval ${approval.id} is pending; retry with approval_id once it is approved`,
          { "approval-id": approval.id },
        );
      }
      try {
        this.options.approvals.consume(call.approvalId, { tool: tool.name, inputHash: audit.input_hash, agent: claims.agent, goalId: claims.goal_id });
      } catch (error) {
        return refuse("denied", error as AiosError);
      }
    }

    // The intent, durable before anything changes: a crash during the action leaves it in the
    // ledger ("#started" with no outcome after it). Reads change nothing and skip it.
    if (!tool.readOnly) record("started", "", { execution_id: `${executionId}#started` });

    // 4-6. Back up, run, check.
    let truncated = false;
    const controller = new AbortController();
    const onAbort = () => controller.abort();
    call.signal.addEventListener("abort", onAbort);
    const ctx = this.context(tool, claims, controller.signal, executionId, () => (truncated = true));
    const timeoutMs = Math.min(call.timeoutMs || tool.timeoutMs, tool.timeoutMs);
    let result: AuditResult = "ok";
    let output: Record<string, unknown> | undefined;
    let error: { code: string; message: string } | undefined;
    try {
      if (tool.reversible && tool.backup) audit.backup_id = this.options.backups.save(tool.name, await tool.backup(input, ctx), input);
      const value = await this.withTimeout(
        Promise.resolve().then(() => tool.run(input, ctx)),
        timeoutMs,
        controller,
      );
      const checked = v.safeParse(tool.output, value);
      if (!checked.success) throw new Error(`${tool.name} produced output that does not match its schema: ${checked.issues[0]?.message}`);
      output = checked.output as Record<string, unknown>;
      if ((output as { truncated?: unknown }).truncated === true) truncated = true;
    } catch (failure) {
      if (failure instanceof TimeoutError) {
        result = "timeout";
        error = { code: "timeout", message: `${tool.name} did not finish within ${timeoutMs} ms and was stopped` };
      } else if (call.signal.aborted) {
        result = "cancelled";
        error = { code: "cancelled", message: "the caller cancelled the call" };
      } else {
        result = "failed";
        const errno = (failure as NodeJS.ErrnoException).code;
        const code = failure instanceof ToolFailure ? failure.toolCode : (errno && ERRNO_CODES[errno]) || "io";
        error = { code, message: (failure as Error).message };
      }
    } finally {
      call.signal.removeEventListener("abort", onAbort);
    }

    // 7. The record, before the answer.
    const row = record(result, error?.message ?? "", { output_hash: output ? hashValue(output) : "" });
    return { executionId, ok: result === "ok", output, error, truncated, durationMs: row.duration_ms, backupId: audit.backup_id, auditHash: row.hash };
  }

  /** What a tool sees of the world for one call. onCut is told when output was cut. */
  context(tool: ToolDefinition, claims: TokenClaims, signal: AbortSignal, executionId: string, onCut: () => void = () => {}): ToolContext {
    // What a tool opens is checked again, by its descriptor, against the same grant.
    const refusal = (path: string) => this.accessRefusal({ ...tool, resources: () => [path] }, {}, claims, `for ${tool.name}`);
    const hidden = () => this.hiddenFromCommands();
    return {
      signal,
      physical: (path) => rooted(this.options.root, path),
      files: new CheckedOpener(this.options.root, refusal),
      mayTouch: (resource) => refusal(resource) === null,
      isProtected: (path) => this.options.protectedPaths.skips(path),
      // Listed only by a tool that spawns a command, when it asks.
      get hiddenFromCommands() {
        return hidden();
      },
      outputCap: this.options.outputCap,
      cut: (text) => {
        if (Buffer.byteLength(text) <= this.options.outputCap) return text;
        onCut();
        return Buffer.from(text)
          .subarray(0, this.options.outputCap)
          .toString("utf8")
          .replace(/\uFFFD$/, "");
      },
      agent: claims.agent,
      audit: this.options.ledger,
      grants: this.options.grants,
      stateDir: this.options.stateDir,
      init: () => this.init(),
      memory: () => this.memory(),
      holdsAction: (namespace, action) => claims.caps.map(parseCapability).some((c) => (c.namespace === "*" || c.namespace === namespace) && (c.action === "*" || c.action === action)),
      log: this.options.log.child({ execution_id: executionId }),
    };
  }

  /**
   * Why this call may not touch what it names, in a sentence ending with `doing` ("for fs.read"),
   * or null when it may. Each path resource is taken as given and with symlinks resolved (one
   * resolve per path): a protected path is refused whatever the grants; otherwise the token and
   * the agent's current grants must both cover every resource.
   */
  accessRefusal(tool: ToolDefinition, input: unknown, claims: TokenClaims, doing: string): string | null {
    const declared = tool.resources(input, this.options.root).map((r) => (typeof r === "string" ? { capability: tool.capability, resource: r } : r));
    const checks: Array<{ capability: string; resource?: string }> = declared.length === 0 ? [{ capability: tool.capability }] : [];
    for (const { capability, resource } of declared) {
      checks.push({ capability, resource });
      if (!resource.startsWith("/")) continue;
      const real = resolvedPath(resource, this.options.root);
      const action = capability.split(":")[1] ?? "";
      for (const path of real === null || real === resource ? [resource] : [resource, real]) {
        const shielded = this.options.protectedPaths.refusal(path, action);
        if (shielded) return `${shielded} (${claims.agent} ${doing})`;
      }
      if (real === null) return `${claims.agent} lacks the capability ${capability}:${resource} ${doing} (it leads outside the root)`;
      if (real !== resource) checks.push({ capability, resource: real });
    }
    const carried: Capability[] = claims.caps.map(parseCapability);
    const current: Capability[] = this.options.grants.capabilitiesOf(claims.agent).map(parseCapability);
    for (const { capability, resource } of checks) {
      const [namespace, action] = capability.split(":") as [string, string];
      if (!grantedBy(carried, namespace, action, resource) || !grantedBy(current, namespace, action, resource)) {
        return `${claims.agent} lacks the capability ${resource === undefined ? capability : `${capability}:${resource}`} ${doing}`;
      }
    }
    return null;
  }

  private withTimeout<T>(work: Promise<T>, timeoutMs: number, controller: AbortController): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        // Settle as a timeout first: aborting below would otherwise settle it as a cancel.
        reject(new TimeoutError());
        controller.abort();
      }, timeoutMs);
      controller.signal.addEventListener("abort", () => reject(new Error("cancelled")), { once: true });
      work.then(resolve, reject).finally(() => clearTimeout(timer));
    });
  }
}
