/**
 * @module lib/orchestrator/understanding
 * The reactive layer's understanding of a request, with no model: its values found by shape
 * (slots.ts), its names found as the words no example uses, its meaning as the closest
 * intent's (matcher.ts over intents.ts), and a plan of tool calls with how each is said. Below
 * a confidence it does not guess: it says it is not sure and offers the two closest things it
 * can do. A request that would change the machine needs a higher confidence than one that
 * only looks, so a near miss never acts.
 */
import { type Intent, INTENTS, INTENTS_BY_ID, type Step } from "./intents.ts";
import { ExampleIndex } from "./matcher.ts";
import { STOPWORDS, tokenize } from "./normalize.ts";
import { extractSlots, type Slots } from "./slots.ts";
import { readWhen } from "./when.ts";

export { INTENTS, INTENTS_BY_ID, type Intent, type Step } from "./intents.ts";
export type { Slots } from "./slots.ts";
export { readWhen, type When } from "./when.ts";

/** How alike a request must be to an intent's closest example (cosine, 0..1). */
export const THRESHOLDS = { look: 0.5, effect: 0.62, margin: 0.04 };

export type Understanding =
  | { kind: "understood"; intent: Intent; slots: Slots; confidence: number; steps: Step[] }
  | { kind: "error"; intent: Intent; message: string }
  | { kind: "unsure"; closest: Array<{ intent: Intent; score: number }> };

let index: ExampleIndex | undefined;
const exampleIndex = () => (index ??= new ExampleIndex(INTENTS));

const NAME = /^[a-z_][a-z0-9_.@+-]{0,63}$/;

/** The request's words for the matcher, with names found and put in as <name> and <name2>. */
export function readRequest(text: string): { words: string[]; slots: Slots } {
  const { slots, text: placeheld } = extractSlots(text);
  // A quoted phrase is text to look for, whatever its words.
  const quoted = /["“']([^"”']{1,200})["”']/.exec(placeheld);
  let rest = placeheld;
  if (quoted) {
    slots.text = quoted[1];
    rest = placeheld.replace(quoted[0], " <text> ");
  }
  const vocabulary = exampleIndex().vocabulary;
  const words: string[] = [];
  for (const token of tokenize(rest)) {
    if (token.word.startsWith("<")) {
      words.push(token.word);
    } else if (/^\d+$/.test(token.word)) {
      slots.count ??= Number(token.word);
      words.push("<count>");
    } else if (!vocabulary.has(token.stem) && !STOPWORDS.has(token.word) && !NEGATION.has(token.word) && NAME.test(token.word)) {
      if (slots.name === undefined) {
        slots.name = token.word;
        words.push("<name>");
      } else if (slots.name2 === undefined) {
        slots.name2 = token.word;
        words.push("<name2>");
      } else words.push(token.stem);
    } else {
      words.push(token.stem);
    }
  }
  return { words, slots };
}

const has = (slots: Slots, slot: keyof Slots) => (slot === "paths" ? (slots.paths?.length ?? 0) >= 2 : slots[slot] !== undefined);

const QUESTION = /^(?:why|what|how|when|where|who|which|whose|is|are|was|were|does|do|did|has|have|should|shall|would|will|won't|wont|can't|cannot)\b|\?$/i;
const QUESTION_WORD = /^(?:tell me |say )?(?:why|what|how|when|where|who|which|whose|whether|if)\b/i;
const POLITE_ASK = /^(?:(?:hey|hi|ok|okay|aios)[,\s]+)?(?:please\s+)?(?:can|could|would|will)\s+you\s+(?:please\s+)?(?:kindly\s+)?/i;
const NEGATION = new Set(["not", "never", "no", "dont", "don't", "without"]);

/** Slots whose presence means something an intent must take, not ignore. */
const MEANINGFUL: ReadonlyArray<keyof Slots> = ["path", "glob", "extension", "ip", "host", "url", "port", "pid", "size", "duration", "mode", "text", "name", "bits", "column", "variable"];

/** The placeholders an intent's examples use: the values it takes. */
const takenBy = new Map<string, Set<string>>();
function takes(intent: Intent): Set<string> {
  let taken = takenBy.get(intent.id);
  if (!taken) {
    taken = new Set([...intent.examples.join(" ").matchAll(/<([a-z0-9]+)>/g)].map((m) => m[1]!));
    takenBy.set(intent.id, taken);
  }
  return taken;
}

export function understand(text: string): Understanding {
  const { words, slots } = readRequest(text);
  const byId = INTENTS_BY_ID;
  const present = MEANINGFUL.filter((slot) => slots[slot] !== undefined);
  // A value the intent would ignore: "check port 443 on debian.org" is not about this
  // machine's port 443. Something that acts must use everything it was told, or not act.
  // A question or a negation asks about an action, it does not order it: "why won't nginx
  // start" is not "start nginx", and neither is "don't restart nginx".
  // "Would you restart nginx?" is a polite order, not a question about one: after "would
  // you" only a question word ("could you tell me why ...") makes it a question.
  const plain = text.trim();
  const rest = plain.replace(POLITE_ASK, "");
  const asks = (rest === plain ? QUESTION.test(plain) : QUESTION_WORD.test(rest)) || words.some((w) => NEGATION.has(w));
  const scored = exampleIndex()
    .score(words)
    .flatMap((s) => {
      const intent = byId.get(s.intent)!;
      if (intent.effect && asks) return [];
      const ignored = present.filter((slot) => !takes(intent).has(slot));
      // A typed value an action would ignore means it is the wrong action; a word taken for a
      // name ("the web app") is weaker evidence and only lowers the score.
      if (intent.effect && ignored.some((slot) => slot !== "name")) return [];
      return [{ ...s, score: ignored.length ? s.score * 0.8 : s.score }];
    })
    .sort((a, b) => b.score - a.score);
  const candidates = scored.filter((s) => (byId.get(s.intent)!.needs ?? []).every((slot) => has(slots, slot)));
  const best = candidates[0];
  const runnerUp = candidates[1]?.score ?? 0;
  const closest = scored.slice(0, 2).map((s) => ({ intent: byId.get(s.intent)!, score: s.score }));
  if (!best) return { kind: "unsure", closest };
  const intent = byId.get(best.intent)!;
  const floor = intent.effect ? THRESHOLDS.effect : THRESHOLDS.look;
  if (best.score < floor || best.score - runnerUp < THRESHOLDS.margin)
    return { kind: "unsure", closest: candidates.length ? candidates.slice(0, 2).map((s) => ({ intent: byId.get(s.intent)!, score: s.score })) : closest };
  // An action asked for later is not taken now: "restart nginx at 3am" waits for a schedule.
  const when = readWhen(plain);
  if (intent.effect && when.kind === "later") {
    return {
      kind: "error",
      intent,
      message: `I do not do things once at a later time ("${when.words}"): say it with a repeating time ("every day at 03:00 ${plain.replace(when.words, "").replace(/\s+/g, " ").trim()}"), or ask again when it is time`,
    };
  }
  const steps = intent.steps(slots);
  if ("error" in steps) return { kind: "error", intent, message: steps.error };
  return { kind: "understood", intent, slots, confidence: best.score, steps };
}
