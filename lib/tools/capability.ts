/**
 * @module lib/tools/capability
 * Capabilities are "namespace:action[:resource-glob]" ("fs:read:/var/log/**"). A held
 * capability grants a needed one when namespace and action match (or are "*") and, if it
 * names a resource glob, the needed resource matches it. Paths are normalised before
 * matching, so "/var/log/../../etc/shadow" is "/etc/shadow"; a glob character in a path is a
 * literal character of that path, never a pattern.
 */
import { posix } from "node:path";

export interface Capability {
  namespace: string;
  action: string;
  /** A glob over resources; undefined grants every resource. */
  resource?: string;
}

const PART = /^(\*|[a-z][a-z0-9_-]*)$/;

export function parseCapability(text: string): Capability {
  const first = text.indexOf(":");
  const second = first < 0 ? -1 : text.indexOf(":", first + 1);
  const namespace = first < 0 ? text : text.slice(0, first);
  const action = first < 0 ? "" : second < 0 ? text.slice(first + 1) : text.slice(first + 1, second);
  const resource = second < 0 ? undefined : text.slice(second + 1);
  if (!PART.test(namespace) || !PART.test(action) || resource === "") {
    throw new Error(`"${text}" is not a capability (namespace:action[:resource-glob], e.g. fs:read:/var/log/**)`);
  }
  return { namespace, action, resource };
}

export function formatCapability(c: Capability): string {
  return `${c.namespace}:${c.action}${c.resource === undefined ? "" : `:${c.resource}`}`;
}

/** "/a/b/../c" → "/a/c"; a relative path or one with a NUL byte is refused. */
export function normalizePath(path: string): string {
  if (!path.startsWith("/")) throw new Error(`"${path}" is not an absolute path`);
  if (path.includes("\0")) throw new Error("a path must not contain a NUL byte");
  const normal = posix.normalize(path);
  return normal.length > 1 ? normal.replace(/\/+$/, "") : normal;
}

export function resourceMatches(glob: string, resource: string): boolean {
  // "/var/log/**" also covers "/var/log" itself.
  if (glob.endsWith("/**") && resource === glob.slice(0, -3)) return true;
  return new Bun.Glob(glob).match(resource);
}

export function grants(held: Capability, namespace: string, action: string, resource?: string): boolean {
  if (held.namespace !== "*" && held.namespace !== namespace) return false;
  if (held.action !== "*" && held.action !== action) return false;
  if (held.resource === undefined) return true;
  return resource !== undefined && resourceMatches(held.resource, resource);
}

export function grantedBy(held: readonly Capability[], namespace: string, action: string, resource?: string): boolean {
  return held.some((c) => grants(c, namespace, action, resource));
}
