/**
 * @module lib/config/version
 * What this build of AIOS is. The commit is stamped by `just build` (--define); a run from
 * source says "dev".
 */
import pkg from "../../package.json" with { type: "json" };

declare const AIOS_BUILD_COMMIT: string | undefined;

export const VERSION: string = pkg.version;
export const BUILD_COMMIT: string = typeof AIOS_BUILD_COMMIT === "string" ? AIOS_BUILD_COMMIT : "dev";
export const VERSION_LINE = `aios ${VERSION} (${BUILD_COMMIT})`;
