/**
 * @module lib/orchestrator/understanding/services
 * Services: list, status, start, stop, restart, logs and why one failed.
 */
import type { Intent, Step } from "./types.ts";
import { serviceName } from "./say.ts";
import { duration, plural } from "./words.ts";

/** A service's state in words; with its pid and uptime when asked how it is, not why it failed. */
const statusStep = (name: string, withUptime: boolean): Step => ({
  tool: "service.status",
  input: { name },
  agent: "system",
  description: `Report the state of ${name}`,
  successCheck: `the state of ${name} is reported`,
  say: (o) =>
    `${o.name} is ${o.state}${withUptime && o.pid ? ` (pid ${o.pid}, up ${duration(o.uptime_s)})` : ""}${o.restarts ? `, restarted ${plural(o.restarts, "time")}` : ""}${o.reason ? `: ${o.reason}` : ""}${o.last_exit ? `; last exit: ${o.last_exit}` : ""}`,
});

export const SERVICES: readonly Intent[] = [
  {
    id: "service.list",
    family: "service",
    usage: "list services",
    examples: ["list services", "show all services", "which services are running", "what services are there", "service status", "are all services up", "systemctl list-units"],
    steps: () => [
      {
        tool: "service.list",
        input: {},
        agent: "system",
        description: "List the services and their states",
        successCheck: "every service is listed",
        say: (o) =>
          (o.services as Array<{ name: string; state: string; pid: number; reason: string }>)
            .map((s) => `${s.name}: ${s.state}${s.pid ? ` (pid ${s.pid})` : ""}${s.reason ? ` — ${s.reason}` : ""}`)
            .join("\n") || "no services",
      },
    ],
  },
  {
    id: "service.status",
    family: "service",
    usage: "status of sshd",
    needs: ["name"],
    examples: [
      "status of <name>",
      "is <name> running",
      "is <name> up",
      "<name> status",
      "check on <name> service",
      "is the <name> service running",
      "how is <name> doing",
      "systemctl status <name>",
      "is <name> alive",
    ],
    steps: (slots) => [statusStep(serviceName(slots.name!), true)],
  },
  ...(["start", "stop", "restart"] as const).map(
    (verb): Intent => ({
      id: `service.${verb}`,
      family: "service",
      usage: `${verb} sshd`,
      effect: true,
      needs: ["name"],
      examples: {
        start: ["start <name>", "start the <name> service", "bring up <name>", "turn on <name>", "launch <name>", "systemctl start <name>", "start <name> up again"],
        stop: ["stop <name>", "stop the <name> service", "shut down <name>", "turn off <name>", "bring down <name>", "systemctl stop <name>", "disable <name>"],
        restart: ["restart <name>", "restart the <name> service", "reboot <name>", "bounce <name>", "reload <name>", "systemctl restart <name>", "kick <name>"],
      }[verb],
      steps: (slots) => {
        const name = serviceName(slots.name!);
        const done = { start: "started", stop: "stopped", restart: "restarted" }[verb];
        return [
          {
            tool: `service.${verb}`,
            input: { name },
            agent: "system",
            description: `${verb[0]!.toUpperCase()}${verb.slice(1)} the ${name} service`,
            successCheck: `${name} is ${verb === "stop" ? "stopped" : "running"}`,
            say: (o) => `${done} ${o.name ?? name}${o.state ? `: now ${o.state}` : ""}${o.pid ? ` (pid ${o.pid})` : ""}`,
          },
        ];
      },
    }),
  ),
  {
    id: "service.logs",
    family: "service",
    usage: "show the logs of sshd",
    needs: ["name"],
    examples: ["show the logs of <name>", "<name> logs", "logs for <name>", "what did <name> log", "last <count> lines of the <name> log", "journalctl -u <name>", "tail the <name> log"],
    steps: (slots) => {
      const name = serviceName(slots.name!);
      return [
        {
          tool: "monitor.logs",
          input: { source: name, lines: Math.min(slots.count ?? 30, 5000) },
          agent: "monitor",
          description: `Show the last log lines of ${name}`,
          successCheck: `the log of ${name} is shown`,
          say: (o) => {
            const lines = (o.lines ?? []) as Array<{ text: string } | string>;
            return lines.length ? lines.map((l) => (typeof l === "string" ? l : l.text)).join("\n") : `${name} has logged nothing`;
          },
        },
      ];
    },
  },
  {
    id: "service.errors",
    family: "service",
    usage: "why is sshd failing",
    needs: ["name"],
    examples: [
      "why is <name> failing",
      "why did <name> fail",
      "what is wrong with <name>",
      "errors of <name>",
      "show the errors of <name>",
      "why did <name> crash",
      "<name> is broken",
      "what happened to <name>",
      "why does <name> keep restarting",
    ],
    steps: (slots) => {
      const name = serviceName(slots.name!);
      return [
        statusStep(name, false),
        {
          tool: "monitor.logs",
          input: { source: name, lines: 20, grep: '[Ee]rror|ERROR|[Ff]ail|FAIL|[Pp]anic|[Ff]atal|denied|refused|"level":"(error|warn)"' },
          agent: "monitor",
          description: `Show the last errors of ${name}`,
          successCheck: `the errors of ${name} are shown`,
          say: (o) => {
            const lines = (o.lines ?? []) as Array<{ text: string } | string>;
            return lines.length ? ["its last errors:", ...lines.map((l) => `  ${typeof l === "string" ? l : l.text}`)].join("\n") : "no errors in its log";
          },
        },
      ];
    },
  },
];
