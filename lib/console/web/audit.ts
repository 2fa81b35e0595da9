/**
 * @module lib/console/web/audit
 * The Audit view: the newest entries of the tools' ledger, and a button that verifies its chain.
 */
import { $, h, short, stateBadge, time } from "./dom.ts";
import { api } from "./request.ts";
import type { AuditEntryJson, AuditVerdictJson } from "./wire.ts";

export async function refreshAudit() {
  const { entries } = await api<{ entries: AuditEntryJson[] }>("GET", "/api/audit?limit=100");
  $("audit-table")
    .querySelector("tbody")!
    .replaceChildren(
      ...entries.map((e) =>
        h(
          "tr",
          {},
          h("td", {}, String(e.seq)),
          h("td", {}, time(e.time)),
          h("td", {}, e.agent ?? ""),
          h("td", {}, e.tool ?? ""),
          h("td", {}, stateBadge(short(e.result, "AUDIT_RESULT_"))),
          h("td", {}, String(e.durationMs ?? 0)),
        ),
      ),
    );
}

export async function verifyAudit() {
  const out = $("audit-result");
  out.textContent = "verifying…";
  try {
    const r = await api<AuditVerdictJson>("GET", "/api/audit/verify");
    out.textContent = r.ok ? `✓ chain intact: ${r.entriesChecked ?? 0} entries checked` : `✗ broken at entry ${r.firstBrokenSeq}: ${r.reason}`;
    out.className = r.ok ? "ok-text" : "error";
  } catch (error) {
    out.textContent = (error as Error).message;
  }
}
