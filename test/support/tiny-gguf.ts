/**
 * Test fixture: a tiny random-weight llama model as a GGUF file, written in TypeScript so the
 * tests need no Python and no model download. Its text is nonsense; it exists to run the real
 * llama-server paths: loading, chat completions, JSON-schema constrained output, embeddings.
 *
 * What makes llama.cpp accept it (learnt the hard way):
 * - the vocabulary is <unk>, <s>, </s> and all 256 byte tokens <0x00>…<0xFF> (SentencePiece
 *   byte fallback turns any text into tokens; without byte tokens the tokenizer crashes);
 * - tokenizer.ggml.add_space_prefix = false (otherwise JSON-schema chat fails with "Failed to
 *   initialize samplers");
 * - bytes >= 0x80 must never be sampled (random UTF-8 fragments make llama-server answer
 *   500): hidden dimension 0 of the residual stream is a constant (the token embeddings hold it,
 *   no layer writes to it), so after the final norm it is a large positive number, and those
 *   tokens' output rows weigh it by -100.
 * With dim 64 and 2 layers the file is ~0.3 MB and llama-server runs it at thousands of
 * tokens/s on one thread.
 */
import { writeFileSync } from "node:fs";
import { seededRandom } from "./random.ts";

export interface TinyModelOptions {
  seed?: number;
  embedding?: number;
  layers?: number;
  heads?: number;
  feedForward?: number;
  contextLength?: number;
}

const ALIGNMENT = 32;
const enum ValueType {
  UINT32 = 4,
  INT32 = 5,
  FLOAT32 = 6,
  BOOL = 7,
  STRING = 8,
  ARRAY = 9,
}
const enum TokenType {
  NORMAL = 1,
  UNKNOWN = 2,
  CONTROL = 3,
  BYTE = 6,
}
const GGML_TYPE_F32 = 0;
const CONSTANT_DIMENSION_VALUE = 8;
const BANNED_WEIGHT = -100;

export const CHATML_TEMPLATE =
  "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

class Writer {
  private readonly chunks: Buffer[] = [];
  length = 0;

  push(buffer: Buffer): void {
    this.chunks.push(buffer);
    this.length += buffer.length;
  }
  u32(value: number): void {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(value);
    this.push(b);
  }
  i32(value: number): void {
    const b = Buffer.alloc(4);
    b.writeInt32LE(value);
    this.push(b);
  }
  u64(value: number): void {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(value));
    this.push(b);
  }
  f32(value: number): void {
    const b = Buffer.alloc(4);
    b.writeFloatLE(value);
    this.push(b);
  }
  string(value: string): void {
    const bytes = Buffer.from(value, "utf8");
    this.u64(bytes.length);
    this.push(bytes);
  }
  pad(): void {
    const rest = this.length % ALIGNMENT;
    if (rest) this.push(Buffer.alloc(ALIGNMENT - rest));
  }
  bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

type Value =
  | { type: ValueType.UINT32 | ValueType.INT32 | ValueType.FLOAT32; value: number }
  | { type: ValueType.BOOL; value: boolean }
  | { type: ValueType.STRING; value: string }
  | { type: ValueType.ARRAY; of: ValueType.STRING; value: string[] }
  | { type: ValueType.ARRAY; of: ValueType.FLOAT32 | ValueType.INT32; value: number[] };

function writeValue(w: Writer, v: Value): void {
  w.u32(v.type);
  switch (v.type) {
    case ValueType.UINT32:
      w.u32(v.value);
      return;
    case ValueType.INT32:
      w.i32(v.value);
      return;
    case ValueType.FLOAT32:
      w.f32(v.value);
      return;
    case ValueType.BOOL:
      w.push(Buffer.from([v.value ? 1 : 0]));
      return;
    case ValueType.STRING:
      w.string(v.value);
      return;
    case ValueType.ARRAY:
      w.u32(v.of);
      w.u64(v.value.length);
      for (const item of v.value) {
        if (v.of === ValueType.STRING) w.string(item as string);
        else if (v.of === ValueType.FLOAT32) w.f32(item as number);
        else w.i32(item as number);
      }
  }
}

export function tinyGguf(options: TinyModelOptions = {}): Buffer {
  const nEmbd = options.embedding ?? 64;
  const nLayer = options.layers ?? 2;
  const nHead = options.heads ?? 4;
  const nFf = options.feedForward ?? 128;
  const rand = seededRandom(options.seed ?? 1);
  const gaussian = (scale: number) => (rand() + rand() + rand() + rand() - 2) * scale * 1.73;

  const tokens = ["<unk>", "<s>", "</s>", ...Array.from({ length: 256 }, (_, byte) => `<0x${byte.toString(16).toUpperCase().padStart(2, "0")}>`)];
  const types = [TokenType.UNKNOWN, TokenType.CONTROL, TokenType.CONTROL, ...Array.from({ length: 256 }, () => TokenType.BYTE)];
  const nVocab = tokens.length;
  const banned = (token: number) => token >= 3 + 0x80;

  const metadata: [string, Value][] = [
    ["general.architecture", { type: ValueType.STRING, value: "llama" }],
    ["general.name", { type: ValueType.STRING, value: "aios-tiny-test" }],
    ["general.alignment", { type: ValueType.UINT32, value: ALIGNMENT }],
    ["llama.context_length", { type: ValueType.UINT32, value: options.contextLength ?? 4096 }],
    ["llama.embedding_length", { type: ValueType.UINT32, value: nEmbd }],
    ["llama.block_count", { type: ValueType.UINT32, value: nLayer }],
    ["llama.feed_forward_length", { type: ValueType.UINT32, value: nFf }],
    ["llama.attention.head_count", { type: ValueType.UINT32, value: nHead }],
    ["llama.attention.head_count_kv", { type: ValueType.UINT32, value: nHead }],
    ["llama.rope.dimension_count", { type: ValueType.UINT32, value: nEmbd / nHead }],
    ["llama.attention.layer_norm_rms_epsilon", { type: ValueType.FLOAT32, value: 1e-5 }],
    ["llama.vocab_size", { type: ValueType.UINT32, value: nVocab }],
    ["tokenizer.ggml.model", { type: ValueType.STRING, value: "llama" }],
    ["tokenizer.ggml.tokens", { type: ValueType.ARRAY, of: ValueType.STRING, value: tokens }],
    ["tokenizer.ggml.scores", { type: ValueType.ARRAY, of: ValueType.FLOAT32, value: tokens.map(() => 0) }],
    ["tokenizer.ggml.token_type", { type: ValueType.ARRAY, of: ValueType.INT32, value: types }],
    ["tokenizer.ggml.unknown_token_id", { type: ValueType.UINT32, value: 0 }],
    ["tokenizer.ggml.bos_token_id", { type: ValueType.UINT32, value: 1 }],
    ["tokenizer.ggml.eos_token_id", { type: ValueType.UINT32, value: 2 }],
    ["tokenizer.ggml.add_bos_token", { type: ValueType.BOOL, value: true }],
    ["tokenizer.ggml.add_eos_token", { type: ValueType.BOOL, value: false }],
    ["tokenizer.ggml.add_space_prefix", { type: ValueType.BOOL, value: false }],
    ["tokenizer.chat_template", { type: ValueType.STRING, value: CHATML_TEMPLATE }],
  ];

  // [name, dims (ne0 first: the length of a row), values]
  const tensors: [string, number[], Float32Array][] = [];
  const matrix = (inputs: number, outputs: number, scale: number, zeroRow?: number) => {
    const values = new Float32Array(inputs * outputs);
    for (let i = 0; i < values.length; i++) values[i] = gaussian(scale);
    // Row r (output r) is values[r*inputs … r*inputs+inputs): no layer writes dimension 0.
    if (zeroRow !== undefined) values.fill(0, zeroRow * inputs, zeroRow * inputs + inputs);
    return values;
  };
  const ones = (n: number) => new Float32Array(n).fill(1);

  const embeddings = matrix(nEmbd, nVocab, 1);
  for (let token = 0; token < nVocab; token++) embeddings[token * nEmbd] = CONSTANT_DIMENSION_VALUE;
  tensors.push(["token_embd.weight", [nEmbd, nVocab], embeddings]);
  for (let layer = 0; layer < nLayer; layer++) {
    const block = `blk.${layer}`;
    tensors.push([`${block}.attn_norm.weight`, [nEmbd], ones(nEmbd)]);
    tensors.push([`${block}.attn_q.weight`, [nEmbd, nEmbd], matrix(nEmbd, nEmbd, 0.2)]);
    tensors.push([`${block}.attn_k.weight`, [nEmbd, nEmbd], matrix(nEmbd, nEmbd, 0.2)]);
    tensors.push([`${block}.attn_v.weight`, [nEmbd, nEmbd], matrix(nEmbd, nEmbd, 0.2)]);
    tensors.push([`${block}.attn_output.weight`, [nEmbd, nEmbd], matrix(nEmbd, nEmbd, 0.2, 0)]);
    tensors.push([`${block}.ffn_norm.weight`, [nEmbd], ones(nEmbd)]);
    tensors.push([`${block}.ffn_gate.weight`, [nEmbd, nFf], matrix(nEmbd, nFf, 0.2)]);
    tensors.push([`${block}.ffn_up.weight`, [nEmbd, nFf], matrix(nEmbd, nFf, 0.2)]);
    tensors.push([`${block}.ffn_down.weight`, [nFf, nEmbd], matrix(nFf, nEmbd, 0.2, 0)]);
  }
  tensors.push(["output_norm.weight", [nEmbd], ones(nEmbd)]);
  const output = matrix(nEmbd, nVocab, 0.3);
  for (let token = 0; token < nVocab; token++) output[token * nEmbd] = banned(token) ? BANNED_WEIGHT : 0;
  tensors.push(["output.weight", [nEmbd, nVocab], output]);

  const w = new Writer();
  w.push(Buffer.from("GGUF", "ascii"));
  w.u32(3);
  w.u64(tensors.length);
  w.u64(metadata.length);
  for (const [key, value] of metadata) {
    w.string(key);
    writeValue(w, value);
  }
  let offset = 0;
  for (const [name, dims, values] of tensors) {
    w.string(name);
    w.u32(dims.length);
    for (const dim of dims) w.u64(dim);
    w.u32(GGML_TYPE_F32);
    w.u64(offset);
    offset += Math.ceil(values.byteLength / ALIGNMENT) * ALIGNMENT;
  }
  w.pad();
  for (const [, , values] of tensors) {
    w.push(Buffer.from(values.buffer, values.byteOffset, values.byteLength));
    w.pad();
  }
  return w.bytes();
}

export function writeTinyGguf(path: string, options: TinyModelOptions = {}): string {
  writeFileSync(path, tinyGguf(options));
  return path;
}
