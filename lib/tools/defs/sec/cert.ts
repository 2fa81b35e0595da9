/**
 * @module lib/tools/defs/sec/cert
 * The console's TLS certificate (lib/tls/console-cert): what it is (fingerprint, names,
 * validity), and a new self-signed one in its place. A rotation changes what every client has
 * pinned, so it is critical (a person approves it at every autonomy level); the console is
 * restarted to serve it, and Rollback puts the old pair back.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import * as v from "valibot";
import { readConfigText } from "../../../config/file.ts";
import { DEFAULT_CONFIG_PATH, parseConfigText } from "../../../config/index.ts";
import type { Config } from "../../../config/schema.ts";
import { writeFileAtomic } from "../../../sys/atomic-file.ts";
import { describeCertificate } from "../../../tls/cert.ts";
import { selfSignedPaths, writeSelfSigned } from "../../../tls/console-cert.ts";
import { defineTool, type ToolContext } from "../../registry.ts";
import { toolError } from "../../tool-error.ts";

const Info = v.object({
  source: v.string(),
  path: v.string(),
  fingerprint: v.string(),
  subject: v.string(),
  names: v.array(v.string()),
  not_before: v.string(),
  not_after: v.string(),
  self_signed: v.boolean(),
});

function configOf(ctx: ToolContext): Config {
  return parseConfigText(readConfigText(ctx.physical(DEFAULT_CONFIG_PATH)), DEFAULT_CONFIG_PATH);
}

function describeAt(ctx: ToolContext, source: string, path: string): v.InferOutput<typeof Info> {
  const physical = ctx.physical(path);
  if (!existsSync(physical)) throw toolError("not_found", `${path} does not exist yet: the console makes it when it starts with console.tls = "self-signed"`);
  const info = describeCertificate(readFileSync(physical, "utf8"));
  return { source, path, fingerprint: info.fingerprint, subject: info.subject, names: info.names, not_before: info.notBefore, not_after: info.notAfter, self_signed: info.selfSigned };
}

export const secCertInfo = defineTool({
  name: "sec.cert_info",
  description: "The console's TLS certificate: SHA-256 fingerprint (what clients pin), the names and addresses it is valid for, when it expires, and whether it is self-signed or provided.",
  input: v.strictObject({}),
  output: Info,
  risk: "low",
  capability: "sec:read",
  readOnly: true,
  idempotent: true,
  reversible: false,
  timeoutMs: 10_000,
  resources: () => [],
  run(_input, ctx) {
    const config = configOf(ctx);
    if (config.console.tls === "off") throw toolError("not_found", 'the console serves plain HTTP (console.tls = "off"): it has no certificate');
    if (config.console.tls === "provided") return describeAt(ctx, "provided", config.console.cert_file);
    return describeAt(ctx, "self-signed", selfSignedPaths(config).cert);
  },
});

async function restartConsole(ctx: ToolContext): Promise<string> {
  try {
    // failFast: with no aios-init (a test, a host) say so at once rather than wait out the deadline.
    await ctx.init().restartService({ name: "console", waitReady: true }, { timeoutMs: 60_000, signal: ctx.signal, failFast: true });
    return "the console was restarted and serves it";
  } catch (error) {
    return `restart the console to serve it (aiosctl restart console): ${(error as Error).message}`;
  }
}

export const secCertRotate = defineTool({
  name: "sec.cert_rotate",
  description:
    "Replace the console's self-signed TLS certificate with a new one (new key; the machine's names and addresses now) and restart the console. Every client that pinned the old fingerprint must pin the new one. Critical; reversible.",
  input: v.strictObject({}),
  output: v.object({ previous_fingerprint: v.string(), certificate: Info, console: v.string() }),
  risk: "critical",
  capability: "sec:cert",
  readOnly: false,
  idempotent: false,
  reversible: true,
  timeoutMs: 90_000,
  resources: () => [],
  backup(_input, ctx) {
    const paths = selfSignedPaths(configOf(ctx));
    const [cert, key] = [ctx.physical(paths.cert), ctx.physical(paths.key)];
    if (!existsSync(cert) || !existsSync(key)) return { kind: "cert", data: { existed: false } };
    return { kind: "cert", data: { existed: true }, files: { cert, key } };
  },
  async restore(backup, backupDir, ctx) {
    if (!backup.data.existed) return "there was no certificate before: the new one stays";
    const paths = selfSignedPaths(configOf(ctx));
    writeFileAtomic(ctx.physical(paths.key), readFileSync(join(backupDir, "key")), 0o600);
    writeFileAtomic(ctx.physical(paths.cert), readFileSync(join(backupDir, "cert")), 0o644);
    return `put the previous certificate back (${describeCertificate(readFileSync(ctx.physical(paths.cert), "utf8")).fingerprint}); ${await restartConsole(ctx)}`;
  },
  async run(_input, ctx) {
    const config = configOf(ctx);
    if (config.console.tls === "provided") throw toolError("conflict", `the console serves a certificate you provide (${config.console.cert_file}): replace that file and restart the console`);
    if (config.console.tls === "off") throw toolError("conflict", 'the console serves plain HTTP (console.tls = "off"): there is no certificate to rotate');
    const paths = selfSignedPaths(config);
    const certPath = ctx.physical(paths.cert);
    const previous = existsSync(certPath) ? describeCertificate(readFileSync(certPath, "utf8")).fingerprint : "";
    await writeSelfSigned(certPath, ctx.physical(paths.key));
    const certificate = describeAt(ctx, "self-signed", paths.cert);
    return { previous_fingerprint: previous, certificate, console: await restartConsole(ctx) };
  },
});
