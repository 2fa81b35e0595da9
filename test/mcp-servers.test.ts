/**
 * MCP servers as tools ([[mcp.servers]]), against the whole stack under `aios init --root`
 * (compiled binary): a small stdio server written with the official SDK (test/support) and the
 * published reference filesystem server from npm, run by node. Their tools are listed beside
 * AIOS's own with the server's schemas and the configured risk; a goal calls them through the
 * orchestrator and the pipeline (audited under the agent; a risky one waits for a person); an
 * input the server's schema refuses and an agent without the grant are refused and audited; a
 * server that dies is reported unavailable and started again by itself.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ApprovalState, AutonomyLevel, RiskLevel } from "../lib/rpc/gen/aios/v1/common.ts";
import { GoalState } from "../lib/rpc/gen/aios/v1/orchestrator.ts";
import { AuditResult } from "../lib/rpc/gen/aios/v1/tools.ts";
import { AiosError, decideApproval } from "../lib/rpc/index.ts";
import { agentToml } from "./support/agents.ts";
import { REPO, run } from "./support/binary.ts";
import { goalIn, QUIET, type Stack, startStack, submit } from "./support/stack.ts";
import { waitFor } from "./support/wait.ts";
import { serveDemoHttp } from "./support/mcp-demo-server.ts";
import { ScriptedModelServer } from "./support/model-server.ts";

const dir = mkdtempSync(join(tmpdir(), "aios-mcp-servers-"));
const notes = join(dir, "notes.txt");
const shared = join(dir, "shared");
let stack: Stack;

const cloud = new ScriptedModelServer();
const remote = serveDemoHttp(join(dir, "remote-notes.txt"), "demo-secret");
const FILESYSTEM_SERVER = join(REPO, "node_modules/@modelcontextprotocol/server-filesystem/dist/index.js");

beforeAll(async () => {
  mkdirSync(shared);
  writeFileSync(join(shared, "readme.txt"), "shared by the filesystem server\n");
  const config = [
    QUIET,
    '[memory]\nembedder = "hashing"\n',
    "[orchestrator]\nmonitor_interval_ms = 0\ntask_retries = 1\ntask_retry_base_ms = 50\n",
    `[gateway]\nretries = 0\n\n[[gateway.providers]]\nid = "scripted"\nkind = "openai"\nbase_url = "${cloud.openaiBaseUrl}"\napi_key = "k"\n`,
    ...["operational", "tactical", "strategic"].map((layer) => `[[gateway.models]]\nid = "${layer}"\nlayer = "${layer}"\nprovider = "scripted"\nname = "${layer}-model"\ncontext_size = 32000\n`),
    "[[mcp.servers]]",
    'name = "demo"',
    `command = ${JSON.stringify([process.execPath, join(REPO, "test/support/mcp-demo-server.ts"), notes])}`,
    'agents = ["helper"]',
    'tool_risk = { add = "low", fail = "low", exit = "low" }',
    "",
    "[[mcp.servers]]",
    'name = "remote"',
    `url = ${JSON.stringify(remote.url)}`,
    'token_env = "DEMO_MCP_TOKEN"',
    'agents = ["helper"]',
    'tool_risk = { add = "low" }',
    "",
    "[[mcp.servers]]",
    'name = "files"',
    `command = ${JSON.stringify(["node", FILESYSTEM_SERVER, shared])}`,
    'agents = ["helper"]',
    'tool_risk = { read_text_file = "low", list_directory = "low" }',
    "",
  ].join("\n");
  // aios-tools' environment holds the remote server's token (token_env), as a service file's env would.
  const toolsService = readFileSync(join(REPO, "rootfs/overlay/etc/aios/services/tools.toml"), "utf8").replace("[readiness]", 'env = { DEMO_MCP_TOKEN = "demo-secret" }\n[readiness]');
  stack = await startStack(join(dir, "root"), {
    config,
    services: { tools: toolsService },
    agents: {
      helper: agentToml(["monitor:read"]),
      // Shown the demo server's tools by its own file, but never granted them.
      stranger: agentToml(["monitor:read"]).replace('tool_namespaces = ["monitor"]', 'tool_namespaces = ["monitor", "mcp.demo"]'),
    },
  });
  await waitFor(
    async () => {
      const available = (await listed()).filter((t) => !t.unavailable).map((t) => t.name);
      const wanted = ["mcp.demo.add", "mcp.remote.add", "mcp.files.read_text_file"];
      return wanted.every((name) => available.includes(name));
    },
    () => `the MCP servers' tools to be listed and available:\n${stack.init.output().slice(-3000)}`,
  );
});
afterAll(async () => {
  await stack?.stop();
  remote.stop();
  await cloud.close();
  rmSync(dir, { recursive: true, force: true });
});

async function listed() {
  return (await stack.tools.listTools({ namespace: "mcp", pageSize: 0, pageToken: "" })).tools;
}

async function audited(tool: string) {
  return (await stack.tools.queryAudit({ agent: "", tool, goalId: "", executionId: "", pageSize: 20, pageToken: "" })).entries;
}

describe("MCP servers as tools", () => {
  test("their tools are listed beside AIOS's own: the server's schemas, the configured risk (not the server's hints), never reversible", async () => {
    const tools = await listed();
    const byName = new Map(tools.map((t) => [t.name, t]));
    expect([...byName.keys()]).toEqual(expect.arrayContaining(["mcp.demo.add", "mcp.demo.note", "mcp.files.read_text_file", "mcp.files.write_file"]));
    const add = byName.get("mcp.demo.add")!;
    expect(add.namespace).toBe("mcp.demo");
    expect(JSON.parse(add.inputSchemaJson).required).toEqual(["a", "b"]);
    expect(add.risk).toBe(RiskLevel.RISK_LEVEL_LOW);
    expect(add.capability).toBe("mcp:call");
    // The server calls note nothing; AIOS's default for a tool nobody judged is high.
    expect(byName.get("mcp.demo.note")!.risk).toBe(RiskLevel.RISK_LEVEL_HIGH);
    expect(byName.get("mcp.files.write_file")!.risk).toBe(RiskLevel.RISK_LEVEL_HIGH);
    expect(tools.every((t) => !t.reversible && t.unavailable === "")).toBe(true);
    // aiosctl tools says the same in a line each.
    const shown = await run([join(stack.root, "usr/bin/aiosctl"), "tools", "mcp.demo", "--root", stack.root], stack.root);
    expect(shown.stdout).toMatch(/^mcp\.demo\.add\s+low\s+mcp:call\s+Adds two numbers\./m);
    expect(shown.stdout).toMatch(/^mcp\.demo\.note\s+high\s/m);
    // AIOS's own catalogue is all still there.
    const all = (await stack.tools.listTools({ namespace: "", pageSize: 0, pageToken: "" })).tools.map((t) => t.name);
    expect(all).toEqual(expect.arrayContaining(["fs.read", "mcp.demo.add"]));
  });

  test("a goal calls a low-risk MCP tool: it runs unasked, its answer is the goal's, and it is audited under the agent", async () => {
    const id = await submit(stack, 'call mcp.demo.add {"a": 2, "b": 40}');
    const goal = await goalIn(stack, id);
    expect(`${GoalState[goal.state]}: ${goal.stateReason}`).toBe("GOAL_STATE_SUCCEEDED: every task succeeded");
    expect(JSON.stringify(goal.tasks[0]!.result)).toContain("42");
    const entries = (await audited("mcp.demo.add")).filter((e) => e.goalId === id);
    expect(entries.map((e) => [e.agent, e.result])).toContainEqual(["helper", AuditResult.AUDIT_RESULT_OK]);
  });

  test("a model plans with an MCP tool and the agent loop calls it, by a provider-safe name", async () => {
    const from = cloud.requests.length;
    cloud.enqueue(
      {
        text: JSON.stringify({
          tasks: [{ id: "sum", description: "add 19 and 23 with the demo server", agent: "helper", tools: ["mcp.demo.add"], depends_on: [], layer: "tactical", success_check: "the sum is known" }],
        }),
      },
      { toolCalls: [{ name: "mcp_demo_add", arguments: { a: 19, b: 23 } }] },
      { toolCalls: [{ name: "task_done", arguments: { result: "the sum is 42", evidence: "mcp.demo.add said so", success: true } }] },
    );
    const id = await submit(stack, "figure out what nineteen and twenty-three add up to, with the demo MCP server");
    const goal = await goalIn(stack, id);
    expect(`${GoalState[goal.state]}: ${goal.stateReason}`).toBe("GOAL_STATE_SUCCEEDED: every task succeeded");
    const [planning, step] = cloud.requests.slice(from);
    // The planner was shown the helper's MCP tools; the agent was offered them by safe names.
    expect(JSON.stringify(planning!.body.messages)).toContain("mcp.demo.add");
    expect((step!.body.tools as { function: { name: string } }[]).map((t) => t.function.name)).toContain("mcp_demo_add");
    const ran = (await audited("mcp.demo.add")).filter((e) => e.goalId === id);
    expect(ran.map((e) => [e.agent, e.result])).toContainEqual(["helper", AuditResult.AUDIT_RESULT_OK]);
  });

  test("a server on Streamable HTTP behind a bearer token (token_env): a goal calls its tool", async () => {
    const goal = await goalIn(stack, await submit(stack, 'call mcp.remote.add {"a": 20, "b": 22}'));
    expect(`${GoalState[goal.state]}: ${goal.stateReason}`).toBe("GOAL_STATE_SUCCEEDED: every task succeeded");
    expect(JSON.stringify(goal.tasks[0]!.result)).toContain("42");
  });

  test("the reference filesystem server from npm: a goal reads a file through it", async () => {
    const id = await submit(stack, `call mcp.files.read_text_file ${JSON.stringify({ path: join(shared, "readme.txt") })}`);
    const goal = await goalIn(stack, id);
    expect(`${GoalState[goal.state]}: ${goal.stateReason}`).toBe("GOAL_STATE_SUCCEEDED: every task succeeded");
    expect(JSON.stringify(goal.tasks[0]!.result)).toContain("shared by the filesystem server");
  });

  test("a high-risk MCP tool waits for a person: denied, nothing happens; approved, it runs once", async () => {
    const denied = await submit(stack, 'call mcp.demo.note {"text": "not this one"}');
    const waiting = async (goalId: string) => {
      let pending: { id: string }[] = [];
      await waitFor(
        async () => (pending = (await stack.orchestrator.listApprovals({ states: [ApprovalState.APPROVAL_STATE_PENDING], goalId })).approvals).length > 0,
        `an approval for goal ${goalId}`,
      );
      return pending[0]!.id;
    };
    await decideApproval(stack, { approvalId: await waiting(denied), approve: false, by: "human:test", note: "" });
    expect(GoalState[(await goalIn(stack, denied)).state]).not.toBe("GOAL_STATE_SUCCEEDED");
    expect(existsSync(notes)).toBe(false);

    const approved = await submit(stack, 'call mcp.demo.note {"text": "remember the milk"}');
    await decideApproval(stack, { approvalId: await waiting(approved), approve: true, by: "human:test", note: "" });
    expect(GoalState[(await goalIn(stack, approved)).state]).toBe("GOAL_STATE_SUCCEEDED");
    expect(readFileSync(notes, "utf8")).toBe("remember the milk\n");
    const entries = (await audited("mcp.demo.note")).filter((e) => e.goalId === approved);
    expect(entries.map((e) => e.result)).toContain(AuditResult.AUDIT_RESULT_OK);
  });

  test("an input the server's schema refuses never reaches it; an agent without the grant is refused; both audited", async () => {
    const token = async (agent: string) =>
      (await stack.tools.issueCapabilityToken({ agent, autonomy: AutonomyLevel.AUTONOMY_LEVEL_AUTONOMOUS, capabilities: [], goalId: "g-mcp", taskId: "t-1" })).token;
    const call = (capabilityToken: string, input: Record<string, unknown>) => stack.tools.execute({ tool: "mcp.demo.add", input, capabilityToken, goalId: "g-mcp", taskId: "t-1", reason: "test" });

    const invalid = await call(await token("helper"), { a: 1, b: "two" }).catch((e) => e);
    expect(invalid).toBeInstanceOf(AiosError);
    expect([(invalid as AiosError).code, (invalid as AiosError).message]).toEqual(["invalid_argument", expect.stringMatching(/input.*schema.*b/)]);

    const refused = await call(await token("stranger"), { a: 1, b: 2 }).catch((e) => e);
    expect([(refused as AiosError).code, (refused as AiosError).message]).toEqual(["permission_denied", expect.stringContaining("stranger lacks the capability mcp:call:demo.add")]);
    const results = (await audited("mcp.demo.add")).filter((e) => e.goalId === "g-mcp").map((e) => [e.agent, e.result]);
    // An input is checked before the token is read (step 1 of the pipeline): no agent is known yet.
    expect(results).toEqual(
      expect.arrayContaining([
        ["unknown", AuditResult.AUDIT_RESULT_INVALID],
        ["stranger", AuditResult.AUDIT_RESULT_DENIED],
      ]),
    );
  });

  test("a tool error is a failed call; a server that dies is unavailable, then started again by itself", async () => {
    const failedId = await submit(stack, "call mcp.demo.fail {}");
    expect(GoalState[(await goalIn(stack, failedId)).state]).toBe("GOAL_STATE_FAILED");
    const failures = (await audited("mcp.demo.fail")).filter((e) => e.goalId === failedId);
    expect(failures.map((e) => [e.result, e.error])).toContainEqual([AuditResult.AUDIT_RESULT_FAILED, expect.stringContaining("the disk of notes is full")]);

    const starts = () => readFileSync(`${notes}.starts`, "utf8").split("\n").filter(Boolean).length;
    const before = starts();
    await goalIn(stack, await submit(stack, "call mcp.demo.exit {}"));
    // Down: listed, marked unavailable with the reason, and a call says so.
    let reason = "";
    await waitFor(async () => (reason = (await listed()).find((t) => t.name === "mcp.demo.add")?.unavailable ?? "") !== "" || starts() > before, "the demo server to be seen gone");
    if (reason) expect(reason).toContain('MCP server "demo"');
    await waitFor(async () => starts() > before && (await listed()).find((t) => t.name === "mcp.demo.add")?.unavailable === "", "the demo server to be started again");
    const again = await goalIn(stack, await submit(stack, 'call mcp.demo.add {"a": 1, "b": 1}'));
    expect(GoalState[again.state]).toBe("GOAL_STATE_SUCCEEDED");
  });
});
