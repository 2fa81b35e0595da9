/**
 * @module lib/config/effects
 * What a change of aios.toml needs before it takes effect: aios-init applies a few keys as it
 * reads them (as PID 1), the components read their own tables when they start, and the data
 * disk, paths and the network's setup are read once, at boot. One table says which.
 */
import { leaves } from "./edit.ts";
import type { Config } from "./schema.ts";

export type Effect = "applied" | "restart" | "boot";

export interface KeyChange {
  key: string;
  before: unknown;
  after: unknown;
  effect: Effect;
  /** Components that read the key at start (effect "restart"). */
  components: string[];
}

const COMPONENTS = ["tools", "memory", "gateway", "orchestrator", "console"] as const;

/** By the longest matching prefix: what a key's change needs. */
const RULES: ReadonlyArray<[prefix: string, effect: Effect, components: readonly string[]]> = [
  ["system.hostname", "applied", []],
  ["system.modules", "applied", []],
  ["ssh.", "applied", []],
  // The pkg tools read their table at each call.
  ["pkg.", "applied", []],
  ["system.", "boot", []],
  ["network.", "boot", []],
  ["storage.", "boot", []],
  ["paths.", "boot", []],
  // Every component reads these when it starts.
  ["log.", "restart", COMPONENTS],
  ["rpc.", "restart", COMPONENTS],
  ["tools.", "restart", ["tools"]],
  // aios-tools runs the servers; the orchestrator shows their tools to the agents named.
  ["mcp.", "restart", ["tools", "orchestrator"]],
  // aios-fleet is started by aios-init only when the fleet is on: at the next boot.
  ["fleet.enabled", "boot", []],
  ["fleet.", "restart", ["fleet"]],
  ["memory.", "restart", ["memory"]],
  ["gateway.", "restart", ["gateway"]],
  ["orchestrator.", "restart", ["orchestrator"]],
  ["console.", "restart", ["console"]],
];

function ruleFor(key: string): { effect: Effect; components: readonly string[] } {
  const rule = RULES.filter(([prefix]) => key === prefix || key.startsWith(prefix)).sort((a, b) => b[0].length - a[0].length)[0];
  // A table this list does not know yet: at the next boot, the one answer that is always true.
  return rule ? { effect: rule[1], components: rule[2] } : { effect: "boot", components: [] };
}

/**
 * Every key whose value differs between two configurations, with what it needs. `live` is
 * false under --root, where aios-init applies nothing to the machine: what it would apply
 * then waits for the next boot.
 */
export function configChanges(before: Config, after: Config, live: boolean): KeyChange[] {
  const old = new Map(leaves(before));
  return leaves(after)
    .filter(([key, value]) => !Bun.deepEquals(old.get(key), value))
    .map(([key, value]) => {
      const rule = ruleFor(key);
      const readAtUse = key.startsWith("pkg.");
      const effect = rule.effect === "applied" && !live && !readAtUse ? "boot" : rule.effect;
      return { key, before: old.get(key), after: value, effect, components: [...rule.components] };
    });
}
