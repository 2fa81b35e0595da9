/**
 * @module lib/tools/token
 * Capability tokens: HMAC-SHA256 over their claims with a key only aios-tools holds
 * (STATE_DIR/tools/token.key, made on first start, mode 0600). The orchestrator asks for one
 * per agent and task (IssueCapabilityToken) and passes it with each call; nothing else can
 * mint one, and an agent cannot widen its own.
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import * as v from "valibot";
import { permissionDenied } from "../rpc/index.ts";

import { AUTONOMY_NAMES, type AutonomyName } from "../rpc/autonomy.ts";

export const AUTONOMY = AUTONOMY_NAMES;
export type Autonomy = AutonomyName;

const ClaimsSchema = v.strictObject({
  agent: v.string(),
  goal_id: v.string(),
  task_id: v.string(),
  caps: v.array(v.string()),
  autonomy: v.picklist(AUTONOMY),
  iat: v.number(),
  exp: v.number(),
  jti: v.string(),
});
export type TokenClaims = v.InferOutput<typeof ClaimsSchema>;

export function loadOrCreateKey(path: string): Buffer {
  if (existsSync(path)) return readFileSync(path);
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const key = randomBytes(32);
  writeFileSync(path, key, { mode: 0o600, flag: "wx" });
  return key;
}

const b64 = (data: Buffer | string) => Buffer.from(data).toString("base64url");
const mac = (key: Buffer, body: string) => createHmac("sha256", key).update(body).digest();

export function signToken(claims: TokenClaims, key: Buffer): string {
  const body = b64(JSON.stringify(claims));
  return `${body}.${b64(mac(key, body))}`;
}

export function verifyToken(token: string, key: Buffer, now = Date.now()): TokenClaims {
  const [body, signature, extra] = token.split(".");
  if (!body || !signature || extra !== undefined) throw permissionDenied("the capability token is malformed: ask the orchestrator for a new one");
  const expected = mac(key, body);
  const given = Buffer.from(signature, "base64url");
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw permissionDenied("the capability token's signature is not valid");
  }
  let claims: TokenClaims;
  try {
    claims = v.parse(ClaimsSchema, JSON.parse(Buffer.from(body, "base64url").toString("utf8")));
  } catch {
    throw permissionDenied("the capability token's claims are malformed");
  }
  if (claims.exp <= now) throw permissionDenied(`the capability token expired at ${new Date(claims.exp).toISOString()}`);
  return claims;
}
