/**
 * @module lib/gateway/json-schema
 * A caller's JSON Schema (InferRequest.response_json_schema) turned into a valibot schema, so a
 * model's structured answer is checked again after the model (or provider) claimed to follow
 * it: a grammar can be cut off by max_tokens, and a cloud provider's "structured output" is a
 * promise, not a proof. Only the subset that llama-server's grammar and the providers' structured
 * outputs support is accepted; anything else is refused up front, naming the keyword and where
 * it is, rather than silently not checked.
 */
import * as v from "valibot";

export class JsonSchemaError extends Error {
  constructor(
    readonly at: string,
    message: string,
  ) {
    super(`${at}: ${message}`);
  }
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };
type AnySchema = v.GenericSchema<unknown, unknown>;

/** Keywords that only describe (they do not constrain), accepted anywhere. */
const ANNOTATIONS = new Set(["$schema", "$id", "title", "description", "default", "examples", "$comment", "format", "deprecated", "readOnly", "writeOnly"]);
const KEYWORDS: Record<string, Set<string>> = {
  object: new Set(["type", "properties", "required", "additionalProperties"]),
  array: new Set(["type", "items", "minItems", "maxItems"]),
  string: new Set(["type", "minLength", "maxLength", "pattern"]),
  number: new Set(["type", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"]),
  integer: new Set(["type", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"]),
  boolean: new Set(["type"]),
  null: new Set(["type"]),
};
const MAX_DEPTH = 32;

const isObject = (value: unknown): value is JsonObject => typeof value === "object" && value !== null && !Array.isArray(value);

/** Parses the schema text and converts it; throws JsonSchemaError naming what is wrong. */
export function compileJsonSchema(text: string): { jsonSchema: JsonObject; validator: AnySchema } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new JsonSchemaError("schema", `is not JSON (${(error as Error).message})`);
  }
  if (!isObject(parsed)) throw new JsonSchemaError("schema", "must be a JSON object");
  return { jsonSchema: parsed, validator: convert(parsed, "schema", 0) };
}

function convert(node: Json, at: string, depth: number): AnySchema {
  if (depth > MAX_DEPTH) throw new JsonSchemaError(at, `is nested more than ${MAX_DEPTH} levels deep`);
  if (node === true) return v.unknown();
  if (!isObject(node)) throw new JsonSchemaError(at, "must be a schema object");
  if ("enum" in node) return enumOf(node, at);
  if ("const" in node) return v.custom((value) => sameJson(value, node.const as Json), `must be ${JSON.stringify(node.const)}`);
  for (const combinator of ["anyOf", "oneOf"] as const) {
    if (combinator in node) {
      const options = node[combinator];
      if (!Array.isArray(options) || options.length === 0) throw new JsonSchemaError(`${at}.${combinator}`, "must be a non-empty array of schemas");
      return v.union(options.map((option, i) => convert(option, `${at}.${combinator}[${i}]`, depth + 1)));
    }
  }
  const type = node.type;
  if (Array.isArray(type)) {
    if (type.length === 0) throw new JsonSchemaError(`${at}.type`, "must not be empty");
    return v.union(type.map((one) => convert({ ...node, type: one }, at, depth)));
  }
  if (typeof type !== "string" || !(type in KEYWORDS)) {
    throw new JsonSchemaError(`${at}.type`, `must be one of ${Object.keys(KEYWORDS).join(", ")} (or use enum, const, anyOf)`);
  }
  for (const key of Object.keys(node)) {
    if (!KEYWORDS[type]!.has(key) && !ANNOTATIONS.has(key)) throw new JsonSchemaError(`${at}.${key}`, `is not supported for type ${type}`);
  }
  switch (type) {
    case "object":
      return objectOf(node, at, depth);
    case "array": {
      const items = node.items === undefined ? v.unknown() : convert(node.items, `${at}.items`, depth + 1);
      const checks: v.PipeItem<unknown[], unknown[], v.BaseIssue<unknown>>[] = [];
      if (node.minItems !== undefined) checks.push(v.minLength(count(node.minItems, `${at}.minItems`), `must have at least ${node.minItems} items`));
      if (node.maxItems !== undefined) checks.push(v.maxLength(count(node.maxItems, `${at}.maxItems`), `must have at most ${node.maxItems} items`));
      return v.pipe(v.array(items), ...checks);
    }
    case "string": {
      const checks: v.PipeItem<string, string, v.BaseIssue<unknown>>[] = [];
      if (node.minLength !== undefined) checks.push(v.minLength(count(node.minLength, `${at}.minLength`), `must be at least ${node.minLength} characters`));
      if (node.maxLength !== undefined) checks.push(v.maxLength(count(node.maxLength, `${at}.maxLength`), `must be at most ${node.maxLength} characters`));
      if (node.pattern !== undefined) checks.push(v.regex(pattern(node.pattern, `${at}.pattern`), `must match ${node.pattern}`));
      return v.pipe(v.string(), ...checks);
    }
    case "number":
    case "integer": {
      const checks: v.PipeItem<number, number, v.BaseIssue<unknown>>[] = [v.finite()];
      if (type === "integer") checks.push(v.integer("must be an integer"));
      if (node.minimum !== undefined) checks.push(v.minValue(numberAt(node.minimum, `${at}.minimum`), `must be at least ${node.minimum}`));
      if (node.maximum !== undefined) checks.push(v.maxValue(numberAt(node.maximum, `${at}.maximum`), `must be at most ${node.maximum}`));
      if (node.exclusiveMinimum !== undefined) checks.push(v.gtValue(numberAt(node.exclusiveMinimum, `${at}.exclusiveMinimum`), `must be more than ${node.exclusiveMinimum}`));
      if (node.exclusiveMaximum !== undefined) checks.push(v.ltValue(numberAt(node.exclusiveMaximum, `${at}.exclusiveMaximum`), `must be less than ${node.exclusiveMaximum}`));
      return v.pipe(v.number(), ...checks);
    }
    case "boolean":
      return v.boolean();
    default:
      return v.null();
  }
}

function objectOf(node: JsonObject, at: string, depth: number): AnySchema {
  const properties = node.properties ?? {};
  if (!isObject(properties)) throw new JsonSchemaError(`${at}.properties`, "must be an object of schemas");
  const required = node.required ?? [];
  if (!Array.isArray(required) || !required.every((name) => typeof name === "string")) throw new JsonSchemaError(`${at}.required`, "must be an array of property names");
  for (const name of required as string[]) {
    if (!(name in properties)) throw new JsonSchemaError(`${at}.required`, `names "${name}", which is not in properties`);
  }
  const entries: Record<string, AnySchema> = {};
  for (const [name, schema] of Object.entries(properties)) {
    const inner = convert(schema, `${at}.properties.${name}`, depth + 1);
    entries[name] = (required as string[]).includes(name) ? inner : v.optional(inner);
  }
  const additional = node.additionalProperties;
  if (additional === undefined || additional === true) return v.looseObject(entries);
  if (additional === false) return v.strictObject(entries);
  return v.objectWithRest(entries, convert(additional, `${at}.additionalProperties`, depth + 1));
}

function enumOf(node: JsonObject, at: string): AnySchema {
  const values = node.enum;
  if (!Array.isArray(values) || values.length === 0) throw new JsonSchemaError(`${at}.enum`, "must be a non-empty array");
  return v.custom((value) => values.some((allowed) => sameJson(value, allowed)), `must be one of ${JSON.stringify(values)}`);
}

function count(value: Json, at: string): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0) throw new JsonSchemaError(at, "must be a whole number >= 0");
  return value;
}

function numberAt(value: Json, at: string): number {
  if (typeof value !== "number" || !Number.isFinite(value)) throw new JsonSchemaError(at, "must be a number");
  return value;
}

function pattern(value: Json, at: string): RegExp {
  if (typeof value !== "string") throw new JsonSchemaError(at, "must be a regular expression text");
  try {
    return new RegExp(value, "u");
  } catch (error) {
    throw new JsonSchemaError(at, `is not a valid regular expression (${(error as Error).message})`);
  }
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Checks a model's answer text against the compiled schema; the first problem, or null. */
export function checkAnswer(validator: AnySchema, text: string): { value: unknown } | { problem: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { problem: `the answer is not JSON: ${JSON.stringify(text.slice(0, 120))}${text.length > 120 ? "…" : ""}` };
  }
  const result = v.safeParse(validator, value);
  if (result.success) return { value };
  const issue = result.issues[0];
  const path = v.getDotPath(issue);
  return { problem: `the answer does not match the schema${path ? ` at ${path}` : ""}: ${issue.message}` };
}
