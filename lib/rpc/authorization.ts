/**
 * @module lib/rpc/authorization
 * Who may call what, in one table (as Talos keeps its role table): every method of every
 * AIOS service, with the callers (lib/rpc/peer) it accepts. A method missing from the table
 * is refused, and test/peer.test.ts fails when a proto method is not listed, so a new RPC
 * cannot ship without someone deciding who may call it.
 *
 * The lines drawn: only a person (aiosctl as root, the serial console) or the console (which
 * authenticates the person) decides approvals, grants capabilities, rolls back and changes
 * the system's autonomy; only the orchestrator (and a person) is issued capability tokens and
 * executes tools; other supervised programs and other users only read status.
 */
import type { Caller } from "./peer.ts";

const PEOPLE: readonly Caller[] = ["person", "console"];
/** AIOS's own components and the people who run it. */
const AIOS: readonly Caller[] = ["person", "console", "orchestrator", "tools", "memory", "gateway", "fleet"];
/** Status anyone who can reach the socket may read. */
const ANYONE: readonly Caller[] = [...AIOS, "service", "user", "unknown"];

export const AUTHORIZATION: Readonly<Record<string, readonly Caller[]>> = {
  "/grpc.health.v1.Health/Check": ANYONE,
  "/grpc.health.v1.Health/Watch": ANYONE,

  "/aios.v1.InitService/ListServices": ANYONE,
  "/aios.v1.InitService/GetService": ANYONE,
  "/aios.v1.InitService/StreamLogs": AIOS,
  // aios-tools starts and stops services for agents, under capabilities and approvals.
  "/aios.v1.InitService/StartService": [...PEOPLE, "tools"],
  "/aios.v1.InitService/StopService": [...PEOPLE, "tools"],
  "/aios.v1.InitService/RestartService": [...PEOPLE, "tools"],
  "/aios.v1.InitService/Shutdown": [...PEOPLE, "tools"],
  "/aios.v1.InitService/ReloadConfig": PEOPLE,
  "/aios.v1.InitService/GetConfig": PEOPLE,
  "/aios.v1.InitService/SetConfig": PEOPLE,

  "/aios.v1.MemoryService/PushEvent": AIOS,
  "/aios.v1.MemoryService/PushEvents": AIOS,
  "/aios.v1.MemoryService/RecentEvents": AIOS,
  "/aios.v1.MemoryService/Remember": AIOS,
  "/aios.v1.MemoryService/Search": AIOS,
  "/aios.v1.MemoryService/AssembleContext": AIOS,
  "/aios.v1.MemoryService/Stats": AIOS,
  "/aios.v1.MemoryService/Forget": PEOPLE,
  "/aios.v1.MemoryService/Export": PEOPLE,
  "/aios.v1.MemoryService/Import": PEOPLE,
  // The audit ledger's head, kept apart from aios-tools: only aios-tools moves it.
  "/aios.v1.MemoryService/AnchorAuditHead": ["tools"],
  "/aios.v1.MemoryService/GetAuditAnchor": AIOS,
  // The orchestrator plans from learned procedures; only a person changes one.
  "/aios.v1.MemoryService/ListProcedures": AIOS,
  "/aios.v1.MemoryService/UpdateProcedure": PEOPLE,

  "/aios.v1.GatewayService/Infer": AIOS,
  "/aios.v1.GatewayService/StreamInfer": AIOS,
  "/aios.v1.GatewayService/Embed": AIOS,
  "/aios.v1.GatewayService/CountTokens": AIOS,
  "/aios.v1.GatewayService/ListModels": ANYONE,
  "/aios.v1.GatewayService/GetUsage": AIOS,
  "/aios.v1.GatewayService/GetBudget": AIOS,
  "/aios.v1.FleetService/GetFleetStatus": ANYONE,
  "/aios.v1.FleetService/ListMachines": AIOS,
  // Sending a goal to other machines is a person's act, signed with this machine's key.
  "/aios.v1.FleetService/SendFleetGoal": PEOPLE,
  "/aios.v1.FleetService/GetFleetGoal": AIOS,
  "/aios.v1.FleetService/VerifyFleetAudit": AIOS,
  "/aios.v1.FleetService/DecideFleetApproval": PEOPLE,
  "/aios.v1.GatewayService/LoadModel": PEOPLE,
  "/aios.v1.GatewayService/UnloadModel": PEOPLE,

  // aios-fleet submits the goals other machines' people sent, signed (lib/fleet/runner).
  "/aios.v1.OrchestratorService/SubmitGoal": [...PEOPLE, "fleet"],
  "/aios.v1.OrchestratorService/GetGoal": AIOS,
  "/aios.v1.OrchestratorService/ListGoals": AIOS,
  "/aios.v1.OrchestratorService/StreamEvents": AIOS,
  "/aios.v1.OrchestratorService/ListAgents": AIOS,
  "/aios.v1.OrchestratorService/ListApprovals": AIOS,
  "/aios.v1.OrchestratorService/ListSchedules": AIOS,
  "/aios.v1.OrchestratorService/GetSystemStatus": ANYONE,
  "/aios.v1.OrchestratorService/CancelGoal": PEOPLE,
  // aios-fleet acts on a signed answer from a trusted machine's person, when [fleet] remote_approvals.
  "/aios.v1.OrchestratorService/ResolveApproval": [...PEOPLE, "fleet"],
  "/aios.v1.OrchestratorService/SetAutonomy": PEOPLE,
  "/aios.v1.OrchestratorService/EmergencyStop": PEOPLE,
  "/aios.v1.OrchestratorService/CreateSchedule": PEOPLE,
  "/aios.v1.OrchestratorService/DeleteSchedule": PEOPLE,

  "/aios.v1.ToolsService/ListTools": ANYONE,
  "/aios.v1.ToolsService/GetTool": ANYONE,
  "/aios.v1.ToolsService/QueryAudit": AIOS,
  "/aios.v1.ToolsService/VerifyAudit": AIOS,
  "/aios.v1.ToolsService/ListCapabilities": AIOS,
  "/aios.v1.ToolsService/GetApproval": AIOS,
  // The console calls for MCP clients at /mcp, with tokens it may issue only for their
  // outside agent kinds (lib/tools/service).
  "/aios.v1.ToolsService/Execute": ["person", "orchestrator", "console"],
  "/aios.v1.ToolsService/IssueCapabilityToken": ["person", "orchestrator", "console"],
  "/aios.v1.ToolsService/Rollback": PEOPLE,
  "/aios.v1.ToolsService/GrantCapability": PEOPLE,
  "/aios.v1.ToolsService/RevokeCapability": PEOPLE,
  // The orchestrator may only deny (a cancelled goal's approvals); the handler refuses it a yes.
  "/aios.v1.ToolsService/DecideApproval": [...PEOPLE, "orchestrator", "fleet"],
};

/** Entries for a server's own services beyond AIOS's contract (a benchmark's echo): method → callers. */
export type ExtraAuthorization = Readonly<Record<string, readonly Caller[]>>;

/** null when caller may call method, else a sentence saying who may. */
export function refusal(method: string, caller: Caller, extra: ExtraAuthorization = {}): string | null {
  const allowed = AUTHORIZATION[method] ?? extra[method];
  if (!allowed) return `${method} is not in the authorization table (lib/rpc/authorization.ts): nobody may call it`;
  if (allowed.includes(caller)) return null;
  return `${method} may be called by ${allowed.join(", ")}; this caller is ${caller}`;
}
