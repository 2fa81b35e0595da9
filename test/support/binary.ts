/**
 * Test support: the compiled dist/aios, copied out of the repository so that nothing can be
 * resolved from node_modules, and started as real processes.
 */
import { copyFileSync, existsSync, mkdirSync, rmSync, symlinkSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Subprocess } from "bun";

export const REPO = resolve(import.meta.dir, "../..");
export const DIST_AIOS = join(REPO, "dist/aios");

export const LINKS = ["aios-init", "aios-memory", "aios-gateway", "aios-tools", "aios-orchestrator", "aios-console", "aiosctl"] as const;

/** Copies dist/aios into dir/sub with its symlinks (again over an earlier copy: a machine started again); returns that directory. */
export function installBinary(dir: string, sub = "bin"): string {
  if (!existsSync(DIST_AIOS)) throw new Error(`${DIST_AIOS} is missing: run "just build" first (just test does)`);
  const bin = join(dir, sub);
  mkdirSync(bin, { recursive: true });
  copyFileSync(DIST_AIOS, join(bin, "aios"));
  copyFileSync(join(REPO, "dist/vec0.so"), join(bin, "vec0.so"));
  const link = (target: string, name: string) => {
    rmSync(join(bin, name), { force: true });
    symlinkSync(target, join(bin, name));
  };
  // The LanceDB backend (~200 MB) is linked, not copied; it is self-contained (just build-lancedb).
  if (existsSync(join(REPO, "dist/lancedb"))) link(join(REPO, "dist/lancedb"), "lancedb");
  for (const name of LINKS) link("aios", name);
  return bin;
}

export interface Running {
  readonly process: Subprocess<"ignore", "pipe", "pipe">;
  /** Everything written to stdout and stderr so far. */
  output(): string;
  /** Sends a signal and waits for the exit status. */
  stop(signal?: NodeJS.Signals): Promise<number>;
}

/** An environment with nothing that could point back at the repository. */
export function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  return { PATH: "/usr/bin:/bin", HOME: "/nonexistent", ...extra };
}

export function start(argv: readonly string[], cwd: string, env = cleanEnv()): Running {
  const child = Bun.spawn([...argv], { cwd, env, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  let text = "";
  const drain = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) text += decoder.decode(chunk, { stream: true });
  };
  const drained = Promise.all([drain(child.stdout), drain(child.stderr)]);
  return {
    process: child,
    output: () => text,
    async stop(signal = "SIGTERM") {
      child.kill(signal);
      const code = await child.exited;
      await drained;
      return code;
    },
  };
}

/** Runs a command to its end. */
export async function run(argv: readonly string[], cwd: string, env = cleanEnv()) {
  const child = Bun.spawn([...argv], { cwd, env, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
  return { stdout, stderr, code };
}
