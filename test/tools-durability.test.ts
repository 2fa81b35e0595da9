/**
 * aios-tools killed with SIGKILL in the middle of a burst of calls: after a restart the audit
 * chain still verifies and holds every call that was acknowledged. The real binary, the real
 * SQLite file.
 */
import { afterAll, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AutonomyLevel } from "../lib/rpc/gen/aios/v1/common.ts";
import { AuditResult, ToolsServiceDefinition } from "../lib/rpc/gen/aios/v1/tools.ts";
import { connect, HealthDefinition } from "../lib/rpc/index.ts";
import { cleanEnv, installBinary, type Running, start } from "./support/binary.ts";
import { waitFor } from "./support/wait.ts";
import { commandSpool } from "./support/spool.ts";
import { agentToml } from "./support/agents.ts";

const dir = mkdtempSync(join(tmpdir(), "aios-tools-kill-"));
// process.spawn runs its command as nobody: its markers live where nobody may write.
const spool = commandSpool(dir);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** aios-tools from bin under root, once it answers its health check. */
async function startToolsIn(bin: string, root: string): Promise<Running> {
  const running = start([join(bin, "aios-tools"), "--root", root], dir, cleanEnv());
  const health = connect(HealthDefinition, join(root, "run/aios/tools.sock"));
  await health.check({ service: "" }, { timeoutMs: 60_000 });
  health.close();
  return running;
}

test("kill -9 during a burst loses no acknowledged call and leaves a chain that verifies", async () => {
  const root = join(dir, "root");
  const bin = installBinary(dir);
  mkdirSync(join(root, "etc/aios/agents"), { recursive: true });
  mkdirSync(join(root, "data"), { recursive: true });
  writeFileSync(join(root, "etc/aios/agents/storage.toml"), agentToml(["fs:read:/data/**", "fs:write:/data/**"]));
  const socket = join(root, "run/aios/tools.sock");
  const startTools = () => startToolsIn(bin, root);

  let running = await startTools();
  let tools = connect(ToolsServiceDefinition, socket);
  const { token } = await tools.issueCapabilityToken({ agent: "storage", ttlMs: 600_000 });
  const acknowledged: string[] = [];
  let stop = false;
  const worker = async (n: number) => {
    for (let i = 0; !stop; i++) {
      try {
        const input = i % 2 ? { path: `/data/w${n}.txt`, content: `${n}:${i}` } : { path: `/data/w${n}.txt` };
        const response = await tools.execute({ tool: i % 2 ? "fs.write" : "fs.stat", input, capabilityToken: token, reason: "burst" }, { failFast: true, timeoutMs: 5000 });
        acknowledged.push(response.executionId);
      } catch {
        return; // the server is gone
      }
    }
  };
  const workers = [1, 2, 3, 4].map(worker);
  while (acknowledged.length < 300) await Bun.sleep(10);
  running.process.kill("SIGKILL");
  stop = true;
  await Promise.all(workers);
  await running.process.exited;
  tools.close();
  expect(acknowledged.length).toBeGreaterThanOrEqual(300);

  running = await startTools();
  tools = connect(ToolsServiceDefinition, socket);
  const verified = await tools.verifyAudit({});
  expect(verified.ok).toBe(true);
  expect(verified.entriesChecked).toBeGreaterThanOrEqual(acknowledged.length);
  const stored = new Set<string>();
  let pageToken = "";
  do {
    const page = await tools.queryAudit({ pageSize: 1000, pageToken });
    for (const entry of page.entries) stored.add(entry.executionId);
    pageToken = page.nextPageToken;
  } while (pageToken);
  expect(acknowledged.filter((id) => !stored.has(id))).toEqual([]);
  tools.close();
  expect(await running.stop("SIGTERM")).toBe(0);
});

test("a change cut off by kill -9 is still in the ledger: its intent was written before it ran", async () => {
  const root = join(dir, "intent-root");
  const bin = installBinary(join(dir, "intent"));
  mkdirSync(join(root, "etc/aios/agents"), { recursive: true });
  writeFileSync(join(root, "etc/aios/agents/runner.toml"), agentToml(["process:spawn:/bin/*"]));
  const socket = join(root, "run/aios/tools.sock");
  const startTools = () => startToolsIn(bin, root);
  let running = await startTools();
  let tools = connect(ToolsServiceDefinition, socket);
  const { token } = await tools.issueCapabilityToken({ agent: "runner", autonomy: AutonomyLevel.AUTONOMY_LEVEL_AUTONOMOUS, ttlMs: 600_000 });
  const marker = join(spool, "intent-ran");
  const call = tools.execute(
    { tool: "process.spawn", input: { argv: ["/bin/sh", "-c", `echo started > ${marker}.1; sleep 2; echo done > ${marker}`] }, capabilityToken: token, reason: "cut off" },
    { timeoutMs: 60_000 },
  );
  await waitFor(() => existsSync(`${marker}.1`), "the command to start");
  running.process.kill("SIGKILL");
  await call.catch(() => undefined);
  await running.process.exited;
  tools.close();
  await waitFor(() => existsSync(marker), "the orphaned command to finish its change");

  running = await startTools();
  tools = connect(ToolsServiceDefinition, socket);
  const entries = (await tools.queryAudit({ tool: "process.spawn", pageSize: 10 })).entries;
  expect(entries.map((e) => e.result)).toEqual([AuditResult.AUDIT_RESULT_STARTED]);
  expect(entries[0]!.executionId).toEndWith("#started");
  expect((await tools.verifyAudit({})).ok).toBe(true);
  tools.close();
  expect(await running.stop("SIGTERM")).toBe(0);
});

/** `sleep LENGTH` processes (a unique length names a test's command). */
function processesWith(length: string): number[] {
  return readdirSync("/proc")
    .filter((name) => /^\d+$/.test(name))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, "utf8") === `sleep\0${length}\0`;
      } catch {
        return false;
      }
    })
    .map(Number);
}

test("a command still running when aios-tools is killed is stopped when aios-tools starts again", async () => {
  const root = join(dir, "leftover-root");
  const bin = installBinary(join(dir, "leftover"));
  mkdirSync(join(root, "etc/aios/agents"), { recursive: true });
  writeFileSync(join(root, "etc/aios/agents/runner.toml"), agentToml(["process:spawn:/bin/*"]));
  const socket = join(root, "run/aios/tools.sock");
  let running = await startToolsIn(bin, root);
  let tools = connect(ToolsServiceDefinition, socket);
  const { token } = await tools.issueCapabilityToken({ agent: "runner", autonomy: AutonomyLevel.AUTONOMY_LEVEL_AUTONOMOUS, ttlMs: 600_000 });
  const marker = join(spool, "leftover");
  // setsid: its own session, as a daemon would make; the PID namespace still holds it.
  const call = tools.execute(
    {
      tool: "process.spawn",
      input: { argv: ["/bin/sh", "-c", `echo started > ${marker}.1; setsid sleep 47.125 & sleep 47.125; echo late > ${marker}`] },
      capabilityToken: token,
      reason: "left behind",
    },
    { timeoutMs: 60_000 },
  );
  await waitFor(() => existsSync(`${marker}.1`) && processesWith("47.125").length === 2, "the command and its daemon to start");
  running.process.kill("SIGKILL");
  await call.catch(() => undefined);
  await running.process.exited;
  tools.close();
  // Killed with -9, aios-tools could not stop them: they outlive it until it starts again.
  expect(processesWith("47.125").length).toBe(2);

  running = await startToolsIn(bin, root);
  await waitFor(() => processesWith("47.125").length === 0, "the left-behind command to be stopped");
  expect(existsSync(marker)).toBe(false);
  expect(await running.stop("SIGTERM")).toBe(0);
});
