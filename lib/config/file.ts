/**
 * @module lib/config/file
 * aios.toml as a person and an agent read and change it, shared by aiosctl config, aios-init's
 * GetConfig/SetConfig and the sys.config_* tools: every key with its value and whether the file
 * sets it, secrets left out; one key saved after the whole file passed the schema, all or
 * nothing.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import * as v from "valibot";
import { writeFileAtomic } from "../sys/atomic-file.ts";
import { ConfigEditError, changeKey, keyPath, leaves, valueAt } from "./edit.ts";
import { parseConfigText } from "./load.ts";

/** A dotted key of aios.toml as a caller may name it, checked before it reaches a file or a message. */
export const ConfigKeySchema = v.pipe(
  v.string(),
  v.maxLength(200, "a key is at most 200 characters"),
  v.regex(/^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/, "must be a key of aios.toml such as orchestrator.max_parallel_tasks"),
);

/** Keys whose values are secrets: never shown, never set but by a person editing the file. */
const SECRET_KEYS = new Set(["api_key", "password_hash"]);

export const isSecretKey = (key: string) => SECRET_KEYS.has(key.split(".").at(-1)!);

/** The value with every secret replaced by whether it is set. */
export function redactSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactSecrets);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, SECRET_KEYS.has(key) ? (inner ? "(set)" : "") : redactSecrets(inner)]));
}

export const readConfigText = (file: string) => (existsSync(file) ? readFileSync(file, "utf8") : "");

export interface ConfigKeyView {
  key: string;
  value: unknown;
  setInFile: boolean;
  secret: boolean;
}

/** Every key (a list of tables is one key) with its value, the file's or the default. */
export function configKeys(file: string): ConfigKeyView[] {
  const text = readConfigText(file);
  const document = Bun.TOML.parse(text);
  return leaves(redactSecrets(parseConfigText(text, file)))
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => ({ key, value, setInFile: valueAt(document, key.split(".")) !== undefined, secret: isSecretKey(key) }));
}

export interface SavedKey {
  key: string;
  before: unknown;
  after: unknown;
  /** False when the file already said so. */
  changed: boolean;
}

/**
 * Sets KEY to what a person typed (null: removes it, back to its default) in the file, checked
 * against the schema first (a ConfigError or ConfigEditError says why not), saved all or
 * nothing with the file's mode. Secrets are refused: `allowSecrets` only for a person at the
 * machine.
 */
export function saveConfigKey(file: string, key: string, raw: string | null, allowSecrets = false): SavedKey {
  keyPath(key);
  if (!allowSecrets && isSecretKey(key)) throw new ConfigEditError(`${key} is a secret: set it with aiosctl config edit on the machine`);
  const text = readConfigText(file);
  const before = valueAt(parseConfigText(text, file), key.split("."));
  const change = changeKey(text, file, key, raw);
  if (change.text === text) return { key, before, after: change.value, changed: false };
  saveConfigText(file, change.text);
  return { key, before, after: change.value, changed: true };
}

/** The whole file replaced by text that passes the schema (a ConfigError when it does not), all or nothing, with the file's mode. */
export function saveConfigText(file: string, text: string): void {
  parseConfigText(text, file);
  writeFileAtomic(file, text, existsSync(file) ? statSync(file).mode & 0o7777 : 0o644);
}
