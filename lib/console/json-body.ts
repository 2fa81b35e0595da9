/**
 * @module lib/console/json-body
 * Request bodies as JSON, with a nesting limit: JSON.parse recurses, and a body of 100,000
 * opening brackets (under the 1 MiB cap) overflowed the stack into a 500. Nothing the API takes
 * is nested more than a few levels.
 */
export const MAX_JSON_DEPTH = 64;

export class BadJsonBody extends Error {}

/** The deepest nesting of arrays and objects in JSON text (strings skipped). */
export function jsonDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) deepest = Math.max(deepest, ++depth);
    else if (c === 0x5d || c === 0x7d) depth--;
  }
  return deepest;
}

export function parseJsonBody(text: string): unknown {
  if (jsonDepth(text) > MAX_JSON_DEPTH) throw new BadJsonBody(`the body nests deeper than ${MAX_JSON_DEPTH} levels`);
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new BadJsonBody(`the body is not valid JSON: ${(error as Error).message}`);
  }
}
