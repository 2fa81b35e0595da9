/**
 * @module lib/tools/component
 * aios-tools as a process: the catalogue, the pipeline and the Tools service on
 * RUN_DIR/tools.sock, with its database, key and backups under STATE_DIR/tools.
 */
import { join } from "node:path";
import { GroupRecords } from "../sys/index.ts";
import { removeLeftoverCgroups } from "./defs/process/confine.ts";
import { RUNNING_DIR } from "./defs/process/spawn.ts";
import { rooted, socketPath } from "../config/index.ts";
import { type ComponentSpec, connect } from "../rpc/index.ts";
import { MemoryServiceDefinition } from "../rpc/gen/aios/v1/memory.ts";
import { HeadAnchor } from "./anchor.ts";
import { Approvals } from "./approvals.ts";
import { AuditLedger, loadOrCreateSeal } from "./audit.ts";
import { Backups } from "./backups.ts";
import { openToolsDatabase } from "./db.ts";
import { CATALOGUE } from "./defs/index.ts";
import { ProtectedPaths } from "./protected.ts";
import { ToolExecutor } from "./executor.ts";
import { Grants, readAgentGrants } from "./grants.ts";
import { ToolRegistry } from "./registry.ts";
import { toolsService } from "./service.ts";
import { mcpGrants } from "../mcp/grants.ts";
import { McpServers } from "../mcp/servers.ts";
import { loadOrCreateKey } from "./token.ts";

export const toolsComponent: ComponentSpec = {
  name: "tools",
  summary: "typed, capability-checked, audited actions on the machine",
  services: async ({ config, root, log, onStop }) => {
    const stateDir = rooted(root, join(config.paths.state_dir, "tools"));
    const db = openToolsDatabase(join(stateDir, "tools.db"));
    const registry = new ToolRegistry(CATALOGUE);
    const mcpServers = new McpServers(config.mcp.servers, log);
    registry.extend(mcpServers);
    mcpServers.start();
    onStop(() => mcpServers.stop());
    const ledger = new AuditLedger(db, loadOrCreateSeal(join(stateDir, "audit.key"), join(stateDir, "audit.head"), db));
    ledger.ensureHead();
    const approvals = new Approvals(db, config.tools.approval_ttl_ms);
    const backups = new Backups(join(stateDir, "backups"), config.tools.backup_retention);
    const agentFiles = readAgentGrants(rooted(root, join(config.paths.config_dir, "agents")));
    // [[mcp.servers]] grants its agents its tools, beside what their files grant.
    const configured = new Map(agentFiles.capabilities);
    for (const [agent, capabilities] of mcpGrants(config.mcp.servers)) configured.set(agent, [...(configured.get(agent) ?? []), ...capabilities]);
    const grants = new Grants(db, configured);
    const externalAgents = agentFiles.external;
    const key = loadOrCreateKey(join(stateDir, "token.key"));
    const outputCap = config.tools.output_cap_bytes;
    const initSocket = socketPath(config, root, "init");
    const protectedPaths = new ProtectedPaths({ stateDir: config.paths.state_dir, runDir: config.paths.run_dir, configDir: config.paths.config_dir });
    const memorySocket = socketPath(config, root, "memory");
    const executor = new ToolExecutor({ registry, ledger, approvals, backups, grants, key, root, outputCap, initSocket, memorySocket, stateDir, protectedPaths, log });
    // Commands a killed aios-tools left running die now: nothing it started outlives it.
    // SIGKILL at once: a command must not take its next step after its owner died.
    const leftovers = await new GroupRecords(join(stateDir, RUNNING_DIR)).stopLeftovers(log, 0);
    const cgroups = await removeLeftoverCgroups();
    if (leftovers.length || cgroups) log.warn("stopped commands an earlier aios-tools left running", { groups: leftovers.length, cgroups });
    log.info("tool catalogue loaded", { tools: registry.list().length });
    // A copy of the ledger's head outside aios-tools' files, in aios-memory.
    const anchor = new HeadAnchor(connect(MemoryServiceDefinition, memorySocket), ledger, log);
    anchor.start();
    return [toolsService({ registry, executor, ledger, approvals, grants, externalAgents, key, root, outputCap, anchor, log })];
  },
};
