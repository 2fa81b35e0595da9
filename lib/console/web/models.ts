/**
 * @module lib/console/web/models
 * The Models view: how far AIOS gets with no model (the share, and a bar a day that should rise
 * as it learns), each model's layer, state, queue and usage, and the spending against budgets.
 */
import { $, h, short, stateBadge } from "./dom.ts";
import { api } from "./request.ts";
import type { ModelJson, StatusJson, UsageJson } from "./wire.ts";

export async function refreshModels() {
  const [{ models }, { usage, budget }, status] = await Promise.all([api<{ models: ModelJson[] }>("GET", "/api/models"), api<UsageJson>("GET", "/api/usage"), api<StatusJson>("GET", "/api/status")]);
  const planned = Number(status.goalsPlanned ?? 0);
  const withoutModel = Number(status.goalsWithoutModel ?? 0);
  $("no-model-share").textContent = planned ? `${withoutModel} of ${planned} planned goals needed no model call (${Math.round((100 * withoutModel) / planned)}%)` : "no goal planned yet";
  // One bar a day: its height the share of that day's goals planned with no model call.
  $("no-model-curve").replaceChildren(
    ...(status.planningByDay ?? []).map((d) => {
      const share = Number(d.planned ?? 0) ? Number(d.withoutModel ?? 0) / Number(d.planned) : 0;
      const bar = h("div", { title: `${d.day}: ${d.withoutModel ?? 0} of ${d.planned ?? 0} with no model (${Math.round(100 * share)}%)` });
      bar.style.height = `${Math.max(4, Math.round(100 * share))}%`;
      return bar;
    }),
  );
  const byModel = new Map((usage.models ?? []).map((m) => [m.model ?? "", m.usage ?? {}]));
  $("model-table")
    .querySelector("tbody")!
    .replaceChildren(
      ...models.map((m) => {
        const u = byModel.get(m.id ?? "") ?? {};
        return h(
          "tr",
          {},
          h("td", {}, m.id ?? ""),
          h("td", {}, short(m.layer, "LAYER_")),
          h("td", {}, stateBadge(short(m.state, "MODEL_STATE_"))),
          h("td", {}, String(m.queued ?? 0)),
          h("td", {}, String(u.requests ?? 0)),
          h("td", {}, `${u.inputTokens ?? 0} / ${u.outputTokens ?? 0}`),
          h("td", {}, `$${Number(u.costUsd ?? 0).toFixed(4)}`),
        );
      }),
    );
  const bar = (label: string, spent: number, limit: number) => {
    const fill = h("div");
    fill.style.width = `${limit > 0 ? Math.min(100, (100 * spent) / limit) : 0}%`;
    return [h("p", {}, `${label}: $${spent.toFixed(2)} of ${limit > 0 ? `$${limit.toFixed(2)}` : "no limit"}`), h("div", { class: `bar${limit > 0 && spent >= limit ? " over" : ""}` }, fill)];
  };
  $("budget").replaceChildren(
    ...bar("all providers", Number(budget.spentUsd ?? 0), Number(budget.limitUsd ?? 0)),
    ...(budget.providers ?? []).flatMap((p) => bar(p.providerId ?? "", Number(p.spentUsd ?? 0), Number(p.limitUsd ?? 0))),
  );
}
