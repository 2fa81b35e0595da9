/**
 * Who may call what, decided by the kernel's word on the caller (SO_PEERCRED) and one table,
 * through the compiled binary under `aios init --root`: a process aios-init runs as the
 * orchestrator is issued tokens but cannot approve a call or grant a capability; the gateway
 * and other services cannot get a token; a person (a root process that is no AIOS service)
 * may do all of it; and no caller changes its identity by claiming one in its metadata.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HealthDefinition } from "../lib/rpc/gen/grpc/health/v1/health.ts";
import { GatewayServiceDefinition } from "../lib/rpc/gen/aios/v1/gateway.ts";
import { InitServiceDefinition } from "../lib/rpc/gen/aios/v1/init.ts";
import { MemoryServiceDefinition } from "../lib/rpc/gen/aios/v1/memory.ts";
import { OrchestratorServiceDefinition } from "../lib/rpc/gen/aios/v1/orchestrator.ts";
import { ToolsServiceDefinition } from "../lib/rpc/gen/aios/v1/tools.ts";
import { AUTHORIZATION } from "../lib/rpc/index.ts";
import { readStat } from "../lib/sys/index.ts";
import { cleanEnv, installBinary, type Running, start } from "./support/binary.ts";
import { waitFor } from "./support/wait.ts";
import { agentToml } from "./support/agents.ts";

test("every method of every AIOS service has its callers in the authorization table", () => {
  const missing: string[] = [];
  for (const service of [InitServiceDefinition, MemoryServiceDefinition, GatewayServiceDefinition, OrchestratorServiceDefinition, ToolsServiceDefinition, HealthDefinition]) {
    for (const method of Object.values(service.methods)) {
      const path = `/${service.fullName}/${method.name}`;
      if (!AUTHORIZATION[path]?.length) missing.push(path);
    }
  }
  expect(missing).toEqual([]);
});

describe("callers named by the kernel", () => {
  let dir: string;
  let root: string;
  let init: Running;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "aios-peer-"));
    root = join(dir, "root");
    installBinary(root, "usr/bin");
    mkdirSync(join(root, "etc/aios/services"), { recursive: true });
    mkdirSync(join(root, "etc/aios/agents"), { recursive: true });
    writeFileSync(join(root, "etc/aios/agents/general.toml"), agentToml(["fs:read"]));
    writeFileSync(join(root, "etc/aios/services/tools.toml"), `command = "${join(root, "usr/bin/aios-tools")}"\ncritical = true\n[readiness]\nkind = "grpc"\n`);
    init = start([join(root, "usr/bin/aios-init"), "--root", root], dir, cleanEnv());
    await waitFor(
      () => init.output().includes("AIOS ready"),
      () => `AIOS ready in:\n${init.output()}`,
    );
  });

  afterAll(async () => {
    await init?.stop("SIGTERM");
    rmSync(dir, { recursive: true, force: true });
  });

  /** Runs the calls from a process in its own group, recorded as service `as` (or as nothing: a person). */
  async function callAs(as: string | null): Promise<Record<string, string>> {
    const child = Bun.spawn([process.execPath, join(import.meta.dir, "support/caller.ts"), join(root, "run/aios/tools.sock")], {
      stdin: "pipe",
      stdout: "pipe",
      stderr: "inherit",
      detached: true,
      env: cleanEnv(),
    });
    const record = join(root, "run/aios/init", `${as}.group`);
    if (as) writeFileSync(record, `${child.pid} ${readStat(child.pid)!.startTime}\n`);
    child.stdin.write("go\n");
    child.stdin.end();
    const out = await new Response(child.stdout).text();
    await child.exited;
    if (as) rmSync(record, { force: true });
    return JSON.parse(out) as Record<string, string>;
  }

  test("a person may do everything; the table only stops what the approval does not exist for", async () => {
    const r = await callAs(null);
    expect(r.ListTools).toBe("OK");
    expect(r.IssueCapabilityToken).toBe("OK");
    expect(r.GrantCapability).toBe("OK");
    expect(r["DecideApproval(yes)"]).toBe("not_found");
    expect(r.Rollback).not.toBe("permission_denied");
  });

  test("the orchestrator is issued tokens but cannot approve, grant or roll back, whatever its metadata claims", async () => {
    const r = await callAs("orchestrator");
    expect(r.IssueCapabilityToken).toBe("OK");
    expect(r["DecideApproval(yes)"]).toBe("permission_denied");
    expect(r["DecideApproval(no)"]).toBe("not_found");
    expect(r.GrantCapability).toBe("permission_denied");
    expect(r.Rollback).toBe("permission_denied");
  });

  test("the gateway and a service that is not part of AIOS may read status but get no token", async () => {
    for (const as of ["gateway", "webapp"]) {
      const r = await callAs(as);
      expect(r.ListTools).toBe("OK");
      expect(r.IssueCapabilityToken).toBe("permission_denied");
      expect(r["DecideApproval(no)"]).toBe("permission_denied");
      expect(r.GrantCapability).toBe("permission_denied");
    }
  });

  test("a refused call is in the component's log with the caller's pid", async () => {
    const log = readFileSync(join(root, "var/log/aios/tools.log"), "utf8");
    const refusal = log.split("\n").find((line) => line.includes("refused a caller the authorization table does not allow") && line.includes("GrantCapability"));
    expect(refusal).toBeDefined();
    expect(refusal).toMatch(/"caller":"(orchestrator|gateway|service)".*"pid":\d+/);
  });
});
