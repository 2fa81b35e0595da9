/**
 * Test support: the whole AIOS stack as `aios init --root DIR` runs it (memory, gateway,
 * tools, orchestrator and any extra services, from the compiled binary and the image's own
 * service and agent files), with a config written for the test, and clients of every service.
 */
import { cpSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { GatewayServiceDefinition } from "../../lib/rpc/gen/aios/v1/gateway.ts";
import { InitServiceDefinition } from "../../lib/rpc/gen/aios/v1/init.ts";
import { type Goal, GoalState, OrchestratorServiceDefinition } from "../../lib/rpc/gen/aios/v1/orchestrator.ts";
import { ToolsServiceDefinition } from "../../lib/rpc/gen/aios/v1/tools.ts";
import { MemoryServiceDefinition } from "../../lib/rpc/gen/aios/v1/memory.ts";
import { connect, type ServiceClient } from "../../lib/rpc/index.ts";
import { cleanEnv, installBinary, REPO, type Running, start } from "./binary.ts";
import { waitFor } from "./wait.ts";

const OVERLAY = join(REPO, "rootfs/overlay/etc/aios");
// The image's service files of these; memory's process hosts the gateway too.
const COMPONENTS = ["memory", "tools", "orchestrator"];

export interface Stack {
  root: string;
  init: Running;
  orchestrator: ServiceClient<typeof OrchestratorServiceDefinition>;
  tools: ServiceClient<typeof ToolsServiceDefinition>;
  initClient: ServiceClient<typeof InitServiceDefinition>;
  gateway: ServiceClient<typeof GatewayServiceDefinition>;
  memory: ServiceClient<typeof MemoryServiceDefinition>;
  stop(): Promise<void>;
}

export interface StackOptions {
  /** The whole aios.toml. */
  config: string;
  /** Extra service definitions, by name (TOML text). */
  services?: Record<string, string>;
  /** Extra or replaced agent kinds, by name (TOML text). */
  agents?: Record<string, string>;
  env?: Record<string, string>;
}

export async function startStack(root: string, options: StackOptions): Promise<Stack> {
  installBinary(root, "usr/bin");
  mkdirSync(join(root, "etc/aios/services"), { recursive: true });
  cpSync(join(OVERLAY, "agents"), join(root, "etc/aios/agents"), { recursive: true });
  for (const file of readdirSync(join(OVERLAY, "services"))) {
    if (COMPONENTS.some((name) => file === `${name}.toml`)) cpSync(join(OVERLAY, "services", file), join(root, "etc/aios/services", file));
  }
  for (const [name, text] of Object.entries(options.services ?? {})) writeFileSync(join(root, "etc/aios/services", `${name}.toml`), text);
  for (const [name, text] of Object.entries(options.agents ?? {})) writeFileSync(join(root, "etc/aios/agents", `${name}.toml`), text);
  writeFileSync(join(root, "etc/aios/aios.toml"), options.config);
  const init = start([join(root, "usr/bin/aios-init"), "--root", root], root, cleanEnv(options.env));
  await waitFor(
    () => init.output().includes("AIOS ready"),
    () => `"AIOS ready" in:\n${init.output()}`,
  );
  const socket = (name: string) => join(root, `run/aios/${name}.sock`);
  const stack: Stack = {
    root,
    init,
    orchestrator: connect(OrchestratorServiceDefinition, socket("orchestrator"), { defaultTimeoutMs: 120_000 }),
    tools: connect(ToolsServiceDefinition, socket("tools"), { defaultTimeoutMs: 120_000 }),
    initClient: connect(InitServiceDefinition, socket("init"), { defaultTimeoutMs: 120_000 }),
    gateway: connect(GatewayServiceDefinition, socket("gateway"), { defaultTimeoutMs: 120_000 }),
    memory: connect(MemoryServiceDefinition, socket("memory"), { defaultTimeoutMs: 120_000 }),
    async stop() {
      for (const client of [stack.orchestrator, stack.tools, stack.initClient, stack.gateway, stack.memory]) client.close();
      await init.stop("SIGTERM");
    },
  };
  return stack;
}

const TERMINAL = [GoalState.GOAL_STATE_SUCCEEDED, GoalState.GOAL_STATE_FAILED, GoalState.GOAL_STATE_CANCELLED];

/** Waits until the goal is in one of the states (by default: any terminal one). */
export async function goalIn(stack: Stack, goalId: string, states: GoalState[] = TERMINAL): Promise<Goal> {
  let goal: Goal | undefined;
  await waitFor(
    async () => {
      goal = (await stack.orchestrator.getGoal({ goalId })).goal!;
      return states.includes(goal.state);
    },
    () => `goal ${goalId} to reach ${states.map((s) => GoalState[s]).join("/")}; it is ${goal ? `${GoalState[goal.state]}: ${goal.stateReason}` : "unknown"}\n${stack.init.output().slice(-3000)}`,
  );
  return goal!;
}

export async function submit(stack: Stack, text: string, fields: Record<string, unknown> = {}): Promise<string> {
  const { goal } = await stack.orchestrator.submitGoal({ text, ...fields });
  return goal!.id;
}

/** The log a config needs for quiet tests. */
export const QUIET = `[log]\nlevel = "warn"\n`;
