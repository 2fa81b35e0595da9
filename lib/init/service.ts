/**
 * @module lib/init/service
 * The Init gRPC service (proto/aios/v1/init.proto) over the supervisor.
 */
import * as v from "valibot";
import { ConfigEffect, type ExitStatus, InitServiceDefinition, LogStream, ReadinessKind, RestartPolicy, type Service, ServiceState, ShutdownAction, SystemHealth } from "../rpc/gen/aios/v1/init.ts";
import { AsyncQueue, failedPrecondition, implement, invalidArgument, notFound, pageLimit, pageOffset, parseRequest, type ServiceImplementation } from "../rpc/index.ts";
import { ConfigEditError } from "../config/edit.ts";
import { ConfigKeySchema, type ConfigKeyView, configKeys, readConfigText, saveConfigKey } from "../config/file.ts";
import { ConfigError, parseConfigText } from "../config/index.ts";
import type { Effect, KeyChange } from "../config/effects.ts";
import type { LogStreamName } from "./service-log.ts";
import type { ServiceSnapshot, ServiceStateName, Supervisor, SystemHealthName } from "./supervisor.ts";

export type PowerAction = "poweroff" | "reboot" | "halt";

const STATE: Record<ServiceStateName, ServiceState> = {
  stopped: ServiceState.SERVICE_STATE_STOPPED,
  waiting: ServiceState.SERVICE_STATE_WAITING,
  starting: ServiceState.SERVICE_STATE_STARTING,
  running: ServiceState.SERVICE_STATE_RUNNING,
  stopping: ServiceState.SERVICE_STATE_STOPPING,
  backoff: ServiceState.SERVICE_STATE_BACKOFF,
  failed: ServiceState.SERVICE_STATE_FAILED,
  exited: ServiceState.SERVICE_STATE_EXITED,
};
const HEALTH: Record<SystemHealthName, SystemHealth> = {
  starting: SystemHealth.SYSTEM_HEALTH_STARTING,
  ok: SystemHealth.SYSTEM_HEALTH_OK,
  degraded: SystemHealth.SYSTEM_HEALTH_DEGRADED,
  stopping: SystemHealth.SYSTEM_HEALTH_STOPPING,
};
const POLICY = { always: RestartPolicy.RESTART_POLICY_ALWAYS, "on-failure": RestartPolicy.RESTART_POLICY_ON_FAILURE, never: RestartPolicy.RESTART_POLICY_NEVER };
const READINESS = {
  started: ReadinessKind.READINESS_KIND_STARTED,
  grpc: ReadinessKind.READINESS_KIND_GRPC_HEALTH,
  tcp: ReadinessKind.READINESS_KIND_TCP_PORT,
  file: ReadinessKind.READINESS_KIND_FILE,
};
const STREAM: Record<LogStreamName, LogStream> = {
  stdout: LogStream.LOG_STREAM_STDOUT,
  stderr: LogStream.LOG_STREAM_STDERR,
  supervisor: LogStream.LOG_STREAM_SUPERVISOR,
};
const ACTION: Partial<Record<ShutdownAction, PowerAction>> = {
  [ShutdownAction.SHUTDOWN_ACTION_POWEROFF]: "poweroff",
  [ShutdownAction.SHUTDOWN_ACTION_REBOOT]: "reboot",
  [ShutdownAction.SHUTDOWN_ACTION_HALT]: "halt",
};

export function toProtoService(snapshot: ServiceSnapshot): Service {
  const { definition: def } = snapshot;
  const lastExit: ExitStatus | undefined = snapshot.lastExit && { ...snapshot.lastExit };
  return {
    name: def.name,
    description: def.description,
    state: STATE[snapshot.state],
    stateReason: snapshot.reason,
    pid: snapshot.pid,
    restarts: snapshot.restarts,
    startedAt: snapshot.pid ? snapshot.startedAt : undefined,
    uptimeMs: snapshot.pid && snapshot.startedAt ? Date.now() - snapshot.startedAt.getTime() : 0,
    lastExit,
    critical: def.critical,
    after: [...def.after],
    restartPolicy: POLICY[def.restart.policy],
    readiness: READINESS[def.readiness.kind],
    logPath: snapshot.logPath,
    command: [def.command, ...def.args],
    hosts: [...def.hosts],
  };
}

const Name = v.object({ name: v.pipe(v.string(), v.nonEmpty("must name a service")) });
const MAX_PAGE = 1000;
const DEFAULT_PAGE = 50;

export interface InitServiceOptions {
  supervisor: Supervisor;
  bootedAt: Date;
  /** Starts the orderly shutdown; returns at once. */
  shutdown(action: PowerAction, reason: string): void;
  /** Reads aios.toml again (a ConfigError when it is not valid) and returns what changed. */
  reloadConfig(): { changes: KeyChange[]; restart: string[] };
  /** aios.toml, as this aios-init reads it. */
  configFile: string;
}

const toProtoKey = (entry: ConfigKeyView) => ({ key: entry.key, valueJson: JSON.stringify(entry.value) ?? "null", setInFile: entry.setInFile, secret: entry.secret });
const SetConfigInput = v.object({ key: ConfigKeySchema, value: v.pipe(v.string(), v.maxLength(4096, "a value is at most 4096 characters")) });

const EFFECT: Record<Effect, ConfigEffect> = { applied: ConfigEffect.CONFIG_EFFECT_APPLIED, restart: ConfigEffect.CONFIG_EFFECT_RESTART, boot: ConfigEffect.CONFIG_EFFECT_BOOT };

export function initService({ supervisor, bootedAt, shutdown, reloadConfig, configFile }: InitServiceOptions): ServiceImplementation {
  const known = (request: unknown) => {
    const { name } = parseRequest(Name, request);
    if (!supervisor.has(name)) {
      const hosted = [...supervisor.hosted()].map(([component, service]) => `${component} runs in ${service}`);
      throw notFound(`no service named "${name}" (known: ${supervisor.names().join(", ")}${hosted.length ? `; ${hosted.join(", ")}` : ""})`);
    }
    return name;
  };
  const current = (name: string) => ({ service: toProtoService(supervisor.snapshot(name)) });

  return implement(InitServiceDefinition, {
    reloadConfig: () => {
      let result: ReturnType<typeof reloadConfig>;
      try {
        result = reloadConfig();
      } catch (error) {
        if (error instanceof ConfigError) throw failedPrecondition(`${error.message}\nnothing was applied; fix it with aiosctl config edit`);
        throw error;
      }
      return {
        changes: result.changes.map((change) => ({
          key: change.key,
          beforeJson: JSON.stringify(change.before) ?? "null",
          afterJson: JSON.stringify(change.after) ?? "null",
          effect: EFFECT[change.effect],
          restart: change.components,
        })),
        restart: result.restart,
      };
    },
    getConfig: () => {
      try {
        return { keys: configKeys(configFile).map(toProtoKey), file: configFile };
      } catch (error) {
        if (error instanceof ConfigError) throw failedPrecondition(`${error.message}\nfix it with aiosctl config edit`);
        throw error;
      }
    },
    setConfig: (request) => {
      const { key, value } = parseRequest(SetConfigInput, request);
      try {
        parseConfigText(readConfigText(configFile), configFile);
      } catch (error) {
        if (error instanceof ConfigError) throw failedPrecondition(`${error.message}\nthe file is not valid as it is: fix it with aiosctl config edit first`);
        throw error;
      }
      let saved: ReturnType<typeof saveConfigKey>;
      try {
        saved = saveConfigKey(configFile, key, request.unset ? null : value);
      } catch (error) {
        if (error instanceof ConfigError) throw invalidArgument("value", error.problems.join("; "));
        // Not a key, a secret, or a key this cannot change in place: about the key, not its value.
        if (error instanceof ConfigEditError) throw invalidArgument("key", error.message);
        throw error;
      }
      return { key: toProtoKey({ key, value: saved.after, setInFile: !request.unset, secret: false }), beforeJson: JSON.stringify(saved.before) ?? "null" };
    },
    listServices: (request) => {
      const size = pageLimit(request.pageSize, DEFAULT_PAGE, MAX_PAGE);
      const start = pageOffset(request.pageToken);
      const all = supervisor.list();
      if (start > all.length) throw invalidArgument("page_token", "must be a next_page_token from a previous response");
      const end = Math.min(start + size, all.length);
      const { health, reasons } = supervisor.health();
      return {
        services: all.slice(start, end).map(toProtoService),
        nextPageToken: end < all.length ? String(end) : "",
        systemHealth: HEALTH[health],
        degradedReasons: reasons,
        bootedAt,
      };
    },
    getService: (request) => current(known(request)),
    startService: async (request) => {
      const name = known(request);
      supervisor.start(name);
      if (request.waitReady) await supervisor.whenSettled(name);
      return current(name);
    },
    stopService: async (request) => {
      const name = known(request);
      await supervisor.stop(name);
      return current(name);
    },
    restartService: async (request) => {
      const name = known(request);
      await supervisor.restart(name);
      if (request.waitReady) await supervisor.whenSettled(name);
      return current(name);
    },
    streamLogs: async function* (request, ctx) {
      const name = known(request);
      const log = supervisor.logOf(name);
      const toMessage = (line: { seq: number; time: Date; stream: LogStreamName; text: string }) => ({
        service: name,
        seq: line.seq,
        time: line.time,
        stream: STREAM[line.stream],
        text: line.text,
      });
      const queue = new AsyncQueue<ReturnType<typeof toMessage>>(ctx.signal);
      // Subscribe before reading the tail so that no line falls between the two.
      const unsubscribe = request.follow ? log.subscribe((line) => queue.push(toMessage(line))) : () => {};
      try {
        const tail = log.tail(request.tailLines);
        const lastTailSeq = tail.at(-1)?.seq ?? 0;
        for (const line of tail) yield toMessage(line);
        if (!request.follow) return;
        for await (const line of queue) if (line.seq > lastTailSeq) yield line;
      } finally {
        unsubscribe();
      }
    },
    shutdown: (request) => {
      const action = ACTION[request.action];
      if (!action) throw invalidArgument("action", "must be POWEROFF, REBOOT or HALT");
      shutdown(action, request.reason || "requested over gRPC");
      return { action: request.action };
    },
  });
}
