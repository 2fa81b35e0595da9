/**
 * @module lib/config/schema
 * The one schema of /etc/aios/aios.toml. Every key has a default, so an empty file is a
 * complete configuration; an unknown key is an error (a typo must not be silently ignored).
 * rootfs/overlay/etc/aios/aios.toml documents every key with its default, and a test keeps the two equal.
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
    /** Kernel modules loaded at boot, in order (modprobe resolves their dependencies). */
    modules: v.optional(v.array(v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]+$/, "must be a module name"))), [
      "virtio_pci",
      "virtio_blk",
      "virtio_net",
      "virtio_console",
      "virtio_rng",
      "crc32c_generic",
      "ext4",
    ]),
  }),
  network: section({
    /** The interface brought up at boot. */
    interface: v.optional(v.pipe(v.string(), v.regex(/^[A-Za-z0-9_.-]{1,15}$/, "must be an interface name")), "eth0"),
    /** "dhcp" (BusyBox udhcpc, supervised) or "static" (address and gateway below). */
    mode: v.optional(v.picklist(["dhcp", "static"]), "dhcp"),
    /** Static mode: the address with its prefix length, "192.168.1.10/24". */
    address: v.optional(v.pipe(v.string(), v.regex(/^$|^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/, "must be an IPv4 address with a prefix length (192.168.1.10/24)")), ""),
    /** Static mode: the default gateway; empty for none. */
    gateway: v.optional(v.union([v.literal(""), v.pipe(v.string(), v.ip())]), ""),
  }),
  storage: section({
    /** The ext4 label of the persistent data disk mounted at state_dir; tmpfs when absent. */
    data_label: v.optional(v.pipe(v.string(), v.nonEmpty()), "AIOS-DATA"),
  }),
  ssh: section({
    /** Public keys allowed to log in as root (with the kernel command line's aios.ssh_key=). */
    authorized_keys: v.optional(v.array(v.pipe(v.string(), v.regex(/^(ssh-|ecdsa-|sk-)\S+ \S+/, "must be an OpenSSH public key line"))), []),
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
  tools: section({
    /** Largest output a tool call returns; longer output is cut and the cut is reported. */
    output_cap_bytes: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1024)), 1_048_576),
    /** Backups of reversible calls kept for Rollback; the oldest go first. */
    backup_retention: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1)), 200),
    /** An unanswered approval expires as denied after this long. */
    approval_ttl_ms: milliseconds(900_000),
  }),
  memory: section({
    /** Where vectors live: "sqlite-vec" (in memory.db, the default) or "lancedb" (a second
     * store under STATE_DIR/memory/lancedb for large memories; not in the image). */
    vector_backend: v.optional(v.picklist(["sqlite-vec", "lancedb"]), "sqlite-vec"),
    /** "auto": the gateway's embedding model when it answers, else the hashing embedder;
     * "gateway": wait for the gateway; "hashing": never ask the gateway. */
    embedder: v.optional(v.picklist(["auto", "gateway", "hashing"]), "auto"),
    /** The gateway's embedding model id; empty for the one the gateway is configured with. */
    embedding_model: v.optional(v.string(), ""),
    /** Length of the hashing embedder's vectors. */
    hashing_dimensions: v.optional(v.pipe(v.number(), v.integer(), v.minValue(16), v.maxValue(4096)), 256),
    /** Events kept in the operational ring buffer. */
    operational_capacity: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1)), 10_000),
    /** How long an event stays in the ring buffer. */
    operational_max_age_ms: milliseconds(3_600_000),
    /** Days the working tier keeps events, decisions, outcomes and agent state. */
    working_retention_days: v.optional(v.pipe(v.number(), v.minValue(0.001)), 30),
    /** How often compaction drops expired working-tier entries (it also runs at start). */
    compaction_interval_ms: milliseconds(3_600_000),
    /** Largest content a memory may have; longer text is refused with a clear error. */
    max_content_bytes: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1024)), 65_536),
  }),
  console: section({
    /** Address the HTTP console listens on. */
    listen: v.optional(v.pipe(v.string(), v.ip()), "0.0.0.0"),
    /** Port of the HTTP console. */
    port: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(65_535)), 9090),
  }),
});

export type Config = v.InferOutput<typeof ConfigSchema>;
