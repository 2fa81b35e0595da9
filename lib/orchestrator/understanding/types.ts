/**
 * @module lib/orchestrator/understanding/types
 * What an intent is: a meaning (a family, example requests with placeholders for their values,
 * the values it takes and needs), the tool calls that carry it out, and how each call's output
 * is said in words.
 */
import type { SlotName, Slots } from "./slots.ts";

export type { Slots } from "./slots.ts";

export type Output = Record<string, any>;

export interface Step {
  tool: string;
  input: Record<string, unknown>;
  /** The agent kind whose capabilities the call runs under. */
  agent: string;
  description: string;
  successCheck: string;
  /** The output in words, for the person who asked; a step with `bind` also sees what the steps before it returned. */
  say(output: Output, slots: Slots, earlier: Output[]): string;
  /**
   * A step that acts on what the steps before it found ("stop whatever is eating the CPU"):
   * its input from their outputs, in step order, when they have run; or, when they found
   * nothing to act on, that sentence as its answer and no call. Its `input` is what the plan
   * shows until then.
   */
  bind?(earlier: Output[], slots: Slots): { input: Record<string, unknown> } | { nothing: string };
}

export interface Intent {
  id: string;
  family: string;
  examples: readonly string[];
  /** Values it must have ("path"); without them it is not this intent. */
  needs?: readonly SlotName[];
  /** It changes the machine: matched only when sure, never on a guess. */
  effect?: boolean;
  /** What to copy to do it, for "I am not sure" answers. */
  usage: string;
  steps(slots: Slots): Step[] | { error: string };
}
