/**
 * @module lib/orchestrator/understanding/processes
 * Processes: the busiest, lists and counts, found by name, one by PID, stopped by PID, name or port.
 */
import type { Intent } from "./types.ts";
import { sayStopped } from "./say.ts";
import { list, mib, plural } from "./words.ts";

export const PROCESSES: readonly Intent[] = [
  {
    id: "process.top_cpu",
    family: "process",
    usage: "what is eating the cpu",
    examples: [
      "what is eating the cpu",
      "top processes by cpu",
      "which process uses the most cpu",
      "busiest processes",
      "what is hogging the cpu",
      "top <count> processes by cpu",
      "show cpu hogs",
      "what is slowing the machine down",
    ],
    steps: (slots) => [
      {
        tool: "monitor.top",
        input: { by: "cpu", limit: Math.min(slots.count ?? 5, 100) },
        agent: "monitor",
        description: "Find the processes that used the most CPU",
        successCheck: "the busiest processes are listed",
        say: (o) =>
          [
            "most CPU time used:",
            ...(o.processes as Array<{ pid: number; name: string; cpu_s: number; rss_mib: number }>).map((p) => `  ${p.name} (pid ${p.pid}): ${p.cpu_s} s CPU, ${mib(p.rss_mib)}`),
          ].join("\n"),
      },
    ],
  },
  {
    id: "process.top_memory",
    family: "process",
    usage: "which processes use the most memory",
    examples: [
      "which processes use the most memory",
      "top processes by memory",
      "what is eating memory",
      "memory hogs",
      "biggest processes",
      "top <count> processes by memory",
      "what uses all the ram",
      "top",
    ],
    steps: (slots) => [
      {
        tool: "monitor.top",
        input: { by: "rss", limit: Math.min(slots.count ?? 5, 100) },
        agent: "monitor",
        description: "Find the processes that use the most memory",
        successCheck: "the biggest processes are listed",
        say: (o) => ["most memory in use:", ...(o.processes as Array<{ pid: number; name: string; rss_mib: number }>).map((p) => `  ${p.name} (pid ${p.pid}): ${mib(p.rss_mib)}`)].join("\n"),
      },
    ],
  },
  {
    id: "process.list",
    family: "process",
    usage: "list processes",
    examples: ["list processes", "show running processes", "what is running", "ps", "ps aux", "what processes are running", "all processes"],
    steps: () => [
      {
        tool: "process.list",
        input: { limit: 500 },
        agent: "monitor",
        description: "List the running processes",
        successCheck: "processes are listed",
        say: (o) =>
          [
            `${plural(o.total, "process", "processes")}:`,
            ...(o.processes as Array<{ pid: number; name: string }>).slice(0, 40).map((p) => `  ${String(p.pid).padStart(6)} ${p.name}`),
            ...(o.total > 40 ? [`  … and ${o.total - 40} more`] : []),
          ].join("\n"),
      },
    ],
  },
  {
    id: "process.count",
    family: "process",
    usage: "how many processes are running",
    examples: ["how many processes are running", "count processes", "number of processes", "how many processes"],
    steps: () => [
      {
        tool: "process.list",
        input: { limit: 1 },
        agent: "monitor",
        description: "Count the running processes",
        successCheck: "processes are counted",
        say: (o) => `${plural(o.total, "process", "processes")} running`,
      },
    ],
  },
  {
    id: "process.find",
    family: "process",
    usage: "is nginx running as a process",
    needs: ["name"],
    examples: [
      "pid of <name>",
      "find process <name>",
      "is there a <name> process",
      "what is the pid of <name>",
      "pgrep <name>",
      "show <name> processes",
      "which process id does <name> have",
      "is there a process called <name>",
      "any process named <name>",
    ],
    steps: (slots) => [
      {
        tool: "process.list",
        input: { name: slots.name, limit: 100 },
        agent: "monitor",
        description: `Find the ${slots.name} processes`,
        successCheck: `the ${slots.name} processes are listed`,
        say: (o, s) => {
          const found = o.processes as Array<{ pid: number; name: string }>;
          return found.length
            ? `${s.name}: ${plural(found.length, "process", "processes")}, pid ${list(
                found.map((p) => String(p.pid)),
                20,
              )}`
            : `no process named ${s.name} is running`;
        },
      },
    ],
  },
  {
    id: "process.info",
    family: "process",
    usage: "what is pid 1",
    needs: ["pid"],
    examples: ["what is pid <pid>", "show process <pid>", "info on pid <pid>", "which program is pid <pid>", "details of process <pid>"],
    steps: (slots) => [
      {
        tool: "process.info",
        input: { pid: slots.pid },
        agent: "monitor",
        description: `Describe process ${slots.pid}`,
        successCheck: `process ${slots.pid} is described`,
        say: (o) => `pid ${o.pid} is ${o.name}${o.cmdline ? ` (${String(o.cmdline).slice(0, 200)})` : ""}${o.state ? `, ${o.state}` : ""}`,
      },
    ],
  },
  {
    id: "process.kill_pid",
    family: "process",
    usage: "kill pid 1234",
    effect: true,
    needs: ["pid"],
    examples: ["kill pid <pid>", "kill process <pid>", "stop process <pid>", "terminate pid <pid>", "send sigterm to pid <pid>", "end process <pid>"],
    steps: (slots) => [
      {
        tool: "process.signal",
        input: { pid: slots.pid, signal: "SIGTERM" },
        agent: "system",
        description: `Ask process ${slots.pid} to stop (SIGTERM)`,
        successCheck: `process ${slots.pid} was signalled`,
        say: (o) => `sent SIGTERM to ${o.name} (pid ${o.pid})`,
      },
    ],
  },
  {
    id: "process.kill_name",
    family: "process",
    usage: "kill every firefox process",
    effect: true,
    needs: ["name"],
    examples: [
      "kill <name>",
      "kill all <name> processes",
      "kill the <name> process",
      "pkill <name>",
      "killall <name>",
      "terminate every <name> process",
      "stop the <name> process",
      "end all <name> processes",
    ],
    steps: (slots) => [
      {
        tool: "process.stop",
        input: { name: slots.name },
        agent: "system",
        description: `Stop every ${slots.name} process (SIGTERM)`,
        successCheck: `no ${slots.name} process is left running`,
        say: (o) => sayStopped(o, `no process named ${slots.name} was running`),
      },
    ],
  },
  {
    id: "net.free_port",
    family: "network",
    usage: "free port 5000",
    effect: true,
    needs: ["port"],
    examples: [
      "free port <port>",
      "free port <port> by stopping what holds it",
      "kill whatever is listening on port <port>",
      "stop what is using port <port>",
      "kill the process on port <port>",
      "release port <port>",
      "make port <port> free",
    ],
    steps: (slots) => [
      {
        tool: "process.stop",
        input: { port: slots.port },
        agent: "system",
        description: `Stop what listens on port ${slots.port} (SIGTERM)`,
        successCheck: `nothing listens on port ${slots.port}`,
        say: (o) => sayStopped(o, `nothing was listening on port ${slots.port}: it is free`),
      },
    ],
  },
];
