/**
 * @module lib/console/guard
 * Who is asking, and may they. Every /api route but health and sign-in needs a session cookie
 * or `Authorization: Bearer ADMIN_TOKEN`. A request that changes state must send JSON (a form
 * cannot, so a cross-site form post fails) and, when it rides on a cookie, must come from the
 * console's own origin (Origin or Sec-Fetch-Site): SameSite=Strict already keeps the cookie off
 * cross-site requests; this is the second lock.
 */
import type { Credentials } from "./credentials.ts";
import type { Lockout } from "./lockout.ts";
import type { SessionStore } from "./sessions.ts";

export const SESSION_COOKIE = "aios_session";

/** Routes anyone may call. */
const PUBLIC = new Set(["GET /api/health", "POST /api/session", "GET /api/sign-in", "GET /api/openapi.json"]);
const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

export interface Actor {
  /** "session" (a browser) or "bearer" (an API client). */
  via: "session" | "bearer";
  /** Who, for resolved_by and set_by fields. */
  name: string;
}

export type GuardResult = { ok: true; actor: Actor | null } | { ok: false; status: number; error: string; headers?: Record<string, string> };

export function readCookie(request: Request, name: string): string | null {
  const header = request.headers.get("cookie");
  if (!header) return null;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      // Our ids are base64url; a cookie that does not decode is no session (not a 500).
      try {
        return decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        return null;
      }
    }
  }
  return null;
}

/** Is the request from the console's own pages? (Origin, else the browser's Sec-Fetch-Site.) */
export function isSameOrigin(request: Request): boolean | null {
  const origin = request.headers.get("origin");
  if (origin && origin !== "null") {
    const host = request.headers.get("host");
    try {
      return host !== null && new URL(origin).host === host;
    } catch {
      return false;
    }
  }
  const site = request.headers.get("sec-fetch-site");
  if (site) return site === "same-origin" || site === "none";
  return origin === "null" ? false : null;
}

export class Guard {
  constructor(
    private readonly credentials: Credentials,
    private readonly sessions: SessionStore,
    /** Bearer tokens are guesses too: they count towards the address's lockout. */
    private readonly lockout: Lockout,
    private readonly clientOf: (request: Request) => string,
  ) {}

  check(request: Request, pathname: string): GuardResult {
    const method = request.method;
    const isApi = pathname === "/api" || pathname.startsWith("/api/");
    if (!isApi) return { ok: true, actor: null };
    const changesState = !SAFE_METHODS.has(method);

    const bearer = /^Bearer\s+(.+)$/i.exec(request.headers.get("authorization") ?? "")?.[1]?.trim();
    let actor: Actor | null = null;
    if (bearer !== undefined) {
      const client = this.clientOf(request);
      const wait = this.lockout.begin(client);
      if (wait > 0)
        return {
          ok: false,
          status: 429,
          error: `too many wrong tokens or secrets from ${client}: try again in ${Math.ceil(wait / 1000)} s`,
          headers: { "retry-after": String(Math.ceil(wait / 1000)) },
        };
      if (!this.credentials.isBearer(bearer)) {
        this.lockout.fail(client);
        return { ok: false, status: 401, error: "the bearer token is not the admin token (see /var/lib/aios/console/admin-token)", headers: { "www-authenticate": 'Bearer realm="aios"' } };
      }
      this.lockout.succeed(client);
      actor = { via: "bearer", name: "api" };
    } else {
      const id = readCookie(request, SESSION_COOKIE);
      if (id && this.sessions.lookup(id)) actor = { via: "session", name: "console" };
    }

    // Sign-in itself (and any cookie-borne change) must not be drivable from another site.
    const cookieBorne = actor === null || actor.via === "session";
    if (changesState && cookieBorne) {
      const same = isSameOrigin(request);
      if (same !== true) {
        return {
          ok: false,
          status: 403,
          error:
            same === false
              ? "cross-site request refused: state changes come only from the console's own pages"
              : "request refused: a change needs an Origin header from the console's own pages, or a bearer token",
        };
      }
    }
    if (changesState && method !== "DELETE") {
      const type = request.headers.get("content-type") ?? "";
      if (!/^application\/json\b/i.test(type)) return { ok: false, status: 415, error: "send the body as JSON (Content-Type: application/json)" };
    }
    if (PUBLIC.has(`${method} ${pathname}`)) return { ok: true, actor };
    if (!actor) return { ok: false, status: 401, error: 'sign in first: POST /api/session with {"secret": ...}, or send Authorization: Bearer ADMIN_TOKEN' };
    return { ok: true, actor };
  }
}
