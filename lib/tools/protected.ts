/**
 * @module lib/tools/protected
 * Paths no grant opens. A capability such as plain `fs:read` covers the whole file system, and
 * an agent holding it must still not read AIOS's own secrets (the console's admin token, the
 * tools' signing key, the databases, aios.toml with its API keys, the SSH host key), the
 * machine's (/etc/shadow, other processes' environments and memory), or reach AIOS's sockets;
 * nor may a write grant change what decides an agent's authority (/etc/aios). The executor asks
 * for every path resource, as given and with symlinks resolved; tools that walk a tree skip
 * what is protected.
 */
import { join } from "node:path";

export interface ProtectedDirs {
  /** [paths] state_dir: databases, keys, tokens, backups, models. */
  stateDir: string;
  /** [paths] run_dir: the gRPC sockets. */
  runDir: string;
  /** [paths] config_dir: aios.toml, services and agents. */
  configDir: string;
}

interface Rule {
  /** Matches the path itself and everything below it. */
  prefix?: string;
  pattern?: RegExp;
  why: string;
  /** Only changes are refused; reading is allowed. */
  writeOnly?: true;
  /** Reading is allowed here whatever a later rule says (a readable part of a protected tree). */
  readable?: true;
}

/** Capability actions that only look. */
const READING = new Set(["read", "integrity", "scan", "logs", "audit"]);

export class ProtectedPaths {
  private readonly rules: Rule[];
  /** Directories a spawned command must not even see (mounted over in its namespace). */
  readonly hiddenFromCommands: readonly string[];
  /** Directories inside hidden ones that commands do see: the installed packages they run. */
  readonly visibleToCommands: readonly string[];

  constructor(dirs: ProtectedDirs) {
    this.hiddenFromCommands = [dirs.stateDir, dirs.runDir];
    this.visibleToCommands = [join(dirs.stateDir, "pkg")];
    this.rules = [
      { prefix: join(dirs.stateDir, "pkg"), why: "the installed packages, changed only through the pkg tools", writeOnly: true, readable: true },
      { prefix: dirs.stateDir, why: "AIOS's state: its databases, keys, tokens and backups" },
      { prefix: dirs.runDir, why: "AIOS's component sockets" },
      { prefix: join(dirs.configDir, "aios.toml"), why: "AIOS's configuration, which holds API keys" },
      { prefix: dirs.configDir, why: "AIOS's service and agent definitions, which decide what agents may do", writeOnly: true },
      { pattern: /^\/etc\/g?shadow-?$/, why: "the password hashes" },
      { pattern: /^\/etc\/ssh\/ssh_host_[^/]*key$/, why: "an SSH host private key" },
      { prefix: "/root/.ssh", why: "root's SSH keys" },
      {
        pattern: /^\/proc\/(\d+|self|thread-self)(\/task\/\d+)?\/(environ|mem|auxv|pagemap|syscall|stack|maps|smaps|map_files|fd|fdinfo|cwd|root)(\/|$)/,
        why: "another process's environment, memory or open files",
      },
      { pattern: /^\/proc\/(kcore|kmem|keys|key-users|sysrq-trigger)$|^\/dev\/(mem|kmem|port)$/, why: "the kernel's memory" },
    ];
  }

  /** Why `path` (absolute, normalised) may not be touched with `action`, or null when it may. */
  refusal(path: string, action: string): string | null {
    const reading = READING.has(action);
    for (const rule of this.rules) {
      if (rule.writeOnly && reading) continue;
      const hit = rule.prefix !== undefined ? path === rule.prefix || path.startsWith(`${rule.prefix}/`) : rule.pattern!.test(path);
      if (hit && rule.readable && reading) return null;
      if (hit) return `${path} is protected (${rule.why}); no grant opens it`;
    }
    return null;
  }

  /** For tree walks, which only read: whether to skip `path` and everything below it. */
  skips(path: string): boolean {
    return this.refusal(path, "read") !== null;
  }
}
