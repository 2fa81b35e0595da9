/**
 * @module lib/config/edit
 * Changes one key of aios.toml in place, as a person would with an editor: the line of the key
 * is replaced (or added at the end of its table, or a table added at the end of the file), and
 * every other line, comments included, stays as it was. What the edit produced is read back
 * and compared with what was asked, so a layout this does not understand (a dotted key, an
 * inline table) is refused rather than changed wrongly.
 */
import { ConfigError, parseConfigText } from "./load.ts";
import type { Config } from "./schema.ts";

export class ConfigEditError extends Error {
  override readonly name = "ConfigEditError";
}

/** "orchestrator.max_parallel_tasks" → ["orchestrator", "max_parallel_tasks"]; refuses anything else. */
export function keyPath(key: string): string[] {
  const parts = key.split(".");
  if (parts.length < 2 || parts.some((part) => !/^[a-z][a-z0-9_]*$/.test(part))) {
    throw new ConfigEditError(`"${key}" is not a key: keys are TABLE.KEY in lower case, like orchestrator.max_parallel_tasks (aiosctl config show lists them)`);
  }
  return parts;
}

/** The value at a dotted path of a parsed document; undefined when it is not there. */
export function valueAt(document: unknown, path: readonly string[]): unknown {
  let here: unknown = document;
  for (const part of path) {
    if (here === null || typeof here !== "object" || Array.isArray(here) || !Object.hasOwn(here, part)) return undefined;
    here = (here as Record<string, unknown>)[part];
  }
  return here;
}

/** Every leaf of a table as [dotted key, value]; a list (of tables too) is one value. */
export function leaves(value: unknown, prefix = ""): [string, unknown][] {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return [[prefix, value]];
  return Object.entries(value).flatMap(([key, inner]) => leaves(inner, prefix ? `${prefix}.${key}` : key));
}

/** A value as TOML writes it: strings quoted and escaped, arrays of them inline. */
export function tomlValue(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new ConfigEditError("a number must be finite");
    return String(value);
  }
  if (typeof value === "boolean") return String(value);
  if (Array.isArray(value)) return `[${value.map(tomlValue).join(", ")}]`;
  throw new ConfigEditError("only strings, numbers, true/false and lists of them can be set this way: use aiosctl config edit");
}

/**
 * What a person typed as a value: TOML when it reads as TOML (8, true, ["a", "b"], "quoted"),
 * else the words as a string (0.0.0.0, debug). Both readings are offered, the TOML one first;
 * the schema decides.
 */
export function valueReadings(raw: string): unknown[] {
  const readings: unknown[] = [];
  try {
    const parsed = Bun.TOML.parse(`v = ${raw}`) as { v?: unknown };
    if (parsed.v !== undefined) readings.push(parsed.v);
  } catch {
    // not TOML: the string reading below
  }
  if (!readings.some((reading) => reading === raw)) readings.push(raw);
  return readings;
}

const HEADER = /^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$/;

/** The text with path's key set to the TOML value text, or removed when valueText is null. */
export function setKeyText(text: string, path: readonly string[], valueText: string | null): string {
  const table = path.slice(0, -1).join(".");
  const key = path[path.length - 1]!;
  const lines = text.split("\n");
  // Where the table's lines are: from after its header to the next header.
  let start = -1;
  let end = lines.length;
  for (let i = 0; i < lines.length; i++) {
    const header = HEADER.exec(lines[i]!);
    if (!header) continue;
    if (start >= 0) {
      end = i;
      break;
    }
    if (header[1] === "[[" && header[2] === table) throw new ConfigEditError(`[[${table}]] is a list of tables: change it with aiosctl config edit`);
    if (header[1] === "[" && header[2] === table) start = i + 1;
  }
  const assignment = new RegExp(`^\\s*${key}\\s*=`);
  if (start >= 0) {
    for (let i = start; i < end; i++) {
      if (!assignment.test(lines[i]!)) continue;
      // A value may span lines (a long array): it ends where its brackets close.
      let last = i;
      let depth = bracketDepth(lines[i]!);
      while (depth > 0 && last + 1 < end) depth += bracketDepth(lines[++last]!);
      lines.splice(i, last - i + 1, ...(valueText === null ? [] : [`${key} = ${valueText}`]));
      return lines.join("\n");
    }
    if (valueText === null) return text;
    // After the table's last line that is not blank.
    let at = end;
    while (at > start && lines[at - 1]!.trim() === "") at--;
    lines.splice(at, 0, `${key} = ${valueText}`);
    return lines.join("\n");
  }
  if (valueText === null) return text;
  const body = text.endsWith("\n") || text === "" ? text : `${text}\n`;
  return `${body}${body === "" ? "" : "\n"}[${table}]\n${key} = ${valueText}\n`;
}

/** Open brackets minus closed ones on a line, outside strings and comments. */
function bracketDepth(line: string): number {
  let depth = 0;
  let quote: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === "\\" && quote === '"') i++;
      else if (c === quote) quote = null;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === "#") break;
    else if (c === "[") depth++;
    else if (c === "]") depth--;
  }
  return depth;
}

export interface KeyChange {
  /** The file's new text. */
  text: string;
  /** The configuration it gives. */
  config: Config;
  /** The value the key now has (a default when it was removed). */
  value: unknown;
}

/**
 * The file's text with KEY set to what a person typed (or removed, back to its default, when
 * raw is null), checked against the whole schema. A value the schema refuses throws the
 * ConfigError that says what the key expects; nothing is written here.
 */
export function changeKey(text: string, file: string, key: string, raw: string | null): KeyChange {
  const path = keyPath(key);
  const before = parseConfigText(text, file);
  if (valueAt(before, path) === undefined) throw new ConfigEditError(`${key} is not a key of aios.toml (aiosctl config show lists them)`);
  const readings = raw === null ? [null] : valueReadings(raw);
  let refusal: unknown;
  for (const reading of readings) {
    const valueText = reading === null ? null : tomlValue(reading);
    const edited = setKeyText(text, path, valueText);
    const inPlace = new ConfigEditError(`${key} is written in a way this cannot change in place (a dotted key or an inline table): use aiosctl config edit`);
    let document: unknown;
    try {
      document = Bun.TOML.parse(edited);
    } catch {
      // The text read as TOML before the edit: the edit is what broke it.
      throw inPlace;
    }
    if (reading !== null && !Bun.deepEquals(valueAt(document, path), reading)) throw inPlace;
    let config: Config;
    try {
      config = parseConfigText(edited, file);
    } catch (error) {
      refusal ??= error;
      continue;
    }
    return { text: edited, config, value: valueAt(config, path) };
  }
  if (refusal instanceof ConfigError) throw refusal;
  throw refusal instanceof Error ? refusal : new ConfigEditError(String(refusal));
}
