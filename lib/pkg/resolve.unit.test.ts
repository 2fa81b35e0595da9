/**
 * The install plan: dependencies first at the newest version that fits, alternatives in order,
 * virtual names through their providers, what the image has left alone, and refusals that
 * name the package and the reason.
 */
import { describe, expect, test } from "bun:test";
import { type Candidate, type Present, resolveInstall } from "./resolve.ts";

function pkg(name: string, version: string, fields: Partial<Candidate> = {}): Candidate {
  return { name, version, arch: "amd64", depends: "", pre_depends: "", provides: "", conflicts: "", breaks: "", ...fields };
}

function source(index: Candidate[], present: Present[] = []) {
  return {
    versions: (name: string) => index.filter((c) => c.name === name),
    providers: (virtual: string) => index.filter((c) => c.provides.split(",").some((p) => p.trim().split(" ")[0] === virtual)),
    present: new Map(present.map((p) => [p.name, p])),
  };
}

const plan = (requests: string[], index: Candidate[], present: Present[] = []) =>
  resolveInstall(requests, source(index, present)).map((p) => `${p.candidate.name}=${p.candidate.version}${p.auto ? " (auto)" : ""}`);

const libc: Present = { name: "libc6", version: "2.36-9+deb12u14", provides: "", origin: "image" };

describe("resolving an install", () => {
  test("dependencies first, at the newest version a constraint allows; the image's packages are not installed again", () => {
    const index = [
      pkg("jq", "1.6-2.1+deb12u2", { depends: "libjq1 (= 1.6-2.1+deb12u2), libc6 (>= 2.34)" }),
      pkg("jq", "1.6-2.1+deb12u3", { depends: "libjq1 (= 1.6-2.1+deb12u3), libc6 (>= 2.34)" }),
      pkg("libjq1", "1.6-2.1+deb12u2", { depends: "libonig5 (>= 6.8.1)" }),
      pkg("libjq1", "1.6-2.1+deb12u3", { depends: "libonig5 (>= 6.8.1)" }),
      pkg("libonig5", "6.9.8-1"),
      pkg("libc6", "2.36-9+deb12u14"),
    ];
    expect(plan(["jq"], index, [libc])).toEqual(["libonig5=6.9.8-1 (auto)", "libjq1=1.6-2.1+deb12u3 (auto)", "jq=1.6-2.1+deb12u3"]);
    expect(plan(["jq=1.6-2.1+deb12u2"], index, [libc])).toEqual(["libonig5=6.9.8-1 (auto)", "libjq1=1.6-2.1+deb12u2 (auto)", "jq=1.6-2.1+deb12u2"]);
  });

  test("alternatives in order, a met alternative needs nothing, virtual names through providers", () => {
    const index = [
      pkg("app", "1", { depends: "awk-impl | mawk, mail-transport-agent" }),
      pkg("mawk", "1.3"),
      pkg("gawk", "5", { provides: "awk-impl" }),
      pkg("postfix", "3", { provides: "mail-transport-agent" }),
    ];
    expect(plan(["app"], index)).toEqual(["gawk=5 (auto)", "postfix=3 (auto)", "app=1"]);
    expect(plan(["app"], index, [{ name: "mawk", version: "1.3", provides: "", origin: "image" }])).toEqual(["postfix=3 (auto)", "app=1"]);
  });

  test("refusals say which package and why", () => {
    const index = [pkg("a", "1", { depends: "missing-lib" }), pkg("b", "1", { depends: "libc6 (>= 2.40)" }), pkg("c", "1", { conflicts: "busybox" }), pkg("d", "1", { provides: "virt" })];
    expect(() => plan(["nothing"], index)).toThrow("no package nothing in the mirror's index");
    expect(() => plan(["a"], index)).toThrow("a needs missing-lib, which the mirror's index does not have");
    expect(() => plan(["b"], index, [libc])).toThrow("b needs libc6 (>= 2.40), but the image has libc6 2.36-9+deb12u14");
    expect(() => plan(["c"], index, [{ name: "busybox", version: "1.35", provides: "", origin: "image" }])).toThrow("c conflicts with busybox 1.35 (part of the image)");
    expect(() => plan(["virt"], index)).toThrow("virt is a virtual package: install one of d");
    expect(() => plan(["libc6"], index, [libc])).toThrow("libc6 2.36-9+deb12u14 is part of the image already");
    expect(() => plan(["a=9"], index)).toThrow("a has no version 9 in the index (it has 1)");
  });
});
