import * as v from "valibot";
import { defineTool } from "../../registry.ts";
import { applyScript, Family, Name, restoreRuleset, rulesetBackup } from "./common.ts";

export const firewallDeleteRule = defineTool({
  name: "firewall.delete_rule",
  description: "Delete one nftables rule by its handle (see firewall.rules). Checked with nft -c first; the previous ruleset is kept for rollback.",
  input: v.strictObject({ family: Family, table: Name, chain: Name, handle: v.pipe(v.number(), v.integer(), v.minValue(1)) }),
  output: v.object({ family: v.string(), table: v.string(), chain: v.string(), handle: v.number() }),
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
    applyScript(`delete rule ${input.family} ${input.table} ${input.chain} handle ${input.handle}\n`);
    return { family: input.family, table: input.table, chain: input.chain, handle: input.handle };
  },
});
