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
const absolutePath = (fallback: string) => v.optional(v.pipe(v.string(), v.startsWith("/", "must be an absolute path (start with /)")), fallback);

/** A section whose keys all have defaults: a missing section is the same as an empty one. */
function section<const T extends v.ObjectEntries>(entries: T) {
  // The empty default is itself run through the section's schema, which fills in every key.
  return v.optional(v.strictObject(entries), {} as never);
}

export const ConfigSchema = v.strictObject({
  system: section({
    /** The machine's host name. */
    hostname: v.optional(v.pipe(v.string(), v.regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i, "must be a host name (letters, digits, -)")), "aios"),
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
    /** DNS servers for /etc/resolv.conf, in either mode; empty: DHCP's (static mode: none). */
    dns: v.optional(v.pipe(v.array(v.pipe(v.string(), v.ip())), v.maxLength(3, "resolv.conf takes at most 3 name servers")), []),
    /** Search domains for /etc/resolv.conf with the dns servers above. */
    search: v.optional(v.array(v.pipe(v.string(), v.regex(/^[A-Za-z0-9.-]{1,253}$/, "must be a domain name"))), []),
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
  orchestrator: section({
    /** Goals planned or run at once; the rest wait in the queue. */
    max_running_goals: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1)), 2),
    /** Tasks of one goal run at once (those whose dependencies are done). */
    max_parallel_tasks: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1)), 4),
    /** A waiting goal gains one priority point per this long, so low priorities are not starved. */
    aging_ms: milliseconds(60_000),
    /** Retries of a failed task at its layer before it is escalated one layer up. */
    task_retries: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(10)), 3),
    /** First retry delay of a failed task; it doubles each time. */
    task_retry_base_ms: milliseconds(1000),
    /** Most tasks a plan may have. */
    max_plan_tasks: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(200)), 20),
    /** Tokens of memory (past procedures and incidents) given to the planner. */
    context_tokens: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0)), 1500),
    /** Largest tool output given back to a model, in characters (the rest is cut, and it says so). */
    tool_output_chars: v.optional(v.pipe(v.number(), v.integer(), v.minValue(256)), 8000),
    /** How often the monitor looks at the machine; 0 turns the monitor off. */
    monitor_interval_ms: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0)), 60_000),
    /** The monitor submits a goal when a file system is fuller than this (percent). */
    monitor_disk_percent: v.optional(v.pipe(v.number(), v.minValue(1), v.maxValue(100)), 90),
    /** The monitor submits a goal when available memory is below this (percent of total). */
    monitor_memory_available_percent: v.optional(v.pipe(v.number(), v.minValue(0), v.maxValue(100)), 5),
    /** The same monitor finding submits at most one goal per this long. */
    monitor_cooldown_ms: milliseconds(900_000),
  }),
  gateway: section({
    /** The llama-server executable (built by `just llama-server`, /usr/bin/llama-server in the image). */
    llama_server: absolutePath("/usr/bin/llama-server"),
    /** Where GGUF files are looked up when a model's file is a bare name. */
    models_dir: absolutePath("/var/lib/aios/models"),
    /** How long a llama-server may take to load its model and answer /health. */
    ready_timeout_ms: milliseconds(120_000),
    /** A local model not marked always_loaded stops after this long unused (5 minutes). */
    idle_unload_ms: milliseconds(300_000),
    /** Longest a model call may take, retries included. */
    request_timeout_ms: milliseconds(120_000),
    /** Largest prompt (all messages, tools and schema, in UTF-8 bytes) the gateway accepts. */
    max_prompt_bytes: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1024)), 1_048_576),
    /** Requests that may wait for one local model; more are refused with RESOURCE_EXHAUSTED. */
    queue_capacity: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1)), 64),
    /** "priority": interactive before normal before background; "fifo": arrival order. */
    queue_policy: v.optional(v.picklist(["priority", "fifo"]), "priority"),
    /** Answers kept in the response cache (deterministic requests: temperature 0); 0 turns it off. */
    cache_entries: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0)), 256),
    /** How long a cached answer stays valid. */
    cache_ttl_ms: milliseconds(600_000),
    /** Retries of one model after a 429, a 5xx or a network error, before the next model of the chain. */
    retries: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(10)), 2),
    /** First retry delay; it doubles each time, with jitter, up to retry_max_ms. */
    retry_base_ms: milliseconds(500),
    /** Longest wait between retries; a longer Retry-After moves on to the next model instead. */
    retry_max_ms: milliseconds(20_000),
    /** Consecutive failed calls that open a model's circuit (it is passed over). */
    circuit_failures: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1)), 3),
    /** How long an open circuit stays open before one probe call is let through. */
    circuit_open_ms: milliseconds(30_000),
    /** Limit of all cloud spending per calendar month (UTC), in US dollars; 0 for none. */
    monthly_budget_usd: v.optional(v.pipe(v.number(), v.minValue(0)), 0),
    /** The model Embed uses; empty for the first model with embeddings = true. */
    embedding_model: v.optional(v.string(), ""),
    /** Texts sent to the embedding model in one request. */
    embed_batch_size: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(512)), 32),
    /** The chain of model ids tried for each layer, in order. An empty chain is the layer's own
     * models in config order, then those of the layers below it. */
    layers: section({
      operational: v.optional(v.array(v.string()), []),
      tactical: v.optional(v.array(v.string()), []),
      strategic: v.optional(v.array(v.string()), []),
    }),
    /** Cloud endpoints: Anthropic, OpenAI, or anything speaking the OpenAI API (vLLM, Ollama). */
    providers: v.optional(
      v.array(
        v.strictObject({
          id: v.pipe(
            v.string(),
            v.regex(/^[a-z0-9][a-z0-9_-]*$/, "must be a lower-case id (letters, digits, - and _)"),
            v.check((id) => id !== "local", '"local" is the id of the llama-server models'),
          ),
          kind: v.picklist(["anthropic", "openai"]),
          /** Empty for the vendor's own API. */
          base_url: v.optional(v.union([v.literal(""), v.pipe(v.string(), v.url("must be a URL"))]), ""),
          /** The key itself (prefer api_key_env: the config file is readable by services). */
          api_key: v.optional(v.string(), ""),
          /** The environment variable holding the key. */
          api_key_env: v.optional(v.string(), ""),
          /** Limit of this provider's spending per calendar month, in US dollars; 0 for none. */
          monthly_budget_usd: v.optional(v.pipe(v.number(), v.minValue(0)), 0),
        }),
      ),
      [],
    ),
    /** Models, local (a GGUF file run by llama-server) or at a provider. */
    models: v.optional(
      v.array(
        v.strictObject({
          id: v.pipe(v.string(), v.regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, "must be an id (letters, digits, ., - and _)")),
          layer: v.picklist(["operational", "tactical", "strategic", "embedding"]),
          /** "local" or the id of a [[gateway.providers]] entry. */
          provider: v.optional(v.string(), "local"),
          /** Local: the GGUF file, a name in models_dir or an absolute path. */
          file: v.optional(v.string(), ""),
          /** Cloud: the model's name at the provider ("claude-sonnet-4-5", "gpt-4o-mini"). */
          name: v.optional(v.string(), ""),
          context_size: v.optional(v.pipe(v.number(), v.integer(), v.minValue(256)), 4096),
          /** Local: CPU threads of its llama-server. */
          threads: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1)), 1),
          /** Local: requests it serves at once (llama-server slots). */
          parallel: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(64)), 1),
          /** Local: more llama-server arguments. */
          extra_args: v.optional(v.array(v.string()), []),
          /** It serves Embed (a local model runs with --embeddings). */
          embeddings: v.optional(v.boolean(), false),
          /** Local: started with the gateway and never unloaded for idleness. */
          always_loaded: v.optional(v.boolean(), false),
          /** Local: stop after this long unused; unset for gateway.idle_unload_ms. */
          idle_unload_ms: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1))),
          /** Answer length when a request sets none. */
          max_tokens: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1)), 1024),
          /** Price per million input tokens, in US dollars (0 for local models). */
          input_usd_per_mtok: v.optional(v.pipe(v.number(), v.minValue(0)), 0),
          /** Price per million output tokens, in US dollars. */
          output_usd_per_mtok: v.optional(v.pipe(v.number(), v.minValue(0)), 0),
        }),
      ),
      [
        {
          id: "operational",
          layer: "operational",
          provider: "local",
          file: "operational.gguf",
          name: "",
          context_size: 4096,
          threads: 1,
          parallel: 1,
          extra_args: [],
          embeddings: false,
          always_loaded: true,
          max_tokens: 1024,
          input_usd_per_mtok: 0,
          output_usd_per_mtok: 0,
        },
        {
          id: "tactical",
          layer: "tactical",
          provider: "local",
          file: "tactical.gguf",
          name: "",
          context_size: 8192,
          threads: 1,
          parallel: 1,
          extra_args: [],
          embeddings: false,
          always_loaded: false,
          max_tokens: 1024,
          input_usd_per_mtok: 0,
          output_usd_per_mtok: 0,
        },
      ],
    ),
  }),
  pkg: section({
    /**
     * The Debian 12 mirror packages are installed from: an http(s) URL, a file:// URL or a
     * directory. Its InRelease must be signed by a key of `keyring`.
     */
    mirror: v.optional(
      v.pipe(v.string(), v.regex(/^(https?:\/\/[^\s]+|file:\/\/\/[^\s]*|\/[^\s]*)$/, "must be an http(s):// URL, a file:/// URL or an absolute directory")),
      "http://deb.debian.org/debian",
    ),
    /** The suite (bookworm) or its alias (stable); a Release of another suite is refused. */
    suite: v.optional(v.pipe(v.string(), v.regex(/^[a-z0-9][a-z0-9.-]*$/, "must be a suite name such as bookworm")), "bookworm"),
    components: v.optional(v.pipe(v.array(v.pipe(v.string(), v.regex(/^[a-z0-9][a-z0-9-]*$/, "must be a component such as main"))), v.minLength(1)), ["main"]),
    /** The OpenPGP keys a Release must be signed with (binary .gpg or armoured .asc). */
    keyring: absolutePath("/usr/share/keyrings/debian-archive-keyring.gpg"),
    /**
     * The packages already on the machine (deb822: Package, Version, Provides), never
     * installed again: the image's list, or dpkg's status file on a Debian host.
     */
    base: absolutePath("/usr/lib/aios/packages"),
  }),
  mcp: section({
    /**
     * MCP servers whose tools AIOS's agents may call, as mcp.SERVER.TOOL, through the same
     * pipeline as AIOS's own tools (capability mcp:call:SERVER.TOOL, approvals by risk,
     * the audit ledger; no backups: AIOS cannot undo what another program did).
     */
    servers: v.optional(
      v.pipe(
        v.array(
          v.pipe(
            v.strictObject({
              /** The server's name in tool names and capabilities. */
              name: v.pipe(v.string(), v.regex(/^[a-z][a-z0-9_-]{0,31}$/, "must be a short lower-case name (letters, digits, - and _)")),
              /** A program speaking MCP on stdin/stdout: the argv, program first. */
              command: v.optional(v.array(v.pipe(v.string(), v.nonEmpty("an argument must not be empty"))), []),
              /** Its environment, beside PATH, HOME and LANG (nothing else of aios-tools' is passed). */
              env: v.optional(v.record(v.pipe(v.string(), v.regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be an environment variable name")), v.string()), {}),
              /** Or a Streamable HTTP endpoint. */
              url: v.optional(v.union([v.literal(""), v.pipe(v.string(), v.url("must be a URL"), v.regex(/^https?:/, "must be an http(s) URL"))]), ""),
              /** The environment variable of aios-tools holding a bearer token for `url`. */
              token_env: v.optional(v.string(), ""),
              /** The risk of each of its tools (an unknown program's tool is risky until a person says otherwise). */
              risk: v.optional(v.picklist(["low", "medium", "high", "critical"]), "high"),
              /** A risk per tool name, for the tools a person has judged. */
              tool_risk: v.optional(v.record(v.string(), v.picklist(["low", "medium", "high", "critical"])), {}),
              /** Agent kinds that may call its tools (they see mcp.NAME and hold mcp:call:NAME.*). */
              agents: v.optional(v.array(v.pipe(v.string(), v.regex(/^[a-z][a-z0-9-]{0,62}$/, "must be an agent kind"))), []),
              /** The longest one call may take. */
              timeout_ms: milliseconds(60_000),
            }),
            v.check((server) => server.command.length > 0 !== (server.url !== ""), "a server has either a command or a url"),
          ),
        ),
        v.check((servers) => new Set(servers.map((s) => s.name)).size === servers.length, "two MCP servers have the same name"),
      ),
      [],
    ),
  }),
  fleet: section({
    /** Join a fleet of AIOS machines through NATS JetStream (aios-fleet runs only then). */
    enabled: v.optional(v.boolean(), false),
    /** NATS servers: nats://host:4222 (or tls://). */
    servers: v.optional(v.array(v.pipe(v.string(), v.regex(/^(nats|tls):\/\/[^\s/]+$/, "must be a NATS URL (nats://host:4222 or tls://host:4222)"))), []),
    /** This machine's name in the fleet; empty: system.hostname. */
    name: v.optional(v.pipe(v.string(), v.regex(/^$|^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, "must be a machine name (lower-case letters, digits, -)")), ""),
    /** Labels goals are addressed by: { role = "web", site = "lab" }. */
    labels: v.optional(
      v.record(
        v.pipe(v.string(), v.regex(/^[a-z][a-z0-9_.-]{0,62}$/, "must be a label name (lower-case letters, digits, _ . -)")),
        v.pipe(v.string(), v.regex(/^[A-Za-z0-9_.-]{0,63}$/, "must be a label value (letters, digits, _ . -)")),
      ),
      {},
    ),
    /** NATS user credentials (.creds: a user JWT and its nkey seed), on the data disk. */
    credentials_file: v.optional(v.pipe(v.string(), v.regex(/^$|^\//, "must be an absolute path (start with /)")), ""),
    /** Or a user nkey seed file (nkey authentication). */
    nkey_seed_file: v.optional(v.pipe(v.string(), v.regex(/^$|^\//, "must be an absolute path (start with /)")), ""),
    /** Or a user name and a file holding its password. */
    user: v.optional(v.string(), ""),
    password_file: v.optional(v.pipe(v.string(), v.regex(/^$|^\//, "must be an absolute path (start with /)")), ""),
    /** A CA certificate (PEM) the NATS servers' TLS certificates are checked against. */
    tls_ca_file: v.optional(v.pipe(v.string(), v.regex(/^$|^\//, "must be an absolute path (start with /)")), ""),
    /** Public keys (ed25519, base64) of machines whose fleet goals this one runs; its own is always trusted. */
    trusted_keys: v.optional(v.array(v.pipe(v.string(), v.regex(/^[A-Za-z0-9+/]{43}=$/, "must be a public key as aiosctl fleet status prints it"))), []),
    /** Let people at trusted machines answer this machine's approvals (their answers are signed); off: only people here. */
    remote_approvals: v.optional(v.boolean(), false),
    /** Share the procedures this machine learned with trusted machines, and remember theirs. */
    share_procedures: v.optional(v.boolean(), false),
    /** How often this machine's record is written. */
    heartbeat_ms: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1000)), 10_000),
    /** A record older than this is shown as unreachable. */
    stale_ms: v.optional(v.pipe(v.number(), v.integer(), v.minValue(2000)), 35_000),
  }),
  console: section({
    /** Address the console listens on. */
    listen: v.optional(v.pipe(v.string(), v.ip()), "0.0.0.0"),
    /** Port of plain HTTP: redirects to HTTPS, serves, or is closed (`http`). */
    port: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(65_535)), 9090),
    /**
     * HTTPS: "self-signed" (a certificate made on first start for the machine's names and
     * addresses, STATE_DIR/tls/console.crt; its fingerprint is shown on the serial console),
     * "provided" (cert_file and key_file), or "off" (plain HTTP only).
     */
    tls: v.optional(v.picklist(["self-signed", "provided", "off"]), "self-signed"),
    /** Port of HTTPS. */
    https_port: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(65_535)), 9443),
    /** What plain HTTP on `port` does while HTTPS is on: "redirect" (308 to HTTPS), "serve" (the console, unencrypted) or "off". */
    http: v.optional(v.picklist(["redirect", "serve", "off"]), "redirect"),
    /** A certificate (PEM, the chain after it) and its private key, for tls = "provided". */
    cert_file: v.optional(v.pipe(v.string(), v.regex(/^$|^\//, "must be an absolute path (start with /)")), ""),
    key_file: v.optional(v.pipe(v.string(), v.regex(/^$|^\//, "must be an absolute path (start with /)")), ""),
    /**
     * Sign in with a password instead of the admin token: a hash from `aios-console
     * --hash-password` (argon2id). Empty: the admin token (STATE_DIR/console/admin-token).
     */
    password_hash: v.optional(v.pipe(v.string(), v.regex(/^$|^\$(argon2(id|i|d)|2[aby])\$/, "must be a hash printed by aios-console --hash-password")), ""),
    /** How long a browser session lasts without use. */
    session_idle_ms: v.optional(v.pipe(v.number(), v.integer(), v.minValue(60_000)), 12 * 3600_000),
    /** How long a browser session lasts at most, in use or not: then sign in again. */
    session_max_ms: v.optional(v.pipe(v.number(), v.integer(), v.minValue(60_000), v.maxValue(30 * 86_400_000)), 12 * 3600_000),
    /** Failed sign-ins from one address within failure_window_ms before it is locked out. */
    max_failures: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1)), 5),
    failure_window_ms: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1000)), 15 * 60_000),
    /** How long a locked-out address is refused, even with the right secret. */
    lockout_ms: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1000)), 15 * 60_000),
  }),
});

export type Config = v.InferOutput<typeof ConfigSchema>;
