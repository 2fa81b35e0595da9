/**
 * @module lib/cli/system
 * aiosctl's machine commands, each over its component's contract: `services` and `logs NAME
 * [-f]` and `poweroff`/`reboot` (Init), `audit verify` and `audit` (Tools), `memory search` and
 * `memory stats` (Memory), `usage` (Gateway). Every command takes --json.
 */
import { GatewayServiceDefinition, GetBudgetResponse, GetUsageResponse } from "../rpc/gen/aios/v1/gateway.ts";
import { InitServiceDefinition, ListServicesResponse, Service, ServiceState, ShutdownAction, ShutdownResponse, StreamLogsResponse } from "../rpc/gen/aios/v1/init.ts";
import { MemoryKind, MemoryServiceDefinition, SearchResponse, StatsResponse } from "../rpc/gen/aios/v1/memory.ts";
import { AuditEntry, AuditResult, ToolsServiceDefinition, VerifyAuditResponse } from "../rpc/gen/aios/v1/tools.ts";
import { type Config, socketPath } from "../config/index.ts";
import { connect } from "../rpc/index.ts";
import { OrchestratorServiceDefinition, PlanningDay } from "../rpc/gen/aios/v1/orchestrator.ts";
import { enumName, json, runCommand, usageError } from "./command.ts";
import { PROCEDURES_USAGE, proceduresCommand } from "./procedures.ts";

const serviceState = (state: ServiceState) => enumName(state, ServiceState, "SERVICE_STATE_");
const duration = (ms: number) =>
  ms >= 86_400_000 ? `${Math.floor(ms / 86_400_000)}d` : ms >= 3_600_000 ? `${Math.floor(ms / 3_600_000)}h` : ms >= 60_000 ? `${Math.floor(ms / 60_000)}m` : `${Math.floor(ms / 1000)}s`;

export function servicesCommand(argv: readonly string[]): Promise<number> {
  return runCommand(
    argv,
    { name: "services", usage: "aiosctl services", summary: "the services aios-init supervises, and whether AIOS is degraded", component: "init", service: InitServiceDefinition },
    async (c, { values }) => {
      const r = await c.listServices({ pageSize: 500 });
      if (values.json) json(ListServicesResponse.toJSON(r));
      else {
        // A service whose process serves other components shows them: "memory+gateway".
        const label = (s: (typeof r.services)[number]) => [s.name, ...s.hosts].join("+");
        const width = Math.max(8, ...r.services.map((s) => label(s).length));
        const lines = [`${"SERVICE".padEnd(width)}  ${"STATE".padEnd(8)}  ${"PID".padStart(6)}  RESTARTS  UPTIME  WHY`];
        for (const s of r.services) {
          lines.push(
            `${label(s).padEnd(width)}  ${serviceState(s.state).padEnd(8)}  ${String(s.pid || "-").padStart(6)}  ${String(s.restarts).padStart(8)}  ${(s.uptimeMs ? duration(s.uptimeMs) : "-").padStart(6)}  ${s.stateReason}`,
          );
        }
        if (r.degradedReasons.length) lines.push("", "DEGRADED:", ...r.degradedReasons.map((reason) => `  ${reason}`));
        process.stdout.write(`${lines.join("\n")}\n`);
      }
      return r.degradedReasons.length ? 1 : 0;
    },
  );
}

export function logsCommand(argv: readonly string[]): Promise<number> {
  const flags = {
    follow: { type: "boolean" as const, short: "f", help: "keep printing new lines (-f)" },
    lines: { type: "string" as const, short: "n", help: "how many recent lines first (default 50)" },
  };
  return runCommand(
    argv,
    { name: "logs", usage: "aiosctl logs NAME [-f] [-n LINES]", summary: "a service's log", flags, component: "init", service: InitServiceDefinition },
    async (c, { positionals, values }) => {
      const [name] = positionals;
      if (!name || positionals.length > 1) return usageError("logs", "name one service (aiosctl services lists them)");
      const tailLines = Number(values.lines ?? 50);
      if (!Number.isInteger(tailLines) || tailLines < 0) return usageError("logs", "--lines is a number of lines");
      const follow = Boolean(values.follow);
      const stop = new AbortController();
      const onSignal = () => stop.abort();
      process.once("SIGINT", onSignal);
      try {
        for await (const line of c.streamLogs({ name: name.replace(/^aios-/, ""), tailLines, follow }, { timeoutMs: follow ? 365 * 86_400_000 : 30_000, signal: stop.signal })) {
          if (values.json) json(StreamLogsResponse.toJSON(line));
          else process.stdout.write(`${line.text}\n`);
        }
      } finally {
        process.off("SIGINT", onSignal);
      }
      return 0;
    },
  );
}

export function powerCommand(action: "poweroff" | "reboot", argv: readonly string[]): Promise<number> {
  return runCommand(
    argv,
    {
      name: action,
      usage: `aiosctl ${action}`,
      summary: action === "poweroff" ? "stop every service in order and power the machine off" : "stop every service in order and reboot",
      flags: { reason: { type: "string", help: "why, for the log" } },
      component: "init",
      service: InitServiceDefinition,
    },
    async (c, { positionals, values }) => {
      if (positionals.length) return usageError(action, "takes no arguments");
      const r = await c.shutdown({
        action: action === "poweroff" ? ShutdownAction.SHUTDOWN_ACTION_POWEROFF : ShutdownAction.SHUTDOWN_ACTION_REBOOT,
        reason: String(values.reason ?? `aiosctl ${action}`),
      });
      if (values.json) json(ShutdownResponse.toJSON(r));
      else process.stdout.write(`${action === "poweroff" ? "powering off" : "rebooting"}: services are stopping\n`);
      return 0;
    },
  );
}

export function auditCommand(argv: readonly string[]): Promise<number> {
  const flags = {
    limit: { type: "string" as const, help: "how many entries (default 20)" },
    agent: { type: "string" as const },
    tool: { type: "string" as const },
    goal: { type: "string" as const },
    anchor: { type: "string" as const, help: "verify: SEQ:HASH, a head line you kept from an earlier verify" },
  };
  return runCommand(
    argv,
    {
      name: "audit",
      usage: "aiosctl audit [verify [--anchor SEQ:HASH]]",
      summary: "the audit ledger of tool calls; `verify` recomputes its hash chain and checks it against the heads kept outside it",
      flags,
      component: "tools",
      service: ToolsServiceDefinition,
      timeoutMs: 300_000,
    },
    async (c, { positionals, values }) => {
      const [sub] = positionals;
      if (sub === "verify") {
        const anchors = [];
        if (values.anchor !== undefined) {
          const match = /^(\d+):([0-9a-f]{64})$/.exec(String(values.anchor).trim());
          if (!match) return usageError("audit", `--anchor takes SEQ:HASH as a verify printed it (entry 42, hash ab12... is 42:ab12...), got "${String(values.anchor)}"`);
          anchors.push({ seq: Number(match[1]), hash: match[2]!, source: "the head you kept" });
        }
        const r = await c.verifyAudit({ anchors });
        if (values.json) json(VerifyAuditResponse.toJSON(r));
        else {
          process.stdout.write(
            r.ok
              ? `audit chain intact: ${r.entriesChecked} entries checked\n`
              : `AUDIT CHAIN BROKEN at entry ${r.firstBrokenSeq} (${r.tampering}): ${r.reason}\n(${r.entriesChecked} entries checked)\n`,
          );
          const checked = ["aios-tools' head record", ...r.anchorsChecked.map((a) => `${a.source} (entry ${a.seq})`)];
          process.stdout.write(`checked against: ${checked.join(", ")}\n`);
          // The head, to be noted elsewhere: the chain proves what is in the ledger; only a head
          // kept outside it shows that entries were cut off its end or the whole was rewritten.
          if (r.head)
            process.stdout.write(`head: ${r.head.seq}:${r.head.hash}\n(keep this line elsewhere; aiosctl audit verify --anchor ${r.head.seq}:${r.head.hash} checks the ledger still holds it)\n`);
        }
        return r.ok ? 0 : 1;
      }
      if (sub !== undefined) return usageError("audit", `unknown subcommand "${sub}" (aiosctl audit, aiosctl audit verify)`);
      const r = await c.queryAudit({
        pageSize: Number(values.limit ?? 20) || 20,
        agent: String(values.agent ?? ""),
        tool: String(values.tool ?? ""),
        goalId: String(values.goal ?? ""),
        pageToken: "",
      });
      if (values.json) json(r.entries.map((e) => AuditEntry.toJSON(e)));
      else {
        for (const e of r.entries) {
          process.stdout.write(
            `${String(e.seq).padStart(6)}  ${e.time?.toISOString().slice(0, 19).replace("T", " ") ?? ""}  ${enumName(e.result, AuditResult, "AUDIT_RESULT_").padEnd(14)} ${e.agent.padEnd(9)} ${e.tool}${e.error ? `  (${e.error})` : ""}${e.backupId && e.result === AuditResult.AUDIT_RESULT_OK && !e.tool.endsWith(".rollback") ? `  [undo: aiosctl rollback ${e.executionId}]` : ""}\n`,
          );
        }
        if (!r.entries.length) process.stdout.write("the audit ledger is empty\n");
      }
      return 0;
    },
  );
}

export function memoryCommand(argv: readonly string[]): Promise<number> {
  const flags = {
    limit: { type: "string", help: "how many hits (default 10)" },
    pattern: { type: "string", help: "procedures edit: the request it answers, values as <path>, <port> ..." },
    steps: { type: "string", help: "procedures edit: its steps as JSON, or @FILE" },
  } as const;
  return runCommand(
    argv,
    {
      name: "memory",
      usage: `aiosctl memory search "TEXT" | aiosctl memory stats | ${PROCEDURES_USAGE}`,
      summary: "search what AIOS remembers; the procedures it learned",
      flags,
      component: "memory",
      service: MemoryServiceDefinition,
    },
    async (c, { positionals, values }) => {
      const [sub, ...rest] = positionals;
      if (sub === "procedures") return proceduresCommand(c, rest, values);
      if (sub === "stats") {
        const r = await c.stats({});
        if (values.json) json(StatsResponse.toJSON(r));
        else {
          const total = r.counts.reduce((n, k) => n + Number(k.count), 0);
          process.stdout.write(`${total} memories, ${r.operationalEvents} recent events in RAM, ${Math.round(Number(r.databaseBytes) / 1024)} KiB on disk, embedder ${r.embedder}\n`);
          for (const k of r.counts) process.stdout.write(`  ${enumName(k.kind, MemoryKind, "MEMORY_KIND_").padEnd(14)} ${k.count}\n`);
        }
        return 0;
      }
      if (sub !== "search") return usageError("memory", 'say what to do: aiosctl memory search "TEXT", aiosctl memory stats or aiosctl memory procedures');
      const query = rest.join(" ").trim();
      if (!query) return usageError("memory", 'say what to search for: aiosctl memory search "sshd"');
      const r = await c.search({ query, limit: Number(values.limit ?? 10) || 10 });
      if (values.json) json(SearchResponse.toJSON(r));
      else if (!r.hits.length) process.stdout.write("nothing found\n");
      else
        for (const hit of r.hits)
          process.stdout.write(`${hit.score.toFixed(3)}  ${enumName(hit.memory!.kind, MemoryKind, "MEMORY_KIND_").padEnd(12)} ${hit.memory!.title || hit.memory!.content.slice(0, 100)}\n`);
      return 0;
    },
  );
}

/** The orchestrator's count of goals planned with no model, or null when it does not answer. */
async function planningShare(config: Config, root: string) {
  const orchestrator = connect(OrchestratorServiceDefinition, socketPath(config, root, "orchestrator"), { defaultTimeoutMs: 10_000, failFast: true });
  try {
    return await orchestrator.getSystemStatus({});
  } catch {
    return null;
  } finally {
    orchestrator.close();
  }
}

export function usageCommand(argv: readonly string[]): Promise<number> {
  return runCommand(
    argv,
    {
      name: "usage",
      usage: "aiosctl usage",
      summary: "model tokens and cost this month, against the budget, and how many goals needed no model",
      component: "gateway",
      service: GatewayServiceDefinition,
    },
    async (c, { values, config, root }) => {
      const [usage, budget, planning] = await Promise.all([c.getUsage({}), c.getBudget({}), planningShare(config, root)]);
      if (values.json) {
        json({
          usage: GetUsageResponse.toJSON(usage),
          budget: GetBudgetResponse.toJSON(budget),
          ...(planning ? { planning: { goalsPlanned: planning.goalsPlanned, goalsWithoutModel: planning.goalsWithoutModel, byDay: planning.planningByDay.map((d) => PlanningDay.toJSON(d)) } } : {}),
        });
        return budget.exhausted ? 1 : 0;
      }
      const money = (x: number) => `$${x.toFixed(4)}`;
      const lines = [`spent ${money(budget.spentUsd)} of ${budget.limitUsd > 0 ? money(budget.limitUsd) : "no limit"} this month${budget.exhausted ? "   BUDGET EXHAUSTED" : ""}`];
      for (const p of budget.providers) lines.push(`  ${p.providerId.padEnd(14)} ${money(p.spentUsd)} of ${p.limitUsd > 0 ? money(p.limitUsd) : "no limit"}${p.exhausted ? "  exhausted" : ""}`);
      lines.push("", `${"MODEL".padEnd(16)} ${"REQUESTS".padStart(8)} ${"IN".padStart(9)} ${"OUT".padStart(9)}  COST`);
      for (const m of usage.models)
        lines.push(
          `${m.model.padEnd(16)} ${String(m.usage?.requests ?? 0).padStart(8)} ${String(m.usage?.inputTokens ?? 0).padStart(9)} ${String(m.usage?.outputTokens ?? 0).padStart(9)}  ${money(m.usage?.costUsd ?? 0)}`,
        );
      if (!usage.models.length) lines.push("(no model calls yet)");
      lines.push("", `cache: ${usage.cacheHits} hits, ${usage.cacheMisses} misses`);
      if (planning) {
        const share = (without: number, planned: number) => `${without} of ${planned} (${planned ? Math.round((100 * without) / planned) : 0}%)`;
        lines.push("", `goals planned with no model call: ${planning.goalsPlanned ? share(planning.goalsWithoutModel, planning.goalsPlanned) : "no goal planned yet"}`);
        for (const day of planning.planningByDay.slice(-7)) lines.push(`  ${day.day}  ${share(day.withoutModel, day.planned)}`);
      } else lines.push("", "goals planned with no model call: aios-orchestrator does not answer");
      process.stdout.write(`${lines.join("\n")}\n`);
      return budget.exhausted ? 1 : 0;
    },
  );
}

const SERVICE_ACTIONS = ["start", "stop", "restart", "status"] as const;

/** `service start|stop|restart|status NAME`; exit 1 when the service did not end up as asked. */
export function serviceCommand(argv: readonly string[]): Promise<number> {
  const usage = `aiosctl service ${SERVICE_ACTIONS.join("|")} NAME`;
  return runCommand(
    argv,
    { name: "service", usage, summary: "start, stop, restart a service (waiting until it is ready or stopped), or show it", component: "init", service: InitServiceDefinition, timeoutMs: 180_000 },
    async (c, { positionals, values }) => {
      const [action, rawName, ...extra] = positionals;
      if (!(SERVICE_ACTIONS as readonly (string | undefined)[]).includes(action)) return usageError("service", `say what to do: ${usage}`);
      if (!rawName || extra.length) return usageError("service", "name one service (aiosctl services lists them)");
      const name = rawName.replace(/^aios-/, "");
      const { service } =
        action === "start"
          ? await c.startService({ name, waitReady: true })
          : action === "stop"
            ? await c.stopService({ name })
            : action === "restart"
              ? await c.restartService({ name, waitReady: true })
              : await c.getService({ name });
      const s = service!;
      if (values.json) json(Service.toJSON(s));
      else {
        // "gateway" names the service whose process hosts it: say so, and what shares its fate.
        const hosted = s.name !== name ? `; it runs in the process of service ${s.name}, with ${[s.name, ...s.hosts].filter((n) => n !== name).join(", ")}` : "";
        process.stdout.write(`${name}: ${serviceState(s.state)}${s.pid ? `, pid ${s.pid}` : ""}${s.stateReason ? ` (${s.stateReason})` : ""}${hosted}\n`);
      }
      const wanted = action === "stop" ? [ServiceState.SERVICE_STATE_STOPPED] : action === "status" ? [s.state] : [ServiceState.SERVICE_STATE_RUNNING, ServiceState.SERVICE_STATE_EXITED];
      return wanted.includes(s.state) ? 0 : 1;
    },
  );
}

export function restartCommand(argv: readonly string[]): Promise<number> {
  return serviceCommand(["restart", ...argv]);
}
