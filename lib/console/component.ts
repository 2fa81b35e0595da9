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
import { commonUsage, EXIT_CONFIG, EXIT_UNAVAILABLE, EXIT_USAGE, loadComponentConfig, parseCommonFlags, stopRequested } from "../rpc/component.ts";
import { CertificateError, type ConsoleCertificate, loadConsoleCertificate } from "../tls/console-cert.ts";
import { createConsoleApp } from "./app.ts";
import { WebAssets } from "./assets.ts";
import { connectBackends } from "./backends.ts";
import { Credentials, hashPassword, loadOrCreateAdminToken } from "./credentials.ts";
import { Lockout } from "./lockout.ts";
import { MetricsSampler } from "./metrics.ts";
import { SessionStore } from "./sessions.ts";
import { ApiTokens } from "./api-tokens.ts";
import { AuditWitness } from "./audit-witness.ts";

const SUMMARY = "the HTTP console: dashboard, goals, approvals and the JSON API";

/**
 * Shows something a person needs once on the system console: never on standard error, which
 * aios-init keeps in the console's log (where monitor.logs could read it). Without a console
 * device (under --root, in a container) it is said on standard error without the secret.
 */
function announce(root: string, onConsole: string, withoutConsole: string): void {
  if (root === "" || root === "/") {
    try {
      appendFileSync("/dev/console", onConsole);
      return;
    } catch {
      // no console device: say where it is instead
    }
  }
  process.stderr.write(withoutConsole);
}

function announceToken(token: string, path: string, port: number, root: string): void {
  announce(
    root,
    `\naios-console: first start. The admin token of the console (port ${port}) and its API is:\n\n    ${token}\n\nIt is kept in ${path} (mode 0600); it is not shown again.\n\n`,
    `aios-console: first start: the admin token of the console (port ${port}) and its API is in ${path} (mode 0600)\n`,
  );
}

/** A new certificate's fingerprint: what a person compares with what a browser or client shows. */
function announceCertificate(certificate: ConsoleCertificate, port: number, root: string): void {
  const line = `aios-console: a new TLS certificate for https://${certificate.info.names[0]}:${port} (${certificate.info.names.join(", ")}).\nIts SHA-256 fingerprint, to compare with what your browser or client shows:\n\n    ${certificate.info.fingerprint}\n\n`;
  // Not a secret: on the console and in the log.
  announce(root, `\n${line}`, "");
  process.stderr.write(line);
}

/** Plain HTTP's answer while HTTPS is on: the same place over HTTPS (308 keeps the method and body). */
function redirectToHttps(httpsPort: number) {
  const badHost = () => new Response(JSON.stringify({ error: "a bad Host header" }), { status: 400, headers: { "content-type": "application/json" } });
  return (request: Request): Response => {
    let url: URL;
    try {
      url = new URL(request.url);
    } catch {
      return badHost();
    }
    const host = (request.headers.get("host") ?? url.host).replace(/:\d+$/, "");
    // Only a name or an address goes into Location: never a path, a user or another scheme.
    if (!/^[A-Za-z0-9.-]{1,253}$|^\[[0-9A-Fa-f:.]+\]$/.test(host)) return badHost();
    return new Response(null, { status: 308, headers: { location: `https://${host}:${httpsPort}${url.pathname}${url.search}` } });
  };
}

async function readPassword(): Promise<string> {
  const text = await new Response(Bun.stdin.stream()).text();
  return text.replace(/\r?\n$/, "");
}

export async function runConsole(argv: readonly string[]): Promise<number> {
  const usage = commonUsage(
    "aios-console",
    SUMMARY,
    "      --port N          plain HTTP on port N instead of [console] port (0: any free port)\n      --https-port N    HTTPS on port N instead of [console] https_port (0: any free port)\n      --hash-password   read a password on standard input, print its hash for [console] password_hash\n",
  );
  const parsed = parseCommonFlags(argv, usage, { port: { type: "string" }, "https-port": { type: "string" }, "hash-password": { type: "boolean" } });
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

  const ports: Record<string, number> = {};
  for (const [flag, fallback] of [
    ["port", config.console.port],
    ["https-port", config.console.https_port],
  ] as const) {
    const given = parsed.values[flag];
    const port = typeof given === "string" ? Number(given) : fallback;
    if (!Number.isInteger(port) || port < 0 || port > 65_535) {
      process.stderr.write(`aios-console: --${flag} must be a number from 0 to 65535, got "${String(given)}"\n`);
      return EXIT_USAGE;
    }
    ports[flag] = port;
  }
  const [port, httpsPort] = [ports.port!, ports["https-port"]!];
  let certificate: ConsoleCertificate | null;
  try {
    certificate = await loadConsoleCertificate(config, (path) => rooted(root, path));
  } catch (error) {
    if (!(error instanceof CertificateError)) throw error;
    process.stderr.write(`aios-console: ${error.message}: fix [console] in aios.toml (or set console.tls = "self-signed")\n`);
    return EXIT_CONFIG;
  }

  const stateDir = rooted(root, join(config.paths.state_dir, "console"));
  const tokenPath = join(stateDir, "admin-token");
  const admin = loadOrCreateAdminToken(tokenPath);
  const sessions = new SessionStore(join(stateDir, "console.db"), config.console.session_idle_ms, config.console.session_max_ms);
  const tokens = new ApiTokens(join(stateDir, "console.db"));
  const metrics = new MetricsSampler(rooted(root, config.paths.state_dir));
  metrics.start();
  const backends = connectBackends(config, root);
  // A witness of the audit ledger's head, kept in the console's own database.
  const witness = new AuditWitness(join(stateDir, "console.db"), backends.tools, log);
  witness.start();
  const deps = {
    backends,
    credentials: new Credentials(admin.token, config.console.password_hash),
    sessions,
    lockout: new Lockout({ maxFailures: config.console.max_failures, windowMs: config.console.failure_window_ms, lockoutMs: config.console.lockout_ms }),
    metrics,
    witness,
    assets: new WebAssets(),
    tokens,
    log,
  };

  const stop = stopRequested(log);
  // Long-lived event streams: no idle cut-off (Bun's default is 10 s); the SSE keep-alive
  // comment every 15 s shows a dead peer.
  // Bodies are small JSON documents; a 1 MiB cap turns a flood into a 413, not memory use.
  // reusePort off: a second console (an orphan of a killed aios-init, say) must fail to bind,
  // not share the port and answer half the requests from stale state.
  const listening = { hostname: config.console.listen, idleTimeout: 0, maxRequestBodySize: 1 << 20, reusePort: false };
  // One app per listener: each knows its own server (the client's address, for lockouts);
  // sessions and lockouts are shared.
  const apps: Array<ReturnType<typeof createConsoleApp>> = [];
  let redirect: ReturnType<typeof Bun.serve> | undefined;
  const urls: string[] = [];
  let at = "";
  try {
    if (certificate) {
      at = `${config.console.listen}:${httpsPort} (HTTPS)`;
      const secure = createConsoleApp({ ...deps, hsts: true });
      secure.listen({ ...listening, port: httpsPort, tls: { cert: certificate.certPem, key: certificate.keyPem } });
      apps.push(secure);
      urls.push(`https://${config.console.listen}:${secure.server?.port}`);
    }
    at = `${config.console.listen}:${port}`;
    if (!certificate || config.console.http === "serve") {
      const plain = createConsoleApp({ ...deps, hsts: false });
      plain.listen({ ...listening, port });
      apps.push(plain);
      urls.push(`http://${config.console.listen}:${plain.server?.port}`);
    } else if (config.console.http === "redirect") {
      redirect = Bun.serve({ ...listening, port, fetch: redirectToHttps(apps[0]!.server!.port!) });
      urls.push(`http://${config.console.listen}:${redirect.port} (redirects to HTTPS)`);
    }
  } catch (error) {
    process.stderr.write(`aios-console: cannot listen on ${at} (${(error as Error).message}): is another console or program using the port? (ss -ltnp)\n`);
    for (const app of apps) await app.stop(true);
    metrics.stop();
    witness.close();
    return EXIT_UNAVAILABLE;
  }
  const securePort = certificate ? apps[0]!.server!.port! : 0;
  const plainPort = redirect?.port ?? (certificate ? apps[1]?.server?.port : apps[0]?.server?.port) ?? 0;
  if (admin.created) announceToken(admin.token, tokenPath, securePort || plainPort, root);
  if (certificate?.created) announceCertificate(certificate, securePort, root);
  log.info("serving", { url: urls[0], urls, version: VERSION, ...(certificate ? { fingerprint: certificate.info.fingerprint } : {}) });
  // Tests and scripts started with --port 0 learn the ports from these lines.
  if (plainPort) process.stderr.write(`aios-console: listening on port ${plainPort}\n`);
  if (securePort) process.stderr.write(`aios-console: HTTPS on port ${securePort}, certificate SHA-256 ${certificate!.info.fingerprint}\n`);
  await stop;
  for (const app of apps) await app.stop(true);
  redirect?.stop(true);
  metrics.stop();
  witness.close();
  backends.close();
  sessions.close();
  tokens.close();
  return 0;
}
