/**
 * @module lib/cli/health
 * `aiosctl health`: asks each component's socket for grpc.health.v1 and says which answer.
 */
import { type Config, socketPath } from "../config/index.ts";
import { AiosError, connect, HealthDefinition, ServingStatus } from "../rpc/index.ts";

export const GRPC_COMPONENTS = ["init", "memory", "gateway", "tools", "orchestrator"] as const;

export interface ComponentHealth {
  component: string;
  socket: string;
  status: string;
  error?: string;
}

export async function checkHealth(config: Config, root: string, names: readonly string[], timeoutMs: number): Promise<ComponentHealth[]> {
  return Promise.all(
    names.map(async (name) => {
      const socket = socketPath(config, root, name);
      const health = connect(HealthDefinition, socket);
      try {
        const { status } = await health.check({ service: "" }, { timeoutMs, failFast: true });
        return { component: `aios-${name}`, socket, status: ServingStatus[status] ?? String(status) };
      } catch (error) {
        const reason = error instanceof AiosError ? error.message : String(error);
        return { component: `aios-${name}`, socket, status: "DOWN", error: reason };
      } finally {
        health.close();
      }
    }),
  );
}

export function formatHealthTable(rows: readonly ComponentHealth[]): string {
  const width = Math.max(...rows.map((row) => row.component.length), "COMPONENT".length);
  const lines = [`${"COMPONENT".padEnd(width)}  STATUS       SOCKET`];
  for (const row of rows) {
    lines.push(`${row.component.padEnd(width)}  ${row.status.padEnd(11)}  ${row.socket}${row.error ? `  (${row.error})` : ""}`);
  }
  return lines.join("\n") + "\n";
}
