import { describe, expect, test } from "bun:test";
import { mkdtempSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { constantTimeEqual, Credentials, hashPassword, loadOrCreateAdminToken } from "./credentials.ts";
import { Lockout } from "./lockout.ts";
import { SessionStore } from "./sessions.ts";

const dir = mkdtempSync(join(tmpdir(), "aios-cred-"));

describe("console credentials", () => {
  test("the admin token is made once, mode 0600, and kept", () => {
    const path = join(dir, "console/admin-token");
    const first = loadOrCreateAdminToken(path);
    expect(first.created).toBe(true);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(loadOrCreateAdminToken(path)).toEqual({ token: first.token, created: false });
  });

  test("with a password hash, the password signs in and the token does not; the token stays the bearer", async () => {
    const creds = new Credentials("the-admin-token-0123456789", await hashPassword("correct horse battery"));
    expect(creds.signInWith).toBe("password");
    expect(await creds.checkSignIn("correct horse battery")).toBe(true);
    expect(await creds.checkSignIn("the-admin-token-0123456789")).toBe(false);
    expect(creds.isBearer("the-admin-token-0123456789")).toBe(true);
    expect(constantTimeEqual("a", "ab")).toBe(false);
  });

  test("sessions end after idle_ms without use, and after max_ms in any case", () => {
    let now = 1_000_000;
    const store = new SessionStore(join(dir, "s.db"), 120_000, 400_000, () => now);
    const id = store.create("127.0.0.1");
    now += 100_000;
    expect(store.lookup(id)).not.toBeNull();
    now += 100_000; // touched above only if a minute had passed since the last write: it had
    expect(store.lookup(id)).not.toBeNull();
    now += 121_000;
    expect(store.lookup(id)).toBeNull();
    const busy = store.create("127.0.0.1");
    for (let i = 0; i < 6; i++) {
      now += 60_001;
      expect(store.lookup(busy)).not.toBeNull();
    }
    now += 60_001; // in use all along, but 420 s old
    expect(store.lookup(busy)).toBeNull();
    store.close();
  });

  test("lockout: every attempt counts before it is checked; failures outside the window do not count; a lockout ends", () => {
    let now = 0;
    const lockout = new Lockout({ maxFailures: 3, windowMs: 1000, lockoutMs: 5000 }, () => now);
    const wrong = () => lockout.begin("a") === 0 && lockout.fail("a");
    wrong();
    wrong();
    now = 2000;
    expect(wrong()).toBe(false);
    expect(wrong()).toBe(false);
    expect(wrong()).toBe(true);
    expect(lockout.retryAfterMs("a")).toBe(5000);
    expect(lockout.begin("a")).toBe(5000);
    expect(lockout.retryAfterMs("b")).toBe(0);
    now = 7001;
    expect(lockout.retryAfterMs("a")).toBe(0);
    // Thirty guesses at once: only the first three may be checked.
    const admitted = Array.from({ length: 30 }, () => lockout.begin("c")).filter((wait) => wait === 0);
    expect(admitted).toHaveLength(3);
    // A right secret clears the count.
    lockout.begin("d");
    lockout.succeed("d");
    expect([lockout.begin("d"), lockout.begin("d"), lockout.begin("d")]).toEqual([0, 0, 0]);
  });
});
