/**
 * @module lib/memory/tokens
 * Counting tokens for AssembleContext. With a model named, the gateway counts with that
 * model's own tokenizer (CountTokens). Otherwise, or when the gateway cannot, a documented
 * estimate: UTF-8 bytes / 3, rounded up. BPE tokenizers give about 4 bytes per token for
 * English and 3 or more for logs, paths and code, so a budget the estimate keeps is kept.
 */
import { GatewayServiceDefinition } from "../rpc/gen/aios/v1/gateway.ts";
import { connect } from "../rpc/index.ts";

export interface TokenCount {
  counts: number[];
  /** "model:NAME" or "estimate:bytes/3". */
  tokenizer: string;
}

export const ESTIMATE_TOKENIZER = "estimate:bytes/3";

export function estimateTokens(text: string): number {
  return Math.ceil(Buffer.byteLength(text, "utf8") / 3);
}

export class TokenCounter {
  constructor(
    private readonly gatewaySocket: string,
    private readonly timeoutMs: number,
  ) {}

  async count(texts: readonly string[], model: string): Promise<TokenCount> {
    if (model) {
      const client = connect(GatewayServiceDefinition, this.gatewaySocket, { defaultTimeoutMs: this.timeoutMs });
      try {
        const response = await client.countTokens({ texts: [...texts], model }, { failFast: true });
        if (response.counts.length === texts.length) return { counts: response.counts, tokenizer: `model:${response.model || model}` };
      } catch {
        // no gateway, or it cannot count for this model: the estimate below
      } finally {
        client.close();
      }
    }
    return { counts: texts.map(estimateTokens), tokenizer: ESTIMATE_TOKENIZER };
  }
}
