/**
 * @module lib/console/api/tokens
 * /api/tokens: the API tokens of programs that reach AIOS over HTTP (MCP clients at /mcp, OpenAI
 * clients at /v1), for a person signed in or holding the admin token: made with their monthly
 * budgets (the secret shown once), listed with this month's usage, revoked.
 */
import type { AnyElysia } from "elysia";
import * as v from "valibot";
import { type ApiTokens, TOKEN_NAME } from "../api-tokens.ts";

const Name = v.pipe(v.string(), v.regex(TOKEN_NAME, "must be lower-case letters, digits and -, starting with a letter (the client's agent kind is mcp-NAME)"));

export function tokenRoutes(app: AnyElysia, deps: { tokens: ApiTokens }): AnyElysia {
  return app
    .get("/api/tokens", () => ({ tokens: deps.tokens.list() }), { detail: { summary: "The API tokens in force: names, budgets and this month's usage, never secrets" } })
    .post(
      "/api/tokens",
      ({ body, set }) => {
        try {
          const token = deps.tokens.create(body.name, { tokens: body.budget_tokens, usd: body.budget_usd });
          set.status = 201;
          return { name: body.name, token, agent: `mcp-${body.name}`, note: "shown once: keep it; the client acts as agent kind mcp-NAME (/etc/aios/agents/mcp-NAME.toml)" };
        } catch (error) {
          set.status = 409;
          return { error: (error as Error).message, field: "name" };
        }
      },
      {
        body: v.strictObject({
          name: Name,
          /** Model tokens (in and out) its /v1 calls may use each calendar month; 0 or absent: no limit. */
          budget_tokens: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0)), 0),
          /** US dollars its /v1 calls may cost each calendar month; 0 or absent: no limit. */
          budget_usd: v.optional(v.pipe(v.number(), v.minValue(0)), 0),
        }),
        detail: { summary: "Make an API token with its monthly budgets (its secret is in this answer only)" },
      },
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
