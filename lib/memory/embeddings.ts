/**
 * @module lib/memory/embeddings
 * Which embedder makes the long-term tier's vectors, and keeping every vector from it.
 *
 * The embedder in use is remembered in memory.db. When it changes (the gateway's embedding
 * model appears, the config picks another), the vector index is emptied and a background pass
 * re-embeds every long-term memory in batches; Stats shows its progress, and until it ends
 * vector search covers the memories already done. Memories whose embedding failed (the gateway
 * was down) are picked up by the same pass.
 */
import type { Logger } from "../log/index.ts";
import { readMeta, writeMeta } from "./db.ts";
import { type Embedder, GatewayEmbedder, HashingEmbedder } from "./embedder.ts";
import { embeddingText, type MemoryStore, type StoredVector } from "./store.ts";

export type EmbedderMode = "auto" | "gateway" | "hashing";

export interface EmbeddingsOptions {
  mode: EmbedderMode;
  hashingDimensions: number;
  gatewaySocket: string;
  gatewayModel: string;
  store: MemoryStore;
  log: Logger;
  /** How often to ask the gateway again while its embedder is not in use. */
  probeIntervalMs?: number;
  /** Deadline of one Embed call. */
  timeoutMs?: number;
}

const REEMBED_BATCH = 256;
const RETRY_AFTER_FAILURE_MS = 5_000;

export class Embeddings {
  private embedder: Embedder | null = null;
  private stopped = false;
  private wake: (() => void) | null = null;
  private probeTimer: Timer | null = null;
  private loop: Promise<void> | null = null;
  /** Memories re-embedded in the current pass. */
  done = 0;

  constructor(private readonly options: EmbeddingsOptions) {}

  get current(): Embedder | null {
    return this.embedder;
  }

  /** Picks the embedder, resets the index if it changed, and starts the background work. */
  async start(): Promise<void> {
    const remembered = readMeta(this.options.store.db, "embedder") ?? "";
    const rememberedDimensions = Number(readMeta(this.options.store.db, "embedder_dimensions") ?? 0);
    const wantedGateway = `gateway:${this.options.gatewayModel || "default"}`;
    let initial: Embedder | null = null;
    if (this.options.mode === "hashing") {
      initial = new HashingEmbedder(this.options.hashingDimensions);
    } else if (remembered.startsWith("gateway:") && (!this.options.gatewayModel || remembered === wantedGateway) && rememberedDimensions > 0) {
      // The gateway usually starts after memory: keep its embedder; calls fail until it is up
      // and the memories stored meanwhile are embedded by the background pass.
      initial = GatewayEmbedder.known(this.options.gatewaySocket, this.options.gatewayModel, remembered, rememberedDimensions, this.timeoutMs);
    } else if (this.options.mode === "auto") {
      initial = new HashingEmbedder(this.options.hashingDimensions);
    }
    if (initial) await this.use(initial);
    if (this.options.mode !== "hashing" && !this.embedder?.name.startsWith("gateway:")) this.scheduleProbe(0);
    this.loop = this.reembedLoop();
  }

  private get timeoutMs(): number {
    return this.options.timeoutMs ?? 30_000;
  }

  /** Makes an embedder current; a different one empties the index and starts a re-embed pass. */
  private async use(embedder: Embedder): Promise<void> {
    const store = this.options.store;
    const remembered = readMeta(store.db, "embedder") ?? "";
    if (remembered !== embedder.name || store.index.dimensions !== embedder.dimensions) {
      if (remembered) this.options.log.info("embedder changed: re-embedding the long-term tier", { from: remembered, to: embedder.name, memories: store.countNeedingVectors(embedder.name) });
      await store.index.reset(embedder.dimensions);
      store.db.transaction(() => {
        store.clearEmbedders();
        writeMeta(store.db, "embedder", embedder.name);
        writeMeta(store.db, "embedder_dimensions", String(embedder.dimensions));
      })();
      this.done = 0;
    }
    this.embedder = embedder;
    this.kick();
  }

  private scheduleProbe(delayMs: number): void {
    if (this.stopped) return;
    this.probeTimer = setTimeout(async () => {
      try {
        const gateway = await GatewayEmbedder.probe(this.options.gatewaySocket, this.options.gatewayModel, this.timeoutMs);
        this.options.log.info("the gateway's embedding model answers; using it", { embedder: gateway.name, dimensions: gateway.dimensions });
        await this.use(gateway);
      } catch {
        this.scheduleProbe(this.options.probeIntervalMs ?? 30_000);
      }
    }, delayMs);
  }

  /** Vectors for texts from the current embedder; null when there is none or it failed. */
  async embed(texts: readonly string[]): Promise<StoredVector[] | null> {
    const embedder = this.embedder;
    if (!embedder) return null;
    try {
      const vectors = await embedder.embed(texts);
      return vectors.map((vector) => ({ embedder: embedder.name, vector }));
    } catch (error) {
      this.options.log.warn("embedding failed; the memory is kept and embedded later", { embedder: embedder.name, error: (error as Error).message });
      this.kick();
      return null;
    }
  }

  /** Long-term memories still without a vector from the current embedder. */
  pending(): number {
    // Without an embedder no memory has a vector that counts: all of the tier is waiting.
    return this.options.store.countNeedingVectors(this.embedder?.name ?? null);
  }

  kick(): void {
    this.wake?.();
  }

  private async reembedLoop(): Promise<void> {
    const store = this.options.store;
    while (!this.stopped) {
      const embedder = this.embedder;
      const batch = embedder ? store.needingVectors(embedder.name, REEMBED_BATCH) : [];
      if (!embedder || batch.length === 0) {
        await new Promise<void>((resolve) => (this.wake = resolve));
        this.wake = null;
        continue;
      }
      try {
        const vectors = await embedder.embed(batch.map(embeddingText));
        if (this.embedder !== embedder) continue; // changed meanwhile: start over with the new one
        store.setVectors(
          batch.map((memory, i) => ({ memory, vector: vectors[i]! })),
          embedder.name,
        );
        this.done += batch.length;
        void store.index.flush().catch((error: Error) => this.options.log.warn("vector flush failed; retrying later", { error: error.message }));
        // Let RPCs in between batches.
        await new Promise((resolve) => setImmediate(resolve));
      } catch (error) {
        this.options.log.warn("re-embedding failed; retrying", { embedder: embedder.name, error: (error as Error).message, retry_ms: RETRY_AFTER_FAILURE_MS });
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, RETRY_AFTER_FAILURE_MS);
          this.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.probeTimer) clearTimeout(this.probeTimer);
    this.kick();
    await this.loop;
    if (this.embedder instanceof GatewayEmbedder) this.embedder.close();
  }
}
