/**
 * @module lib/config/schema
 * The one schema of /etc/aios/aios.toml. Every key has a default, so an empty file is a
 * complete configuration; an unknown key is an error (a typo must not be silently ignored).
 * rootfs/etc/aios/aios.toml documents every key with its default, and a test keeps the two equal.
 */
import * as v from "valibot";
import { LOG_LEVELS } from "../log/index.ts";

const milliseconds = (fallback: number) => v.optional(v.pipe(v.number(), v.integer(), v.minValue(1)), fallback);

// An absolute path: relative paths would depend on the service's working directory.
const absolutePath = (fallback: string) =>
  v.optional(v.pipe(v.string(), v.startsWith("/", "must be an absolute path (start with /)")), fallback);

/** A section whose keys all have defaults: a missing section is the same as an empty one. */
function section<const T extends v.ObjectEntries>(entries: T) {
  // The empty default is itself run through the section's schema, which fills in every key.
  return v.optional(v.strictObject(entries), {} as never);
}

export const ConfigSchema = v.strictObject({
  system: section({
    /** The machine's host name. */
    hostname: v.optional(
      v.pipe(v.string(), v.regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i, "must be a host name (letters, digits, -)")),
      "aios",
    ),
  }),
  log: section({
    /** Lowest level written by every component. */
    level: v.optional(v.picklist(LOG_LEVELS), "info"),
  }),
  paths: section({
    /** gRPC sockets: NAME.sock for each component. */
    run_dir: absolutePath("/run/aios"),
    /** State: memory, audit, goals, models. */
    state_dir: absolutePath("/var/lib/aios"),
    /** Service logs captured by aios-init. */
    log_dir: absolutePath("/var/log/aios"),
    /** Service and agent definitions. */
    config_dir: absolutePath("/etc/aios"),
  }),
  rpc: section({
    /** Deadline of a call between components when the caller sets none. */
    call_timeout_ms: milliseconds(10_000),
    /** How long a client waits for a server's socket to become ready. */
    connect_timeout_ms: milliseconds(5_000),
    /** Time in-flight calls get to finish when a component is asked to stop. */
    shutdown_grace_ms: milliseconds(5_000),
  }),
  console: section({
    /** Address the HTTP console listens on. */
    listen: v.optional(v.pipe(v.string(), v.ip()), "0.0.0.0"),
    /** Port of the HTTP console. */
    port: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(65_535)), 9090),
  }),
});

export type Config = v.InferOutput<typeof ConfigSchema>;
