/**
 * @module lib/init/service-config
 * A service definition: /etc/aios/services/NAME.toml. Every key but `command` has a default.
 * A bad file, an unknown `after` name or a dependency cycle is a ServiceConfigError naming the
 * file or the services, and stops the supervisor before anything starts.
 *
 *   command = "/usr/bin/aios-tools"      # absolute, or a name looked up in PATH
 *   args = ["--config", "/etc/aios/aios.toml"]
 *   after = ["memory"]                    # started once these are ready
 *   hosts = ["gateway"]                   # other components its process serves, each on its
 *                                         # own socket; their names reach this service
 *   critical = true                       # its failure makes the system degraded
 *   [readiness]  kind = "grpc"            # grpc (socket RUN_DIR/NAME.sock) | tcp | file | started
 *   [restart]    policy = "always"        # always | on-failure | never; 5 restarts in 300 s at most
 *   [stop]       signal = "SIGTERM", grace_ms = 10000
 */
import { readdirSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import * as v from "valibot";
import { describeIssue } from "../config/index.ts";

const positiveMs = (fallback: number) => v.optional(v.pipe(v.number(), v.integer(), v.minValue(1)), fallback);
const SIGNALS = ["SIGTERM", "SIGINT", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2", "SIGKILL"] as const;

export const SERVICE_NAME = /^[a-z][a-z0-9-]{0,62}$/;

export const ServiceFileSchema = v.strictObject({
  description: v.optional(v.string(), ""),
  command: v.pipe(v.string(), v.nonEmpty("must name the program to run")),
  args: v.optional(v.array(v.string()), []),
  env: v.optional(v.record(v.string(), v.string()), {}),
  /** A user name from /etc/passwd, or a numeric uid. */
  user: v.optional(v.union([v.string(), v.pipe(v.number(), v.integer(), v.minValue(0))]), "root"),
  working_dir: v.optional(v.string(), "/"),
  after: v.optional(v.array(v.pipe(v.string(), v.regex(SERVICE_NAME, "must be a service name"))), []),
  /**
   * Components its process serves besides its own (`aios host memory gateway`), each on its
   * own socket RUN_DIR/NAME.sock: readiness waits for every one, and their names stand for this
   * service (in `after`, and in StartService, StopService, RestartService, GetService, logs).
   */
  hosts: v.optional(v.array(v.pipe(v.string(), v.regex(SERVICE_NAME, "must be a component name"))), []),
  critical: v.optional(v.boolean(), false),
  /** Start at boot; a disabled service starts only when asked (StartService). */
  enabled: v.optional(v.boolean(), true),
  readiness: v.optional(
    v.strictObject({
      kind: v.optional(v.picklist(["grpc", "tcp", "file", "started"]), "started"),
      /** grpc: the socket; RUN_DIR/NAME.sock by default. */
      socket: v.optional(v.string()),
      /** tcp: the port on 127.0.0.1. */
      port: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(65_535))),
      /** file: the path that appears when it is ready. */
      path: v.optional(v.string()),
      /** How long it may take; past that it is stopped and counted as a failed start. */
      timeout_ms: positiveMs(30_000),
    }),
    {} as never,
  ),
  restart: v.optional(
    v.strictObject({
      policy: v.optional(v.picklist(["always", "on-failure", "never"]), "on-failure"),
      /** At most this many restarts within window_ms, then the service is failed. */
      max_restarts: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0)), 5),
      window_ms: positiveMs(300_000),
      /** Wait before the first restart; doubles each time up to backoff_max_ms. */
      backoff_initial_ms: positiveMs(1_000),
      backoff_max_ms: positiveMs(30_000),
    }),
    {} as never,
  ),
  stop: v.optional(
    v.strictObject({
      signal: v.optional(v.picklist(SIGNALS), "SIGTERM"),
      grace_ms: positiveMs(10_000),
    }),
    {} as never,
  ),
  log: v.optional(
    v.strictObject({
      /** NAME.log is rotated to NAME.log.1 past this size. */
      max_bytes: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1024)), 1_048_576),
      /** Rotated files kept. */
      keep: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(20)), 3),
      /** Lines kept in memory for StreamLogs. */
      ring_lines: v.optional(v.pipe(v.number(), v.integer(), v.minValue(10)), 1000),
    }),
    {} as never,
  ),
});

export type ServiceFile = v.InferOutput<typeof ServiceFileSchema>;
export interface ServiceDefinition extends ServiceFile {
  readonly name: string;
  readonly file: string;
}

export class ServiceConfigError extends Error {
  override readonly name = "ServiceConfigError";
}

export function parseServiceFile(name: string, file: string, text: string): ServiceDefinition {
  if (!SERVICE_NAME.test(name)) throw new ServiceConfigError(`${file}: "${name}" is not a valid service name (a-z, 0-9, -)`);
  let document: unknown;
  try {
    document = Bun.TOML.parse(text);
  } catch (error) {
    const { line } = error as { line?: number };
    throw new ServiceConfigError(`${file}: TOML syntax error${line ? ` at line ${line}` : ""}: ${(error as Error).message}`);
  }
  const result = v.safeParse(ServiceFileSchema, document, { abortEarly: false });
  if (!result.success) throw new ServiceConfigError(`${file}:\n  ${result.issues.map((issue) => describeIssue(issue, "")).join("\n  ")}`);
  const service = { ...result.output, name, file };
  const { readiness } = service;
  if (readiness.kind === "tcp" && readiness.port === undefined) throw new ServiceConfigError(`${file}: readiness.port: required when readiness.kind is "tcp"`);
  if (readiness.kind === "file" && !readiness.path) throw new ServiceConfigError(`${file}: readiness.path: required when readiness.kind is "file"`);
  return service;
}

/** Reads every DIR/*.toml and checks the dependencies between them. */
export function loadServiceDirectory(dir: string): ServiceDefinition[] {
  let files: string[];
  try {
    files = readdirSync(dir)
      .filter((f) => f.endsWith(".toml"))
      .sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw error;
  }
  const services = files.map((f) => parseServiceFile(basename(f, ".toml"), join(dir, f), readFileSync(join(dir, f), "utf8")));
  startOrder(services);
  return services;
}

/**
 * The services in an order where each comes after everything in its `after` list. An unknown
 * name or a cycle is a ServiceConfigError naming the services.
 */
export function startOrder<T extends { name: string; after: readonly string[]; hosts?: readonly string[] }>(given: readonly T[]): T[] {
  const hostOf = hostedNames(given);
  // A hosted component's name in `after` means the service that hosts it.
  const services = given.map((s) => ({ ...s, after: [...new Set(s.after.map((name) => hostOf.get(name) ?? name))].filter((name) => name !== s.name) }));
  const byName = new Map(services.map((s) => [s.name, s]));
  for (const service of services) {
    for (const dependency of service.after) {
      if (!byName.has(dependency)) {
        throw new ServiceConfigError(`service "${service.name}" comes after "${dependency}", but no service has that name`);
      }
    }
  }
  const order: T[] = [];
  const state = new Map<string, "visiting" | "done">();
  const visit = (service: T, path: string[]) => {
    const seen = state.get(service.name);
    if (seen === "done") return;
    if (seen === "visiting") {
      const cycle = [...path.slice(path.indexOf(service.name)), service.name];
      throw new ServiceConfigError(`services depend on each other in a cycle: ${cycle.join(" → ")}`);
    }
    state.set(service.name, "visiting");
    for (const dependency of service.after) visit(byName.get(dependency)!, [...path, service.name]);
    state.set(service.name, "done");
    order.push(service);
  };
  for (const service of [...services].sort((a, b) => a.name.localeCompare(b.name))) visit(service, []);
  return order;
}

/** Each hosted component's name → the service that hosts it; a name hosted twice or also a service's is an error. */
export function hostedNames(services: readonly { name: string; hosts?: readonly string[] }[]): Map<string, string> {
  const names = new Set(services.map((s) => s.name));
  const hostOf = new Map<string, string>();
  for (const service of services) {
    for (const hosted of service.hosts ?? []) {
      if (names.has(hosted)) throw new ServiceConfigError(`service "${service.name}" hosts "${hosted}", which is also a service of its own: remove one`);
      const other = hostOf.get(hosted);
      if (other) throw new ServiceConfigError(`"${hosted}" is hosted by both "${other}" and "${service.name}": one process serves a component`);
      hostOf.set(hosted, service.name);
    }
  }
  return hostOf;
}
