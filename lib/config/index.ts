/**
 * @module lib/config
 * The AIOS configuration: one TOML file (/etc/aios/aios.toml by default), one valibot
 * schema, a default for every key.
 */
export { type Config, ConfigSchema } from "./schema.ts";
export { ConfigError, describeIssue, loadConfig, parseConfig, parseConfigText } from "./load.ts";
export { DEFAULT_CONFIG_PATH, rooted, socketPath } from "./paths.ts";
export { BUILD_COMMIT, VERSION, VERSION_LINE } from "./version.ts";
