/**
 * @module lib/init/supervisor
 * Runs services in dependency order, gates dependants on readiness, restarts by policy with
 * exponential backoff up to a cap, and stops them in reverse dependency order.
 *
 *   start(S):  deps ready? ─no→ waiting ─(dep ready)→ start(S)
 *              spawn → starting ─ready→ running ─(dependants start)
 *   exit(S):   stop asked → stopped
 *              policy says restart and under the cap → backoff ─(delay)→ start(S)
 *              otherwise → failed (exit 0 under a no-restart policy: exited)
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { rooted } from "../config/index.ts";
import type { Logger } from "../log/index.ts";
import { EXIT_CONFIG } from "../config/flags.ts";
import { GroupRecords } from "../sys/index.ts";
import { waitReady, type ReadinessProbe } from "./readiness.ts";
import { track, untrack } from "./reaper.ts";
import { hostedNames, type ServiceDefinition, startOrder } from "./service-config.ts";
import { ServiceLog } from "./service-log.ts";
import { resolveUser } from "./users.ts";

export type ServiceStateName = "stopped" | "waiting" | "starting" | "running" | "stopping" | "backoff" | "failed" | "exited";
export type SystemHealthName = "starting" | "ok" | "degraded" | "stopping";

export interface ExitRecord {
  code: number;
  signal: string;
  time: Date;
  reason: string;
}

export interface ServiceSnapshot {
  definition: ServiceDefinition;
  state: ServiceStateName;
  reason: string;
  pid: number;
  restarts: number;
  startedAt: Date | undefined;
  lastExit: ExitRecord | undefined;
  logPath: string;
}

export interface SupervisorOptions {
  services: readonly ServiceDefinition[];
  /** "" on the real system; every path is taken under it otherwise. */
  root: string;
  runDir: string;
  logDir: string;
  log: Logger;
  /** Extra environment for every service (AIOS_ROOT under --root). */
  env?: Record<string, string>;
  /** Called whenever a service changes state. */
  onChange?: (service: ServiceSnapshot) => void;
}

class Supervised {
  state: ServiceStateName = "stopped";
  reason = "not started";
  process: Subprocess<"ignore", "pipe", "pipe"> | undefined;
  startedAt: Date | undefined;
  restarts = 0;
  restartTimes: number[] = [];
  lastExit: ExitRecord | undefined;
  wanted = false;
  everReady = false;
  timer: ReturnType<typeof setTimeout> | undefined;
  readiness: AbortController | undefined;
  stopping: Promise<void> | undefined;
  exitReason: string | undefined;
  exited: Promise<void> = Promise.resolve();
  readyWaiters: Array<() => void> = [];

  constructor(
    readonly def: ServiceDefinition,
    readonly log: ServiceLog,
    readonly logPath: string,
  ) {}
}

export class Supervisor {
  private readonly services = new Map<string, Supervised>();
  private readonly order: ServiceDefinition[];
  /** A component another service's process serves (its `hosts`) → that service. */
  private readonly hostOf: Map<string, string>;
  /** The process group of each running service, on disk, for a successor to find. */
  private readonly groups: GroupRecords;
  private shuttingDown = false;

  constructor(private readonly options: SupervisorOptions) {
    this.groups = new GroupRecords(rooted(options.root, join(options.runDir, "init")));
    this.order = startOrder(options.services);
    this.hostOf = hostedNames(this.order);
    for (const def of this.order) {
      const logPath = join(rooted(options.root, options.logDir), `${def.name}.log`);
      const log = new ServiceLog({ path: logPath, maxBytes: def.log.max_bytes, keep: def.log.keep, ringLines: def.log.ring_lines });
      this.services.set(def.name, new Supervised(def, log, logPath));
    }
  }

  /** Starts every enabled service, each once the services it comes after are ready. */
  /** Stops what a killed predecessor left running (lib/sys/group-records.ts); returns the services. */
  stopLeftovers(): Promise<string[]> {
    return this.groups.stopLeftovers(this.options.log);
  }

  startAll(): void {
    for (const def of this.order) if (def.enabled) this.start(def.name);
  }

  names(): string[] {
    return this.order.map((def) => def.name);
  }

  has(name: string): boolean {
    return this.services.has(this.serviceFor(name));
  }

  /** Each component another service's process serves → that service. */
  hosted(): ReadonlyMap<string, string> {
    return this.hostOf;
  }

  /** The service a name stands for: itself, or the service whose process hosts that component. */
  serviceFor(name: string): string {
    return this.hostOf.get(name) ?? name;
  }

  snapshot(name: string): ServiceSnapshot {
    const s = this.get(name);
    return {
      definition: s.def,
      state: s.state,
      reason: s.reason,
      pid: s.process && (s.state === "starting" || s.state === "running" || s.state === "stopping") ? s.process.pid : 0,
      restarts: s.restarts,
      startedAt: s.process ? s.startedAt : undefined,
      lastExit: s.lastExit,
      logPath: s.logPath,
    };
  }

  list(): ServiceSnapshot[] {
    return this.order.map((def) => this.snapshot(def.name));
  }

  logOf(name: string): ServiceLog {
    return this.get(name).log;
  }

  health(): { health: SystemHealthName; reasons: string[] } {
    if (this.shuttingDown) return { health: "stopping", reasons: [] };
    const critical = [...this.services.values()].filter((s) => s.def.critical);
    const failed = critical.filter((s) => s.state === "failed");
    if (failed.length > 0) return { health: "degraded", reasons: failed.map((s) => `${s.def.name} failed: ${s.reason}`) };
    if (critical.some((s) => !s.everReady)) return { health: "starting", reasons: [] };
    return { health: "ok", reasons: [] };
  }

  /** Asks for a service to run; a failed one gets a fresh restart count. */
  start(name: string): void {
    const s = this.get(name);
    if (this.shuttingDown) return;
    s.wanted = true;
    if (s.state === "running" || s.state === "starting" || s.state === "waiting" || s.state === "stopping") return;
    if (s.state === "failed" || s.state === "stopped" || s.state === "exited") {
      s.restarts = 0;
      s.restartTimes = [];
    }
    clearTimeout(s.timer);
    this.tryStart(s);
  }

  /** Resolves once the service is running, or has ended up failed, exited or stopped. */
  whenSettled(name: string): Promise<ServiceSnapshot> {
    const s = this.get(name);
    if (!["waiting", "starting", "backoff"].includes(s.state) && s.state !== "stopping") return Promise.resolve(this.snapshot(name));
    return new Promise((resolve) => s.readyWaiters.push(() => resolve(this.snapshot(name))));
  }

  /** Stops a service: its stop signal, then SIGKILL after its grace time. */
  stop(name: string, reason = "stopped on request"): Promise<void> {
    const s = this.get(name);
    s.wanted = false;
    clearTimeout(s.timer);
    s.readiness?.abort();
    if (!s.process || !(s.state === "starting" || s.state === "running" || s.state === "stopping")) {
      if (s.state !== "failed" && s.state !== "exited") this.setState(s, "stopped", reason);
      return Promise.resolve();
    }
    s.stopping ??= (async () => {
      const child = s.process!;
      this.setState(s, "stopping", reason);
      s.exitReason = reason;
      child.kill(s.def.stop.signal);
      const killer = setTimeout(() => {
        s.log.note(`did not stop within ${s.def.stop.grace_ms} ms of ${s.def.stop.signal}; sending SIGKILL`);
        s.exitReason = `killed by SIGKILL after the ${s.def.stop.grace_ms} ms grace time`;
        child.kill("SIGKILL");
      }, s.def.stop.grace_ms);
      await s.exited;
      clearTimeout(killer);
    })().finally(() => (s.stopping = undefined));
    return s.stopping;
  }

  async restart(name: string): Promise<void> {
    await this.stop(name, "restarting on request");
    this.start(name);
  }

  /** Stops everything, each service only after every service that comes after it. */
  async stopAll(): Promise<void> {
    this.shuttingDown = true;
    const done = new Map<string, Promise<void>>();
    const stopAfterDependants = (name: string): Promise<void> => {
      let promise = done.get(name);
      if (!promise) {
        const dependants = this.order.filter((def) => def.after.includes(name)).map((def) => def.name);
        promise = Promise.all(dependants.map(stopAfterDependants)).then(() => this.stop(name, "system shutdown"));
        done.set(name, promise);
      }
      return promise;
    };
    await Promise.all(this.order.map((def) => stopAfterDependants(def.name)));
    for (const s of this.services.values()) s.log.close();
  }

  private get(name: string): Supervised {
    const s = this.services.get(this.serviceFor(name));
    if (!s) throw new Error(`no service named "${name}"`);
    return s;
  }

  private setState(s: Supervised, state: ServiceStateName, reason: string): void {
    const changed = s.state !== state || s.reason !== reason;
    s.state = state;
    s.reason = reason;
    if (!changed) return;
    s.log.note(`${state}: ${reason}`);
    this.options.log.info("service state", { service: s.def.name, state, reason });
    if (state !== "waiting" && state !== "starting" && state !== "backoff") {
      for (const waiter of s.readyWaiters.splice(0)) waiter();
    }
    this.options.onChange?.(this.snapshot(s.def.name));
  }

  private tryStart(s: Supervised): void {
    if (!s.wanted || this.shuttingDown) return;
    // A one-shot dependency that finished well (exited 0) counts as ready.
    const notReady = s.def.after.filter((dep) => !["running", "exited"].includes(this.services.get(dep)?.state ?? ""));
    if (notReady.length > 0) {
      const failed = notReady.filter((dep) => this.services.get(dep)?.state === "failed");
      this.setState(s, "waiting", `waiting for ${notReady.join(", ")}${failed.length ? ` (failed: ${failed.join(", ")})` : ""}`);
      for (const dep of notReady) {
        const d = this.services.get(dep)!;
        if (!d.wanted && d.state === "stopped") this.start(dep);
      }
      return;
    }
    this.spawn(s);
  }

  private spawn(s: Supervised): void {
    const { def } = s;
    const { root } = this.options;
    let child: Subprocess<"ignore", "pipe", "pipe">;
    try {
      const identity = resolveUser(def.user, rooted(root, "/etc/passwd"));
      const asOtherUser = process.getuid?.() === 0 && identity.uid !== 0;
      const cwd = rooted(root, def.working_dir);
      if (!existsSync(cwd)) throw new Error(`working directory ${cwd} does not exist`);
      const env = { PATH: process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin", HOME: identity.home, ...this.options.env, ...def.env };
      child = Bun.spawn([this.resolveCommand(def.command, env.PATH), ...def.args], {
        cwd,
        env,
        stdin: "ignore",
        stdout: "pipe",
        stderr: "pipe",
        // Its own process group, so that whatever it leaves behind when it dies (the gateway's
        // llama-servers after a SIGKILL) can be killed with it: see killGroup below.
        detached: true,
        ...(asOtherUser ? { uid: identity.uid, gid: identity.gid } : {}),
      });
    } catch (error) {
      s.process = undefined;
      this.onExit(s, 127, "", `failed to start: ${(error as Error).message}`);
      return;
    }
    track(child.pid);
    this.groups.record(def.name, child.pid);
    s.process = child;
    s.startedAt = new Date();
    s.exitReason = undefined;
    this.setState(s, "starting", `spawned as pid ${child.pid}`);
    const pump = async (stream: ReadableStream<Uint8Array>, name: "stdout" | "stderr") => {
      const decoder = new TextDecoder();
      for await (const chunk of stream) s.log.write(name, decoder.decode(chunk, { stream: true }));
    };
    const pumped = Promise.all([pump(child.stdout, "stdout"), pump(child.stderr, "stderr")]).catch(() => undefined);
    s.exited = child.exited.then(async (code) => {
      killGroup(child.pid);
      untrack(child.pid);
      this.groups.forget(def.name);
      s.readiness?.abort();
      await Promise.race([pumped, Bun.sleep(1000)]);
      s.log.flush();
      const signal = typeof child.signalCode === "string" ? child.signalCode : "";
      this.onExit(s, signal ? -1 : code, signal, s.exitReason);
    });

    const readiness = new AbortController();
    s.readiness = readiness;
    waitReady(this.probe(def), def.readiness.timeout_ms, readiness.signal).then((ready) => {
      if (readiness.signal.aborted || s.process !== child) return;
      if (ready) {
        s.everReady = true;
        this.setState(s, "running", "ready");
        this.wakeDependants(def.name);
      } else {
        s.exitReason = `not ready within ${def.readiness.timeout_ms} ms`;
        s.log.note(s.exitReason);
        child.kill(def.stop.signal);
        setTimeout(() => child.kill("SIGKILL"), def.stop.grace_ms).unref();
      }
    });
  }

  private onExit(s: Supervised, code: number, signal: string, reason?: string): void {
    const described = reason ?? (signal ? `killed by ${signal}` : `exited with status ${code}`);
    s.lastExit = { code, signal, time: new Date(), reason: described };
    s.process = undefined;
    const { policy, max_restarts, window_ms, backoff_initial_ms, backoff_max_ms } = s.def.restart;
    if (!s.wanted || this.shuttingDown) {
      this.setState(s, "stopped", described);
      return;
    }
    const failure = code !== 0 || signal !== "" || reason !== undefined;
    if (code === EXIT_CONFIG) {
      this.setState(s, "failed", `${described}: its configuration is wrong, so it is not restarted (see its log)`);
      return;
    }
    if (policy === "never" || (policy === "on-failure" && !failure)) {
      this.setState(s, failure ? "failed" : "exited", described);
      if (!failure) this.wakeDependants(s.def.name);
      return;
    }
    const now = Date.now();
    s.restartTimes = s.restartTimes.filter((t) => now - t < window_ms);
    if (s.restartTimes.length >= max_restarts) {
      this.setState(s, "failed", `${described}; restart limit of ${max_restarts} in ${window_ms / 1000} s reached`);
      return;
    }
    s.restartTimes.push(now);
    s.restarts++;
    const delay = Math.min(backoff_initial_ms * 2 ** (s.restartTimes.length - 1), backoff_max_ms);
    this.setState(s, "backoff", `${described}; restart ${s.restartTimes.length} of ${max_restarts} in ${delay} ms`);
    s.timer = setTimeout(() => this.tryStart(s), delay);
  }

  private wakeDependants(name: string): void {
    for (const other of this.services.values()) {
      if (other.state === "waiting" && other.def.after.includes(name)) this.tryStart(other);
    }
  }

  private probe(def: ServiceDefinition): ReadinessProbe {
    const { root, runDir } = this.options;
    const r = def.readiness;
    if (r.kind === "grpc") {
      const own = rooted(root, r.socket ?? join(runDir, `${def.name}.sock`));
      return { kind: "grpc", sockets: [own, ...def.hosts.map((hosted) => rooted(root, join(runDir, `${hosted}.sock`)))] };
    }
    if (r.kind === "tcp") return { kind: "tcp", port: r.port! };
    if (r.kind === "file") return { kind: "file", path: rooted(root, r.path!) };
    return { kind: "started" };
  }

  /** Absolute commands are looked for under root first; bare names in PATH. */
  private resolveCommand(command: string, path: string): string {
    if (command.startsWith("/")) {
      const inside = rooted(this.options.root, command);
      return existsSync(inside) ? inside : command;
    }
    const found = Bun.which(command, { PATH: path });
    if (!found) throw new Error(`"${command}" is not in PATH (${path})`);
    return found;
  }
}

/**
 * Kills what is left of a service's process group once its main process is gone: a service's
 * children must not outlive it (s6 and systemd do the same). Nothing left is the normal case.
 */
function killGroup(pgid: number): void {
  try {
    process.kill(-pgid, "SIGKILL");
  } catch {
    // ESRCH: the group is empty
  }
}
