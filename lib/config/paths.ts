/**
 * @module lib/config/paths
 * Where things are. On the running system paths are as configured; under `--root DIR` (the
 * supervisor as an ordinary process on a developer machine, and every integration test) each
 * absolute path is taken inside DIR.
 */
import { join } from "node:path";
import type { Config } from "./schema.ts";

export const DEFAULT_CONFIG_PATH = "/etc/aios/aios.toml";

/** The path as seen under root ("" or "/" for the real system). */
export function rooted(root: string, path: string): string {
  return root === "" || root === "/" ? path : join(root, path);
}

/** The Unix socket a component serves on: RUN_DIR/NAME.sock ("tools" → /run/aios/tools.sock). */
export function socketPath(config: Config, root: string, component: string): string {
  return rooted(root, join(config.paths.run_dir, `${component}.sock`));
}
