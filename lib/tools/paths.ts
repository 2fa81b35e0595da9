/**
 * @module lib/tools/paths
 * Where a path really leads. A capability over /data/** must not reach /etc/shadow through
 * /data/link → /etc: the pipeline checks the path as given and the path with every symlink
 * of its existing part resolved. Under --root, a path that resolves outside the root leads
 * nowhere.
 */
import { realpathSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { rooted } from "../config/index.ts";

/** The logical path with symlinks resolved, or null when it leaves the root. */
export function resolvedPath(logical: string, root: string): string | null {
  const physical = rooted(root, logical);
  let existing = physical;
  const rest: string[] = [];
  for (;;) {
    try {
      existing = realpathSync(existing);
      break;
    } catch {
      const parent = dirname(existing);
      if (parent === existing) break;
      rest.unshift(existing.slice(parent.length + 1));
      existing = parent;
    }
  }
  const full = join(existing, ...rest);
  if (root === "" || root === "/") return full;
  const realRoot = realpathSync(root);
  const inside = relative(realRoot, full);
  if (inside.startsWith("..")) return null;
  return `/${inside}`;
}
