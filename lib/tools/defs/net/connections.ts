import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import * as v from "valibot";
import { defineTool } from "../../registry.ts";
import { Port } from "./common.ts";

const TCP_STATES: Record<string, string> = {
  "01": "established",
  "02": "syn_sent",
  "03": "syn_recv",
  "04": "fin_wait1",
  "05": "fin_wait2",
  "06": "time_wait",
  "07": "close",
  "08": "close_wait",
  "09": "last_ack",
  "0A": "listen",
  "0B": "closing",
};

function address(hex: string, v6: boolean): { ip: string; port: number } {
  const [ipHex = "", portHex = "0"] = hex.split(":");
  const port = Number.parseInt(portHex, 16);
  if (!v6) return { ip: [3, 2, 1, 0].map((i) => Number.parseInt(ipHex.slice(i * 2, i * 2 + 2), 16)).join("."), port };
  // Four little-endian 32-bit words.
  const words = [0, 1, 2, 3].map((w) =>
    ipHex
      .slice(w * 8, w * 8 + 8)
      .match(/../g)!
      .reverse()
      .join(""),
  );
  const groups = words
    .join("")
    .match(/.{4}/g)!
    .map((g) => g.replace(/^0+(?=.)/, "").toLowerCase());
  return { ip: groups.join(":").replace(/(^|:)(0(:|$)){2,}/, "::"), port };
}

/** socket inode → pid and name, from /proc/PID/fd. */
function socketOwners(): Map<string, { pid: number; name: string }> {
  const owners = new Map<string, { pid: number; name: string }>();
  for (const pid of readdirSync("/proc").filter((n) => /^\d+$/.test(n))) {
    let fds: string[] = [];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    let name = "";
    for (const fd of fds) {
      try {
        const link = readlinkSync(`/proc/${pid}/fd/${fd}`);
        const inode = /^socket:\[(\d+)\]$/.exec(link)?.[1];
        if (!inode) continue;
        name ||= readFileSync(`/proc/${pid}/comm`, "utf8").trim();
        owners.set(inode, { pid: Number(pid), name });
      } catch {
        // The fd closed while we looked.
      }
    }
  }
  return owners;
}

/** Every TCP and UDP socket of the machine, with its owner where one is found. */
export function allSockets() {
  const owners = socketOwners();
  const all = [];
  for (const protocol of ["tcp", "tcp6", "udp", "udp6"]) {
    let lines: string[] = [];
    try {
      lines = readFileSync(`/proc/net/${protocol}`, "utf8").trim().split("\n").slice(1);
    } catch {
      continue;
    }
    for (const line of lines) {
      const f = line.trim().split(/\s+/);
      const v6 = protocol.endsWith("6");
      const local = address(f[1]!, v6);
      const remote = address(f[2]!, v6);
      const state = protocol.startsWith("udp") ? (f[3] === "07" ? "unconnected" : "connected") : (TCP_STATES[f[3]!] ?? f[3]!);
      const owner = owners.get(f[9]!);
      all.push({ protocol, local: local.ip, local_port: local.port, remote: remote.ip, remote_port: remote.port, state, pid: owner?.pid ?? 0, process: owner?.name ?? "" });
    }
  }
  return all;
}

export const netConnections = defineTool({
  name: "net.connections",
  description: 'Open TCP and UDP sockets from /proc/net, with the process that owns each ("what is listening on port 22": state = listen, port = 22).',
  input: v.strictObject({
    state: v.optional(v.picklist(["any", "listen", "established"]), "any"),
    port: v.optional(Port),
    limit: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(10_000)), 500),
  }),
  output: v.object({
    connections: v.array(
      v.object({ protocol: v.string(), local: v.string(), local_port: v.number(), remote: v.string(), remote_port: v.number(), state: v.string(), pid: v.number(), process: v.string() }),
    ),
    truncated: v.boolean(),
  }),
  risk: "low",
  capability: "net:read",
  readOnly: true,
  idempotent: true,
  reversible: false,
  timeoutMs: 15_000,
  resources: () => [],
  run(input) {
    const all = allSockets();
    const wanted = all.filter((c) => (input.state === "any" || c.state === input.state) && (input.port === undefined || c.local_port === input.port || c.remote_port === input.port));
    return { connections: wanted.slice(0, input.limit), truncated: wanted.length > input.limit };
  },
});
