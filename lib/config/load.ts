/**
 * @module lib/config/load
 * Reads aios.toml with Bun's TOML parser and validates it. Every failure is a ConfigError
 * naming the file, the key and what was expected, so start-up stops with a message a person
 * can act on.
 */
import { existsSync, readFileSync } from "node:fs";
import * as v from "valibot";
import { type Config, ConfigSchema } from "./schema.ts";

export class ConfigError extends Error {
  override readonly name = "ConfigError";
  constructor(
    readonly file: string,
    readonly problems: readonly string[],
  ) {
    super(`invalid configuration in ${file}:\n  ${problems.join("\n  ")}`);
  }
}

/** Validates an already-parsed TOML document. `file` is used in messages only. */
export function parseConfig(document: unknown, file: string): Config {
  const result = v.safeParse(ConfigSchema, document, { abortEarly: false });
  if (result.success) return result.output;
  throw new ConfigError(
    file,
    result.issues.map((issue) => describeIssue(issue)),
  );
}

/** Parses TOML text and validates it. */
export function parseConfigText(text: string, file: string): Config {
  let document: unknown;
  try {
    document = Bun.TOML.parse(text);
  } catch (error) {
    const { line, column } = error as { line?: number; column?: number };
    const where = line ? ` at line ${line}, column ${column ?? 0}` : "";
    const reason = error instanceof Error ? error.message.replace(/^TOML Parse error: /, "") : String(error);
    throw new ConfigError(file, [`TOML syntax error${where}: ${reason}`]);
  }
  return parseConfig(document, file);
}

export interface LoadConfigOptions {
  /** The file to read. */
  path: string;
  /** When false (the default path was used), a missing file means all defaults. */
  required?: boolean;
}

export function loadConfig({ path, required = false }: LoadConfigOptions): Config {
  if (!existsSync(path)) {
    if (required) throw new ConfigError(path, ["file not found (check the --config path)"]);
    return parseConfig({}, path);
  }
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new ConfigError(path, [`cannot be read: ${(error as Error).message}`]);
  }
  return parseConfigText(text, path);
}

/** One schema problem of a TOML file as "key: expected X, got Y" (also used for service files). */
export function describeIssue(issue: v.BaseIssue<unknown>, unknownKeyHint = " (remove it, or check its spelling against rootfs/overlay/etc/aios/aios.toml)"): string {
  const key = v.getDotPath(issue) ?? "(top level)";
  if (issue.type === "strict_object" && issue.expected === "never") {
    return `${key}: unknown key${unknownKeyHint}`;
  }
  const expected = issue.expected ?? "a valid value";
  const custom = issue.message.startsWith("Invalid ") ? "" : ` (${issue.message})`;
  return `${key}: expected ${expected}${custom}, got ${issue.received}`;
}
