/**
 * Test support: one AIOS component from the compiled binary under a --root, waited for through
 * its gRPC health, with a client for its service.
 */
import { join } from "node:path";
import { connect, HealthDefinition, type ServiceClient, type ServiceDefinition } from "../../lib/rpc/index.ts";
import { cleanEnv, type Running, start } from "./binary.ts";

export interface ComponentProcess<S extends ServiceDefinition> {
  running: Running;
  client: ServiceClient<S>;
  stop(signal?: NodeJS.Signals): Promise<number>;
}

export async function startComponent<S extends ServiceDefinition>(name: string, definition: S, bin: string, root: string, env: Record<string, string> = {}): Promise<ComponentProcess<S>> {
  const running = start([join(bin, `aios-${name}`), "--root", root], root, cleanEnv(env));
  const socket = join(root, `run/aios/${name}.sock`);
  const health = connect(HealthDefinition, socket);
  try {
    await health.check({ service: "" }, { timeoutMs: 120_000 });
  } catch (error) {
    await running.stop("SIGKILL");
    throw new Error(`aios-${name} did not start: ${(error as Error).message}\n${running.output()}`);
  } finally {
    health.close();
  }
  const client = connect(definition, socket, { defaultTimeoutMs: 300_000 });
  return {
    running,
    client,
    async stop(signal = "SIGTERM") {
      client.close();
      return running.stop(signal);
    },
  };
}
