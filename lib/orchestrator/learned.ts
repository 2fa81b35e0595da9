/**
 * @module lib/orchestrator/learned
 * Procedures learned from the models: when a model's plan for a goal works, its tool calls are
 * kept with the request's values (paths, ports, addresses, sizes ...) turned into placeholders,
 * so a later request that says the same thing with other values ("the size of /var/log" after
 * "the size of /srv") is planned from them with no model. Only what can be replayed safely is
 * learned: every value of the request must be used by the calls (else another value would be
 * ignored), and no call may use a value an earlier tool's output gave the model (a PID it
 * read, a file it found): that value would be stale next time. A request matches a procedure
 * when its meaningful words are the same (after the understanding layer's normalising:
 * synonyms, stems, politeness) and it has the same kinds of values; a procedure that failed
 * is not used again without a model unless a person promotes it.
 */
import { placeholdersOf, type ProcedureStepValue } from "../rpc/procedure-steps.ts";
import { hasRedactions } from "./redact.ts";
import { contentWords, normalizeWords } from "./understanding/normalize.ts";
import { extractSlots } from "./understanding/slots.ts";

type Value = string | number;

/** The kinds of value a request names, in the order they are numbered ("path1", "port1"). */
const KINDS = ["path", "glob", "extension", "ip", "host", "url", "port", "pid", "size", "duration", "count", "mode", "bits", "name", "text"] as const;

export interface RequestValues {
  /** The request with its values as placeholders ("the size of <path>"). */
  pattern: string;
  /** The values by placeholder key: path1, path2, port1, text1 .... */
  values: Map<string, Value>;
  /** Every placeholder of the pattern has a value (two ports where only one was read: false). */
  complete: boolean;
}

export function requestValues(text: string): RequestValues {
  const { slots, text: placeheld } = extractSlots(text);
  let pattern = placeheld;
  const values = new Map<string, Value>();
  const quoted = /["“']([^"”']{1,200})["”']/.exec(pattern);
  if (quoted) {
    values.set("text1", quoted[1]!);
    pattern = pattern.replace(quoted[0], "<text>");
  }
  (slots.paths ?? []).forEach((path, index) => values.set(`path${index + 1}`, path));
  for (const kind of KINDS) {
    if (kind === "path" || kind === "text") continue;
    const value = slots[kind];
    if (value !== undefined) values.set(`${kind}1`, value as Value);
  }
  const placeholders = [...pattern.matchAll(/<([a-z]+)>/g)].map((m) => m[1]!).filter((kind) => (KINDS as readonly string[]).includes(kind));
  const counts = new Map<string, number>();
  for (const kind of placeholders) counts.set(kind, (counts.get(kind) ?? 0) + 1);
  const complete = [...counts].every(([kind, count]) => [...values.keys()].filter((key) => key.replace(/\d+$/, "") === kind).length === count);
  return { pattern: pattern.replace(/\s+/g, " ").trim(), values, complete };
}

/** The words that carry a request's meaning, placeholders included, as a sorted key. */
export function meaningKey(pattern: string): string {
  return [...new Set(contentWords(normalizeWords(pattern)))].sort().join(" ");
}

export interface MadeCall {
  tool: string;
  agent: string;
  input: Record<string, unknown>;
  description: string;
}

/** Replaces values of the request in an input by their placeholders; notes which were used. */
function template(value: unknown, values: Map<string, Value>, used: Set<string>): unknown {
  if (typeof value === "string") {
    for (const [key, v] of values) {
      if (value === String(v)) {
        used.add(key);
        return `{{${key}}}`;
      }
      // A path below the one asked about: "/srv" asked, "/srv/app.log" used.
      if (key.startsWith("path") && typeof v === "string" && v !== "/" && value.startsWith(`${v}/`)) {
        used.add(key);
        return `{{${key}}}${value.slice(v.length)}`;
      }
    }
    return value;
  }
  if (typeof value === "number") {
    for (const [key, v] of values) {
      if (typeof v === "number" && v === value) {
        used.add(key);
        return `{{${key}}}`;
      }
    }
    return value;
  }
  if (Array.isArray(value)) return value.map((item) => template(item, values, used));
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, template(v, values, used)]));
  return value;
}

/** The plain values of an input that were not the request's, for the stale-value check. */
function constants(value: unknown, out: Value[] = []): Value[] {
  if (typeof value === "string" && !value.includes("{{")) out.push(value);
  else if (typeof value === "number") out.push(value);
  else if (Array.isArray(value)) value.forEach((item) => constants(item, out));
  else if (value && typeof value === "object") Object.values(value).forEach((item) => constants(item, out));
  return out;
}

/** A value the model could only have taken from a tool's output: a PID, a path it found. */
function cameFromOutput(value: Value, outputs: string): boolean {
  if (typeof value === "number") return value >= 100 && new RegExp(`(?<![\\d.])${value}(?![\\d.])`).test(outputs);
  return value.length >= 3 && outputs.includes(value);
}

/**
 * What to remember of a goal a model planned and that worked: its pattern and steps, or why it
 * cannot be replayed.
 */
export function learnFrom(goalText: string, calls: readonly MadeCall[], toolOutputs: string): { pattern: string; steps: ProcedureStepValue[] } | { notLearned: string } {
  if (!calls.length) return { notLearned: "it made no tool call" };
  // The log keeps a call's secrets redacted: such a call cannot be made again from it.
  if (calls.some((call) => hasRedactions(call.input))) return { notLearned: "a call carried a secret, which is not kept" };
  const { pattern, values, complete } = requestValues(goalText);
  if (!complete) return { notLearned: "it names more values of a kind than can be told apart" };
  const used = new Set<string>();
  const steps = calls.map((call) => ({ tool: call.tool, agent: call.agent, input: template(call.input, values, used) as Record<string, unknown>, description: call.description.slice(0, 500) }));
  const ignored = [...values.keys()].filter((key) => !used.has(key));
  if (ignored.length) return { notLearned: `its calls do not use ${ignored.map((key) => String(values.get(key))).join(", ")} from the request` };
  const stale = steps.flatMap((step) => constants(step.input)).find((value) => cameFromOutput(value, toolOutputs));
  if (stale !== undefined) return { notLearned: `a call uses ${String(stale)}, which a tool's output gave the model` };
  return { pattern, steps };
}

export interface KnownProcedure {
  id: string;
  pattern: string;
  steps: readonly ProcedureStepValue[];
  successes: number;
  failures: number;
  promoted: boolean;
}

/** Whether a procedure may plan with no model: it worked and never failed, or a person vouched for it. */
export const trusted = (p: KnownProcedure) => p.promoted || (p.successes > 0 && p.failures === 0);

/** Puts the request's values into a procedure's inputs; null when one it needs is missing. */
function fill(value: unknown, values: Map<string, Value>): unknown {
  if (typeof value === "string") {
    const whole = /^\{\{([a-z]+\d+)\}\}$/.exec(value);
    if (whole) {
      if (!values.has(whole[1]!)) throw new Error(whole[1]);
      return values.get(whole[1]!);
    }
    return value.replace(/\{\{([a-z]+\d+)\}\}/g, (_, key: string) => {
      if (!values.has(key)) throw new Error(key);
      return String(values.get(key));
    });
  }
  if (Array.isArray(value)) return value.map((item) => fill(item, values));
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fill(v, values)]));
  return value;
}

/** The trusted procedure that means what the request says, with the request's values in its calls. */
export function matchProcedure(text: string, procedures: readonly KnownProcedure[]): { procedure: KnownProcedure; calls: MadeCall[] } | null {
  const request = requestValues(text);
  if (!request.complete) return null;
  const key = meaningKey(request.pattern);
  const candidates = procedures.filter((p) => trusted(p) && meaningKey(p.pattern) === key).sort((a, b) => Number(b.promoted) - Number(a.promoted) || b.successes - a.successes);
  const given = [...request.values.keys()].sort().join(" ");
  for (const procedure of candidates) {
    // Every value the request gives is used, and only those: "/a and /b" is not "/a".
    if ([...placeholdersOf(procedure.steps)].sort().join(" ") !== given) continue;
    try {
      const calls = procedure.steps.map((step) => ({ ...step, input: fill(step.input, request.values) as Record<string, unknown> }));
      return { procedure, calls };
    } catch {
      // It needs a value this request does not have: not the same thing.
    }
  }
  return null;
}
