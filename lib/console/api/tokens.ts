/**
 * @module lib/console/api/tokens
 * /api/tokens: the API tokens of programs that reach AIOS over HTTP (MCP clients at /mcp), for
 * a person signed in or holding the admin token: made (the secret shown once), listed, revoked.
 */
import type { AnyElysia } from "elysia";
import * as v from "valibot";
import { type ApiTokens, TOKEN_NAME } from "../api-tokens.ts";

const Name = v.pipe(v.string(), v.regex(TOKEN_NAME, "must be lower-case letters, digits and -, starting with a letter (the client's agent kind is mcp-NAME)"));

export function tokenRoutes(app: AnyElysia, deps: { tokens: ApiTokens }): AnyElysia {
  return app
    .get("/api/tokens", () => ({ tokens: deps.tokens.list() }), { detail: { summary: "The API tokens in force (names and use, never secrets)" } })
    .post(
      "/api/tokens",
      ({ body, set }) => {
        try {
          const token = deps.tokens.create(body.name);
          set.status = 201;
          return { name: body.name, token, agent: `mcp-${body.name}`, note: "shown once: keep it; the client acts as agent kind mcp-NAME (/etc/aios/agents/mcp-NAME.toml)" };
        } catch (error) {
          set.status = 409;
          return { error: (error as Error).message, field: "name" };
        }
      },
      { body: v.strictObject({ name: Name }), detail: { summary: "Make an API token (its secret is in this answer only)" } },
    )
    .delete(
      "/api/tokens/:name",
      ({ params, set }) => {
        if (deps.tokens.revoke(params.name)) return { revoked: params.name };
        set.status = 404;
        return { error: `no token named ${params.name}` };
      },
      { params: v.object({ name: Name }), detail: { summary: "Revoke an API token: its client is refused from now on" } },
    );
}
