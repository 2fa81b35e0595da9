/**
 * aios-tools served on a Unix socket over a scratch root, for the tools tests: two agents
 * ("storage" may read, write and delete under /data; "reader" may read /data/pub/*), a
 * root-only /etc/secret, and helpers to issue a token and make a call.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseConfig } from "../../lib/config/index.ts";
import { createLogger } from "../../lib/log/index.ts";
import { AutonomyLevel } from "../../lib/rpc/gen/aios/v1/common.ts";
import { ToolsServiceDefinition } from "../../lib/rpc/gen/aios/v1/tools.ts";
import { connect, serve } from "../../lib/rpc/index.ts";
import { toolsComponent } from "../../lib/tools/component.ts";
import { agentToml } from "./agents.ts";

export const quiet = createLogger({ component: "aios-tools-test", level: "error", sink: () => {} });

export type ToolsServer = Awaited<ReturnType<typeof startToolsServer>>;

/** prepare: more of the scratch root (agents, configuration) before aios-tools reads it. */
export async function startToolsServer(prepare: (root: string, dir: string) => void = () => {}) {
  const dir = mkdtempSync(join(tmpdir(), "aios-tools-"));
  const root = join(dir, "root");
  mkdirSync(join(root, "etc/aios/agents"), { recursive: true });
  mkdirSync(join(root, "data/pub"), { recursive: true });
  writeFileSync(join(root, "etc/secret"), "root-only\n");
  writeFileSync(join(root, "etc/aios/agents/storage.toml"), agentToml(["fs:read:/data/**", "fs:write:/data/**", "fs:delete:/data/**"]));
  writeFileSync(join(root, "etc/aios/agents/reader.toml"), agentToml(["fs:read:/data/pub/*"]));
  writeFileSync(join(root, "etc/aios/agents/configurer.toml"), agentToml(["sys:config_read", "sys:config_write"]));
  prepare(root, dir);
  const config = parseConfig({ tools: { output_cap_bytes: 2048 } }, "test");
  const services = await toolsComponent.services({ config, root, log: quiet, onStop: () => {} });
  const server = await serve({ socketPath: join(dir, "tools.sock"), component: "aios-tools", log: quiet, services });
  const tools = connect(ToolsServiceDefinition, join(dir, "tools.sock"));
  return {
    dir,
    root,
    tools,
    async tokenFor(agent: string, autonomy = AutonomyLevel.AUTONOMY_LEVEL_SUPERVISED, capabilities: string[] = []) {
      return (await tools.issueCapabilityToken({ agent, autonomy, capabilities, goalId: "g-1", taskId: "t-1" })).token;
    },
    call: (token: string, tool: string, input: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
      tools.execute({ tool, input, capabilityToken: token, goalId: "g-1", taskId: "t-1", reason: "test", ...extra }),
    async close() {
      tools.close();
      await server.close(1000);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
