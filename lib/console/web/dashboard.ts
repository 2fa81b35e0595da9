/**
 * @module lib/console/web/dashboard
 * The dashboard: CPU, memory and disk charts from /api/metrics, the health pill and component
 * list, goal counts, the layers that can answer, and the services' summary.
 */
import { $, bytes, h, s, serviceBadge, short, stateBadge } from "./dom.ts";
import { api } from "./request.ts";
import type { MetricsJson, ServicesJson, StatusJson } from "./wire.ts";

function drawChart(svg: SVGSVGElement, values: number[]) {
  svg.replaceChildren();
  for (const y of [25, 50, 75]) svg.append(s("line", { x1: 0, x2: 300, y1: y, y2: y, class: "grid-line" }));
  if (values.length < 2) return;
  const step = 300 / (values.length - 1);
  const points = values.map((v, i) => `${(i * step).toFixed(1)},${(100 - Math.max(0, Math.min(100, v))).toFixed(1)}`);
  svg.append(s("polygon", { points: `0,100 ${points.join(" ")} 300,100`, class: "area" }));
  svg.append(s("polyline", { points: points.join(" "), class: "line" }));
}

async function refreshMetrics() {
  const { samples, host } = await api<MetricsJson>("GET", "/api/metrics");
  const last = samples[samples.length - 1];
  for (const key of ["cpu", "memory", "disk"] as const) {
    drawChart(
      $<SVGSVGElement>(`chart-${key}`),
      samples.map((x) => x[key]),
    );
    $(`${key}-now`).textContent = last ? `${last[key]}%` : "";
  }
  if (host.memoryTotalBytes) $("memory-now").textContent += ` of ${bytes(host.memoryTotalBytes)}`;
  if (host.diskTotalBytes) $("disk-now").textContent += ` of ${bytes(host.diskTotalBytes)}`;
}

export async function refreshStatus() {
  const status = await api<StatusJson>("GET", "/api/status");
  const components = status.components ?? [];
  const down = components.filter((c) => !c.serving);
  const pill = $("health-pill");
  pill.textContent = status.emergencyStopped ? "emergency stop" : down.length ? `${down.length} down` : "healthy";
  pill.className = `pill ${status.emergencyStopped || down.length ? "bad" : "ok"}`;
  $("estop-banner").hidden = !status.emergencyStopped;
  $<HTMLSelectElement>("autonomy").value = short(status.autonomy, "AUTONOMY_LEVEL_");
  $("components").replaceChildren(...components.map((c) => h("li", {}, stateBadge(c.serving ? "ok" : "failed"), c.name ?? "", c.serving ? "" : ` ${c.error ?? ""}`)));
  const counts = status.goals ?? [];
  $("goal-counts").replaceChildren(
    ...(counts.length ? counts.map((g) => h("li", {}, stateBadge(short(g.state, "GOAL_STATE_")), String(g.count ?? 0))) : [h("li", { class: "muted" }, "no goals yet")]),
  );
  $("layers").textContent = `layers that can answer: ${(status.availableLayers ?? []).map((l) => short(l, "LAYER_")).join(", ") || "none"}`;
  $("approvals-count").textContent = Number(status.pendingApprovals ?? 0) > 0 ? String(status.pendingApprovals) : "";
}

async function refreshServiceSummary() {
  const r = await api<ServicesJson>("GET", "/api/services");
  $("degraded").replaceChildren(...(r.degradedReasons ?? []).map((d) => h("p", { class: "error" }, d)));
  $("service-summary").replaceChildren(...(r.services ?? []).map((svc) => h("li", {}, serviceBadge(svc), svc.name ?? "", svc.restarts ? ` (${svc.restarts} restarts)` : "")));
}

export async function refreshDashboard() {
  await Promise.all([refreshMetrics(), refreshStatus(), refreshServiceSummary()]);
}
