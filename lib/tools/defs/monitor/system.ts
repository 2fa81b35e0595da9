import { readFileSync } from "node:fs";
import { arch, hostname, release, version } from "node:os";
import * as v from "valibot";
import { uptimeSeconds } from "../../../sys/index.ts";
import { defineTool } from "../../registry.ts";

/** The operating system's name from os-release (the root's, else the machine's). */
function osName(physical: (path: string) => string): string {
  for (const path of [physical("/etc/os-release"), physical("/usr/lib/os-release"), "/etc/os-release"]) {
    try {
      const fields = Object.fromEntries(
        readFileSync(path, "utf8")
          .split("\n")
          .map((l) => /^([A-Z_]+)=("?)(.*)\2$/.exec(l.trim()))
          .filter((m) => m !== null)
          .map((m) => [m[1], m[3]]),
      );
      const name = fields.PRETTY_NAME ?? fields.NAME;
      if (name) return name;
    } catch {
      // the next one
    }
  }
  return "Linux";
}

export const monitorSystem = defineTool({
  name: "monitor.system",
  description: "What this system is: host name, operating system, kernel release and version, architecture, uptime, the time now and the time zone.",
  input: v.strictObject({}),
  output: v.object({
    hostname: v.string(),
    os: v.string(),
    kernel: v.string(),
    kernel_version: v.string(),
    arch: v.string(),
    uptime_s: v.number(),
    time: v.string(),
    timezone: v.string(),
    utc_offset_min: v.number(),
  }),
  risk: "low",
  capability: "monitor:read",
  readOnly: true,
  idempotent: true,
  reversible: false,
  timeoutMs: 5_000,
  resources: () => [],
  run: (_input, ctx) => ({
    hostname: hostname(),
    os: osName(ctx.physical),
    kernel: release(),
    kernel_version: version(),
    arch: arch(),
    uptime_s: Math.round(uptimeSeconds()),
    time: new Date().toISOString(),
    timezone: Intl.DateTimeFormat().resolvedOptions().timeZone ?? "UTC",
    utc_offset_min: -new Date().getTimezoneOffset(),
  }),
});
