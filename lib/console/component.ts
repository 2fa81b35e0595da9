/**
 * @module lib/console/component
 * aios-console as a process: the HTTP console (web page and JSON API) on [console] listen:port,
 * a client of every other component through its contract. On first start it makes the admin
 * token and shows it once on the serial console (/dev/console when it runs as the system's
 * console; standard error under --root). `--hash-password` turns a password read on standard
 * input into the hash [console] password_hash takes.
 */
import { appendFileSync } from "node:fs";
import { join } from "node:path";
import { rooted, VERSION } from "../config/index.ts";
import { createLogger } from "../log/index.ts";
import { commonUsage, EXIT_UNAVAILABLE, EXIT_USAGE, loadComponentConfig, parseCommonFlags, stopRequested } from "../rpc/component.ts";
import { createConsoleApp } from "./app.ts";
import { WebAssets } from "./assets.ts";
import { connectBackends } from "./backends.ts";
import { Credentials, hashPassword, loadOrCreateAdminToken } from "./credentials.ts";
import { Lockout } from "./lockout.ts";
import { MetricsSampler } from "./metrics.ts";
import { SessionStore } from "./sessions.ts";
import { AuditWitness } from "./audit-witness.ts";

const SUMMARY = "the HTTP console: dashboard, goals, approvals and the JSON API";

/**
 * Shows a new admin token once, on the system console: never on standard error, which aios-init
 * keeps in the console's log (where monitor.logs could read it). Without a console device
 * (under --root, in a container) only the file's path is said.
 */
function announceToken(token: string, path: string, port: number, root: string): void {
  if (root === "" || root === "/") {
    try {
      appendFileSync(
        "/dev/console",
        `\naios-console: first start. The admin token of the console (port ${port}) and its API is:\n\n    ${token}\n\nIt is kept in ${path} (mode 0600); it is not shown again.\n\n`,
      );
      return;
    } catch {
      // no console device: say where the token is instead
    }
  }
  process.stderr.write(`aios-console: first start: the admin token of the console (port ${port}) and its API is in ${path} (mode 0600)\n`);
}

async function readPassword(): Promise<string> {
  const text = await new Response(Bun.stdin.stream()).text();
  return text.replace(/\r?\n$/, "");
}

export async function runConsole(argv: readonly string[]): Promise<number> {
  const usage = commonUsage(
    "aios-console",
    SUMMARY,
    "      --port N          listen on port N instead of [console] port (0: any free port)\n      --hash-password   read a password on standard input, print its hash for [console] password_hash\n",
  );
  const parsed = parseCommonFlags(argv, usage, { port: { type: "string" }, "hash-password": { type: "boolean" } });
  if (typeof parsed === "number") return parsed;
  if (parsed.values["hash-password"]) {
    const password = await readPassword();
    if (password.length < 8) {
      process.stderr.write("aios-console: the password needs at least 8 characters\n");
      return EXIT_USAGE;
    }
    process.stdout.write(`${await hashPassword(password)}\n`);
    return 0;
  }
  const config = loadComponentConfig(parsed.flags);
  if (typeof config === "number") return config;
  const root = parsed.flags.root;
  const log = createLogger({ component: "aios-console", level: config.log.level });

  const portFlag = parsed.values.port;
  const port = typeof portFlag === "string" ? Number(portFlag) : config.console.port;
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    process.stderr.write(`aios-console: --port must be a number from 0 to 65535, got "${String(portFlag)}"\n`);
    return EXIT_USAGE;
  }

  const stateDir = rooted(root, join(config.paths.state_dir, "console"));
  const tokenPath = join(stateDir, "admin-token");
  const admin = loadOrCreateAdminToken(tokenPath);
  const sessions = new SessionStore(join(stateDir, "console.db"), config.console.session_idle_ms, config.console.session_max_ms);
  const metrics = new MetricsSampler(rooted(root, config.paths.state_dir));
  metrics.start();
  const backends = connectBackends(config, root);
  // A witness of the audit ledger's head, kept in the console's own database.
  const witness = new AuditWitness(join(stateDir, "console.db"), backends.tools, log);
  witness.start();
  const app = createConsoleApp({
    backends,
    credentials: new Credentials(admin.token, config.console.password_hash),
    sessions,
    lockout: new Lockout({ maxFailures: config.console.max_failures, windowMs: config.console.failure_window_ms, lockoutMs: config.console.lockout_ms }),
    metrics,
    witness,
    assets: new WebAssets(),
    log,
  });

  const stop = stopRequested(log);
  // Long-lived event streams: no idle cut-off (Bun's default is 10 s); the SSE keep-alive
  // comment every 15 s shows a dead peer.
  // Bodies are small JSON documents; a 1 MiB cap turns a flood into a 413, not memory use.
  // reusePort off: a second console (an orphan of a killed aios-init, say) must fail to bind,
  // not share the port and answer half the requests from stale state.
  try {
    app.listen({ hostname: config.console.listen, port, idleTimeout: 0, maxRequestBodySize: 1 << 20, reusePort: false });
  } catch (error) {
    process.stderr.write(`aios-console: cannot listen on ${config.console.listen}:${port} (${(error as Error).message}): is another console or program using the port? (ss -ltnp)\n`);
    metrics.stop();
    witness.close();
    return EXIT_UNAVAILABLE;
  }
  if (admin.created) announceToken(admin.token, tokenPath, app.server?.port ?? port, root);
  log.info("serving", { url: `http://${config.console.listen}:${app.server?.port}`, version: VERSION });
  // Tests and scripts started with --port 0 learn the port from this line.
  process.stderr.write(`aios-console: listening on port ${app.server?.port}\n`);
  await stop;
  await app.stop(true);
  metrics.stop();
  witness.close();
  backends.close();
  sessions.close();
  return 0;
}
