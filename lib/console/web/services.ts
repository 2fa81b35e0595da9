/**
 * @module lib/console/web/services
 * The Services view: each service under aios-init with its state, restarts and uptime; a click
 * follows its log, and the restart button restarts the one selected.
 */
import { $, duration, h, report, serviceBadge, toast } from "./dom.ts";
import { api } from "./request.ts";
import type { LogLineJson, ServicesJson } from "./wire.ts";

let selectedService: string | null = null;
let logStream: EventSource | null = null;

export async function refreshServices() {
  const r = await api<ServicesJson>("GET", "/api/services");
  $("service-table")
    .querySelector("tbody")!
    .replaceChildren(
      ...(r.services ?? []).map((svc) => {
        const name = svc.name ?? "";
        const tr = h(
          "tr",
          { class: `clickable${name === selectedService ? " selected" : ""}`, "data-service": name },
          // A process that serves other components too shows them: "memory+gateway".
          h("td", {}, [name, ...(svc.hosts ?? [])].join("+")),
          h("td", {}, serviceBadge(svc)),
          h("td", {}, String(svc.restarts ?? 0)),
          h("td", {}, svc.uptimeMs ? duration(Number(svc.uptimeMs)) : ""),
        );
        tr.addEventListener("click", () => openLogs(name));
        return tr;
      }),
    );
}

function openLogs(name: string) {
  selectedService = name;
  logStream?.close();
  $("log-title").textContent = `Logs of ${name}`;
  $("service-restart").hidden = false;
  const view = $("log-view");
  view.textContent = "";
  logStream = new EventSource(`/api/services/${encodeURIComponent(name)}/logs?follow=1&lines=200`);
  logStream.addEventListener("log", (e) => {
    const line = JSON.parse((e as MessageEvent).data) as LogLineJson;
    view.append(`${line.text ?? ""}\n`);
    if (view.childNodes.length > 2000) view.firstChild?.remove();
    view.scrollTop = view.scrollHeight;
  });
  refreshServices().catch(report);
}

export function restartSelectedService() {
  const name = selectedService;
  if (!name) return;
  toast(`restarting ${name}…`);
  api("POST", `/api/services/${encodeURIComponent(name)}/restart`, {})
    .then(() => (toast(`${name} restarted`), refreshServices()))
    .catch(report);
}
