/**
 * @module lib/console/api/session
 * Sign-in and sign-out. POST /api/session checks the secret (admin token, or the password when
 * a hash is configured) and sets the session cookie: HttpOnly (no script reads it), SameSite=
 * Strict (no other site's page sends it), Secure when the console is reached over HTTPS.
 * Every attempt counts towards the address's lockout before the secret is checked (a right one
 * clears the count); while locked out, the answer is 429 with Retry-After, whatever the secret.
 * The cookie lives as long as the longest session (session_max_ms).
 */
import type { AnyElysia } from "elysia";
import * as v from "valibot";
import type { Credentials } from "../credentials.ts";
import { readCookie, SESSION_COOKIE } from "../guard.ts";
import type { Lockout } from "../lockout.ts";
import type { SessionStore } from "../sessions.ts";
import type { Logger } from "../../log/index.ts";

export interface SessionDeps {
  credentials: Credentials;
  sessions: SessionStore;
  lockout: Lockout;
  clientOf(request: Request): string;
  log: Logger;
}

const SignInBody = v.strictObject({ secret: v.pipe(v.string("give the secret as a string"), v.minLength(1, "give the admin token or password"), v.maxLength(1024)) });

function cookie(request: Request, value: string, maxAgeSeconds: number): string {
  const secure = new URL(request.url).protocol === "https:" || request.headers.get("x-forwarded-proto") === "https";
  return `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}${secure ? "; Secure" : ""}`;
}

export function sessionRoutes(app: AnyElysia, deps: SessionDeps): AnyElysia {
  return app
    .get("/api/sign-in", () => ({ signInWith: deps.credentials.signInWith }), { detail: { summary: "How to sign in: with the admin token or a password" } })
    .post(
      "/api/session",
      async ({ body, request, set }) => {
        const client = deps.clientOf(request);
        const wait = deps.lockout.begin(client);
        if (wait > 0) {
          set.status = 429;
          set.headers["retry-after"] = String(Math.ceil(wait / 1000));
          return { error: `too many failed sign-ins from ${client}: try again in ${Math.ceil(wait / 1000)} s` };
        }
        if (!(await deps.credentials.checkSignIn(body.secret))) {
          const locked = deps.lockout.fail(client);
          deps.log.warn("sign-in failed", { client, locked });
          set.status = 401;
          return {
            error: deps.credentials.signInWith === "password" ? "wrong password" : "wrong admin token (it is in /var/lib/aios/console/admin-token and was printed on the serial console at first boot)",
          };
        }
        deps.lockout.succeed(client);
        const id = deps.sessions.create(client);
        deps.log.info("signed in", { client });
        set.headers["set-cookie"] = cookie(request, id, Math.floor(deps.sessions.maxMs / 1000));
        return { signedIn: true };
      },
      { body: SignInBody, detail: { summary: "Sign in; sets the session cookie" } },
    )
    .get("/api/session", () => ({ signedIn: true }), { detail: { summary: "Am I signed in? (401 if not)" } })
    .delete(
      "/api/session",
      ({ request, set }) => {
        const id = readCookie(request, SESSION_COOKIE);
        if (id) deps.sessions.remove(id);
        set.headers["set-cookie"] = cookie(request, "", 0);
        return { signedIn: false };
      },
      { detail: { summary: "Sign out" } },
    );
}
