/**
 * @module lib/console/credentials
 * What signs a person in. The admin token is made on first start (32 random bytes, base64url),
 * kept in STATE_DIR/console/admin-token with mode 0600 and shown once on the serial console; it
 * is also the bearer token of API clients. A configured password hash (argon2id, from
 * `aios-console --hash-password`) replaces the token for sign-in from the web page.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

export interface AdminToken {
  token: string;
  /** True when this start made it (so it is shown now, and only now). */
  created: boolean;
}

export function loadOrCreateAdminToken(path: string): AdminToken {
  if (existsSync(path)) {
    const token = readFileSync(path, "utf8").trim();
    if (token.length >= 16) {
      chmodSync(path, 0o600);
      return { token, created: false };
    }
  }
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const token = randomBytes(32).toString("base64url");
  // Written then renamed would leave a window with default permissions; mode on create does not.
  writeFileSync(path, `${token}\n`, { mode: 0o600 });
  chmodSync(path, 0o600);
  return { token, created: true };
}

/** Equal strings, compared in time that does not depend on where they differ (or their lengths). */
export function constantTimeEqual(given: string, expected: string): boolean {
  const a = createHash("sha256").update(given).digest();
  const b = createHash("sha256").update(expected).digest();
  return timingSafeEqual(a, b);
}

export class Credentials {
  constructor(
    private readonly adminToken: string,
    private readonly passwordHash: string,
  ) {}

  /** How the web page signs in: "password" when a hash is configured, else "token". */
  get signInWith(): "password" | "token" {
    return this.passwordHash ? "password" : "token";
  }

  /** A bearer token of an API client. */
  isBearer(token: string): boolean {
    return constantTimeEqual(token, this.adminToken);
  }

  /** The secret typed on the sign-in page: the password when configured, else the admin token. */
  async checkSignIn(secret: string): Promise<boolean> {
    if (!this.passwordHash) return constantTimeEqual(secret, this.adminToken);
    // Bun.password.verify is constant-time in the hash comparison and slow by design.
    return Bun.password.verify(secret, this.passwordHash).catch(() => false);
  }
}

export const hashPassword = (password: string): Promise<string> => Bun.password.hash(password, { algorithm: "argon2id" });
