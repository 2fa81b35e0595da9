/**
 * @module lib/rpc/validate
 * valibot at the RPC boundary: protobuf guarantees types, a schema guarantees meaning
 * (required, ranges, formats). A failure is INVALID_ARGUMENT naming the field.
 */
import * as v from "valibot";
import { fromValibotIssues, invalidArgument } from "./errors.ts";

export function parseRequest<const S extends v.GenericSchema>(schema: S, request: unknown): v.InferOutput<S> {
  const result = v.safeParse(schema, request, { abortEarly: false });
  if (!result.success) throw fromValibotIssues(result.issues);
  return result.output;
}

/**
 * A page size or limit as a caller asked for it: 0 (unset) for the default, capped at max.
 * A negative one is INVALID_ARGUMENT naming the field, not a query that fails inside.
 */
export function pageLimit(value: number, fallback: number, max: number, field = "page_size"): number {
  if (!Number.isInteger(value) || value < 0) throw invalidArgument(field, `${field} must be 0 (the default, ${fallback}) or a positive number`);
  return Math.min(value || fallback, max);
}

/**
 * Page tokens, opaque to clients, of two kinds in every service: a position (an offset or a
 * row number) as its decimal digits, and for keyset pages a cursor (the last row's sort key)
 * as base64url JSON. Anything else is INVALID_ARGUMENT naming the field.
 */
export function pageOffset(token: string, field = "page_token"): number {
  if (!token) return 0;
  if (!/^\d{1,15}$/.test(token)) throw invalidArgument(field, "must be a next_page_token from a previous response");
  return Number(token);
}

/** A keyset page's cursor as a token. */
export const cursorToken = (cursor: unknown): string => Buffer.from(JSON.stringify(cursor)).toString("base64url");

/** The cursor a token of ours carries, checked by its schema; null for no token. */
export function pageCursor<T>(token: string, schema: v.GenericSchema<unknown, T>, field = "page_token"): T | null {
  if (!token) return null;
  try {
    const parsed = v.safeParse(schema, JSON.parse(Buffer.from(token, "base64url").toString("utf8")));
    if (parsed.success) return parsed.output;
  } catch {
    // Not base64url JSON: not a token of ours either.
  }
  throw invalidArgument(field, "must be a next_page_token from a previous response");
}
