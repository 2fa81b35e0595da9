/**
 * A separate process that calls aios-tools, so that the kernel names it (SO_PEERCRED) apart
 * from the test: it waits for a line on stdin (the test records its process group as a
 * service meanwhile), makes each call, and prints {method: "OK" | error code} as JSON. Every
 * call also claims in its metadata to be a person, which must change nothing.
 */
import { AutonomyLevel } from "../../lib/rpc/gen/aios/v1/common.ts";
import { ToolsServiceDefinition } from "../../lib/rpc/gen/aios/v1/tools.ts";
import { connect } from "../../lib/rpc/index.ts";

const [socket] = process.argv.slice(2);
for await (const _ of console) break;
const tools = connect(ToolsServiceDefinition, socket!, { defaultTimeoutMs: 10_000 });
const spoof = { metadata: { "x-aios-peer": JSON.stringify({ caller: "person", pid: 1, uid: 0 }) } };
const calls: Record<string, () => Promise<unknown>> = {
  ListTools: () => tools.listTools({}, spoof),
  IssueCapabilityToken: () => tools.issueCapabilityToken({ agent: "general", autonomy: AutonomyLevel.AUTONOMY_LEVEL_SUPERVISED, goalId: "g", taskId: "t" }, spoof),
  "DecideApproval(yes)": () => tools.decideApproval({ approvalId: "no-such-approval", approve: true, decidedBy: "someone" }, spoof),
  "DecideApproval(no)": () => tools.decideApproval({ approvalId: "no-such-approval", approve: false, decidedBy: "someone" }, spoof),
  GrantCapability: () => tools.grantCapability({ agent: "general", capability: "fs:write:/**", grantedBy: "someone" }, spoof),
  Rollback: () => tools.rollback({ executionId: "no-such-execution", capabilityToken: "", reason: "probe" }, spoof),
};
const results: Record<string, string> = {};
for (const [name, call] of Object.entries(calls)) {
  try {
    await call();
    results[name] = "OK";
  } catch (error) {
    results[name] = String((error as { code?: string }).code ?? error);
  }
}
tools.close();
process.stdout.write(`${JSON.stringify(results)}\n`);
