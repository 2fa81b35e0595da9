/**
 * @module lib/cli/main
 * aiosctl: the command line of AIOS. Exit status: 0 success, 1 the thing asked about is not
 * well (a component down, a goal failed), 64 bad usage, 69 a service cannot be reached, 70 a
 * fault in a component, 75 no answer in time, 77 not allowed, 78 bad configuration, 130
 * interrupted.
 */
import { VERSION_LINE } from "../config/index.ts";
import { EXIT_USAGE } from "../rpc/index.ts";
import { commonUsage, loadComponentConfig, parseCommonFlags } from "../config/flags.ts";
import { approvalsCommand, autonomyCommand, cancelCommand, decideCommand, emergencyStopCommand, goalCommand, goalsCommand, statusCommand } from "./goals.ts";
import { checkHealth, formatHealthTable, GRPC_COMPONENTS } from "./health.ts";
import { shellCommand } from "./shell.ts";
import { schedulesCommand } from "./schedules.ts";
import { rollbackCommand } from "./rollback.ts";
import { pkgCommand } from "./pkg.ts";
import { mcpCommand } from "./mcp.ts";
import { tokensCommand } from "./tokens.ts";
import { toolsCommand } from "./tools.ts";
import { fleetCommand } from "./fleet.ts";
import { installCommand, updateCommand } from "./update.ts";
import { configCommand, reloadCommand } from "./config.ts";
import { auditCommand, logsCommand, memoryCommand, powerCommand, restartCommand, serviceCommand, servicesCommand, usageCommand } from "./system.ts";

const USAGE = `aiosctl: talk to a running AIOS

Usage: aiosctl COMMAND [options]

Commands:
  goal "TEXT"             submit a goal and follow it until it ends (exit 0 if it succeeded;
                          Ctrl-C asks whether to cancel it); --json ends with the final goal
  goal show ID            a goal: state, result, layer, model calls, tasks (--follow)
  goals                   list goals, newest first
  cancel ID               cancel a goal
  status                  autonomy, goals, approvals, components, layers that can answer
  approvals               tool calls waiting for a human
  approve ID / deny ID    answer one (--note "why")
  services                the services aios-init supervises (exit 1 when AIOS is degraded)
  logs NAME [-f]          a service's log (-n LINES, -f to follow)
  service start|stop|restart|status NAME
                          control a service and wait until it is ready (or stopped)
  restart NAME            the same as service restart NAME
  audit [verify]          the audit ledger; verify recomputes its hash chain (exit 1 if broken)
  tools [NAMESPACE]       the tools (AIOS's and its MCP servers'): risk, capability, available now
  fleet ls|status|goal ID the fleet of AIOS machines ([fleet]); goal --on SELECTOR "TEXT" sends one
  rollback EXECUTION_ID   undo a reversible tool call (file write, firewall change) from its backup;
                          asks first when the undo needs approval (--yes gives it)
  memory search "TEXT"    what AIOS remembers (memory stats: counts and sizes)
  memory procedures       what it learned from models and replays with none (promote|demote|reset|forget|edit ID)
  schedules [delete ID]   goals submitted at repeating times ("every day at 03:00 ..." as a goal makes one)
  usage                   model tokens and cost this month against the budget
  autonomy [LEVEL]        show or set: manual, supervised, autonomous
  stop / resume           emergency stop: cancel everything and refuse goals / lift it
  poweroff / reboot       stop every service in order, then power off or reboot
  health [COMPONENT...]   is each component serving on its socket? (default: all)
  shell                   a line editor: plain text is a goal, :command is any of these
  config show|set|unset|check|edit
                          read and change /etc/aios/aios.toml, checked before it is saved
                          (kept on the data disk across reboots)
  reload [--yes]          apply aios.toml to the running system: live keys now, and restart the
                          services the other changes need (asks first; --yes does not)
  pkg search|info|list|update|install|remove
                          Debian 12 packages from the configured mirror, verified against its
                          signed index; installs and removals ask first (--yes does not)
  install DISK            install AIOS on a whole disk (erased): two slots, GRUB for BIOS and UEFI
  update FILE|URL         a signed update into the other slot, booted once on trial (rolled back
                          by itself when its services fail); update status, update rollback
  mcp [--client NAME]     AIOS's tools as an MCP server on stdin/stdout (ssh root@HOST aiosctl mcp);
                          the client acts as agent kind mcp-NAME (default mcp-local: read-only)
  tokens create NAME | list | revoke NAME
                          API tokens of MCP clients at https://HOST:9443/mcp (agent kind mcp-NAME)
  version                 show the version

Every command takes --json: the contracts' proto3 JSON mapping (camelCase, enums by name,
RFC 3339 times), one JSON value per line. Exit status: 0 done, 1 not well (a goal failed, a
component is down), 64 bad usage, 69 the service cannot be reached, 70 a fault in a
component, 75 it did not answer in time, 77 not allowed (not root), 78 bad configuration,
130 interrupted (Ctrl-C).

Run aiosctl COMMAND --help for the options of a command.
`;

type Command = (argv: readonly string[]) => Promise<number>;

const COMMANDS: Record<string, Command> = {
  health: (argv) => health(argv),
  goal: goalCommand,
  goals: goalsCommand,
  cancel: cancelCommand,
  status: statusCommand,
  approvals: approvalsCommand,
  approve: (argv) => decideCommand(true, argv),
  deny: (argv) => decideCommand(false, argv),
  services: servicesCommand,
  logs: logsCommand,
  restart: restartCommand,
  service: serviceCommand,
  rollback: rollbackCommand,
  audit: auditCommand,
  tools: toolsCommand,
  fleet: fleetCommand,
  memory: memoryCommand,
  schedules: schedulesCommand,
  config: configCommand,
  reload: reloadCommand,
  pkg: pkgCommand,
  mcp: mcpCommand,
  tokens: tokensCommand,
  install: installCommand,
  update: updateCommand,
  usage: usageCommand,
  autonomy: autonomyCommand,
  stop: (argv) => emergencyStopCommand(true, argv),
  resume: (argv) => emergencyStopCommand(false, argv),
  poweroff: (argv) => powerCommand("poweroff", argv),
  reboot: (argv) => powerCommand("reboot", argv),
  shell: (argv) => shellCommand(argv, [...Object.keys(COMMANDS).filter((name) => name !== "shell"), "version"]),
};

export async function runCli(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command !== undefined && Object.hasOwn(COMMANDS, command)) return COMMANDS[command]!(rest);
  switch (command) {
    case "version":
    case "--version":
      process.stdout.write(`${VERSION_LINE}\n`);
      return 0;
    case undefined:
    case "help":
    case "--help":
    case "-h":
      process.stdout.write(USAGE);
      return command === undefined ? EXIT_USAGE : 0;
    default:
      process.stderr.write(`aiosctl: unknown command "${command}"\n\n${USAGE}`);
      return EXIT_USAGE;
  }
}

async function health(argv: readonly string[]): Promise<number> {
  const usage = commonUsage(
    "aiosctl health [COMPONENT...]",
    "is each component serving on its socket?",
    "      --json          print JSON instead of a table\n      --timeout MS    how long to wait for each answer (default 2000)\n",
  );
  const parsed = parseCommonFlags(argv, usage, { json: { type: "boolean" }, timeout: { type: "string" } }, true);
  if (typeof parsed === "number") return parsed;
  const config = loadComponentConfig(parsed.flags);
  if (typeof config === "number") return config;

  const wanted = parsed.positionals.map((name) => name.replace(/^aios-/, ""));
  const unknown = wanted.filter((name) => !(GRPC_COMPONENTS as readonly string[]).includes(name));
  if (unknown.length > 0) {
    process.stderr.write(`aiosctl health: unknown component ${unknown.join(", ")} (known: ${GRPC_COMPONENTS.join(", ")})\n`);
    return EXIT_USAGE;
  }
  const timeout = Number(parsed.values.timeout ?? 2000);
  if (!Number.isInteger(timeout) || timeout <= 0) {
    process.stderr.write("aiosctl health: --timeout must be a positive number of milliseconds\n");
    return EXIT_USAGE;
  }
  const rows = await checkHealth(config, parsed.flags.root, wanted.length > 0 ? wanted : GRPC_COMPONENTS, timeout);
  process.stdout.write(parsed.values.json ? JSON.stringify(rows) + "\n" : formatHealthTable(rows));
  return rows.every((row) => row.status === "SERVING") ? 0 : 1;
}
