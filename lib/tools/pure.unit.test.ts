/**
 * aios-tools' pure parts: capabilities (parsing, globs over normalised paths, a glob
 * character in a path is literal) and capability tokens (signed, tamper-evident, expiring).
 */
import { describe, expect, test } from "bun:test";
import { grantedBy, normalizePath, parseCapability } from "./capability.ts";
import { signToken, verifyToken } from "./token.ts";

describe("capabilities", () => {
  test("namespace:action[:resource-glob], or a sentence saying what is wrong", () => {
    expect(parseCapability("fs:read:/var/log/**")).toEqual({ namespace: "fs", action: "read", resource: "/var/log/**" });
    expect(parseCapability("process:*")).toEqual({ namespace: "process", action: "*", resource: undefined });
    expect(() => parseCapability("fs")).toThrow("is not a capability");
    expect(() => parseCapability("fs:read:")).toThrow("is not a capability");
  });

  test("a glob grants what it covers (of the path with .. resolved); nothing else", () => {
    const held = ["fs:read:/var/log/**", "fs:write:/tmp/*"].map(parseCapability);
    expect(grantedBy(held, "fs", "read", "/var/log/nginx/access.log")).toBe(true);
    // Callers match the normalised path (AbsolutePath, the executor's resources).
    expect(normalizePath("/var/log/../../etc/shadow")).toBe("/etc/shadow");
    expect(grantedBy(held, "fs", "read", normalizePath("/var/log/../../etc/shadow"))).toBe(false);
    expect(grantedBy(held, "fs", "write", "/tmp/a")).toBe(true);
    expect(grantedBy(held, "fs", "write", "/tmp/a/b")).toBe(false);
    expect(grantedBy(held, "fs", "delete", "/tmp/a")).toBe(false);
    expect(grantedBy([parseCapability("fs:read:/srv/a")], "fs", "read", "/srv/*")).toBe(false);
  });
});

describe("capability tokens", () => {
  const key = Buffer.alloc(32, 7);
  const claims = { agent: "storage", goal_id: "g", task_id: "t", caps: ["fs:read"], autonomy: "supervised" as const, iat: 1000, exp: 61_000, jti: "j" };

  test("a signed token verifies to its claims until it expires", () => {
    const token = signToken(claims, key);
    expect(verifyToken(token, key, 2000)).toEqual(claims);
    expect(() => verifyToken(token, key, 61_000)).toThrow("expired");
  });

  test("a changed claim, another key or a malformed token is refused", () => {
    const [body, signature] = signToken(claims, key).split(".");
    const widened = Buffer.from(JSON.stringify({ ...claims, caps: ["*:*"] })).toString("base64url");
    expect(() => verifyToken(`${widened}.${signature}`, key, 2000)).toThrow("signature is not valid");
    expect(() => verifyToken(`${body}.${signature}`, Buffer.alloc(32, 8), 2000)).toThrow("signature is not valid");
    expect(() => verifyToken("not-a-token", key, 2000)).toThrow("malformed");
  });
});
