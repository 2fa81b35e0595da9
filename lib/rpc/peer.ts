/**
 * @module lib/rpc/peer
 * Who is calling, from the kernel rather than from the request: SO_PEERCRED on the Unix
 * socket gives the caller's pid and uid at connect(); a root process whose process group is a
 * service aios-init runs (RUN_DIR/init/NAME.group, written by aios-init, 0700 root) is that
 * component; any other root process is a person at the machine (aiosctl in a shell, over SSH,
 * or the serial console); a process of any other user is "user". Nothing a caller sends can
 * change its answer.
 */
import { join } from "node:path";
import { peerCredentials, readStat, recordedGroups } from "../sys/index.ts";

/** The callers the authorization table (lib/rpc/authorization) names. */
export const CALLERS = ["person", "console", "orchestrator", "tools", "memory", "gateway", "fleet", "service", "user", "unknown"] as const;
export type Caller = (typeof CALLERS)[number];

export interface Peer {
  readonly caller: Caller;
  readonly pid: number;
  readonly uid: number;
  /** The supervised service it belongs to, if any ("orchestrator", "shell", "nginx"). */
  readonly service?: string;
}

/** Services that are AIOS components act as themselves; the serial console is a person. */
const SERVICE_CALLERS: Readonly<Record<string, Caller>> = {
  orchestrator: "orchestrator",
  tools: "tools",
  memory: "memory",
  gateway: "gateway",
  console: "console",
  fleet: "fleet",
  shell: "person",
};

/** The peer of a connected Unix socket; groupDir is RUN_DIR/init. */
export function identifyPeer(fd: number, groupDir: string): Peer {
  const { pid, uid } = peerCredentials(fd);
  if (uid !== 0) return { caller: "user", pid, uid };
  const stat = readStat(pid);
  const record = stat ? recordedGroups(groupDir).get(stat.pgrp) : undefined;
  // The group leader must still be the process aios-init recorded (not a reused pid).
  if (!record || readStat(stat!.pgrp)?.startTime !== record.startTime) return { caller: "person", pid, uid };
  return { caller: SERVICE_CALLERS[record.service] ?? "service", pid, uid, service: record.service };
}

/** RUN_DIR/init for a socket at RUN_DIR/NAME.sock. */
export const groupDirFor = (socketPath: string) => join(socketPath, "..", "init");

/**
 * The file descriptor of the connection a grpc-js call arrived on. grpc-js keeps the HTTP/2
 * stream on its base intercepting call and Bun's socket keeps its descriptor on its handle;
 * neither is public API, so a change in either shows as caller "unknown" (refused everything
 * but reads) and fails test/peer.test.ts rather than passing silently.
 */
export function connectionOf(call: unknown): { session: object; fd: number } | undefined {
  type Layer = { nextCall?: Layer; stream?: { session?: { socket?: { _handle?: { fd?: unknown } } } } };
  let layer = call as Layer | undefined;
  // Interceptors wrap the base call; walk in to the one that holds the stream.
  for (let depth = 0; layer && !layer.stream && depth < 8; depth++) layer = layer.nextCall;
  const session = layer?.stream?.session;
  const fd = session?.socket?._handle?.fd;
  return session && typeof fd === "number" && fd >= 0 ? { session, fd } : undefined;
}
