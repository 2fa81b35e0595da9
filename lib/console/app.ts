/**
 * @module lib/console/app
 * The console's HTTP application: the guard before every route, the JSON API under /api (with
 * its OpenAPI document at /api/openapi.json), the web page and its assets, and one error shape
 * for every failure: `{"error": "sentence", "field": "path"}` with a 4xx/5xx status. A gRPC
 * status from a component maps to its HTTP sibling (INVALID_ARGUMENT → 422 with the field,
 * NOT_FOUND → 404, FAILED_PRECONDITION → 409, UNAVAILABLE → 503, ...).
 */
import { openapi } from "@elysiajs/openapi";
import { toJsonSchema } from "@valibot/to-json-schema";
import { type AnyElysia, Elysia } from "elysia";
import { type BaseIssue, getDotPath } from "valibot";
import { VERSION } from "../config/index.ts";
import type { Logger } from "../log/index.ts";
import { AiosError, type ErrorCode } from "../rpc/index.ts";
import { eventRoutes } from "./api/events.ts";
import { goalRoutes } from "./api/goals.ts";
import { sessionRoutes } from "./api/session.ts";
import { systemRoutes } from "./api/system.ts";
import { tokenRoutes } from "./api/tokens.ts";
import { fleetRoutes } from "./api/fleet.ts";
import type { ApiTokens } from "./api-tokens.ts";
import { mcpRoutes } from "./mcp-http.ts";
import { openAiRoutes } from "./openai-api.ts";
import type { WebAssets } from "./assets.ts";
import type { Backends } from "./backends.ts";
import type { Credentials } from "./credentials.ts";
import { type Actor, Guard } from "./guard.ts";
import { BadJsonBody, parseJsonBody } from "./json-body.ts";
import type { Lockout } from "./lockout.ts";
import type { MetricsSampler } from "./metrics.ts";
import type { SessionStore } from "./sessions.ts";
import type { AuditWitness } from "./audit-witness.ts";

export interface ConsoleDeps {
  backends: Backends;
  credentials: Credentials;
  sessions: SessionStore;
  lockout: Lockout;
  metrics: MetricsSampler;
  /** The console's own note of the audit ledger's head; none in tests that do not need it. */
  witness?: AuditWitness;
  assets: WebAssets;
  log: Logger;
  /** Served over HTTPS: browsers are told to come back only over HTTPS (HSTS). */
  hsts?: boolean;
  /** API tokens of programs (MCP clients at /mcp, OpenAI clients at /v1); none: no /api/tokens, /mcp or /v1. */
  tokens?: ApiTokens;
}

const HTTP_STATUS: Partial<Record<ErrorCode, number>> = {
  invalid_argument: 422,
  not_found: 404,
  already_exists: 409,
  failed_precondition: 409,
  permission_denied: 403,
  unauthenticated: 401,
  resource_exhausted: 429,
  deadline_exceeded: 504,
  unavailable: 503,
  cancelled: 499,
  aborted: 409,
  unimplemented: 501,
};

const SECURITY_HEADERS = {
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "same-origin",
  // Everything the page needs is served here: no CDN, no inline script.
  "content-security-policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
};

/** A year; no includeSubDomains: the console speaks only for its own host and port. */
const HSTS = "max-age=31536000";

export function createConsoleApp(deps: ConsoleDeps) {
  const actors = new WeakMap<Request, Actor>();
  const clientOf = (request: Request) => app.server?.requestIP(request)?.address ?? "unknown";
  const guard = new Guard(deps.credentials, deps.sessions, deps.lockout, clientOf);
  const actorOf = (request: Request): Actor => actors.get(request) ?? { via: "session", name: "console" };

  let app: AnyElysia = new Elysia()
    .use(
      openapi({
        path: "/api/openapi",
        specPath: "/api/openapi.json",
        provider: null,
        mapJsonSchema: { valibot: toJsonSchema },
        documentation: {
          info: {
            title: "AIOS console API",
            version: VERSION,
            description: "Sign in with POST /api/session (cookie) or send Authorization: Bearer ADMIN_TOKEN. Bodies are JSON; errors are {error, field}.",
          },
          components: { securitySchemes: { bearer: { type: "http", scheme: "bearer" }, session: { type: "apiKey", in: "cookie", name: "aios_session" } } },
          security: [{ bearer: [] }, { session: [] }],
        },
      }),
    )
    .onRequest(({ request, set }) => {
      Object.assign(set.headers, SECURITY_HEADERS);
      if (deps.hsts) set.headers["strict-transport-security"] = HSTS;
      const verdict = guard.check(request, new URL(request.url).pathname);
      if (!verdict.ok)
        return new Response(JSON.stringify({ error: verdict.error }), {
          status: verdict.status,
          headers: { "content-type": "application/json", ...SECURITY_HEADERS, ...(deps.hsts ? { "strict-transport-security": HSTS } : {}), ...verdict.headers },
        });
      if (verdict.actor) actors.set(request, verdict.actor);
    })
    .onParse(async ({ request, contentType }) => {
      if (/^application\/json\b/i.test(contentType)) return parseJsonBody(await request.text());
    })
    .onError(({ code, error, set, request }) => {
      set.headers["content-type"] = "application/json";
      // Elysia wraps what a parser throws in its ParseError; the cause says what was wrong.
      const cause = (error as { cause?: unknown }).cause;
      if (cause instanceof BadJsonBody) {
        set.status = 400;
        return { error: cause.message };
      }
      if (code === "VALIDATION") {
        const issue = (error as { valueError?: BaseIssue<unknown> }).valueError;
        const field = issue ? (getDotPath(issue) ?? "") : "";
        const where = (error as { type?: string }).type ?? "body";
        set.status = 422;
        return { error: `invalid ${where}${field ? ` field ${field}` : ""}: ${issue?.message ?? (error as Error).message}`, field: field || where };
      }
      if (code === "PARSE") {
        set.status = 400;
        return { error: "the body is not valid JSON" };
      }
      if (code === "NOT_FOUND") {
        set.status = 404;
        return { error: `no such route: ${request.method} ${new URL(request.url).pathname}` };
      }
      if (error instanceof AiosError && error.code !== "internal" && error.code !== "unimplemented") {
        set.status = HTTP_STATUS[error.code] ?? 500;
        return error.field ? { error: error.message, field: error.field, code: error.code } : { error: error.message, code: error.code };
      }
      // A fault's own words stay in the log: a browser gets an id to find them by.
      const incident = crypto.randomUUID().slice(0, 8);
      deps.log.error("request failed", { incident, method: request.method, url: request.url, error: String(error) });
      set.status = 500;
      return { error: `internal error ${incident}: the console logged it (aiosctl logs console)`, code: "internal", incident };
    })
    .get("/api/health", () => ({ status: "SERVING", component: "aios-console", version: VERSION }), { detail: { summary: "Is the console up? (no sign-in needed)" } });

  app = sessionRoutes(app, { credentials: deps.credentials, sessions: deps.sessions, lockout: deps.lockout, clientOf, log: deps.log });
  app = goalRoutes(app, { backends: deps.backends, actorOf });
  app = eventRoutes(app, { backends: deps.backends });
  app = systemRoutes(app, { backends: deps.backends, metrics: deps.metrics, witness: deps.witness });
  app = fleetRoutes(app, { backends: deps.backends });
  if (deps.tokens) {
    app = tokenRoutes(app, { tokens: deps.tokens });
    app = mcpRoutes(app, { tools: deps.backends.tools, tokens: deps.tokens, lockout: deps.lockout, clientOf, log: deps.log });
    app = openAiRoutes(app, { gateway: deps.backends.gateway, tokens: deps.tokens, lockout: deps.lockout, clientOf, log: deps.log });
  }
  for (const asset of deps.assets.list()) app = app.get(asset.path, ({ request }) => deps.assets.respond(asset, request), { detail: { hide: true } });
  return app;
}
