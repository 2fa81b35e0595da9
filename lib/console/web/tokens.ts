/**
 * @module lib/console/web/tokens
 * API tokens in the Settings view: the programs that reach AIOS over HTTP (MCP clients at /mcp,
 * OpenAI clients at /v1), each with this month's use against its budgets; a new one made with
 * its budgets (its secret shown once, here only); one revoked.
 */
import { $, h, report, toast } from "./dom.ts";
import { api } from "./request.ts";

interface TokenJson {
  name: string;
  created: string;
  last_used: string | null;
  budget: { tokens: number; usd: number };
  usage: { month: string; requests: number; input_tokens: number; output_tokens: number; cost_usd: number };
}

const against = (used: string, limit: number, unit = "") => (limit ? `${used} of ${unit}${limit}` : used);

export async function refreshTokens() {
  const { tokens } = await api<{ tokens: TokenJson[] }>("GET", "/api/tokens");
  $("tokens-table")
    .querySelector("tbody")!
    .replaceChildren(
      ...(tokens.length
        ? tokens.map((token) => {
            const revoke = h("button", { class: "quiet", "data-revoke": token.name }, "Revoke");
            revoke.addEventListener("click", () => void revokeToken(token.name));
            const used = token.usage.input_tokens + token.usage.output_tokens;
            return h(
              "tr",
              {},
              h("td", {}, token.name),
              h("td", {}, `${token.usage.requests}`),
              h("td", {}, against(String(used), token.budget.tokens)),
              h("td", {}, against(`$${token.usage.cost_usd.toFixed(2)}`, token.budget.usd, "$")),
              h("td", { class: "muted" }, token.last_used ? new Date(token.last_used).toLocaleString() : "never"),
              h("td", {}, revoke),
            );
          })
        : [h("tr", {}, h("td", { class: "muted", colspan: "6" }, "no API tokens"))]),
    );
}

export async function createToken(event: SubmitEvent) {
  event.preventDefault();
  const name = $<HTMLInputElement>("token-name").value.trim();
  const budgetTokens = Number($<HTMLInputElement>("token-budget-tokens").value || 0);
  const budgetUsd = Number($<HTMLInputElement>("token-budget-usd").value || 0);
  try {
    const made = await api<{ token: string; agent: string }>("POST", "/api/tokens", { name, budget_tokens: budgetTokens, budget_usd: budgetUsd });
    $("token-secret").textContent = made.token;
    $("token-made").hidden = false;
    $<HTMLInputElement>("token-name").value = "";
    await refreshTokens();
  } catch (error) {
    report(error);
  }
}

async function revokeToken(name: string) {
  if (!window.confirm(`Revoke the API token ${name}? Its program is refused from now on.`)) return;
  try {
    await api("DELETE", `/api/tokens/${encodeURIComponent(name)}`);
    toast(`revoked ${name}`);
    $("token-made").hidden = true;
    await refreshTokens();
  } catch (error) {
    report(error);
  }
}
