/**
 * @module lib/tools/defs/schemas
 * Input pieces more than one namespace uses.
 */
import { RE2JS } from "re2js";
import * as v from "valibot";

/**
 * A regular expression a person or a model wrote, in RE2 syntax, matched by re2js in linear
 * time: a backtracking engine let `^(a+)+$` over 29 bytes block aios-tools for a second, and
 * doubling with every two more (the tool's timeout cannot interrupt a running match). RE2 has
 * no backreferences or lookaround.
 */
export const RegexPattern = v.pipe(
  v.string(),
  v.maxLength(512),
  v.check((pattern) => {
    try {
      RE2JS.compile(pattern);
      return true;
    } catch {
      return false;
    }
  }, "must be a regular expression in RE2 syntax (no backreferences or lookaround)"),
);

/** A compiled RegexPattern: does the text contain a match? */
export function linearMatcher(pattern: string): (text: string) => boolean {
  const compiled = RE2JS.compile(pattern);
  return (text) => compiled.matcher(text).find();
}
