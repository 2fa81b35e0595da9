/**
 * @module lib/gateway/local-model
 * The life of one local model: its llama-server child is started with the gateway
 * (always_loaded) or on first use, stopped after idle_unload_ms without use, restarted with
 * backoff when it crashes, and refused with a sentence saying what to do when its GGUF file is
 * missing (no crash loop: the file is looked for again at the next use). Requests reach it
 * through its queue. A pid file per child lets the next gateway kill one a SIGKILLed gateway
 * left behind (under aios-init the whole service process group is killed anyway).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Logger } from "../log/index.ts";
import { failedPrecondition, unavailable } from "../rpc/index.ts";
import { LlamaProcess } from "./llama-process.ts";
import { OpenAIProvider } from "./providers/openai.ts";
import { ModelQueue, type QueuePolicy, type QueueTimes } from "./queue.ts";

export type LocalState = "stopped" | "loading" | "ready" | "failed" | "unavailable";

export interface LocalModelSpec {
  id: string;
  /** The GGUF path, resolved against models_dir. */
  path: string;
  contextSize: number;
  threads: number;
  parallel: number;
  extraArgs: readonly string[];
  embeddings: boolean;
  alwaysLoaded: boolean;
  /** 0: never unloaded for idleness. */
  idleUnloadMs: number;
}

export interface LocalRuntime {
  binary: string;
  /** RUN_DIR/gateway: sockets and pid files of the children. */
  runDir: string;
  readyTimeoutMs: number;
  requestTimeoutMs: number;
  queueCapacity: number;
  queuePolicy: QueuePolicy;
  queueTimes: QueueTimes;
  log: Logger;
}

const RESTART_BACKOFF_MS = [1000, 2000, 5000, 10_000, 30_000];
const STOP_GRACE_MS = 5000;

export class LocalModel {
  state: LocalState = "stopped";
  error = "";
  restarts = 0;
  lastUsedAt: number | null = null;
  readonly queue: ModelQueue;
  readonly provider: OpenAIProvider;
  private process: LlamaProcess | null = null;
  private starting: Promise<void> | null = null;
  private inFlight = 0;
  private idleTimer: ReturnType<typeof setTimeout> | null = null;
  private restartTimer: ReturnType<typeof setTimeout> | null = null;
  private crashesInARow = 0;
  private closed = false;
  private readonly socket: string;
  private readonly pidFile: string;

  constructor(
    readonly spec: LocalModelSpec,
    private readonly runtime: LocalRuntime,
  ) {
    this.socket = join(runtime.runDir, `${spec.id}.sock`);
    this.pidFile = join(runtime.runDir, `${spec.id}.pid`);
    this.queue = new ModelQueue(spec.embeddings ? 1 : spec.parallel, runtime.queueCapacity, runtime.queuePolicy, runtime.queueTimes);
    const socket = this.socket;
    this.provider = new OpenAIProvider({
      baseURL: "http://llama/v1",
      apiKey: "none",
      timeoutMs: runtime.requestTimeoutMs,
      fetch: ((url: string, init: RequestInit) => fetch(url, { ...init, unix: socket } as RequestInit)) as typeof fetch,
    });
    if (!existsSync(spec.path)) this.markMissing();
  }

  get pid(): number | undefined {
    return this.state === "ready" || this.state === "loading" ? this.process?.pid : undefined;
  }

  /** Starts the model unless it runs; concurrent callers share one start. */
  ensureReady(): Promise<void> {
    if (this.closed) return Promise.reject(unavailable(`the gateway is stopping; model ${this.spec.id} is not started`));
    if (this.state === "ready" && this.process && !this.process.crashed) return Promise.resolve();
    this.starting ??= this.start().finally(() => (this.starting = null));
    return this.starting;
  }

  /** Runs work against the ready model, counting it as use (for the idle timer). */
  async use<T>(work: () => Promise<T>): Promise<T> {
    const end = await this.begin();
    try {
      return await work();
    } finally {
      end();
    }
  }

  /** Marks the start of a use that outlives one call (a stream); call the result at its end. */
  async begin(): Promise<() => void> {
    await this.ensureReady();
    this.inFlight++;
    this.clearIdleTimer();
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      this.inFlight--;
      this.lastUsedAt = Date.now();
      this.armIdleTimer();
    };
  }

  /** fetch() to its llama-server (for /tokenize and /v1/embeddings). */
  fetch(path: string, init: RequestInit = {}): Promise<Response> {
    if (!this.process) throw unavailable(`model ${this.spec.id} is not running`);
    return this.process.fetch(path, init);
  }

  private async start(): Promise<void> {
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = null;
    if (!existsSync(this.spec.path)) {
      this.markMissing();
      throw failedPrecondition(this.error);
    }
    if (!existsSync(this.runtime.binary)) {
      this.state = "unavailable";
      this.error = `llama-server is not at ${this.runtime.binary}: build it with \`just llama-server\` or set gateway.llama_server`;
      throw failedPrecondition(this.error);
    }
    mkdirSync(this.runtime.runDir, { recursive: true });
    this.state = "loading";
    this.error = "";
    const log = this.runtime.log.child({ model: this.spec.id });
    const llama = new LlamaProcess({
      binary: this.runtime.binary,
      model: this.spec.path,
      socket: this.socket,
      contextSize: this.spec.contextSize,
      threads: this.spec.threads,
      parallel: this.spec.parallel,
      embeddings: this.spec.embeddings,
      extraArgs: this.spec.extraArgs,
      onOutput: (line) => log.debug("llama-server", { line }),
    });
    this.process = llama;
    const started = Date.now();
    try {
      await llama.start(this.runtime.readyTimeoutMs, (pid) => writeFileSync(this.pidFile, `${pid}\n${this.socket}\n`));
    } catch (error) {
      rmSync(this.pidFile, { force: true });
      this.state = "failed";
      this.error = `llama-server for ${this.spec.id} did not start: ${(error as Error).message}`.slice(0, 2000);
      log.error("local model failed to start", { error: this.error });
      throw unavailable(this.error);
    }
    if (this.closed) {
      await llama.stop(STOP_GRACE_MS);
      throw unavailable("the gateway is stopping");
    }
    this.state = "ready";
    this.lastUsedAt ??= Date.now();
    log.info("local model ready", { pid: llama.pid, ms: Date.now() - started, path: this.spec.path });
    void llama.exited.then((code) => this.onExit(llama, code));
    this.armIdleTimer();
  }

  private onExit(llama: LlamaProcess, code: number): void {
    rmSync(this.pidFile, { force: true });
    if (this.process !== llama || !llama.crashed || this.closed) return;
    this.restarts++;
    const delay = RESTART_BACKOFF_MS[Math.min(this.crashesInARow, RESTART_BACKOFF_MS.length - 1)]!;
    this.crashesInARow++;
    this.state = "failed";
    this.error = `llama-server exited with status ${code} (crash ${this.restarts}); restarting in ${delay} ms. Last output:\n${llama.lastOutput}`.slice(0, 2000);
    this.runtime.log.warn("local model crashed; restarting", { model: this.spec.id, code, delay });
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      this.ensureReady().then(
        () => (this.crashesInARow = 0),
        (error: Error) => this.runtime.log.error("restart of a crashed local model failed; the next request tries again", { model: this.spec.id, error: error.message }),
      );
    }, delay);
  }

  private markMissing(): void {
    this.state = "unavailable";
    this.error = `the GGUF file ${this.spec.path} of model ${this.spec.id} is missing: copy a GGUF model there (or point gateway.models.file at one)`;
  }

  private clearIdleTimer(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
  }

  private armIdleTimer(): void {
    this.clearIdleTimer();
    if (this.spec.alwaysLoaded || this.spec.idleUnloadMs <= 0 || this.inFlight > 0 || this.state !== "ready") return;
    this.idleTimer = setTimeout(() => {
      if (this.inFlight === 0 && this.queue.queued === 0) {
        this.runtime.log.info("unloading an idle local model", { model: this.spec.id, idle_ms: this.spec.idleUnloadMs });
        void this.unload();
      }
    }, this.spec.idleUnloadMs);
  }

  /** Stops its llama-server; the next use starts it again. */
  async unload(): Promise<void> {
    this.clearIdleTimer();
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = null;
    await this.starting?.catch(() => undefined);
    const llama = this.process;
    this.process = null;
    if (llama) await llama.stop(STOP_GRACE_MS);
    rmSync(this.pidFile, { force: true });
    if (this.state !== "unavailable") this.state = "stopped";
    this.crashesInARow = 0;
  }

  /** SIGKILL at once, for process exit (no time to wait). */
  killNow(): void {
    const pid = this.process?.pid;
    if (pid && !this.process!.crashed) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // gone
      }
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.queue.drain(unavailable("the gateway is stopping"));
    await this.unload();
  }
}

/**
 * Kills llama-servers a previous gateway left running (it was SIGKILLed outside aios-init):
 * a pid file names the pid and the socket, and the pid is only killed when its command line is
 * still that llama-server on that socket (pids are reused).
 */
export function killStaleChildren(runDir: string, log: Logger): number {
  if (!existsSync(runDir)) return 0;
  let killed = 0;
  for (const name of readdirSync(runDir).filter((file) => file.endsWith(".pid"))) {
    const file = join(runDir, name);
    const [pidText, socket] = readFileSync(file, "utf8").split("\n");
    const pid = Number(pidText);
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
      if (Number.isInteger(pid) && pid > 1 && cmdline.some((arg) => arg.endsWith("llama-server")) && socket && cmdline.includes(socket)) {
        process.kill(pid, "SIGKILL");
        killed++;
        log.warn("killed a llama-server left by a previous gateway", { pid, socket });
      }
    } catch {
      // gone already
    }
    rmSync(file, { force: true });
  }
  return killed;
}
