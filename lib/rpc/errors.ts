/**
 * @module lib/rpc/errors
 * One error type for every component, mapped to a gRPC status in one place. A status carries
 * a sentence a person can act on; INVALID_ARGUMENT also names the field in the trailing
 * metadata key "aios-field", so a client can point at the exact input that was wrong.
 */
import { Metadata, type ServiceError, status as Status } from "@grpc/grpc-js";
import type { BaseIssue } from "valibot";
import { getDotPath } from "valibot";

export const ERROR_CODES = {
  cancelled: Status.CANCELLED,
  invalid_argument: Status.INVALID_ARGUMENT,
  deadline_exceeded: Status.DEADLINE_EXCEEDED,
  not_found: Status.NOT_FOUND,
  already_exists: Status.ALREADY_EXISTS,
  permission_denied: Status.PERMISSION_DENIED,
  resource_exhausted: Status.RESOURCE_EXHAUSTED,
  failed_precondition: Status.FAILED_PRECONDITION,
  aborted: Status.ABORTED,
  unimplemented: Status.UNIMPLEMENTED,
  internal: Status.INTERNAL,
  unavailable: Status.UNAVAILABLE,
  unauthenticated: Status.UNAUTHENTICATED,
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** Trailing metadata key holding the dotted path of the field an INVALID_ARGUMENT is about. */
export const FIELD_METADATA_KEY = "aios-field";
/** Prefix of trailing metadata keys carrying an error's details ("aios-approval-id"). */
const DETAIL_PREFIX = "aios-";

export interface AiosErrorOptions {
  /** Dotted path of the input field at fault ("input.path"). */
  field?: string;
  /** Machine-readable extras sent as trailing metadata ("approval-id" → "aios-approval-id"). */
  details?: Record<string, string>;
  cause?: unknown;
}

export class AiosError extends Error {
  override readonly name = "AiosError";
  readonly field: string | undefined;
  readonly details: Readonly<Record<string, string>>;

  constructor(
    readonly code: ErrorCode,
    message: string,
    options: AiosErrorOptions = {},
  ) {
    super(message, { cause: options.cause });
    this.field = options.field;
    this.details = options.details ?? {};
  }

  get grpcCode(): Status {
    return ERROR_CODES[this.code];
  }
}

export const invalidArgument = (field: string, message: string) => new AiosError("invalid_argument", `invalid ${field}: ${message}`, { field });
export const notFound = (message: string) => new AiosError("not_found", message);
export const alreadyExists = (message: string) => new AiosError("already_exists", message);
export const permissionDenied = (message: string) => new AiosError("permission_denied", message);
export const failedPrecondition = (message: string, details?: Record<string, string>) => new AiosError("failed_precondition", message, { details });
export const unavailable = (message: string, cause?: unknown) => new AiosError("unavailable", message, { cause });
export const deadlineExceeded = (message: string) => new AiosError("deadline_exceeded", message);
export const unimplemented = (message: string) => new AiosError("unimplemented", message);
export const internal = (message: string, cause?: unknown) => new AiosError("internal", message, { cause });

/** The first valibot issue as INVALID_ARGUMENT, naming its field (prefix adds the parent path). */
export function fromValibotIssues(issues: readonly BaseIssue<unknown>[], prefix = ""): AiosError {
  const [first] = issues;
  if (!first) return new AiosError("invalid_argument", "invalid request");
  // Clients know the proto's field names (page_token), not the TypeScript ones (pageToken).
  // Under a prefix (a tool's input) the keys are the caller's own, and so are map keys
  // (LD_PRELOAD): those are named as they were sent.
  const protoName = (segment: string) => (/^[a-z][a-zA-Z0-9]*$/.test(segment) ? segment.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`) : segment);
  const dotted = getDotPath(first);
  const path = prefix ? dotted : dotted?.split(".").map(protoName).join(".");
  const field = [prefix, path].filter(Boolean).join(".") || "request";
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more problem${issues.length > 2 ? "s" : ""})` : "";
  return invalidArgument(field, first.message + more);
}

/** The longest status message sent: an error echoing a huge input must not wedge the connection. */
export const MAX_STATUS_DETAILS = 4096;
const MAX_TRAILER = 1024;

/**
 * Text grpc-js can send: bounded, and well-formed UTF-16 (a lone surrogate, as in JSON.parse's
 * message about half an emoji, makes its percent-encoder throw outside any handler).
 */
export function sendableText(text: string, max = MAX_STATUS_DETAILS): string {
  if (text.length <= max) return text.toWellFormed();
  return `${text.slice(0, max).toWellFormed()}… (${text.length - max} more characters)`;
}

/** A trailer value as HTTP/2 allows it (printable ASCII): percent-encoded; fromServiceError decodes it. */
const encodeTrailer = (value: string) => encodeURIComponent(sendableText(value, MAX_TRAILER));

function decodeTrailer(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** A trailer key grpc-js accepts: lower-case letters, digits, "-", "_" and ".". */
const trailerKey = (key: string) => DETAIL_PREFIX + key.toLowerCase().replace(/[^a-z0-9_.-]/g, "-");

/** What a server sends for an error. Anything that is not an AiosError becomes INTERNAL. */
export function toStatus(error: unknown, component: string): { code: Status; details: string; metadata: Metadata } {
  const aios = error instanceof AiosError ? error : internal(`internal error in ${component}: ${error instanceof Error ? error.message : String(error)}`, error);
  const metadata = new Metadata();
  if (aios.field) metadata.set(FIELD_METADATA_KEY, encodeTrailer(aios.field));
  for (const [key, value] of Object.entries(aios.details)) metadata.set(trailerKey(key), encodeTrailer(value));
  return { code: aios.grpcCode, details: sendableText(aios.message), metadata };
}

/** The status sent when the real one could not be: nothing a caller sent can make it fail. */
export function fallbackStatus(component: string): { code: Status; details: string; metadata: Metadata } {
  return { code: Status.INTERNAL, details: `internal error in ${component}: its error could not be sent (see its log)`, metadata: new Metadata() };
}

const CODE_BY_STATUS = new Map<number, ErrorCode>(Object.entries(ERROR_CODES).map(([name, code]) => [code, name as ErrorCode]));

/** What a client sees for a failed call: the server's AiosError, rebuilt from the status. */
export function fromServiceError(error: ServiceError | Error, method: string): AiosError {
  if (error instanceof AiosError) return error;
  if (!("code" in error) || typeof error.code !== "number") return internal(`failed to call ${method}: ${error.message}`, error);
  const code = CODE_BY_STATUS.get(error.code) ?? "internal";
  const metadata = error.metadata?.getMap() ?? {};
  const field = typeof metadata[FIELD_METADATA_KEY] === "string" ? decodeTrailer(metadata[FIELD_METADATA_KEY] as string) : undefined;
  const details: Record<string, string> = {};
  for (const [key, value] of Object.entries(metadata)) {
    if (key.startsWith(DETAIL_PREFIX) && key !== FIELD_METADATA_KEY && typeof value === "string") {
      details[key.slice(DETAIL_PREFIX.length)] = decodeTrailer(value);
    }
  }
  return new AiosError(code, error.details || error.message, { field, details, cause: error });
}
