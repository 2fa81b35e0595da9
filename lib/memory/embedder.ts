/**
 * @module lib/memory/embedder
 * Text to vectors. The gateway's embedding model when one answers; otherwise a deterministic
 * feature-hashing embedder, which needs no model and no network: each word and each of its
 * character trigrams is hashed to a signed position of the vector, and the vector is
 * normalised. It finds memories that share words and word pieces ("restart", "restarting"),
 * not meaning; every result says which embedder made it.
 */
import { GatewayServiceDefinition } from "../rpc/gen/aios/v1/gateway.ts";
import { connect, type ServiceClient } from "../rpc/index.ts";

export interface Embedder {
  /** "hashing-v1:256" or "gateway:MODEL". */
  readonly name: string;
  readonly dimensions: number;
  embed(texts: readonly string[]): Promise<Float32Array[]>;
}

const WORD = /[\p{L}\p{N}_]+/gu;
const TRIGRAM_WEIGHT = 0.35;

export function words(text: string): string[] {
  return text.toLowerCase().match(WORD) ?? [];
}

/** FNV-1a, 32 bits: fast, stable across versions and machines. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

export class HashingEmbedder implements Embedder {
  readonly name: string;

  constructor(readonly dimensions: number) {
    this.name = `hashing-v1:${dimensions}`;
  }

  async embed(texts: readonly string[]): Promise<Float32Array[]> {
    return texts.map((text) => this.embedOne(text));
  }

  embedOne(text: string): Float32Array {
    const vector = new Float32Array(this.dimensions);
    const add = (feature: string, weight: number) => {
      const hash = fnv1a(feature);
      // The top bit picks the sign, so collisions cancel out on average instead of adding up.
      vector[hash % this.dimensions]! += hash & 0x80000000 ? -weight : weight;
    };
    for (const word of words(text)) {
      add(`w:${word}`, 1);
      const padded = `^${word}$`;
      for (let i = 0; i + 3 <= padded.length; i++) add(`t:${padded.slice(i, i + 3)}`, TRIGRAM_WEIGHT);
    }
    let norm = 0;
    for (const value of vector) norm += value * value;
    if (norm > 0) {
      const scale = 1 / Math.sqrt(norm);
      for (let i = 0; i < vector.length; i++) vector[i]! *= scale;
    }
    return vector;
  }
}

/** The gateway's Embed RPC. Its name and length are learnt from its first answer (probe). */
export class GatewayEmbedder implements Embedder {
  private constructor(
    private readonly client: ServiceClient<typeof GatewayServiceDefinition>,
    private readonly model: string,
    readonly name: string,
    readonly dimensions: number,
    private readonly timeoutMs: number,
  ) {}

  /** Asks the gateway to embed a probe text; throws when it cannot (no gateway, no model). */
  static async probe(socketPath: string, model: string, timeoutMs: number): Promise<GatewayEmbedder> {
    const client = connect(GatewayServiceDefinition, socketPath, { defaultTimeoutMs: timeoutMs });
    try {
      const response = await client.embed({ texts: ["probe"], model }, { failFast: true });
      const dimensions = response.dimensions || response.vectors[0]?.values.length || 0;
      if (dimensions === 0) throw new Error("the gateway answered Embed with no vector");
      return new GatewayEmbedder(client, model, `gateway:${response.model || model || "default"}`, dimensions, timeoutMs);
    } catch (error) {
      client.close();
      throw error;
    }
  }

  /** An embedder the gateway gave before (name and length remembered), without asking now. */
  static known(socketPath: string, model: string, name: string, dimensions: number, timeoutMs: number): GatewayEmbedder {
    return new GatewayEmbedder(connect(GatewayServiceDefinition, socketPath, { defaultTimeoutMs: timeoutMs }), model, name, dimensions, timeoutMs);
  }

  async embed(texts: readonly string[]): Promise<Float32Array[]> {
    const response = await this.client.embed({ texts: [...texts], model: this.model }, { failFast: true, timeoutMs: this.timeoutMs });
    if (response.vectors.length !== texts.length) throw new Error(`the gateway returned ${response.vectors.length} vectors for ${texts.length} texts`);
    return response.vectors.map((vector) => {
      if (vector.values.length !== this.dimensions) throw new Error(`the gateway returned a vector of ${vector.values.length} dimensions, not ${this.dimensions}`);
      return Float32Array.from(vector.values);
    });
  }

  close(): void {
    this.client.close();
  }
}
