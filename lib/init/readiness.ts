/**
 * @module lib/init/readiness
 * Is a service ready? gRPC health SERVING on its socket (on each, for a process that serves
 * several components), a TCP port accepting connections,
 * a file that exists, or simply started. Polls until ready, the timeout, or the abort.
 */
import { existsSync } from "node:fs";
import { canConnect, connect, HealthDefinition, ServingStatus } from "../rpc/index.ts";

export type ReadinessProbe = { kind: "started" } | { kind: "grpc"; sockets: readonly string[] } | { kind: "tcp"; port: number } | { kind: "file"; path: string };

const POLL_MS = 100;

/** Resolves true once ready; false on timeout or abort. */
export async function waitReady(probe: ReadinessProbe, timeoutMs: number, signal: AbortSignal): Promise<boolean> {
  if (probe.kind === "started") return !signal.aborted;
  const deadline = Date.now() + timeoutMs;
  const health = probe.kind === "grpc" ? probe.sockets.map((socket) => ({ socket, client: connect(HealthDefinition, socket) })) : [];
  const serving = async ({ socket, client }: (typeof health)[number]) =>
    existsSync(socket) &&
    (await client
      .check({ service: "" }, { timeoutMs: 1000, failFast: true })
      .then((r) => r.status === ServingStatus.SERVING)
      .catch(() => false));
  try {
    while (!signal.aborted && Date.now() < deadline) {
      let ready = false;
      if (probe.kind === "file") ready = existsSync(probe.path);
      else if (probe.kind === "tcp") ready = await canConnect({ host: "127.0.0.1", port: probe.port });
      else if (probe.kind === "grpc") ready = (await Promise.all(health.map(serving))).every(Boolean);
      if (ready) return !signal.aborted;
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
    return false;
  } finally {
    for (const { client } of health) client.close();
  }
}
