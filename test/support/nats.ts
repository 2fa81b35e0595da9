/**
 * Test support: a real nats-server (Debian's) with JetStream on, on loopback, with a store
 * directory of its own, users and their subject permissions from the test; stopped and started
 * again on the same port and store (a NATS restart).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { freePort } from "../../rootfs/qemu.ts";
import { findHostProgram } from "../../scripts/host-programs.ts";
import { type Running, start } from "./binary.ts";
import { waitFor } from "./wait.ts";

export interface NatsUser {
  user: string;
  password: string;
  /** nats-server's permissions block, as its config language says it (JSON is valid there). */
  permissions?: Record<string, unknown>;
}

export class NatsServer {
  private process: Running | undefined;
  readonly url: string;

  private constructor(
    private readonly dir: string,
    readonly port: number,
  ) {
    this.url = `nats://127.0.0.1:${port}`;
  }

  static async start(dir: string, users: NatsUser[]): Promise<NatsServer> {
    mkdirSync(join(dir, "store"), { recursive: true });
    const server = new NatsServer(dir, await freePort());
    writeFileSync(
      join(dir, "nats.conf"),
      [`listen: "127.0.0.1:${server.port}"`, `jetstream: { store_dir: ${JSON.stringify(join(dir, "store"))} }`, `authorization: { users: ${JSON.stringify(users)} }`, ""].join("\n"),
    );
    await server.resume();
    return server;
  }

  /** Starts it (again) on the same port and store. */
  async resume(): Promise<void> {
    const binary = findHostProgram("nats-server");
    if (!binary) throw new Error("nats-server is missing: just deps tests (Debian package nats-server)");
    this.process = start([binary, "-c", join(this.dir, "nats.conf")], this.dir);
    await waitFor(
      () => this.process!.output().includes("Server is ready"),
      () => `nats-server to be ready:\n${this.process!.output()}`,
    );
  }

  async stop(): Promise<void> {
    await this.process?.stop("SIGTERM");
    this.process = undefined;
  }
}
