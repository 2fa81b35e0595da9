/**
 * The pkg tools through the Tools service, against a signed Debian-format repository on
 * loopback: an agent without pkg:install is refused and audited; an install waits for a
 * person, then puts jq and its libraries on the data disk; a command spawned by process.spawn
 * runs it while AIOS's own state stays covered; Rollback of the install removes it all, and
 * Rollback of a removal puts the same versions back from the package cache.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chmodSync, copyFileSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { AuditResult } from "../rpc/gen/aios/v1/tools.ts";
import { type DebRepo, startDebRepo } from "../../test/support/deb-repo.ts";
import { agentToml } from "../../test/support/agents.ts";
import { refusal as failure } from "../../test/support/refusal.ts";
import { startToolsServer, type ToolsServer } from "../../test/support/tools-server.ts";

let server: ToolsServer;
let repo: DebRepo;

beforeAll(async () => {
  repo = await startDebRepo();
  server = await startToolsServer((root, dir) => {
    // Commands run as nobody: the scratch directory must let them through, as / does on the machine.
    chmodSync(dir, 0o755);
    mkdirSync(join(root, "usr/lib/aios"), { recursive: true });
    writeFileSync(join(root, "usr/lib/aios/packages"), "Package: libc6\nVersion: 2.36-9+deb12u14\n");
    copyFileSync(repo.keyring, join(root, "etc/aios/archive-key.asc"));
    writeFileSync(join(root, "etc/aios/aios.toml"), `[pkg]\nmirror = "${repo.url}"\nkeyring = "/etc/aios/archive-key.asc"\n`);
    writeFileSync(join(root, "etc/aios/agents/packager.toml"), agentToml(["pkg:read", "pkg:update", "pkg:install", "pkg:remove", "process:spawn", "process:shell"]));
    writeFileSync(join(root, "etc/aios/agents/looker.toml"), agentToml(["pkg:read"]));
    // Something of AIOS's own state that commands must not see beside the packages they run.
    mkdirSync(join(root, "var/lib/aios/tools-secret"), { recursive: true });
    writeFileSync(join(root, "var/lib/aios/tools-secret/key"), "TOP-SECRET\n");
    writeFileSync(join(root, "var/lib/aios/loose-file"), "TOP-SECRET\n");
  });
});
afterAll(async () => {
  await server.close();
  repo.close();
});

async function approved(token: string, tool: string, input: Record<string, unknown>) {
  const held = await failure(server.call(token, tool, input));
  expect(held.code).toBe("failed_precondition");
  const approvalId = held.details["approval-id"]!;
  await server.tools.decideApproval({ approvalId, approve: true, decidedBy: "human:admin" });
  return server.call(token, tool, input, { approvalId });
}

async function rolledBack(token: string, executionId: string) {
  const asked = await failure(server.tools.rollback({ executionId, capabilityToken: token, reason: "undo", approvalId: "" }));
  const approvalId = asked.details["approval-id"]!;
  await server.tools.decideApproval({ approvalId, approve: true, decidedBy: "human:admin" });
  return server.tools.rollback({ executionId, capabilityToken: token, reason: "undo", approvalId });
}

describe("the pkg tools", () => {
  test("search and info need only pkg:read; installing without pkg:install is refused and audited", async () => {
    const token = await server.tokenFor("looker");
    const search = await server.call(token, "pkg.search", { query: "json" });
    expect((search.output as { packages: Array<{ name: string }> }).packages.map((p) => p.name)).toEqual(["jq", "libjq1"]);
    const info = await server.call(token, "pkg.info", { name: "jq" });
    expect(info.output).toMatchObject({ name: "jq", status: "available", depends: expect.stringContaining("libjq1") });
    const refused = await failure(server.call(token, "pkg.install", { packages: ["jq"] }));
    expect(refused.code).toBe("permission_denied");
    const { entries } = await server.tools.queryAudit({ agent: "looker", tool: "pkg.install", goalId: "", executionId: "", pageSize: 5, pageToken: "" });
    expect(entries.map((e) => e.result)).toContain(AuditResult.AUDIT_RESULT_DENIED);
    const bad = await failure(server.call(token, "pkg.info", { name: "../../etc/passwd" }));
    expect([bad.code, bad.message]).toEqual(["invalid_argument", expect.stringContaining("must be a Debian package name")]);
  });

  test("an install waits for a person, runs, is usable by a spawned command, and Rollback removes it all", async () => {
    const token = await server.tokenFor("packager");
    const done = await approved(token, "pkg.install", { packages: ["jq"] });
    expect(done.ok).toBe(true);
    expect((done.output as { installed: Array<{ name: string }> }).installed.map((p) => p.name)).toEqual(["libonig5", "libjq1", "jq"]);
    const jq = join(server.root, "var/lib/aios/pkg/bin/jq");
    // A confined command sees the packages, not AIOS's state beside them.
    const spawned = await approved(token, "process.spawn", {
      command: `echo '{"n":41}' | ${jq} '.n + 1'; cat ${join(server.root, "var/lib/aios/tools-secret/key")} ${join(server.root, "var/lib/aios/loose-file")} 2>&1 | head -c 300`,
    });
    const out = spawned.output as { stdout: string; exit_code: number };
    expect(out.stdout).toContain("42");
    expect(out.stdout).not.toContain("TOP-SECRET");

    const undone = await rolledBack(token, done.executionId);
    expect(undone.summary).toContain("removed");
    expect(existsSync(jq)).toBe(false);
    const list = await server.call(token, "pkg.list", {});
    expect(list.output).toEqual({ packages: [] });
  });

  test("Rollback of a removal installs the same versions again from the cache", async () => {
    const token = await server.tokenFor("packager");
    await approved(token, "pkg.install", { packages: ["jq"] });
    const removed = await approved(token, "pkg.remove", { packages: ["jq"] });
    expect((removed.output as { removed: Array<{ name: string }> }).removed.map((r) => r.name).sort()).toEqual(["jq", "libjq1", "libonig5"]);
    const requestsBefore = repo.requests.length;
    const undone = await rolledBack(token, removed.executionId);
    expect(undone.summary).toContain("installed again");
    expect(repo.requests.length).toBe(requestsBefore);
    const list = (await server.call(token, "pkg.list", {})).output as { packages: Array<{ name: string; auto: boolean }> };
    expect(list.packages.map((p) => `${p.name}${p.auto ? " (auto)" : ""}`)).toEqual(["jq", "libjq1 (auto)", "libonig5 (auto)"]);
    expect(Bun.spawnSync([join(server.root, "var/lib/aios/pkg/bin/jq"), "--version"]).stdout.toString()).toContain("jq-1.6");
  });
});
