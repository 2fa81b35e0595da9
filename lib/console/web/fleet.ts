/**
 * @module lib/console/web/fleet
 * The Fleet view: this machine's link to the fleet; every machine with its labels, health,
 * version, autonomy and the approvals waiting on it; a goal sent to the machines a label
 * selector matches (or one by name), and each machine's answer as it comes.
 */
import { $, h, report, stateBadge } from "./dom.ts";
import { api } from "./request.ts";

interface MachineJson {
  name?: string;
  labels?: Record<string, string>;
  version?: string;
  health?: string;
  autonomy?: string;
  pendingApprovals?: number;
  reachable?: boolean;
  lastSeen?: string;
  approvals?: string[];
  remoteApprovals?: boolean;
}
interface FleetJson {
  status: { enabled?: boolean; connected?: boolean; name?: string; server?: string; error?: string };
  machines: MachineJson[];
}
interface ResultJson {
  results?: { machine?: string; state?: string; answer?: string }[];
  done?: boolean;
}

const labelsText = (labels: Record<string, string> = {}) =>
  Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(",") || "-";

export async function refreshFleet() {
  const fleet = await api<FleetJson>("GET", "/api/fleet");
  const { status } = fleet;
  $("fleet-status").textContent = !status.enabled
    ? (status.error ?? "this machine is not in a fleet")
    : status.connected
      ? `${status.name} is connected to ${status.server}`
      : `${status.name} is not connected: ${status.error ?? "trying"}`;
  $("fleet-table")
    .querySelector("tbody")!
    .replaceChildren(
      ...(fleet.machines.length
        ? fleet.machines.map((m) => {
            const health = m.reachable ? (m.health ?? "") : "unreachable";
            return h(
              "tr",
              {},
              h("td", {}, m.name ?? ""),
              h("td", {}, stateBadge(health, health === "ready" ? "ok" : health === "unreachable" || health === "degraded" ? "failed" : "pending")),
              h("td", {}, labelsText(m.labels)),
              h("td", {}, m.version ?? ""),
              h("td", {}, m.autonomy ?? ""),
              h("td", {}, ...approvalsOf(m)),
            );
          })
        : [h("tr", {}, h("td", { class: "muted", colspan: "6" }, "no machines"))]),
    );
}

let following = 0;

export async function sendFleetGoal(event: SubmitEvent) {
  event.preventDefault();
  const text = $<HTMLInputElement>("fleet-text").value.trim();
  const target = $<HTMLInputElement>("fleet-selector").value.trim();
  // "role=web" selects by labels; a bare name is one machine.
  const body = target.includes("=") ? { text, selector: target } : { text, machine: target };
  try {
    const sent = await api<{ fleetGoalId: string; machines: string[] }>("POST", "/api/fleet/goals", body);
    $("fleet-sent").textContent = `${sent.fleetGoalId} sent to ${sent.machines.join(", ")}`;
    const mine = ++following;
    for (let i = 0; i < 600 && mine === following; i++) {
      const answer = await api<ResultJson>("GET", `/api/fleet/goals/${sent.fleetGoalId}`);
      $("fleet-results").replaceChildren(
        ...(answer.results ?? []).map((r) =>
          h(
            "tr",
            {},
            h("td", {}, r.machine ?? ""),
            h("td", {}, stateBadge(r.state ?? "", r.state === "succeeded" ? "ok" : r.state === "failed" || r.state === "refused" ? "failed" : "pending")),
            h("td", {}, r.answer ?? ""),
          ),
        ),
      );
      if (answer.done) break;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  } catch (error) {
    report(error);
  }
}

/** A machine's waiting approvals; with remote_approvals on, each with its answer buttons. */
function approvalsOf(m: MachineJson): (HTMLElement | string)[] {
  const waiting = m.approvals ?? [];
  if (waiting.length === 0) return [String(m.pendingApprovals ?? 0)];
  return waiting.map((text) => {
    const id = text.split(" ")[0] ?? "";
    const row = h("div", {}, text);
    if (m.remoteApprovals) {
      for (const approve of [true, false]) {
        const button = h("button", { class: approve ? "primary" : "quiet" }, approve ? "Approve" : "Deny");
        button.addEventListener("click", () => void answer(m.name ?? "", id, approve));
        row.append(" ", button);
      }
    }
    return row;
  });
}

async function answer(machine: string, approvalId: string, approve: boolean) {
  try {
    const sent = await api<{ fleetGoalId: string }>("POST", "/api/fleet/approvals", { machine, approvalId, approve });
    $("fleet-sent").textContent = `${approve ? "approval" : "denial"} sent to ${machine} (${sent.fleetGoalId})`;
    await refreshFleet();
  } catch (error) {
    report(error);
  }
}
