/**
 * @module lib/orchestrator/monitor
 * Proactive work: every monitor_interval_ms the monitor agent looks at the machine through
 * aios-tools (monitor.disk, monitor.memory, service.list; audited like any call) and turns
 * findings into goals with source = monitor: a file system fuller than monitor_disk_percent,
 * available memory below monitor_memory_available_percent, a critical service that failed. A
 * finding submits at most one goal per monitor_cooldown_ms, and none while its previous goal
 * is still open.
 */
import type { Config } from "../config/index.ts";
import type { Logger } from "../log/index.ts";
import { AutonomyLevel } from "../rpc/gen/aios/v1/common.ts";
import type { AgentKind } from "./agents.ts";
import { GOAL_TERMINAL, type OrchestratorStore } from "./store.ts";
import type { ToolOutcome, ToolRunner } from "./tool-runner.ts";

export interface Finding {
  key: string;
  goal: string;
  priority: number;
}

export class Monitor {
  private busy = false;
  private calls = 0;

  constructor(
    private readonly options: {
      store: OrchestratorStore;
      runner: ToolRunner;
      agent: AgentKind | undefined;
      settings: Config["orchestrator"];
      submit: (finding: Finding) => string;
      log: Logger;
    },
  ) {}

  /** One look at the machine; returns the goals it submitted. */
  async tick(): Promise<string[]> {
    if (this.busy || !this.options.agent) return [];
    this.busy = true;
    try {
      const findings = await this.look(this.options.agent);
      const submitted: string[] = [];
      const now = Date.now();
      for (const finding of findings) {
        const last = this.options.store.finding(finding.key);
        if (last) {
          const previous = this.options.store.goal(last.lastGoalId);
          if (previous && !GOAL_TERMINAL.includes(previous.state)) continue;
          if (now - last.lastAt < this.options.settings.monitor_cooldown_ms) continue;
        }
        const goalId = this.options.submit(finding);
        this.options.store.recordFinding(finding.key, goalId, now);
        submitted.push(goalId);
      }
      return submitted;
    } catch (error) {
      this.options.log.warn("the monitor could not look at the machine", { error: (error as Error).message });
      return [];
    } finally {
      this.busy = false;
    }
  }

  private async call(agent: AgentKind, tool: string): Promise<Record<string, unknown> | null> {
    const outcome: ToolOutcome = await this.options.runner.call({
      goalId: "monitor",
      taskId: "watch",
      agent,
      autonomy: AutonomyLevel.AUTONOMY_LEVEL_SUPERVISED,
      tool,
      input: {},
      reason: "periodic monitor check",
      callId: `${tool}-${++this.calls}`,
      signal: AbortSignal.timeout(60_000),
    });
    this.options.store.clearToolCalls("monitor", "watch");
    return outcome.kind === "done" && outcome.ok ? outcome.output : null;
  }

  private async look(agent: AgentKind): Promise<Finding[]> {
    const s = this.options.settings;
    const findings: Finding[] = [];
    const disk = await this.call(agent, "monitor.disk");
    for (const fs of (disk?.filesystems ?? []) as { mount: string; used_percent: number; available_mib: number }[]) {
      if (fs.used_percent >= s.monitor_disk_percent) {
        findings.push({ key: `disk:${fs.mount}`, goal: `free some disk space on ${fs.mount}: it is ${fs.used_percent}% full (${fs.available_mib} MiB free)`, priority: 70 });
      }
    }
    const memory = await this.call(agent, "monitor.memory");
    if (memory && typeof memory.total_mib === "number" && memory.total_mib > 0) {
      const available = ((memory.available_mib as number) / memory.total_mib) * 100;
      if (available < s.monitor_memory_available_percent) {
        findings.push({ key: "memory", goal: `memory is low: ${memory.available_mib} MiB available of ${memory.total_mib} MiB; find what uses it`, priority: 80 });
      }
    }
    const services = await this.call(agent, "service.list");
    for (const service of (services?.services ?? []) as { name: string; state: string; critical: boolean; reason: string }[]) {
      if (service.critical && service.state === "failed") {
        findings.push({ key: `service:${service.name}`, goal: `why did the ${service.name} service fail (${service.reason})? restart it if that is safe`, priority: 90 });
      }
    }
    return findings;
  }
}
