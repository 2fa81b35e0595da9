/**
 * @module lib/orchestrator/understanding/disk
 * Disks: free space of a mount, the size of a directory, the biggest things in it.
 */
import type { Intent } from "./types.ts";
import { mountOf, percent, realFilesystems } from "./say.ts";
import { bytes, mib, plural } from "./words.ts";

export const DISK: readonly Intent[] = [
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
];
