/**
 * @module lib/console/api-caller
 * Who a program's request comes from (/mcp, /v1): its API token (Authorization: Bearer), checked
 * under the address's lockout like a sign-in, so that guessing tokens is as slow as guessing the
 * password. Each route says a refusal in its own protocol's shape.
 */
import type { ApiCaller, ApiTokens } from "./api-tokens.ts";
import type { Lockout } from "./lockout.ts";

export interface CallerDeps {
  tokens: ApiTokens;
  lockout: Lockout;
  clientOf(request: Request): string;
}

export interface Refusal {
  status: 401 | 429;
  message: string;
  headers: Record<string, string>;
}

export function apiCallerOf(request: Request, deps: CallerDeps, realm: string): { caller: ApiCaller; client: string } | { refusal: Refusal } {
  const client = deps.clientOf(request);
  const wait = deps.lockout.begin(client);
  if (wait > 0) {
    const seconds = Math.ceil(wait / 1000);
    return { refusal: { status: 429, message: `too many wrong tokens from ${client}: try again in ${seconds} s`, headers: { "retry-after": String(seconds) } } };
  }
  const bearer = /^Bearer\s+(\S+)$/i.exec(request.headers.get("authorization") ?? "")?.[1];
  const caller = bearer ? deps.tokens.verify(bearer) : null;
  if (!caller) {
    if (bearer) deps.lockout.fail(client);
    const message = bearer ? "the API token is not valid (revoked, or never made): aiosctl tokens list" : "an API token is needed: Authorization: Bearer TOKEN (aiosctl tokens create NAME)";
    return { refusal: { status: 401, message, headers: { "www-authenticate": `Bearer realm="${realm}"` } } };
  }
  deps.lockout.succeed(client);
  return { caller, client };
}
