/**
 * @module lib/orchestrator/understanding/steps
 * A planned direct call back to the step of the intent that made it: its output said in the
 * intent's words, and the input of a step that acts on what earlier steps found. The plan
 * keeps only data (intent id, step number, values), so a restarted orchestrator finds the
 * same step again.
 */
import type { DirectCall } from "../store.ts";
import { INTENTS_BY_ID, type Step } from "./intents.ts";
import type { Slots } from "./slots.ts";

type Answer = NonNullable<DirectCall["answer"]>;
type Output = Record<string, unknown>;

/** A call's steps, made once per answer object (bind, "needed later" and say all ask). */
const made = new WeakMap<Answer, Step[] | undefined>();

function stepsOf(answer: Answer): Step[] | undefined {
  if (made.has(answer)) return made.get(answer);
  const steps = INTENTS_BY_ID.get(answer.intent)?.steps(answer.slots as Slots);
  const result = steps && !("error" in steps) ? steps : undefined;
  made.set(answer, result);
  return result;
}

/** Whether a later step of the plan needs this call's output. */
export function outputNeededLater(answer: Answer): boolean {
  return (stepsOf(answer) ?? []).some((step, index) => index > answer.step && step.bind !== undefined);
}

/** The step's input from the outputs of the steps before it; null when it takes none. */
export function bindInput(answer: Answer, earlier: Array<Output | null>): { input: Record<string, unknown> } | { nothing: string } | { error: string } | null {
  const step = stepsOf(answer)?.[answer.step];
  if (!step?.bind) return null;
  if (earlier.some((output) => output === null)) return { error: "an earlier step's output is missing; submit the goal again" };
  try {
    return step.bind(earlier as Output[], answer.slots as Slots);
  } catch (error) {
    return { error: `could not read what the earlier steps found: ${(error as Error).message}` };
  }
}

/** A direct call's output in the words its intent says it with; null when that cannot be done. */
export function sayOutput(answer: Answer, output: Output, earlier: Array<Output | null>): string | null {
  const step = stepsOf(answer)?.[answer.step];
  try {
    return step
      ? step.say(
          output,
          answer.slots as Slots,
          earlier.map((o) => o ?? {}),
        )
      : null;
  } catch {
    // An output of another shape than the intent expects (a tool changed): its JSON instead.
    return null;
  }
}
