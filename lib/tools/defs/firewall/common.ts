/**
 * @module lib/tools/defs/firewall/common
 * nftables through the nft program. Every change is checked with `nft -c` before it is
 * applied, and the whole ruleset before it is the backup: a rollback flushes and reloads it,
 * so the ruleset comes back exactly.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as v from "valibot";
import type { Backup } from "../../registry.ts";
import { systemProgram } from "../system.ts";
import { toolError } from "../../tool-error.ts";

export function nft(args: string[], input?: string): string {
  const result = spawnSync(systemProgram("nft"), args, { encoding: "utf8", input, timeout: 20_000 });
  if (result.error) throw toolError("not_found", `nft could not run: ${result.error.message} (is nftables installed?)`);
  if (result.status !== 0) throw toolError("invalid", `nft ${args.join(" ")}: ${(result.stderr || result.stdout).trim()}`);
  return result.stdout;
}

/** Checks a script with nft -c, then applies it. */
export function applyScript(script: string): void {
  const dir = mkdtempSync(join(tmpdir(), "aios-nft-"));
  try {
    const file = join(dir, "change.nft");
    writeFileSync(file, script);
    nft(["-c", "-f", file]);
    nft(["-f", file]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const rulesetBackup = (): Backup => ({ kind: "nft-ruleset", data: { ruleset: nft(["list", "ruleset"]) } });

export function restoreRuleset(backup: Backup): string {
  const ruleset = String(backup.data.ruleset ?? "");
  applyScript(`flush ruleset\n${ruleset}`);
  return `restored the firewall ruleset (${ruleset.split("\n").filter((l) => l.trim()).length} lines)`;
}

export const Family = v.optional(v.picklist(["inet", "ip", "ip6", "arp", "bridge", "netdev"]), "inet");
export const Name = v.pipe(v.string(), v.regex(/^[A-Za-z][A-Za-z0-9_-]{0,31}$/, "must be a table or chain name (letters, digits, _ and -)"));
// One rule: no second statement (;), no comment (#) and no new line can ride along.
export const RuleText = v.pipe(v.string(), v.nonEmpty(), v.maxLength(1000), v.regex(/^[^;#\n\r\\]+$/, "must be one nft rule, without ; # or new lines"));
