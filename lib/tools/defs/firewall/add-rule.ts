import * as v from "valibot";
import { defineTool } from "../../registry.ts";
import { applyScript, Family, Name, restoreRuleset, RuleText, rulesetBackup } from "./common.ts";

export const firewallAddRule = defineTool({
  name: "firewall.add_rule",
  description:
    'Add one nftables rule (e.g. "tcp dport 8080 accept") to a chain; the table and an input-hook chain are created when missing. Checked with nft -c first; the previous ruleset is kept for rollback.',
  input: v.strictObject({
    family: Family,
    table: v.optional(Name, "aios"),
    chain: v.optional(Name, "input"),
    rule: RuleText,
    position: v.optional(v.picklist(["append", "insert"]), "append"),
  }),
  output: v.object({ family: v.string(), table: v.string(), chain: v.string(), rule: v.string() }),
  risk: "high",
  capability: "firewall:write",
  readOnly: false,
  idempotent: false,
  reversible: true,
  timeoutMs: 30_000,
  resources: (input) => [input.table],
  backup: rulesetBackup,
  restore: restoreRuleset,
  run(input) {
    const { family, table, chain, rule } = input;
    const hook = ["input", "output", "forward"].includes(chain) && ["inet", "ip", "ip6"].includes(family) ? ` { type filter hook ${chain} priority 0; policy accept; }` : "";
    applyScript(`add table ${family} ${table}\nadd chain ${family} ${table} ${chain}${hook}\n${input.position === "insert" ? "insert" : "add"} rule ${family} ${table} ${chain} ${rule}\n`);
    return { family, table, chain, rule };
  },
});
