/**
 * @module lib/console/web/settings
 * The Settings view: every key of aios.toml with its value (the defaults marked, secrets only
 * said to be set); a click puts a key in the form, Save sets it (the same check as aiosctl
 * config set: a value that does not fit is refused with what the key expects), Apply reads the
 * file again and says what each change needs, restarting those services when asked.
 */
import { $, h, report, toast } from "./dom.ts";
import { api } from "./request.ts";
import type { ConfigJson, ReloadJson } from "./wire.ts";

export async function refreshSettings() {
  const config = await api<ConfigJson>("GET", "/api/config");
  $("settings-file").textContent = config.file ?? "";
  $("settings-table")
    .querySelector("tbody")!
    .replaceChildren(
      ...(config.keys ?? []).map((entry) => {
        const tr = h(
          "tr",
          { class: entry.secret ? "" : "clickable", "data-key": entry.key ?? "" },
          h("td", {}, entry.key ?? ""),
          h("td", {}, entry.valueJson ?? ""),
          h("td", { class: "muted" }, entry.setInFile ? "" : "default"),
        );
        if (!entry.secret) tr.addEventListener("click", () => pick(entry.key ?? "", entry.valueJson ?? ""));
        return tr;
      }),
    );
}

function pick(key: string, valueJson: string) {
  $<HTMLInputElement>("settings-key").value = key;
  // A string is edited as its words; anything else as the TOML it is written in.
  const value = JSON.parse(valueJson) as unknown;
  $<HTMLInputElement>("settings-value").value = typeof value === "string" ? value : valueJson;
  $<HTMLInputElement>("settings-value").focus();
}

export async function saveSetting(event: SubmitEvent) {
  event.preventDefault();
  const key = $<HTMLInputElement>("settings-key").value.trim();
  const value = $<HTMLInputElement>("settings-value").value;
  try {
    const saved = await api<{ key?: { valueJson?: string }; beforeJson?: string }>("PUT", "/api/config", { key, value });
    $("settings-result").textContent = `${key}: ${saved.beforeJson} → ${saved.key?.valueJson}, saved. Apply it to take effect.`;
    await refreshSettings();
  } catch (error) {
    $("settings-result").textContent = (error as Error).message;
  }
}

export async function applySettings(restart: boolean) {
  try {
    const result = await api<ReloadJson>("POST", "/api/config/reload", { restart });
    const changes = result.changes ?? [];
    const words = (c: NonNullable<ReloadJson["changes"]>[number]) =>
      c.effect === "CONFIG_EFFECT_RESTART" ? `restart ${(c.restart ?? []).join(", ")}` : c.effect === "CONFIG_EFFECT_APPLIED" ? "applied now" : "at the next boot";
    $("settings-changes").replaceChildren(
      ...(changes.length ? changes.map((c) => h("li", {}, `${c.key}: ${c.beforeJson} → ${c.afterJson} (${words(c)})`)) : [h("li", { class: "muted" }, "nothing changed since it was last read")]),
    );
    const pending = result.restart ?? [];
    $("settings-restart").hidden = restart || pending.length === 0;
    $("settings-restart").textContent = `Restart ${pending.join(", ")}`;
    if (restart) toast(`restarted ${(result.restarted ?? []).map((r) => `${r.name}${r.ok ? "" : " (did not come back)"}`).join(", ") || "nothing"}`);
  } catch (error) {
    report(error);
  }
}
