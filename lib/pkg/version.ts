/**
 * @module lib/pkg/version
 * Debian version numbers ([epoch:]upstream[-revision]) compared the way dpkg compares them,
 * and the relations of a Depends field (<<, <=, =, >=, >>).
 */

interface Parsed {
  epoch: number;
  upstream: string;
  revision: string;
}

function parse(version: string): Parsed {
  const colon = version.indexOf(":");
  const epoch = colon > 0 ? Number.parseInt(version.slice(0, colon), 10) : 0;
  const rest = colon > 0 ? version.slice(colon + 1) : version;
  const dash = rest.lastIndexOf("-");
  return { epoch: Number.isFinite(epoch) ? epoch : 0, upstream: dash >= 0 ? rest.slice(0, dash) : rest, revision: dash >= 0 ? rest.slice(dash + 1) : "" };
}

const isDigit = (c: string | undefined) => c !== undefined && c >= "0" && c <= "9";

/** dpkg's order of a non-digit character: ~ before the end, the end before letters, letters before the rest. */
function order(c: string | undefined): number {
  if (c === undefined) return 0;
  if (c === "~") return -1;
  if (/[A-Za-z]/.test(c)) return c.charCodeAt(0);
  return c.charCodeAt(0) + 256;
}

function compareParts(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    while ((i < a.length && !isDigit(a[i])) || (j < b.length && !isDigit(b[j]))) {
      const difference = order(isDigit(a[i]) ? undefined : a[i]) - order(isDigit(b[j]) ? undefined : b[j]);
      if (difference !== 0) return difference;
      i++;
      j++;
    }
    while (a[i] === "0") i++;
    while (b[j] === "0") j++;
    let firstDifference = 0;
    while (isDigit(a[i]) && isDigit(b[j])) {
      if (firstDifference === 0) firstDifference = a.charCodeAt(i) - b.charCodeAt(j);
      i++;
      j++;
    }
    if (isDigit(a[i])) return 1;
    if (isDigit(b[j])) return -1;
    if (firstDifference !== 0) return firstDifference;
  }
  return 0;
}

/** Negative when a is older than b, 0 when equal, positive when newer. */
export function compareVersions(a: string, b: string): number {
  const x = parse(a);
  const y = parse(b);
  if (x.epoch !== y.epoch) return x.epoch - y.epoch;
  return compareParts(x.upstream, y.upstream) || compareParts(x.revision, y.revision);
}

export type Relation = "<<" | "<=" | "=" | ">=" | ">>";

export function satisfies(version: string, relation: Relation, wanted: string): boolean {
  const c = compareVersions(version, wanted);
  switch (relation) {
    case "<<":
      return c < 0;
    case "<=":
      return c <= 0;
    case "=":
      return c === 0;
    case ">=":
      return c >= 0;
    case ">>":
      return c > 0;
  }
}

/** One alternative of a dependency: a name and maybe a version constraint. */
export interface Requirement {
  name: string;
  relation?: Relation;
  version?: string;
}

/** A Depends-style field: groups (all needed) of alternatives (one is enough). */
export function parseRelations(field: string | undefined): Requirement[][] {
  if (!field) return [];
  return field
    .split(",")
    .map((group) =>
      group
        .split("|")
        .map((alternative) => {
          const m = /^\s*([a-z0-9][a-z0-9+.-]*)(?::[a-z0-9-]+)?\s*(?:\(\s*(<<|<=|=|>=|>>|<|>)\s*([^)\s]+)\s*\))?/i.exec(alternative);
          if (!m) return undefined;
          // "<" and ">" are the deprecated spellings of "<=" and ">=".
          const relation = m[2] === "<" ? "<=" : m[2] === ">" ? ">=" : (m[2] as Relation | undefined);
          return { name: m[1]!.toLowerCase(), ...(relation ? { relation, version: m[3]! } : {}) };
        })
        .filter((r): r is Requirement => r !== undefined),
    )
    .filter((group) => group.length > 0);
}

export function describeRequirement(r: Requirement): string {
  return r.relation ? `${r.name} (${r.relation} ${r.version})` : r.name;
}
