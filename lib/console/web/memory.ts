/**
 * @module lib/console/web/memory
 * The Memory view: what aios-memory holds, and a search over it.
 */
import { $, h, report, short, stateBadge } from "./dom.ts";
import { api } from "./request.ts";
import type { MemorySearchJson, MemoryStatsJson } from "./wire.ts";

export async function searchMemory(event: SubmitEvent) {
  event.preventDefault();
  const q = $<HTMLInputElement>("memory-query").value;
  try {
    const { hits = [] } = await api<MemorySearchJson>("GET", `/api/memory/search?q=${encodeURIComponent(q)}`);
    $("memory-results").replaceChildren(
      ...(hits.length ? hits.map((hit) => h("li", {}, stateBadge(short(hit.memory?.kind, "MEMORY_KIND_")), hit.memory?.content ?? "")) : [h("li", { class: "muted" }, "nothing found")]),
    );
  } catch (error) {
    report(error);
  }
}

export async function refreshMemoryStats() {
  const stats = await api<MemoryStatsJson>("GET", "/api/memory/stats");
  const total = (stats.counts ?? []).reduce((n, c) => n + Number(c.count ?? 0), 0);
  $("memory-stats").textContent = `${total} memories; embedder ${stats.embedder ?? "?"}`;
}
