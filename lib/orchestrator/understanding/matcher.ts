/**
 * @module lib/orchestrator/understanding/matcher
 * Which intent a request means, by likeness to each intent's example requests: both are
 * normalised (normalize.ts) with their values already replaced by placeholders (slots.ts),
 * turned into weighted features (content words, word pairs, character trigrams of the whole;
 * each weighted by how few intents use it, so "disk" says more than "show"), and compared by
 * cosine similarity. An intent's score is that of its closest example. Chosen over a word
 * embedding (the memory's hashing embedder scores "restart nginx" and "stop nginx" as near
 * twins) and over an NLP library (compromise tags parts of speech but knows nothing of
 * sysadmin words): trigrams forgive typos and inflections, words and pairs keep "stop" apart
 * from "start", and both are cheap (about 0.1 ms a request over every example).
 */
import { contentWords, normalizeWords } from "./normalize.ts";

export type Features = Map<string, number>;

const WORD = 1;
const PAIR = 0.6;
const TRIGRAM = 0.25;
const PLACEHOLDER = 1;
/** The action decides between intents that share their nouns: "block port 22" and "allow port 22". */
const VERB = 2.2;
export const EFFECT_VERBS = new Set(["start", "stop", "restart", "kill", "block", "unblock", "allow", "delete", "copy", "move", "create", "install", "uninstall", "<other-verb>"]);

function rawFeatures(words: readonly string[]): Features {
  const features: Features = new Map();
  const add = (key: string, weight: number) => features.set(key, (features.get(key) ?? 0) + weight);
  const content = contentWords(words);
  for (const word of content) add(`w:${word}`, EFFECT_VERBS.has(word) ? VERB : word.startsWith("<") ? PLACEHOLDER : WORD);
  for (let i = 0; i + 1 < content.length; i++) add(`p:${content[i]} ${content[i + 1]}`, PAIR);
  const joined = ` ${content.filter((w) => !w.startsWith("<")).join(" ")} `;
  for (let i = 0; i + 3 <= joined.length; i++) add(`t:${joined.slice(i, i + 3)}`, TRIGRAM);
  return features;
}

export interface Example {
  intent: string;
  text: string;
  /** Its content words, placeholders included. */
  words: ReadonlySet<string>;
  features: Features;
  norm: number;
}

/** The examples of every intent, with features weighted by inverse intent frequency. */
export class ExampleIndex {
  private readonly examples: Example[] = [];
  private readonly idf = new Map<string, number>();
  /** Every word the examples use: a request's other words are names (a service, a user). */
  readonly vocabulary = new Set<string>();
  /** Placeholders only one intent takes ("<variable>"): evidence of their own, like a word. */
  private readonly distinctive = new Set<string>();

  constructor(intents: ReadonlyArray<{ id: string; examples: readonly string[] }>) {
    const perIntent = new Map<string, Set<string>>();
    const raw: Array<{ intent: string; text: string; features: Features; words: Set<string> }> = [];
    for (const intent of intents) {
      for (const text of intent.examples) {
        const words = normalizeWords(text);
        for (const word of words) this.vocabulary.add(word);
        const features = rawFeatures(words);
        raw.push({ intent: intent.id, text, features, words: new Set(contentWords(words)) });
        for (const key of features.keys()) {
          if (!perIntent.has(key)) perIntent.set(key, new Set());
          perIntent.get(key)!.add(intent.id);
        }
      }
    }
    const count = intents.length;
    for (const [key, users] of perIntent) {
      this.idf.set(key, Math.log(1 + count / users.size));
      // Only a value found by its shape: an unknown word ("<name2>") or a number proves nothing.
      if (key.startsWith("w:<") && !["w:<other-verb>", "w:<name>", "w:<name2>", "w:<count>", "w:<text>"].includes(key) && users.size === 1) this.distinctive.add(key);
    }
    for (const { intent, text, features, words } of raw) {
      const weighted = this.weigh(features);
      this.examples.push({ intent, text, words, features: weighted, norm: norm(weighted) });
    }
  }

  private weigh(features: Features): Features {
    const out: Features = new Map();
    // A feature no example has says nothing about which intent is meant.
    for (const [key, value] of features) {
      const idf = this.idf.get(key);
      if (idf !== undefined) out.set(key, value * idf);
    }
    return out;
  }

  /**
   * Each intent's best similarity to the request (0..1), best first. An example that shares no
   * word with the request but placeholders ("<name>") does not count: "make a sandwich" is not
   * "status of <name>"; a placeholder only one intent takes ("$PATH") counts as a word.
   */
  score(words: readonly string[]): Array<{ intent: string; score: number; example: string; exampleWords: ReadonlySet<string> }> {
    const features = this.weigh(rawFeatures(words));
    const requestNorm = norm(features);
    const content = contentWords(words);
    const verbs = content.filter((w) => EFFECT_VERBS.has(w));
    const plainWords = content.filter((w) => !w.startsWith("<"));
    const bare = plainWords.length === 1 && content.length === 1;
    const best = new Map<string, { score: number; example: string; exampleWords: ReadonlySet<string> }>();
    if (requestNorm === 0) return [];
    for (const example of this.examples) {
      let dot = 0;
      let sharesWord = false;
      for (const [key, value] of features) {
        const other = example.features.get(key);
        if (other === undefined) continue;
        dot += value * other;
        if (key.startsWith("w:") && (!key.startsWith("w:<") || this.distinctive.has(key))) sharesWord = true;
      }
      if (!sharesWord) continue;
      // The actions must agree both ways: "create a user" is not "list users", and "is sshd
      // running" is not "start sshd".
      if (verbs.some((v) => !example.words.has(v))) continue;
      if ([...example.words].some((w) => EFFECT_VERBS.has(w) && !verbs.includes(w))) continue;
      // One bare word ("block", "restart") is only an intent whose example is one word too.
      if (bare && example.words.size !== 1) continue;
      const score = dot / (requestNorm * example.norm);
      const held = best.get(example.intent);
      if (!held || score > held.score) best.set(example.intent, { score, example: example.text, exampleWords: example.words });
    }
    return [...best.entries()].map(([intent, v]) => ({ intent, ...v })).sort((a, b) => b.score - a.score);
  }
}

function norm(features: Features): number {
  let sum = 0;
  for (const value of features.values()) sum += value * value;
  return Math.sqrt(sum);
}
