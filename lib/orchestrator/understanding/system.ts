/**
 * @module lib/orchestrator/understanding/system
 * Memory, CPU, load, hardware, the kernel and the OS, host name and time.
 */
import type { Intent } from "./types.ts";
import { percent } from "./say.ts";
import { duration, list, mib, plural } from "./words.ts";

export const SYSTEM: readonly Intent[] = [
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
];
