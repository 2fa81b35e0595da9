/**
 * dpkg's version order and the Depends grammar, on the cases that decide real installs:
 * epochs, tildes (pre-releases sort first), Debian revisions, "+debNuM" security updates.
 */
import { describe, expect, test } from "bun:test";
import { compareVersions, parseRelations, satisfies } from "./version.ts";

describe("Debian versions", () => {
  test("order as dpkg --compare-versions orders them", () => {
    const ordered = ["1.0~rc1", "1.0", "1.0-1", "1.0-1+deb12u1", "1.0-1+deb12u2", "1.0-2", "1.0a", "1.0.1", "1.10", "2:0.1"];
    for (let i = 0; i < ordered.length - 1; i++) {
      expect([ordered[i], compareVersions(ordered[i]!, ordered[i + 1]!) < 0]).toEqual([ordered[i], true]);
      expect(compareVersions(ordered[i + 1]!, ordered[i]!)).toBeGreaterThan(0);
    }
    expect(compareVersions("1.6-2.1+deb12u3", "1.6-2.1+deb12u3")).toBe(0);
    expect(compareVersions("01.0", "1.0")).toBe(0);
    // The host's dpkg agrees on a sample (it is on every Debian machine).
    for (const [a, b] of [
      ["1:1.35.0-4", "1.36"],
      ["2.36-9+deb12u14", "2.36-9+deb12u9"],
      ["6.9.8-1", "6.8.1"],
      ["1.0~~", "1.0~"],
    ] as const) {
      const dpkg = Bun.spawnSync(["dpkg", "--compare-versions", a, "lt", b]).exitCode === 0;
      expect([a, b, compareVersions(a, b) < 0]).toEqual([a, b, dpkg]);
    }
  });

  test("relations", () => {
    expect(satisfies("2.36-9", ">=", "2.34")).toBe(true);
    expect(satisfies("2.36-9", "<<", "2.36")).toBe(false);
    expect(satisfies("1.6-2.1+deb12u3", "=", "1.6-2.1+deb12u3")).toBe(true);
  });

  test("a Depends field: groups, alternatives, versions, architecture qualifiers", () => {
    expect(parseRelations("libjq1 (= 1.6-2.1+deb12u3), libc6 (>= 2.34), python3:any | python3-minimal (>> 3.11), foo (< 2)")).toEqual([
      [{ name: "libjq1", relation: "=", version: "1.6-2.1+deb12u3" }],
      [{ name: "libc6", relation: ">=", version: "2.34" }],
      [{ name: "python3" }, { name: "python3-minimal", relation: ">>", version: "3.11" }],
      [{ name: "foo", relation: "<=", version: "2" }],
    ]);
    expect(parseRelations("")).toEqual([]);
  });
});
