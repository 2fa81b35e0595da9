/**
 * @module lib/tools/defs/schemas
 * Input pieces more than one namespace uses.
 */
import * as v from "valibot";

/** A regular expression a person or a model wrote; refused when it does not compile. */
export const RegexPattern = v.pipe(
  v.string(),
  v.maxLength(512),
  v.check((pattern) => {
    try {
      new RegExp(pattern);
      return true;
    } catch {
      return false;
    }
  }, "must be a valid regular expression"),
);
