/**
 * @module lib/cli/tokens
 * `aiosctl tokens create NAME | list | revoke NAME`: the console's API tokens (the identities of
 * MCP clients at https://HOST:9443/mcp), through the console's own API on loopback, with the
 * admin token and the console's certificate from this machine's disk: the console stays the
 * one owner of its database.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { commonUsage, loadComponentConfig, parseCommonFlags } from "../config/flags.ts";
import { rooted } from "../config/index.ts";
import { EXIT_USAGE } from "../rpc/index.ts";
import { selfSignedPaths } from "../tls/console-cert.ts";
import { EXIT_UNAVAILABLE, json } from "./command.ts";

const USAGE = commonUsage(
  "aiosctl tokens create NAME [--budget-tokens N] [--budget-usd X] | list | revoke NAME",
  "API tokens of programs that reach AIOS over HTTP (an MCP client at /mcp acts as agent kind mcp-NAME; an OpenAI client at /v1 spends the token's monthly budget)",
  "      --budget-tokens N   model tokens its /v1 calls may use a month (0: no limit)\n      --budget-usd X      dollars its /v1 calls may cost a month (0: no limit)\n      --json          print JSON\n",
);

export async function tokensCommand(argv: readonly string[]): Promise<number> {
  const parsed = parseCommonFlags(argv, USAGE, { json: { type: "boolean" }, "budget-tokens": { type: "string" }, "budget-usd": { type: "string" } }, true);
  if (typeof parsed === "number") return parsed;
  const config = loadComponentConfig(parsed.flags);
  if (typeof config === "number") return config;
  const [action, name, ...extra] = parsed.positionals;
  const needsName = action === "create" || action === "revoke";
  if (!action || !["create", "list", "revoke"].includes(action) || (needsName && !name) || (!needsName && name) || extra.length) {
    process.stderr.write(`aiosctl tokens: ${USAGE}`);
    return EXIT_USAGE;
  }
  const budget = { budget_tokens: Number(parsed.values["budget-tokens"] ?? 0), budget_usd: Number(parsed.values["budget-usd"] ?? 0) };
  if (!Number.isInteger(budget.budget_tokens) || budget.budget_tokens < 0 || !Number.isFinite(budget.budget_usd) || budget.budget_usd < 0) {
    process.stderr.write("aiosctl tokens: --budget-tokens is a whole number and --budget-usd a number, both 0 or more\n");
    return EXIT_USAGE;
  }
  const root = parsed.flags.root;
  const admin = readFileSync(rooted(root, join(config.paths.state_dir, "console/admin-token")), "utf8").trim();
  const tls = config.console.tls !== "off";
  const base = tls ? `https://127.0.0.1:${config.console.https_port}` : `http://127.0.0.1:${config.console.port}`;
  const certFile = rooted(root, config.console.tls === "provided" ? config.console.cert_file : selfSignedPaths(config).cert);
  const init: RequestInit = {
    headers: { authorization: `Bearer ${admin}`, "content-type": "application/json" },
    // The console's own certificate is the one trusted: read from this machine's disk.
    ...(tls && existsSync(certFile) ? { tls: { ca: readFileSync(certFile, "utf8"), checkServerIdentity: () => undefined } } : {}),
  };
  let response: Response;
  try {
    if (action === "create") response = await fetch(`${base}/api/tokens`, { ...init, method: "POST", body: JSON.stringify({ name, ...budget }) });
    else if (action === "revoke") response = await fetch(`${base}/api/tokens/${encodeURIComponent(name!)}`, { ...init, method: "DELETE" });
    else response = await fetch(`${base}/api/tokens`, init);
  } catch (error) {
    process.stderr.write(`aiosctl tokens: the console does not answer at ${base} (${(error as Error).message}): is it running? aiosctl service status console\n`);
    return EXIT_UNAVAILABLE;
  }
  const body = (await response.json().catch(() => ({}))) as Record<string, any>;
  if (!response.ok) {
    process.stderr.write(`aiosctl tokens: ${body.error ?? `the console answered ${response.status}`}\n`);
    return response.status === 422 ? EXIT_USAGE : 1;
  }
  if (parsed.values.json) json(body);
  else if (action === "create") process.stdout.write(`${body.token}\n(shown once; the client acts as agent kind ${body.agent}: /etc/aios/agents/${body.agent}.toml says what it may do)\n`);
  else if (action === "revoke") process.stdout.write(`revoked ${body.revoked}\n`);
  else process.stdout.write(body.tokens.length ? `${body.tokens.map(tokenLine).join("\n")}\n` : "no API tokens\n");
  return 0;
}

/** One token: its name, when made and used, and this month's use against its budgets. */
function tokenLine(t: any): string {
  const used = t.usage.input_tokens + t.usage.output_tokens;
  const tokens = t.budget.tokens ? `${used}/${t.budget.tokens} tokens` : `${used} tokens`;
  const usd = t.budget.usd ? `$${t.usage.cost_usd.toFixed(2)}/$${t.budget.usd}` : `$${t.usage.cost_usd.toFixed(2)}`;
  return `${t.name.padEnd(20)} ${t.usage.month}: ${t.usage.requests} requests, ${tokens}, ${usd}; made ${t.created}${t.last_used ? `, last used ${t.last_used}` : ", never used"}`;
}
