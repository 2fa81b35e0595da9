/**
 * @module lib/fleet/selector
 * Label selectors as a person types them: "role=web", "role=web,site=lab", "role!=db". Every
 * term must hold. Parsed strictly: a typo is an error naming the term, never a selector that
 * silently matches every machine.
 */

export interface SelectorTerm {
  key: string;
  equal: boolean;
  value: string;
}

const TERM = /^([a-z][a-z0-9_.-]{0,62})\s*(!?=)\s*([A-Za-z0-9_.-]{0,63})$/;

export function parseSelector(text: string): SelectorTerm[] {
  const terms = text
    .split(",")
    .map((part) => part.trim())
    .filter(Boolean);
  if (terms.length === 0) throw new Error('a label selector needs at least one term: "role=web" or "role=web,site=lab"');
  return terms.map((term) => {
    const match = TERM.exec(term);
    if (!match) throw new Error(`"${term}" is not a label term: write KEY=VALUE or KEY!=VALUE (role=web)`);
    return { key: match[1]!, equal: match[2] === "=", value: match[3]! };
  });
}

export function selects(terms: readonly SelectorTerm[], labels: Readonly<Record<string, string>>): boolean {
  return terms.every((term) => (labels[term.key] === term.value) === term.equal);
}
