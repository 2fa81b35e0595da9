/**
 * @module lib/rpc/validate
 * valibot at the RPC boundary: protobuf guarantees types, a schema guarantees meaning
 * (required, ranges, formats). A failure is INVALID_ARGUMENT naming the field.
 */
import * as v from "valibot";
import { fromValibotIssues } from "./errors.ts";

export function parseRequest<const S extends v.GenericSchema>(schema: S, request: unknown): v.InferOutput<S> {
  const result = v.safeParse(schema, request, { abortEarly: false });
  if (!result.success) throw fromValibotIssues(result.issues);
  return result.output;
}
