/**
 * @module lib/orchestrator/understanding/intents
 * What the reactive layer understands: each intent is a meaning (a family, example requests
 * with placeholders for their values, the values it takes and needs), the tool calls that
 * carry it out, and how each call's output is said in words. Adding one: give it five or more
 * examples as different people would say it, the slots it needs, its steps, and add requests
 * for it (and near misses that must not match it) to test/understanding/corpus.ts.
 */
import type { Slots, SlotName } from "./slots.ts";
import { FIND_THEN_ACT } from "./find-then-act.ts";
import { ACCESS, LOGIN } from "./login.ts";
import { MORE_FILES } from "./more-files.ts";
import { TALLY } from "./tally.ts";
import { bytes, duration, list, mib, plural } from "./words.ts";

type Output = Record<string, any>;

export interface Step {
  tool: string;
  input: Record<string, unknown>;
  /** The agent kind whose capabilities the call runs under. */
  agent: string;
  description: string;
  successCheck: string;
  /** The output in words, for the person who asked; a step with `bind` also sees what the steps before it returned. */
  say(output: Output, slots: Slots, earlier: Output[]): string;
  /**
   * A step that acts on what the steps before it found ("stop whatever is eating the CPU"):
   * its input from their outputs, in step order, when they have run; or, when they found
   * nothing to act on, that sentence as its answer and no call. Its `input` is what the plan
   * shows until then.
   */
  bind?(earlier: Output[], slots: Slots): { input: Record<string, unknown> } | { nothing: string };
}

export interface Intent {
  id: string;
  family: string;
  examples: readonly string[];
  /** Values it must have ("path"); without them it is not this intent. */
  needs?: readonly SlotName[];
  /** It changes the machine: matched only when sure, never on a guess. */
  effect?: boolean;
  /** What to copy to do it, for "I am not sure" answers. */
  usage: string;
  steps(slots: Slots): Step[] | { error: string };
}

const serviceName = (name: string) =>
  name
    .toLowerCase()
    .replace(/^aios-/, "")
    .replace(/\.service$/, "");
const percent = (n: number) => `${Math.round(n)}%`;

/** File systems with a size, each device once (a bind mount repeats its device). */
function realFilesystems(output: Output) {
  const seen = new Set<string>();
  return ((output.filesystems ?? []) as Array<{ mount: string; source: string; type: string; size_mib: number; available_mib: number; used_percent: number }>).filter((f) => {
    if (f.size_mib <= 0) return false;
    const device = f.source.startsWith("/") ? f.source : `${f.source}:${f.mount}`;
    if (seen.has(device)) return false;
    seen.add(device);
    return true;
  });
}

/** The mount a path lives on: the longest mount point that is a prefix of it. */
function mountOf(path: string, mounts: readonly string[]): string | undefined {
  return [...mounts].sort((a, b) => b.length - a.length).find((m) => m === "/" || path === m || path.startsWith(`${m}/`));
}

function sayFiles(o: Output, none: string, line: (m: { path: string; bytes?: number; mtime?: string; mode?: string }) => string): string {
  const found = o.matches as Array<{ path: string; bytes?: number; mtime?: string; mode?: string }>;
  if (!found.length) return none;
  return [
    `${plural(found.length, "file")}${o.truncated ? " (at least)" : ""}:`,
    ...found.slice(0, 50).map((m) => `  ${line(m)}`),
    ...(found.length > 50 ? [`  … and ${found.length - 50} more`] : []),
  ].join("\n");
}

function sayStopped(o: Output, none: string): string {
  const stopped = o.stopped as Array<{ pid: number; name: string }>;
  const skipped = o.skipped as Array<{ pid: number; name: string; why: string }>;
  if (!stopped.length && !skipped.length) return none;
  return [
    ...(stopped.length
      ? [
          `sent ${o.signal} to ${list(
            stopped.map((p) => `${p.name} (pid ${p.pid})`),
            20,
          )}`,
        ]
      : []),
    ...skipped.map((p) => `left ${p.name} (pid ${p.pid}): ${p.why}`),
  ].join("\n");
}

const ESC = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

export const INTENTS: readonly Intent[] = [
  // Disk
  {
    id: "disk.free",
    family: "disk",
    usage: "disk usage",
    examples: [
      "disk usage",
      "how full is the disk",
      "how much free space is left",
      "how much room is left on the disk",
      "free space on <path>",
      "is the disk full",
      "df",
      "disk space",
      "how much of the disk is used",
      "check disk space",
      "show free space on every disk",
      "how much space is available on <path>",
      "am i running out of disk space",
    ],
    steps: (slots) => [
      {
        tool: "monitor.disk",
        input: {},
        agent: "storage",
        description: slots.path ? `Report the free space of the file system holding ${slots.path}` : "Report how full each file system is",
        successCheck: "file systems are listed",
        say: (output, s) => {
          const filesystems = realFilesystems(output);
          const mount = s.path
            ? mountOf(
                s.path,
                filesystems.map((f) => f.mount),
              )
            : undefined;
          const shown = mount ? filesystems.filter((f) => f.mount === mount) : filesystems.filter((f) => !["tmpfs", "devtmpfs"].includes(f.type) || f.mount === "/");
          return (shown.length ? shown : filesystems).map((f) => `${f.mount} has ${mib(f.available_mib)} free of ${mib(f.size_mib)} (${percent(f.used_percent)} used)`).join("\n");
        },
      },
    ],
  },
  {
    id: "disk.size",
    family: "disk",
    usage: "size of /var/log",
    needs: ["path"],
    examples: [
      "how much disk does <path> use",
      "size <path>",
      "how big is <path>",
      "how much space does <path> take",
      "how much space is <path> using",
      "du <path>",
      "what is the size of <path>",
      "total size of <path>",
      "how large is the <path> directory",
      "disk usage of <path>",
    ],
    steps: (slots) => [
      {
        tool: "fs.disk_usage",
        input: { path: slots.path, top: 5 },
        agent: "storage",
        description: `Measure ${slots.path}`,
        successCheck: `the size of ${slots.path} is known`,
        say: (o) => `${o.path} holds ${bytes(o.bytes)} in ${plural(o.files, "file")}${o.truncated ? " (counting stopped early: more than this)" : ""}`,
      },
    ],
  },
  {
    id: "disk.biggest",
    family: "disk",
    usage: "biggest files in /var",
    examples: [
      "biggest files in <path>",
      "what is taking up space in <path>",
      "largest files under <path>",
      "what takes the most space in <path>",
      "show the <count> biggest files in <path>",
      "find big files in <path>",
      "what is eating disk space",
      "what is using all the disk space",
      "biggest directories in <path>",
    ],
    steps: (slots) => {
      const path = slots.path ?? "/";
      const top = Math.min(Math.max(slots.count ?? 10, 1), 100);
      return [
        {
          tool: "fs.disk_usage",
          input: { path, top },
          agent: "storage",
          description: `Find the biggest files under ${path}`,
          successCheck: "the biggest files are listed",
          say: (o) => [`${o.path} holds ${bytes(o.bytes)}; the biggest:`, ...(o.largest as Array<{ path: string; bytes: number }>).map((f) => `  ${bytes(f.bytes).padStart(9)}  ${f.path}`)].join("\n"),
        },
      ];
    },
  },
  // Memory, CPU, system
  {
    id: "memory.usage",
    family: "system",
    usage: "memory usage",
    examples: [
      "memory usage",
      "how much memory is free",
      "how much ram is used",
      "free -m",
      "is memory running low",
      "how much memory do i have",
      "show memory",
      "how much swap is used",
      "available memory",
    ],
    steps: () => [
      {
        tool: "monitor.memory",
        input: {},
        agent: "monitor",
        description: "Report memory use",
        successCheck: "memory use is reported",
        say: (o) =>
          `${mib(o.used_mib)} of ${mib(o.total_mib)} memory in use (${percent(o.used_percent)}), ${mib(o.available_mib)} available${o.swap_total_mib ? `; swap: ${mib(o.swap_total_mib - o.swap_free_mib)} of ${mib(o.swap_total_mib)} used` : "; no swap"}`,
      },
    ],
  },
  {
    id: "cpu.usage",
    family: "system",
    usage: "cpu usage",
    examples: ["cpu usage", "how busy is the cpu", "what is the cpu load", "is the cpu busy", "cpu utilization", "processor usage", "how hard is the cpu working"],
    steps: () => [
      {
        tool: "monitor.cpu",
        input: {},
        agent: "monitor",
        description: "Report CPU use",
        successCheck: "CPU use is reported",
        say: (o) =>
          `CPU ${percent(o.total_percent)} busy${(o.cpus as unknown[]).length > 1 ? ` (${(o.cpus as Array<{ name: string; percent: number }>).map((c) => `${c.name} ${percent(c.percent)}`).join(", ")})` : ""}`,
      },
    ],
  },
  {
    id: "cpu.count",
    family: "system",
    usage: "how many cpus",
    examples: ["how many cpus are there", "how many processors", "how many cores does it have", "cpu count", "what cpu is this", "cpu model", "which processor", "nproc"],
    steps: () => [
      {
        tool: "hw.info",
        input: {},
        agent: "monitor",
        description: "Report the processors",
        successCheck: "the processors are known",
        say: (o) => `${plural(o.cpu.count, "CPU")}${o.cpu.model ? `: ${o.cpu.model}` : ""}`,
      },
    ],
  },
  {
    id: "system.load",
    family: "system",
    usage: "uptime",
    examples: [
      "uptime",
      "how long has the machine been up",
      "load average",
      "what is the load",
      "system load",
      "since when is it running",
      "when did it last boot",
      "how long since last boot",
      "when was the last reboot",
    ],
    steps: () => [
      {
        tool: "monitor.load",
        input: {},
        agent: "monitor",
        description: "Report uptime and load",
        successCheck: "uptime and load are reported",
        say: (o) => `up ${duration(o.uptime_s)}; load ${o.one} ${o.five} ${o.fifteen} (1, 5, 15 min) on ${plural(o.cpus, "CPU")}; ${plural(o.running, "process", "processes")} running of ${o.total}`,
      },
    ],
  },
  {
    id: "system.hardware",
    family: "system",
    usage: "show the hardware",
    examples: ["show the hardware", "what hardware is this", "list devices", "block devices", "what disks are attached", "lspci", "lsblk", "hardware specs", "what is inside this computer"],
    steps: () => [
      {
        tool: "hw.info",
        input: {},
        agent: "monitor",
        description: "Describe the hardware",
        successCheck: "the hardware is described",
        say: (o) =>
          [
            `${plural(o.cpu.count, "CPU")}${o.cpu.model ? ` (${o.cpu.model})` : ""}, ${mib(o.memory_mib)} memory`,
            `disks: ${list((o.block_devices as Array<{ name: string; size_mib: number }>).map((d) => `${d.name} ${mib(d.size_mib)}`)) || "none"}`,
            `network: ${list((o.network_adapters as Array<{ name: string; state: string }>).map((n) => `${n.name} (${n.state})`)) || "none"}`,
          ].join("\n"),
      },
    ],
  },
  {
    id: "system.kernel",
    family: "system",
    usage: "kernel version",
    examples: ["kernel version", "what kernel is running", "which kernel", "uname -r", "linux kernel release"],
    steps: () => [
      {
        tool: "monitor.system",
        input: {},
        agent: "monitor",
        description: "Report the kernel release",
        successCheck: "the kernel release is known",
        say: (o) => `Linux ${o.kernel} (${o.arch})`,
      },
    ],
  },
  {
    id: "system.os",
    family: "system",
    usage: "what version of linux is this",
    examples: ["what version of linux is this", "os version", "which distribution", "what os is this", "os release", "which linux", "what system is this", "which release of debian is this"],
    steps: () => [
      {
        tool: "monitor.system",
        input: {},
        agent: "monitor",
        description: "Report the operating system",
        successCheck: "the operating system is known",
        say: (o) => `${o.os}, Linux ${o.kernel} on ${o.arch}`,
      },
    ],
  },
  {
    id: "system.hostname",
    family: "system",
    usage: "hostname",
    examples: ["hostname", "what is the hostname", "what is this machine called", "name of this machine", "what is the host name"],
    steps: () => [
      {
        tool: "monitor.system",
        input: {},
        agent: "monitor",
        description: "Report the host name",
        successCheck: "the host name is known",
        say: (o) => `this machine is ${o.hostname}`,
      },
    ],
  },
  {
    id: "system.time",
    family: "system",
    usage: "what time is it",
    examples: ["what time is it", "current time", "what is the date today", "date", "which timezone is this machine in", "what day is it", "show the clock"],
    steps: () => [
      {
        tool: "monitor.system",
        input: {},
        agent: "monitor",
        description: "Report the time",
        successCheck: "the time is known",
        say: (o) => {
          const offset = o.utc_offset_min as number;
          const local = new Date(Date.parse(o.time) + offset * 60_000).toISOString().replace("T", " ").slice(0, 19);
          return `${local} ${o.timezone} (UTC${offset >= 0 ? "+" : "-"}${String(Math.floor(Math.abs(offset) / 60)).padStart(2, "0")}:${String(Math.abs(offset) % 60).padStart(2, "0")})`;
        },
      },
    ],
  },
  // Processes
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
  // Services
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
    steps: (slots) => {
      const name = serviceName(slots.name!);
      return [
        {
          tool: "service.status",
          input: { name },
          agent: "system",
          description: `Report the state of ${name}`,
          successCheck: `the state of ${name} is reported`,
          say: (o) =>
            `${o.name} is ${o.state}${o.pid ? ` (pid ${o.pid}, up ${duration(o.uptime_s)})` : ""}${o.restarts ? `, restarted ${plural(o.restarts, "time")}` : ""}${o.reason ? `: ${o.reason}` : ""}${o.last_exit ? `; last exit: ${o.last_exit}` : ""}`,
        },
      ];
    },
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
        {
          tool: "service.status",
          input: { name },
          agent: "system",
          description: `Report the state of ${name}`,
          successCheck: `the state of ${name} is reported`,
          say: (o) => `${o.name} is ${o.state}${o.restarts ? `, restarted ${plural(o.restarts, "time")}` : ""}${o.reason ? `: ${o.reason}` : ""}${o.last_exit ? `; last exit: ${o.last_exit}` : ""}`,
        },
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
  // Network
  {
    id: "net.addresses",
    family: "network",
    usage: "what is my ip address",
    examples: ["what is my ip address", "ip address", "show ip addresses", "ip a", "ifconfig", "which address does this machine have", "my ip"],
    steps: () => [
      {
        tool: "net.interfaces",
        input: {},
        agent: "network",
        description: "List the network addresses",
        successCheck: "addresses are listed",
        say: (o) =>
          (o.interfaces as Array<{ name: string; addresses: Array<{ address: string; prefix: number }> }>)
            .filter((i) => i.addresses.length)
            .map((i) => `${i.name}: ${i.addresses.map((a) => `${a.address}/${a.prefix}`).join(", ")}`)
            .join("\n") || "no addresses",
      },
    ],
  },
  {
    id: "net.interfaces",
    family: "network",
    usage: "list network interfaces",
    examples: ["list network interfaces", "show interfaces", "which network cards are there", "is the network up", "network status", "ip link"],
    steps: () => [
      {
        tool: "net.interfaces",
        input: {},
        agent: "network",
        description: "List the network interfaces",
        successCheck: "interfaces are listed",
        say: (o) =>
          (o.interfaces as Array<{ name: string; state: string; up: boolean; mac: string; addresses: Array<{ address: string }> }>)
            .map((i) => `${i.name}: ${i.up ? "up" : "down"}${i.mac ? `, ${i.mac}` : ""}${i.addresses.length ? `, ${i.addresses.map((a) => a.address).join(", ")}` : ""}`)
            .join("\n"),
      },
    ],
  },
  {
    id: "net.routes",
    family: "network",
    usage: "show the default gateway",
    examples: ["show the default gateway", "routing table", "what is the gateway", "show routes", "ip route", "how does traffic leave this machine"],
    steps: () => [
      {
        tool: "net.routes",
        input: {},
        agent: "network",
        description: "List the routes",
        successCheck: "routes are listed",
        say: (o) =>
          (o.routes as Array<{ destination: string; gateway: string; device: string }>).map((r) => `${r.destination} ${r.gateway ? `via ${r.gateway} ` : ""}dev ${r.device}`).join("\n") || "no routes",
      },
    ],
  },
  {
    id: "net.dns",
    family: "network",
    usage: "resolve example.com",
    needs: ["host"],
    examples: ["resolve <host>", "what is the ip of <host>", "dns lookup <host>", "look up <host>", "nslookup <host>", "what address does <host> have", "dig <host>"],
    steps: (slots) => [
      {
        tool: "net.dns_lookup",
        input: { name: slots.host },
        agent: "network",
        description: `Look up ${slots.host}`,
        successCheck: `the addresses of ${slots.host} are known`,
        say: (o) => ((o.addresses as Array<{ address: string }>).length ? `${o.name} is ${list((o.addresses as Array<{ address: string }>).map((a) => a.address))}` : `${o.name} has no address`),
      },
    ],
  },
  {
    id: "net.ping",
    family: "network",
    usage: "is 10.0.2.2 reachable",
    examples: ["ping <ip>", "ping <host>", "is <host> reachable", "is <ip> reachable", "can i reach <host>", "is <ip> up", "is <host> online", "check connectivity to <ip>"],
    steps: (slots) => {
      const host = slots.ip ?? slots.host;
      if (!host) return { error: "say which host or address to ping" };
      return [
        {
          tool: "net.ping",
          input: { host, count: 3 },
          agent: "network",
          description: `Ping ${host}`,
          successCheck: `${host} answered or not`,
          say: (o) => (o.reachable ? `${o.host} answers: ${o.received}/${o.sent} replies, ${o.rtt_ms.avg} ms on average` : `${o.host} does not answer (${o.loss_percent}% lost)`),
        },
      ];
    },
  },
  {
    id: "net.listeners",
    family: "network",
    usage: "what ports are open",
    examples: ["what ports are open", "listening ports", "which ports are listening", "netstat -tlnp", "ss -tlnp", "open ports", "what is listening", "which services listen on the network"],
    steps: () => [
      {
        tool: "net.connections",
        input: { state: "listen" },
        agent: "network",
        description: "List the listening sockets",
        successCheck: "listeners are listed",
        say: (o) => {
          const rows = o.connections as Array<{ protocol: string; local: string; local_port: number; process: string; pid: number }>;
          const unique = [...new Map(rows.map((c) => [`${c.protocol} ${c.local_port} ${c.process}`, c])).values()].sort((a, b) => a.local_port - b.local_port);
          return unique.map((c) => `${c.protocol} ${c.local_port}${c.process ? `: ${c.process} (pid ${c.pid})` : ""} on ${c.local}`).join("\n") || "nothing listens";
        },
      },
    ],
  },
  {
    id: "net.port_owner",
    family: "network",
    usage: "what is listening on port 22",
    needs: ["port"],
    examples: [
      "what is listening on port <port>",
      "who is using port <port>",
      "which process has port <port>",
      "what runs on port <port>",
      "is anything on port <port>",
      "is port <port> in use",
      "what is on port <port>",
      "who holds port <port>",
    ],
    steps: (slots) => [
      {
        tool: "net.connections",
        input: { state: "listen", port: slots.port },
        agent: "network",
        description: `Find what listens on port ${slots.port}`,
        successCheck: `the listeners of port ${slots.port} are reported`,
        say: (o, s) => {
          const rows = o.connections as Array<{ protocol: string; local: string; process: string; pid: number }>;
          if (!rows.length) return `nothing listens on port ${s.port}`;
          const unique = [...new Map(rows.map((c) => [`${c.process}/${c.pid}/${c.protocol}`, c])).values()];
          return unique.map((c) => `${c.process || "a process"}${c.pid ? ` (pid ${c.pid})` : ""} listens on port ${s.port} (${c.protocol}, ${c.local})`).join("\n");
        },
      },
    ],
  },
  {
    id: "net.port_check",
    family: "network",
    usage: "is port 80 open on example.com",
    needs: ["port"],
    examples: [
      "is port <port> open on <host>",
      "can i connect to <host> port <port>",
      "check port <port> on <ip>",
      "check port <port> on <host>",
      "is <ip> port <port> reachable",
      "test connection to <host> on port <port>",
    ],
    steps: (slots) => {
      const host = slots.ip ?? slots.host;
      if (!host) return { error: "say which host to try" };
      return [
        {
          tool: "net.port_check",
          input: { host, port: slots.port },
          agent: "network",
          description: `Try to connect to ${host} port ${slots.port}`,
          successCheck: "the port answered or not",
          say: (o) => `port ${o.port} on ${o.host} is ${o.open ? "open: it accepted a connection" : "closed or filtered"}`,
        },
      ];
    },
  },
  // Firewall
  {
    id: "firewall.list",
    family: "firewall",
    usage: "show the firewall rules",
    examples: [
      "show the firewall rules",
      "list firewall rules",
      "what does the firewall allow",
      "nft list ruleset",
      "iptables -L",
      "is there a firewall",
      "which traffic is filtered",
      "what traffic does the firewall block",
    ],
    steps: () => [
      {
        tool: "firewall.rules",
        input: {},
        agent: "network",
        description: "Show the firewall's rules",
        successCheck: "the ruleset is shown",
        say: (o) => String(o.ruleset ?? "").trim() || "the firewall has no rules: everything is allowed",
      },
    ],
  },
  ...(["block", "allow"] as const).map(
    (verb): Intent => ({
      id: `firewall.${verb}_port`,
      family: "firewall",
      usage: `${verb} port 8080`,
      effect: true,
      needs: ["port"],
      examples: {
        block: ["block port <port>", "close port <port>", "deny incoming traffic on port <port>", "firewall off port <port>", "drop connections to port <port>", "block tcp port <port>"],
        allow: ["open port <port>", "allow port <port>", "allow incoming traffic on port <port>", "let connections in on port <port>", "open port <port> for the app"],
      }[verb],
      steps: (slots) => [
        {
          tool: "firewall.add_rule",
          input: { family: "inet", rule: `tcp dport ${slots.port} ${verb === "block" ? "drop" : "accept"}` },
          agent: "network",
          description: `${verb === "block" ? "Block" : "Allow"} incoming TCP port ${slots.port}`,
          successCheck: `a rule ${verb === "block" ? "drops" : "accepts"} TCP port ${slots.port}`,
          say: (o) => `${verb === "block" ? "blocked" : "allowed"} incoming TCP ${slots.port}${o.handle ? ` (rule handle ${o.handle})` : ""}`,
        },
      ],
    }),
  ),
  {
    id: "firewall.block_ip",
    family: "firewall",
    usage: "block 203.0.113.9",
    effect: true,
    needs: ["ip"],
    examples: ["block <ip>", "ban <ip>", "block traffic from <ip>", "deny <ip>", "drop everything from <ip>", "firewall off <ip>"],
    steps: (slots) => {
      const v6 = slots.ip!.includes(":");
      return [
        {
          tool: "firewall.add_rule",
          input: { family: "inet", rule: `${v6 ? "ip6" : "ip"} saddr ${slots.ip} drop` },
          agent: "network",
          description: `Block traffic from ${slots.ip}`,
          successCheck: `a rule drops ${slots.ip}`,
          say: (o) => `blocked incoming traffic from ${slots.ip}${o.handle ? ` (rule handle ${o.handle})` : ""}`,
        },
      ];
    },
  },
  // Files
  {
    id: "file.read",
    family: "files",
    usage: "show /etc/hosts",
    needs: ["path"],
    examples: ["show <path>", "cat <path>", "read <path>", "read the file <path>", "print <path>", "view <path>", "show me the file <path>", "display the content of the file <path>"],
    steps: (slots) => [
      {
        tool: "fs.read",
        input: { path: slots.path },
        agent: "general",
        description: `Read ${slots.path}`,
        successCheck: `${slots.path} is read`,
        say: (o) => `${String(o.content)}${o.truncated ? `\n… (${bytes(o.size)} in all; cut)` : ""}`,
      },
    ],
  },
  {
    id: "file.head",
    family: "files",
    usage: "first 10 lines of /var/log/messages",
    needs: ["path"],
    examples: ["first <count> lines of <path>", "head <path>", "top of <path>", "beginning of <path>", "show the first lines of <path>"],
    steps: (slots) => [
      {
        tool: "fs.read",
        input: { path: slots.path, length: 65_536 },
        agent: "general",
        description: `Read the start of ${slots.path}`,
        successCheck: `${slots.path} is read`,
        say: (o, s) =>
          String(o.content)
            .split("\n")
            .slice(0, s.count ?? 10)
            .join("\n"),
      },
    ],
  },
  {
    id: "file.tail",
    family: "files",
    usage: "last 20 lines of /var/log/messages",
    needs: ["path"],
    examples: ["last <count> lines of <path>", "tail <path>", "end of <path>", "show the last lines of <path>", "bottom of <path>", "tail -n <count> <path>"],
    steps: (slots) => [
      {
        // The last 64 KiB: more than any tail a person reads.
        tool: "fs.read",
        input: { path: slots.path, last_bytes: 65_536 },
        agent: "general",
        description: `Read the end of ${slots.path}`,
        successCheck: `${slots.path} is read`,
        say: (o, s) =>
          String(o.content)
            .replace(/\n$/, "")
            .split("\n")
            .slice(-(s.count ?? 10))
            .join("\n"),
      },
    ],
  },
  {
    id: "file.list",
    family: "files",
    usage: "list /etc",
    needs: ["path"],
    examples: [
      "list <path>",
      "ls <path>",
      "what is in <path>",
      "what is in the <path> directory",
      "show the files in <path>",
      "contents of the directory <path>",
      "what files are in <path>",
      "ls -la <path>",
    ],
    steps: (slots) => [
      {
        tool: "fs.list",
        input: { path: slots.path, limit: 1000 },
        agent: "general",
        description: `List ${slots.path}`,
        successCheck: `${slots.path} is listed`,
        say: (o) => {
          const entries = o.entries as Array<{ name: string; type: string }>;
          return [
            `${o.path}: ${plural(o.total, "entry", "entries")}`,
            ...entries.slice(0, 60).map((e) => `  ${e.name}${e.type === "directory" ? "/" : e.type === "symlink" ? "@" : ""}`),
            ...(o.total > 60 ? [`  … and ${o.total - 60} more`] : []),
          ].join("\n");
        },
      },
    ],
  },
  {
    id: "file.count",
    family: "files",
    usage: "how many files are in /var/log",
    needs: ["path"],
    examples: ["how many files are in <path>", "count the files in <path>", "number of files under <path>", "how many files does <path> have"],
    steps: (slots) => [
      {
        tool: "fs.disk_usage",
        input: { path: slots.path, top: 1 },
        agent: "storage",
        description: `Count the files under ${slots.path}`,
        successCheck: "the files are counted",
        say: (o) => `${plural(o.files, "file")} under ${o.path} (${bytes(o.bytes)})${o.truncated ? "; counting stopped early" : ""}`,
      },
    ],
  },
  {
    id: "file.stat",
    family: "files",
    usage: "when was /etc/hosts changed",
    needs: ["path"],
    examples: [
      "when was <path> changed",
      "when was <path> modified",
      "permissions of <path>",
      "who owns <path>",
      "stat <path>",
      "does <path> exist",
      "is <path> a directory",
      "details of <path>",
      "last modified time of <path>",
    ],
    steps: (slots) => [
      {
        tool: "fs.stat",
        input: { path: slots.path },
        agent: "general",
        description: `Look at ${slots.path}`,
        successCheck: `${slots.path} is described`,
        say: (o) => (o.exists ? `${o.path}: ${o.type}, ${bytes(o.size ?? 0)}, mode ${o.mode}, owner uid ${o.uid} gid ${o.gid}, modified ${o.mtime}` : `${o.path} does not exist`),
      },
    ],
  },
  {
    id: "file.find",
    family: "files",
    usage: "find *.conf in /etc",
    examples: [
      "find <glob> in <path>",
      "find files named <glob>",
      "where is <glob>",
      "search for <glob> under <path>",
      "find <extension> files in <path>",
      "list all <extension> files under <path>",
      "locate <glob>",
      "find files called <name> in <path>",
    ],
    steps: (slots) => {
      const name = slots.glob ?? (slots.extension ? `*.${slots.extension}` : slots.name);
      if (!name) return { error: "say which files: a name, a pattern such as *.log, or a kind such as log files" };
      const path = slots.path ?? "/";
      return [
        {
          tool: "fs.search",
          input: { path, name: name.includes("/") ? name.split("/").at(-1)! : name, max_results: 500 },
          agent: "general",
          description: `Find ${name} under ${path}`,
          successCheck: "matching files are listed",
          say: (o) => sayFiles(o, `no ${name} under ${path}`, (m) => m.path),
        },
      ];
    },
  },
  {
    id: "file.find_size",
    family: "files",
    usage: "files bigger than 100 MB in /var",
    needs: ["size"],
    examples: [
      "files bigger than <size> in <path>",
      "find files larger than <size> under <path>",
      "files over <size>",
      "which files in <path> are above <size>",
      "files smaller than <size> in <path>",
      "show files of more than <size> in <path>",
      "anything over <size> in <path>",
    ],
    steps: (slots) => {
      const path = slots.path ?? "/";
      const bound = slots.below ? { max_bytes: slots.size } : { min_bytes: slots.size };
      return [
        {
          tool: "fs.search",
          input: { path, ...(slots.glob || slots.extension ? { name: slots.glob ?? `*.${slots.extension}` } : {}), ...bound, max_results: 500 },
          agent: "general",
          description: `Find files ${slots.below ? "smaller" : "bigger"} than ${bytes(slots.size!)} under ${path}`,
          successCheck: "matching files are listed",
          say: (o) => sayFiles(o, `no file ${slots.below ? "smaller" : "bigger"} than ${bytes(slots.size!)} under ${path}`, (m) => `${bytes(m.bytes ?? 0).padStart(9)}  ${m.path}`),
        },
      ];
    },
  },
  {
    id: "file.find_age",
    family: "files",
    usage: "files older than 7 days in /tmp",
    needs: ["duration"],
    examples: [
      "files older than <duration> in <path>",
      "files modified in the last <duration> under <path>",
      "what changed in <path> in the last <duration>",
      "files not touched for <duration> in <path>",
      "recently modified files in <path> within <duration>",
      "which files in <path> are older than <duration>",
      "new files in <path> from the last <duration>",
    ],
    steps: (slots) => {
      const path = slots.path ?? "/";
      const seconds = Math.round(slots.duration! / 1000);
      const when = slots.older ? { modified_before_s: seconds } : { modified_within_s: seconds };
      const span = duration(seconds);
      return [
        {
          tool: "fs.search",
          input: { path, ...(slots.glob || slots.extension ? { name: slots.glob ?? `*.${slots.extension}` } : {}), ...when, max_results: 500 },
          agent: "general",
          description: `Find files under ${path} ${slots.older ? `not modified for ${span}` : `modified in the last ${span}`}`,
          successCheck: "matching files are listed",
          say: (o) =>
            sayFiles(
              o,
              `no file under ${path} was ${slots.older ? `left unmodified for ${span}` : `modified in the last ${span}`}`,
              (m) => `${(m.mtime ?? "").slice(0, 16).replace("T", " ")}  ${m.path}`,
            ),
        },
      ];
    },
  },
  {
    id: "file.find_perm",
    family: "files",
    usage: "world-writable files in /srv",
    needs: ["bits"],
    examples: ["<bits> files in <path>", "find <bits> files under <path>", "which files in <path> are <bits>", "list the <bits> files", "are there <bits> files in <path>", "files in <path> <bits>"],
    steps: (slots) => {
      const path = slots.path ?? "/";
      const what = slots.bits === 0o002 ? "world-writable" : slots.bits === 0o4000 ? "setuid" : slots.bits === 0o2000 ? "setgid" : "executable";
      return [
        {
          tool: "fs.search",
          input: { path, any_mode_bits: slots.bits, max_results: 500 },
          agent: "general",
          description: `Find ${what} files under ${path}`,
          successCheck: "matching files are listed",
          say: (o) => sayFiles(o, `no ${what} file under ${path}`, (m) => `${m.mode ?? ""}  ${m.path}`),
        },
      ];
    },
  },
  {
    id: "file.grep",
    family: "files",
    usage: "find error in /var/log/messages",
    needs: ["path"],
    examples: [
      "find <text> in <path>",
      "search for <text> in <path>",
      "grep <text> <path>",
      "which files under <path> mention <text>",
      "lines containing <text> in <path>",
      "where does <text> appear in <path>",
    ],
    steps: (slots) => {
      const text = slots.text ?? slots.name;
      if (!text) return { error: 'say what to look for, in quotes: find "timeout" in /var/log' };
      return [
        {
          tool: "fs.search",
          input: { path: slots.path, content: ESC(text), max_results: 200 },
          agent: "general",
          description: `Find "${text}" under ${slots.path}`,
          successCheck: "matching lines are listed",
          say: (o) => {
            const m = o.matches as Array<{ path: string; line?: number; text?: string }>;
            return m.length
              ? [`${plural(m.length, "match", "matches")}${o.truncated ? " (at least)" : ""}:`, ...m.slice(0, 50).map((x) => `  ${x.path}${x.line ? `:${x.line}` : ""}: ${x.text ?? ""}`)].join("\n")
              : `"${text}" does not appear under ${slots.path}`;
          },
        },
      ];
    },
  },
  {
    id: "file.count_matches",
    family: "files",
    usage: 'how many lines of /var/log/syslog contain "error"',
    needs: ["path", "text"],
    examples: [
      "how many lines in <path> contain <text>",
      "count <text> in <path>",
      "how many times does <text> appear in <path>",
      "number of lines with <text> in <path>",
      "grep -c <text> <path>",
      "count the lines of <path> that mention <text>",
    ],
    steps: (slots) => [
      {
        tool: "fs.search",
        input: { path: slots.path, content: ESC(slots.text!), every_line: true, max_results: 10_000 },
        agent: "general",
        description: `Count the lines with "${slots.text}" under ${slots.path}`,
        successCheck: "matching lines are counted",
        say: (o) => {
          const m = o.matches as Array<{ path: string }>;
          const files = new Set(m.map((x) => x.path)).size;
          return `${plural(m.length, "line")}${o.truncated ? " (at least)" : ""} with "${slots.text}"${files > 1 ? ` in ${plural(files, "file")}` : ""} under ${slots.path}`;
        },
      },
    ],
  },
  {
    id: "file.mkdir",
    family: "files",
    usage: "create the directory /srv/app",
    effect: true,
    needs: ["path"],
    examples: ["create the directory <path>", "make a directory <path>", "mkdir <path>", "mkdir -p <path>", "create a folder <path>", "new directory <path>"],
    steps: (slots) => [
      {
        tool: "fs.mkdir",
        input: { path: slots.path, parents: true },
        agent: "storage",
        description: `Create ${slots.path}`,
        successCheck: `${slots.path} exists`,
        say: (o) => (o.created ? `created ${o.path}` : `${o.path} already existed`),
      },
    ],
  },
  {
    id: "file.delete",
    family: "files",
    usage: "delete /tmp/old.log",
    effect: true,
    needs: ["path"],
    examples: ["delete <path>", "remove <path>", "rm <path>", "get rid of <path>", "erase the file <path>", "delete the file <path>"],
    steps: (slots) => {
      // A top-level directory is the system itself: not something to take from a sentence.
      if (slots.path!.split("/").filter(Boolean).length < 2) return { error: `I will not delete ${slots.path}: name something below it` };
      return [
        {
          tool: "fs.delete",
          input: { path: slots.path },
          agent: "storage",
          description: `Delete ${slots.path}`,
          successCheck: `${slots.path} is gone`,
          say: (o) => `deleted the ${o.deleted} ${o.path}`,
        },
      ];
    },
  },
  ...(["copy", "move"] as const).map(
    (verb): Intent => ({
      id: `file.${verb}`,
      family: "files",
      usage: `${verb} /etc/hosts to /tmp/hosts`,
      effect: true,
      needs: ["paths"],
      examples: {
        copy: ["copy <path> to <path>", "cp <path> <path>", "make a copy of <path> at <path>", "duplicate <path> as <path>", "back up <path> to <path>"],
        move: ["move <path> to <path>", "mv <path> <path>", "rename <path> to <path>", "move the file <path> into <path>"],
      }[verb],
      steps: (slots) => {
        const [from, to] = slots.paths ?? [];
        if (!from || !to || (slots.paths?.length ?? 0) !== 2) return { error: `say both paths: ${verb} /from/here to /to/there` };
        return [
          {
            tool: `fs.${verb}`,
            input: { from, to },
            agent: "storage",
            description: `${verb === "copy" ? "Copy" : "Move"} ${from} to ${to}`,
            successCheck: `${to} exists`,
            say: (o) => `${verb === "copy" ? "copied" : "moved"} ${o.from} to ${o.to}${o.bytes !== undefined ? ` (${bytes(o.bytes)})` : ""}`,
          },
        ];
      },
    }),
  ),
  {
    id: "file.chmod",
    family: "files",
    usage: "chmod 640 /srv/app.conf",
    effect: true,
    needs: ["path", "mode"],
    examples: ["chmod <mode> <path>", "set the permissions of <path> to <mode>", "change the mode of <path> to <mode>", "make <path> mode <mode>", "give <path> permissions <mode>"],
    steps: (slots) => [
      {
        tool: "fs.chmod",
        input: { path: slots.path, mode: slots.mode },
        agent: "storage",
        description: `Set the mode of ${slots.path} to ${slots.mode}`,
        successCheck: `${slots.path} has mode ${slots.mode}`,
        say: (o) => `${o.path}: mode ${o.previous} → ${o.mode}`,
      },
    ],
  },
  // Users and groups
  {
    id: "users.list",
    family: "users",
    usage: "list users",
    examples: [
      "list users",
      "who has an account",
      "which users exist",
      "show all users",
      "what accounts are there",
      "cat /etc/passwd",
      "which users can log in",
      "who can log in",
      "users with a shell",
    ],
    steps: () => [
      {
        tool: "fs.read",
        input: { path: "/etc/passwd" },
        agent: "general",
        description: "Read the user accounts",
        successCheck: "users are listed",
        say: (o) => {
          const users = String(o.content)
            .split("\n")
            .filter((l) => l && !l.startsWith("#"))
            .map((l) => l.split(":"))
            .map(([name, , uid, , , home, shell]) => ({ name: name!, uid: Number(uid), home: home ?? "", shell: shell ?? "" }));
          const login = users.filter((u) => !/(nologin|false)$/.test(u.shell));
          return [
            `${plural(users.length, "account")}; ${plural(login.length, "can", "can")} log in:`,
            ...login.map((u) => `  ${u.name} (uid ${u.uid}, ${u.home}, ${u.shell})`),
            `others: ${
              list(
                users.filter((u) => !login.includes(u)).map((u) => u.name),
                30,
              ) || "none"
            }`,
          ].join("\n");
        },
      },
    ],
  },
  {
    id: "users.groups",
    family: "users",
    usage: "which groups is root in",
    needs: ["name"],
    examples: ["which groups is <name> in", "groups of <name>", "what groups does <name> belong to", "is <name> in the <name2> group", "id <name>", "group membership of <name>"],
    steps: (slots) => [
      {
        tool: "fs.read",
        input: { path: "/etc/group" },
        agent: "general",
        description: `Find the groups of ${slots.name}`,
        successCheck: "groups are listed",
        say: (o, s) => {
          const groups = String(o.content)
            .split("\n")
            .filter(Boolean)
            .map((l) => l.split(":"))
            .filter(([, , , members]) => (members ?? "").split(",").includes(s.name!))
            .map(([g]) => g!);
          const primary = String(o.content)
            .split("\n")
            .map((l) => l.split(":"))
            .find(([g]) => g === s.name)?.[0];
          const all = [...new Set([...(primary ? [primary] : []), ...groups])];
          if (s.name2) return all.includes(s.name2) ? `yes: ${s.name} is in ${s.name2}` : `no: ${s.name} is not in ${s.name2}${all.length ? ` (groups: ${list(all)})` : ""}`;
          return all.length ? `${s.name} is in ${list(all, 40)}` : `${s.name} is in no group of /etc/group (or does not exist)`;
        },
      },
    ],
  },
  {
    id: "groups.list",
    family: "users",
    usage: "list groups",
    examples: ["list groups", "which groups exist", "show all groups", "cat /etc/group", "what groups are there"],
    steps: () => [
      {
        tool: "fs.read",
        input: { path: "/etc/group" },
        agent: "general",
        description: "Read the groups",
        successCheck: "groups are listed",
        say: (o) => {
          const groups = String(o.content)
            .split("\n")
            .filter((l) => l && !l.startsWith("#"))
            .map((l) => l.split(":"));
          return [`${plural(groups.length, "group")}:`, ...groups.map(([g, , gid, members]) => `  ${g} (gid ${gid})${members ? `: ${members.split(",").join(", ")}` : ""}`)].join("\n");
        },
      },
    ],
  },
  ...FIND_THEN_ACT,
  ...TALLY,
  ...LOGIN,
  ...ACCESS,
  ...MORE_FILES,
];

export const INTENTS_BY_ID: ReadonlyMap<string, Intent> = new Map(INTENTS.map((intent) => [intent.id, intent]));
