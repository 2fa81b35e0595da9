import * as v from "valibot";
import { fileSystemUsage, mounts } from "../../../sys/index.ts";
import { defineTool } from "../../registry.ts";

const PSEUDO = new Set([
  "proc",
  "sysfs",
  "devpts",
  "cgroup",
  "cgroup2",
  "securityfs",
  "debugfs",
  "tracefs",
  "mqueue",
  "pstore",
  "bpf",
  "configfs",
  "fusectl",
  "autofs",
  "hugetlbfs",
  "binfmt_misc",
  "nsfs",
  "rpc_pipefs",
]);

export const monitorDisk = defineTool({
  name: "monitor.disk",
  description: "Each mounted file system with its size, use and free space (MiB) as df counts them, fullest first.",
  input: v.strictObject({}),
  output: v.object({
    filesystems: v.array(v.object({ mount: v.string(), source: v.string(), type: v.string(), size_mib: v.number(), used_mib: v.number(), available_mib: v.number(), used_percent: v.number() })),
  }),
  risk: "low",
  capability: "monitor:read",
  readOnly: true,
  idempotent: true,
  reversible: false,
  timeoutMs: 10_000,
  resources: () => [],
  run() {
    const seen = new Set<string>();
    const filesystems = mounts()
      .filter((m) => !PSEUDO.has(m.fstype) && !seen.has(m.target) && seen.add(m.target))
      .flatMap((m) => {
        try {
          const usage = fileSystemUsage(m.target);
          if (usage.sizeBytes === 0) return [];
          const mib = (b: number) => Math.round(b / 1024 / 1024);
          return [
            {
              mount: m.target,
              source: m.source,
              type: m.fstype,
              size_mib: mib(usage.sizeBytes),
              used_mib: mib(usage.usedBytes),
              available_mib: mib(usage.availableBytes),
              used_percent: usage.usedPercent,
            },
          ];
        } catch {
          return [];
        }
      })
      .sort((a, b) => b.used_percent - a.used_percent);
    return { filesystems };
  },
});
