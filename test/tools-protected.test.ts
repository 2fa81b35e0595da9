/**
 * Paths no grant opens, through the compiled binary under `aios init --root`: an agent
 * granted every fs and sec capability over the whole file system still cannot read AIOS's
 * secrets and state, the password hashes or another process's environment, nor change the
 * agent definitions, whether it names them, reaches them through a symlink, or searches a tree
 * that holds them.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AutonomyLevel } from "../lib/rpc/gen/aios/v1/common.ts";
import { ToolsServiceDefinition } from "../lib/rpc/gen/aios/v1/tools.ts";
import { type AiosError, connect, type ServiceClient } from "../lib/rpc/index.ts";
import { cleanEnv, installBinary, type Running, start } from "./support/binary.ts";
import { waitFor } from "./support/wait.ts";
import { agentToml } from "./support/agents.ts";
import { refusal as refused } from "./support/refusal.ts";

let dir: string;
let root: string;
let init: Running;
let tools: ServiceClient<typeof ToolsServiceDefinition>;
let token: string;
const SECRET = "s3cret-admin-token";

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "aios-protected-"));
  root = join(dir, "root");
  installBinary(root, "usr/bin");
  mkdirSync(join(root, "etc/aios/services"), { recursive: true });
  mkdirSync(join(root, "etc/aios/agents"), { recursive: true });
  mkdirSync(join(root, "var/lib/aios/console"), { recursive: true });
  mkdirSync(join(root, "data"), { recursive: true });
  writeFileSync(join(root, "var/lib/aios/console/admin-token"), `${SECRET}\n`, { mode: 0o600 });
  writeFileSync(join(root, "etc/aios/aios.toml"), `# api_key = "${SECRET}"\n`);
  writeFileSync(join(root, "etc/shadow"), `root:${SECRET}:19000:0:99999:7:::\n`);
  writeFileSync(join(root, "data/notes.txt"), `a note that mentions ${SECRET.slice(0, 6)}\n`);
  // Relative: under --root an absolute target would name the host's path.
  symlinkSync("../var/lib/aios/console/admin-token", join(root, "data/token-link"));
  writeFileSync(join(root, "etc/aios/agents/greedy.toml"), agentToml(["fs:*", "sec:*"]));
  // Holds /data only: the race below tries to lead it out of there.
  writeFileSync(join(root, "etc/aios/agents/narrow.toml"), agentToml(["fs:read:/data/**", "fs:write:/data/**"]));
  writeFileSync(join(root, "etc/aios/services/tools.toml"), `command = "${join(root, "usr/bin/aios-tools")}"\ncritical = true\n[readiness]\nkind = "grpc"\n`);
  init = start([join(root, "usr/bin/aios-init"), "--root", root], dir, cleanEnv());
  await waitFor(
    () => init.output().includes("AIOS ready"),
    () => `AIOS ready in:\n${init.output()}`,
  );
  tools = connect(ToolsServiceDefinition, join(root, "run/aios/tools.sock"));
  token = (await tools.issueCapabilityToken({ agent: "greedy", autonomy: AutonomyLevel.AUTONOMY_LEVEL_AUTONOMOUS, goalId: "g", taskId: "t" })).token;
});

afterAll(async () => {
  tools?.close();
  await init?.stop("SIGTERM");
  rmSync(dir, { recursive: true, force: true });
});

const run = (tool: string, input: Record<string, unknown>) => tools.execute({ tool, input, capabilityToken: token, approvalId: "", reason: "protected-paths test" });

describe("protected paths", () => {
  test("AIOS's secrets and the machine's are refused to an agent holding every fs capability", async () => {
    for (const path of [
      "/var/lib/aios/console/admin-token",
      "/var/lib/aios/tools/token.key",
      "/var/lib/aios/tools/tools.db",
      "/etc/aios/aios.toml",
      "/etc/shadow",
      "/proc/self/environ",
      "/proc/1/environ",
      "/run/aios/tools.sock",
    ]) {
      const error = await refused(run("fs.read", { path }));
      expect([path, error.code]).toEqual([path, "permission_denied"]);
      expect(error.message).toContain("is protected");
    }
    expect((await refused(run("fs.list", { path: "/var/lib/aios" }))).code).toBe("permission_denied");
    expect((await refused(run("sec.file_integrity", { path: "/var/lib/aios", action: "baseline" }))).code).toBe("permission_denied");
  });

  test("a symlink to a secret is refused on its resolved path", async () => {
    const error = await refused(run("fs.read", { path: "/data/token-link" }));
    expect(error.code).toBe("permission_denied");
    expect(error.message).toContain("/var/lib/aios/console/admin-token is protected");
  });

  test("a search over a tree that holds secrets finds the rest and none of them", async () => {
    const found = await run("fs.search", { path: "/", content: SECRET.slice(0, 6), max_depth: 6 });
    expect(found.ok).toBe(true);
    const paths = (found.output as { matches: { path: string }[] }).matches.map((m) => m.path);
    expect(paths).toEqual(["/data/notes.txt"]);
  });

  test("the agent definitions can be read but not changed", async () => {
    const read = await run("fs.read", { path: "/etc/aios/agents/greedy.toml" });
    expect(read.ok).toBe(true);
    const write = await refused(run("fs.write", { path: "/etc/aios/agents/greedy.toml", content: 'capabilities = ["*"]\n' }));
    expect(write.code).toBe("permission_denied");
    expect((await refused(run("fs.write", { path: "/etc/aios/agents/new.toml", content: "" }))).code).toBe("permission_denied");
    // What is not protected still works.
    expect((await run("fs.write", { path: "/data/fine.txt", content: "ok\n" })).ok).toBe(true);
  });
});

describe("a path swapped between the check and the open", () => {
  test("a directory replaced by a symlink while fs.read and fs.write run never leads them outside the grant", async () => {
    // /data/race/box is a directory with a file "f" in it, swapped again and again with a
    // symlink to /outside, whose "f" holds a secret, by another process as fast as it can.
    mkdirSync(join(root, "data/race/box.real"), { recursive: true });
    writeFileSync(join(root, "data/race/box.real/f"), "inside\n");
    mkdirSync(join(root, "outside"), { recursive: true });
    writeFileSync(join(root, "outside/f"), `${SECRET} outside\n`);
    const swapper = join(dir, "swap.ts");
    writeFileSync(
      swapper,
      `import { renameSync, rmSync, symlinkSync } from "node:fs";
const race = ${JSON.stringify(join(root, "data/race"))};
for (;;) {
  try { renameSync(race + "/box.real", race + "/box"); } catch {}
  try { renameSync(race + "/box", race + "/box.real"); } catch {}
  try { symlinkSync("../../outside", race + "/box"); } catch {}
  try { rmSync(race + "/box"); } catch {}
}
`,
    );
    const swap = Bun.spawn([process.execPath, swapper], { stdout: "ignore", stderr: "ignore" });
    const narrow = (await tools.issueCapabilityToken({ agent: "narrow", autonomy: AutonomyLevel.AUTONOMY_LEVEL_AUTONOMOUS, goalId: "g", taskId: "t" })).token;
    const call = (tool: string, input: Record<string, unknown>) => tools.execute({ tool, input, capabilityToken: narrow, approvalId: "", reason: "race" });
    const outcomes = { inside: 0, refused: 0, missing: 0, leaked: 0 };
    try {
      for (let i = 0; i < 400; i++) {
        try {
          const r = await call("fs.read", { path: "/data/race/box/f" });
          const content = (r.output as { content?: string } | undefined)?.content ?? "";
          if (content.includes(SECRET)) outcomes.leaked++;
          else if (r.ok) outcomes.inside++;
          else if (r.error?.message.includes("changed while it was being opened")) outcomes.refused++;
          else outcomes.missing++;
        } catch (error) {
          if ((error as AiosError).code === "permission_denied") outcomes.refused++;
          else throw error;
        }
        await call("fs.write", { path: "/data/race/box/w", content: `write ${i}\n` }).catch(() => undefined);
      }
    } finally {
      swap.kill("SIGKILL");
      await swap.exited;
    }
    // The race was run (some reads landed inside), and none left the grant.
    expect(outcomes.inside).toBeGreaterThan(0);
    expect(outcomes.leaked).toBe(0);
    expect(existsSync(join(root, "outside/w"))).toBe(false);
  });
});
