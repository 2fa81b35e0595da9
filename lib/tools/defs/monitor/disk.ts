import { statfsSync } from "node:fs";
import * as v from "valibot";
import { mounts } from "../../../sys/index.ts";
import { defineTool } from "../../registry.ts";

const PSEUDO = new Set(["proc", "sysfs", "devpts", "cgroup", "cgroup2", "securityfs", "debugfs", "tracefs", "mqueue", "pstore", "bpf", "configfs", "fusectl", "autofs", "hugetlbfs", "binfmt_misc", "nsfs", "rpc_pipefs"]);

export const monitorDisk = defineTool({
  name: "monitor.disk",
  description: "Each mounted file system with its size, use and free space (MiB), fullest first.",
  input: v.strictObject({}),
  output: v.object({ filesystems: v.array(v.object({ mount: v.string(), source: v.string(), type: v.string(), size_mib: v.number(), used_mib: v.number(), available_mib: v.number(), used_percent: v.number() })) }),
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
          const s = statfsSync(m.target);
          const size = s.blocks * s.bsize;
          if (size === 0) return [];
          const used = (s.blocks - s.bfree) * s.bsize;
          const mib = (b: number) => Math.round(b / 1024 / 1024);
          return [{ mount: m.target, source: m.source, type: m.fstype, size_mib: mib(size), used_mib: mib(used), available_mib: mib(s.bavail * s.bsize), used_percent: Math.round((used / size) * 1000) / 10 }];
        } catch {
          return [];
        }
      })
      .sort((a, b) => b.used_percent - a.used_percent);
    return { filesystems };
  },
});
