/**
 * @module lib/orchestrator/redact
 * Secrets out of what is kept: a tool call's input is stored in the event log (and copied to
 * memory) with the values of secret-looking fields ("password", "token", "api_key",
 * "authorization", ...) and secret-looking strings (private keys, bearer tokens, provider
 * keys) replaced by "[redacted]". aios-tools' own audit ledger keeps hashes, not inputs.
 */

export const REDACTED = "[redacted]";

const SECRET_KEY = /pass(?:word|wd|phrase)?$|^pw$|secret|token|api[_-]?key|apikey|auth(?:orization)?$|credential|private[_-]?key|cookie|session/i;
const SECRET_VALUE = [
  /-----BEGIN [A-Z ]*PRIVATE KEY-----/,
  /\bBearer\s+[A-Za-z0-9._~+/=-]{16,}/,
  /\b(?:sk|pk|rk)-[A-Za-z0-9_-]{16,}/, // OpenAI- and Anthropic-style API keys
  /\bgh[pousr]_[A-Za-z0-9]{20,}/, // GitHub tokens
  /\bAKIA[0-9A-Z]{16}\b/, // AWS access key ids
  /\bxox[abposr]-[A-Za-z0-9-]{10,}/, // Slack tokens
];

/** A copy of the value with secrets replaced; the value itself is not changed. */
export function redactSecrets(value: unknown, key = ""): unknown {
  if (key && SECRET_KEY.test(key) && value !== null && value !== undefined && value !== "") return REDACTED;
  if (typeof value === "string") return SECRET_VALUE.some((pattern) => pattern.test(value)) ? REDACTED : value;
  if (Array.isArray(value)) return value.map((item) => redactSecrets(item));
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactSecrets(v, k)]));
  return value;
}

/** Whether anything in the value was redacted (a call with a secret is not replayed from the log). */
export const hasRedactions = (value: unknown): boolean => JSON.stringify(value ?? null).includes(`"${REDACTED}"`);
