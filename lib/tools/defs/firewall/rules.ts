import * as v from "valibot";
import { defineTool } from "../../registry.ts";
import { nft } from "./common.ts";

const Rule = v.object({ family: v.string(), table: v.string(), chain: v.string(), handle: v.number(), rule: v.string() });

export const firewallRules = defineTool({
  name: "firewall.rules",
  description: "The nftables ruleset: every rule with its family, table, chain and handle (for delete_rule), and the full text (without handles).",
  input: v.strictObject({}),
  output: v.object({ rules: v.array(Rule), ruleset: v.string(), truncated: v.boolean() }),
  risk: "low",
  capability: "firewall:read",
  readOnly: true,
  idempotent: true,
  reversible: false,
  timeoutMs: 20_000,
  resources: () => [],
  run(_input, ctx) {
    const text = nft(["-a", "list", "ruleset"]);
    const rules: Array<v.InferOutput<typeof Rule>> = [];
    let family = "";
    let table = "";
    let chain = "";
    for (const raw of text.split("\n")) {
      const line = raw.trim();
      const t = /^table (\S+) (\S+) \{/.exec(line);
      const c = /^chain (\S+) \{/.exec(line);
      const r = /^(.*\S)\s+# handle (\d+)$/.exec(line);
      if (t) [family, table] = [t[1]!, t[2]!];
      else if (c) chain = c[1]!;
      else if (r && chain && !/^(type|policy) /.test(r[1]!)) rules.push({ family, table, chain, handle: Number(r[2]), rule: r[1]! });
    }
    // The text without handles: handles are the kernel's numbering and change on reload.
    const plain = nft(["list", "ruleset"]);
    const ruleset = ctx.cut(plain);
    return { rules, ruleset, truncated: ruleset.length < plain.length };
  },
});
