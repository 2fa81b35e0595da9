/**
 * @module lib/tools/defs/sys/config
 * AIOS's own configuration (/etc/aios/aios.toml) for agents: read with its secrets left out,
 * and one key changed the way `aiosctl config set` changes it (checked against the schema,
 * saved all or nothing, the rest of the file untouched). A change is critical: a person
 * approves each one at every autonomy level, and Rollback puts the file back. The file itself
 * stays closed to the fs tools (lib/tools/protected.ts): this is the one door, and it never
 * shows or sets a secret.
 */
import * as v from "valibot";
import { ConfigEditError, valueAt } from "../../../config/edit.ts";
import { ConfigKeySchema, isSecretKey, readConfigText, redactSecrets, saveConfigKey } from "../../../config/file.ts";
import { ConfigError, DEFAULT_CONFIG_PATH, parseConfigText } from "../../../config/index.ts";
import { defineTool } from "../../registry.ts";
import { toolError } from "../../tool-error.ts";
import { backupFile, restoreFile } from "../fs/common.ts";

/** A table (console) or a key (console.port). */
const Key = v.pipe(v.string(), v.maxLength(200), v.regex(/^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$/, "must be a key or table of aios.toml such as console.port"));

export const sysConfigGet = defineTool({
  name: "sys.config_get",
  description: "Read AIOS's configuration (aios.toml with its defaults): every key, one table (console) or one key (console.port). Secrets show only whether they are set.",
  input: v.strictObject({ key: v.optional(Key) }),
  output: v.object({ key: v.string(), value: v.unknown() }),
  risk: "low",
  capability: "sys:config_read",
  readOnly: true,
  idempotent: true,
  reversible: false,
  timeoutMs: 10_000,
  resources: () => [],
  run(input, ctx) {
    const config = parseConfigText(readConfigText(ctx.physical(DEFAULT_CONFIG_PATH)), DEFAULT_CONFIG_PATH);
    const value = input.key ? valueAt(config, input.key.split(".")) : config;
    if (value === undefined) throw toolError("not_found", `${input.key} is not a key or table of aios.toml`);
    return { key: input.key ?? "", value: redactSecrets(value) };
  },
});

export const sysConfigSet = defineTool({
  name: "sys.config_set",
  description:
    'Change one key of AIOS\'s configuration (aios.toml), checked against its schema before it is saved; value as TOML (8, true, ["a"]) or plain words. A person approves every change; it takes effect when the services that read it restart. Reversible.',
  input: v.strictObject({ key: ConfigKeySchema, value: v.pipe(v.string(), v.maxLength(4096)) }),
  output: v.object({ key: v.string(), value: v.unknown(), previous: v.unknown() }),
  risk: "critical",
  capability: "sys:config_write",
  readOnly: false,
  idempotent: true,
  reversible: true,
  timeoutMs: 10_000,
  resources: () => [],
  backup: (_input, ctx) => backupFile(DEFAULT_CONFIG_PATH, ctx),
  restore: (backup, backupDir, ctx) => restoreFile(backup, backupDir, ctx),
  run(input, ctx) {
    try {
      const saved = saveConfigKey(ctx.physical(DEFAULT_CONFIG_PATH), input.key, input.value);
      return { key: input.key, value: saved.after, previous: saved.before };
    } catch (error) {
      if (error instanceof ConfigError) throw toolError("invalid", error.problems.join("; "));
      if (error instanceof ConfigEditError) throw toolError(isSecretKey(input.key) ? "permission" : "invalid", error.message);
      throw error;
    }
  },
});
