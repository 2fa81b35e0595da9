/**
 * @module lib/console/web/approvals
 * Tool calls waiting for a person: the Approvals view, and the card with Approve and Deny that
 * the goal view shows too.
 */
import { $, h, report, time, toast } from "./dom.ts";
import { api } from "./request.ts";
import type { ApprovalJson } from "./wire.ts";

export async function refreshApprovals() {
  const { approvals } = await api<{ approvals: ApprovalJson[] }>("GET", "/api/approvals");
  $("approvals-count").textContent = approvals.length ? String(approvals.length) : "";
  const list = $("approval-list");
  if (!approvals.length) {
    list.replaceChildren(h("p", { class: "muted" }, "Nothing is waiting for you."));
    return;
  }
  list.replaceChildren(...approvals.map((a) => approvalCard(a, refreshApprovals)));
}

/** One pending tool call with Approve and Deny; `then` redraws whatever shows it. */
export function approvalCard(a: ApprovalJson, then: () => Promise<void>): HTMLElement {
  const id = a.id ?? "";
  const decide = (approve: boolean) => () =>
    api("POST", `/api/approvals/${encodeURIComponent(id)}`, { approve })
      .then(() => {
        toast(`${a.tool}: ${approve ? "approved" : "denied"}`);
        return then();
      })
      .catch(report);
  const yes = h("button", { class: "primary", "data-approve": id }, "Approve");
  const no = h("button", { class: "danger", "data-deny": id }, "Deny");
  yes.addEventListener("click", decide(true));
  no.addEventListener("click", decide(false));
  return h(
    "div",
    { class: "approval", "data-approval": id },
    h("p", {}, h("strong", {}, a.tool ?? ""), ` by the ${a.agent} agent`),
    h("code", {}, JSON.stringify(a.input ?? {})),
    h("p", { class: "muted" }, a.reason ?? ""),
    h("p", { class: "muted" }, `goal ${a.goalId}, expires ${time(a.expiresAt)}`),
    h("div", { class: "row" }, yes, no),
  );
}
