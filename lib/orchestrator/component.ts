/**
 * @module lib/orchestrator/component
 * aios-orchestrator as a process: the agent kinds of CONFIG_DIR/agents, the store in
 * STATE_DIR/orchestrator/orchestrator.db, clients of aios-tools, aios-gateway and aios-memory
 * (through their contracts only), the engine (which resumes whatever a previous run left), the
 * schedules, the monitor, and the Orchestrator service on RUN_DIR/orchestrator.sock.
 */
import { join } from "node:path";
import { rooted, socketPath } from "../config/index.ts";
import { GatewayServiceDefinition } from "../rpc/gen/aios/v1/gateway.ts";
import { MemoryServiceDefinition } from "../rpc/gen/aios/v1/memory.ts";
import { ToolsServiceDefinition } from "../rpc/gen/aios/v1/tools.ts";
import { type ComponentSpec, connect } from "../rpc/index.ts";
import { loadAgents } from "./agents.ts";
import { Engine } from "./engine.ts";
import { EventLog } from "./events.ts";
import { Monitor } from "./monitor.ts";
import { Scheduler } from "./schedules.ts";
import { orchestratorService } from "./service.ts";
import { OrchestratorStore } from "./store.ts";

export const orchestratorComponent: ComponentSpec = {
  name: "orchestrator",
  summary: "plans goals into tasks and runs them with agents",
  services: async ({ config, root, log, onStop }) => {
    const agents = loadAgents(rooted(root, join(config.paths.config_dir, "agents")), config.mcp.servers);
    if (agents.size === 0) log.warn("no agent kinds are configured: goals cannot run", { dir: join(config.paths.config_dir, "agents") });
    const store = new OrchestratorStore(join(rooted(root, config.paths.state_dir), "orchestrator", "orchestrator.db"));
    const sockets = {
      "aios-memory": socketPath(config, root, "memory"),
      "aios-gateway": socketPath(config, root, "gateway"),
      "aios-tools": socketPath(config, root, "tools"),
      "aios-init": socketPath(config, root, "init"),
    };
    const clients = {
      tools: connect(ToolsServiceDefinition, sockets["aios-tools"], { defaultTimeoutMs: config.rpc.call_timeout_ms }),
      gateway: connect(GatewayServiceDefinition, sockets["aios-gateway"], { defaultTimeoutMs: config.rpc.call_timeout_ms }),
      memory: connect(MemoryServiceDefinition, sockets["aios-memory"], { defaultTimeoutMs: config.rpc.call_timeout_ms }),
    };
    const events = new EventLog(store, clients.memory, log);
    const settings = config.orchestrator;
    const engine = new Engine({ store, events, agents, clients, settings, approvalTtlMs: config.tools.approval_ttl_ms, log });
    const scheduler = new Scheduler(
      store,
      (schedule) =>
        engine.submit({
          text: schedule.goalText,
          priority: schedule.priority,
          source: "schedule",
          autonomy: schedule.autonomy,
          idempotencyKey: `${schedule.id}@${schedule.nextRunAt}`,
          scheduleId: schedule.id,
        }).id,
      log,
    );
    const monitor = new Monitor({
      store,
      runner: engine.toolRunner,
      agent: agents.get("monitor"),
      settings,
      submit: (finding) => engine.submit({ text: finding.goal, priority: finding.priority, source: "monitor", autonomy: 0, idempotencyKey: "" }).id,
      log,
    });
    await engine.start();
    const scheduleTimer = setInterval(() => scheduler.tick(), 1000);
    const monitorTimer =
      settings.monitor_interval_ms > 0
        ? setInterval(() => {
            // Its goals would be refused: no point looking, nor logging that it could not submit.
            if (!engine.emergencyStopped) void monitor.tick();
          }, settings.monitor_interval_ms)
        : null;
    log.info("orchestrator ready", { agents: [...agents.keys()], autonomy: engine.autonomy, emergency_stop: engine.emergencyStopped });
    onStop(async () => {
      clearInterval(scheduleTimer);
      if (monitorTimer) clearInterval(monitorTimer);
      await engine.stop();
      events.close();
      for (const client of Object.values(clients)) client.close();
      store.close();
    });
    return [orchestratorService({ engine, store, events, dependencies: sockets })];
  },
};
