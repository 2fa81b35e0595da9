/**
 * @module lib/gateway/llama-process
 * One llama-server child of aios-gateway: started on a Unix socket (no TCP port to collide or
 * to expose), ready once its /health answers 200, stopped with SIGTERM and then SIGKILL, and
 * reported when it exits on its own. The gateway's model lifecycle (which model runs, idle
 * unload, restart after a crash) is built on this.
 */
import type { Subprocess } from "bun";
import { existsSync, rmSync } from "node:fs";

export interface LlamaProcessOptions {
  /** The llama-server executable. */
  binary: string;
  /** The GGUF file. */
  model: string;
  /** Unix socket path it listens on (must end in .sock: that is how llama-server knows). */
  socket: string;
  contextSize: number;
  threads: number;
  parallel: number;
  /** Serve /v1/embeddings (mean pooling) instead of only completions. */
  embeddings: boolean;
  extraArgs: readonly string[];
  /** Lines of its output are passed here (the gateway logs them). */
  onOutput?: (line: string) => void;
}

const OUTPUT_TAIL = 20;

export class LlamaProcess {
  private child: Subprocess<"ignore", "pipe", "pipe"> | null = null;
  private readonly tail: string[] = [];
  private stopping = false;
  /** Resolves with the exit code when the process ends, for whatever reason. */
  exited: Promise<number> = Promise.resolve(0);

  constructor(readonly options: LlamaProcessOptions) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** The last lines it printed: what to show when it fails. */
  get lastOutput(): string {
    return this.tail.join("\n");
  }

  /** Starts it and waits until /health answers 200; throws with its last output if it exits.
   * onSpawn gets the pid as soon as the process exists (for a pid file). */
  async start(readyTimeoutMs: number, onSpawn?: (pid: number) => void): Promise<void> {
    if (!existsSync(this.options.binary)) throw new Error(`llama-server is not at ${this.options.binary}: build it with \`just llama-server\``);
    if (!existsSync(this.options.model)) throw new Error(`the model file ${this.options.model} does not exist`);
    if (!this.options.socket.endsWith(".sock")) throw new Error(`the socket path ${this.options.socket} must end in .sock`);
    rmSync(this.options.socket, { force: true });
    const argv = [
      this.options.binary,
      "--model",
      this.options.model,
      "--host",
      this.options.socket,
      "--ctx-size",
      String(this.options.contextSize),
      "--threads",
      String(this.options.threads),
      // An embedding server gets one slot: with several, texts embedded in the same request
      // come back different from the same texts embedded alone (measured with this
      // llama.cpp), and memory relies on one text giving one vector.
      "--parallel",
      String(this.options.embeddings ? 1 : this.options.parallel),
      "--no-webui",
      ...(this.options.embeddings ? ["--embeddings", "--pooling", "mean"] : []),
      ...this.options.extraArgs,
    ];
    this.stopping = false;
    const child = Bun.spawn(argv, { stdin: "ignore", stdout: "pipe", stderr: "pipe" });
    this.child = child;
    onSpawn?.(child.pid);
    const drained = Promise.all([this.drain(child.stdout), this.drain(child.stderr)]);
    this.exited = child.exited.then(async (code) => {
      await drained;
      return code;
    });
    const deadline = Date.now() + readyTimeoutMs;
    let exitCode: number | null = null;
    void this.exited.then((code) => (exitCode = code));
    for (let delay = 20; ; delay = Math.min(delay * 2, 250)) {
      if (exitCode !== null) throw new Error(`llama-server exited with status ${exitCode} while starting:\n${this.lastOutput}`);
      if (await this.healthy()) return;
      if (Date.now() > deadline) {
        await this.stop(1000);
        throw new Error(`llama-server did not become healthy within ${readyTimeoutMs} ms:\n${this.lastOutput}`);
      }
      await Bun.sleep(delay);
    }
  }

  /** GET /health over its socket: true on 200 (503 while it loads the model). */
  async healthy(): Promise<boolean> {
    try {
      const response = await this.fetch("/health", { signal: AbortSignal.timeout(2000) });
      return response.status === 200;
    } catch {
      return false;
    }
  }

  /** fetch() to llama-server over its Unix socket. */
  fetch(path: string, init: RequestInit = {}): Promise<Response> {
    return fetch(`http://llama${path}`, { ...init, unix: this.options.socket } as RequestInit);
  }

  /** True when the process ended without being asked to. */
  get crashed(): boolean {
    return this.child !== null && (this.child.exitCode !== null || this.child.signalCode !== null) && !this.stopping;
  }

  /** SIGTERM, then SIGKILL after the grace time. Resolves once it is gone. */
  async stop(graceMs: number): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    this.stopping = true;
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
    await child.exited;
    clearTimeout(timer);
    rmSync(this.options.socket, { force: true });
  }

  private async drain(stream: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    let partial = "";
    for await (const chunk of stream) {
      const lines = (partial + decoder.decode(chunk, { stream: true })).split("\n");
      partial = lines.pop()!;
      for (const line of lines) this.remember(line);
    }
    if (partial) this.remember(partial);
  }

  private remember(line: string): void {
    this.tail.push(line);
    if (this.tail.length > OUTPUT_TAIL) this.tail.shift();
    this.options.onOutput?.(line);
  }
}
