/**
 * @module lib/tools/paths
 * Where a path really leads. A capability over /data/** must not reach /etc/shadow through
 * /data/link → /etc: the pipeline checks the path as given and the path with every symlink
 * of its existing part resolved. Under --root, a path that resolves outside the root leads
 * nowhere.
 */
import { realpathSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";
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

/**
 * Where a symbolic link at `linkPath` with this target will lead, resolved as the kernel will:
 * component by component, following links as they are met, so "d/../x" through a link d → .
 * is seen to climb out where a lexical resolve stays put. Null when it leaves the root.
 */
export function resolvedLinkTarget(linkPath: string, target: string, root: string): string | null {
  const top = root === "" || root === "/" ? "/" : realpathSync(root);
  let current = target.startsWith("/") ? top : resolvedPhysical(dirname(linkPath), root);
  if (current === null) return null;
  for (const part of target.split("/")) {
    if (part === "" || part === ".") continue;
    current = part === ".." ? (current === top ? top : dirname(current)) : join(current, part);
    try {
      current = realpathSync(current);
    } catch {
      // Not there (yet): the rest of the path is taken as written.
    }
  }
  const inside = relative(top, current);
  if (inside.startsWith("..")) return null;
  return `/${inside.split(sep).join("/")}`.replace(/\/$/, "") || "/";
}

/** The physical, symlink-resolved path of a logical one (the existing part resolved). */
function resolvedPhysical(logical: string, root: string): string | null {
  const resolved = resolvedPath(logical, root);
  if (resolved === null) return null;
  return root === "" || root === "/" ? resolved : join(realpathSync(root), resolved);
}
