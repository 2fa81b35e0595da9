/**
 * @module lib/tools/defs/pkg/manager
 * The package manager of one call, as aios.toml's [pkg] says now (read at each call, so a
 * changed mirror needs no restart), with its errors in the codes agents read.
 */
import { join } from "node:path";
import { readConfigText } from "../../../config/file.ts";
import { DEFAULT_CONFIG_PATH, parseConfigText } from "../../../config/index.ts";
import { DebError, MirrorError, PackageError, PackageManager, ReleaseError, ResolveError } from "../../../pkg/manager.ts";
import type { ToolContext } from "../../registry.ts";
import { toolError } from "../../tool-error.ts";
import * as v from "valibot";

/** A package name, or NAME=VERSION. */
export const PackageName = v.pipe(v.string(), v.maxLength(200), v.regex(/^[a-z0-9][a-z0-9+.-]+(=[A-Za-z0-9.+~:-]+)?$/, "must be a Debian package name such as jq (or jq=1.6-2.1+deb12u3)"));

export const PackageList = v.pipe(v.array(PackageName), v.minLength(1, "name at least one package"), v.maxLength(50));

/** The logical directory of installed packages. */
export function packageDir(stateDir: string): string {
  return join(stateDir, "pkg");
}

export async function withPackages<T>(ctx: ToolContext, work: (manager: PackageManager) => Promise<T>): Promise<T> {
  const config = parseConfigText(readConfigText(ctx.physical(DEFAULT_CONFIG_PATH)), DEFAULT_CONFIG_PATH);
  const { mirror, suite, components, keyring, base } = config.pkg;
  const manager = new PackageManager({
    dir: ctx.physical(packageDir(config.paths.state_dir)),
    // A mirror on this machine's disk is inside --root too.
    mirror: mirror.startsWith("/") ? ctx.physical(mirror) : mirror,
    suite,
    components,
    keyring: ctx.physical(keyring),
    base: ctx.physical(base),
    signal: ctx.signal,
    progress: (line) => ctx.log.info(line),
  });
  try {
    return await work(manager);
  } catch (error) {
    if (error instanceof ResolveError || error instanceof PackageError) throw toolError("invalid", error.message);
    if (error instanceof ReleaseError || error instanceof DebError) throw toolError("permission", error.message);
    if (error instanceof MirrorError) throw toolError(/not found/.test(error.message) ? "not_found" : "io", error.message);
    throw error;
  } finally {
    manager.close();
  }
}
