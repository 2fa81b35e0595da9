/**
 * @module lib/config/flags
 * The command line every AIOS executable shares, the components and aiosctl alike: --config
 * (or $AIOS_CONFIG), --root (or $AIOS_ROOT, set by aios-init --root for its services), --help
 * and --version; the usage text; the config read with a bad one as exit 78; and the exit
 * statuses of sysexits.h they use.
 */
import { parseArgs } from "node:util";
import { ConfigError, loadConfig } from "./load.ts";
import type { Config } from "./schema.ts";
import { DEFAULT_CONFIG_PATH, rooted } from "./paths.ts";
import { VERSION_LINE } from "./version.ts";

/** sysexits.h EX_USAGE: bad command line. */
export const EXIT_USAGE = 64;
/** sysexits.h EX_UNAVAILABLE: something needed (a service, a port) is not available. */
export const EXIT_UNAVAILABLE = 69;
/** sysexits.h EX_CONFIG: bad configuration; restarting will not help. */
export const EXIT_CONFIG = 78;

export interface CommonFlags {
  config: string;
  configRequired: boolean;
  root: string;
}

/** Flags every component takes. Returns null and prints why when they are wrong. */
export function parseCommonFlags(
  argv: readonly string[],
  usage: string,
  extra: Record<string, { type: "string" | "boolean"; short?: string }> = {},
  allowPositionals = false,
): { flags: CommonFlags; values: Record<string, string | boolean | undefined>; positionals: string[] } | number {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: {
        config: { type: "string", short: "c" },
        root: { type: "string" },
        help: { type: "boolean", short: "h" },
        version: { type: "boolean" },
        ...extra,
      },
      strict: true,
      allowPositionals,
    });
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${usage}`);
    return EXIT_USAGE;
  }
  const values = parsed.values as Record<string, string | boolean | undefined>;
  if (values.help) {
    process.stdout.write(usage);
    return 0;
  }
  if (values.version) {
    process.stdout.write(`${VERSION_LINE}\n`);
    return 0;
  }
  // aios-init --root passes its root to the services it starts through AIOS_ROOT.
  const root = typeof values.root === "string" ? values.root : (process.env.AIOS_ROOT ?? "");
  const explicit = typeof values.config === "string" ? values.config : process.env.AIOS_CONFIG;
  return {
    flags: { root, config: explicit ?? rooted(root, DEFAULT_CONFIG_PATH), configRequired: explicit !== undefined },
    values,
    positionals: parsed.positionals,
  };
}

export function commonUsage(binary: string, summary: string, extraLines = ""): string {
  return `${binary}: ${summary}

Usage: ${binary} [options]

Options:
  -c, --config FILE   configuration file (default /etc/aios/aios.toml, or $AIOS_CONFIG)
      --root DIR      run as an ordinary process with every path under DIR
${extraLines}  -h, --help          show this help
      --version       show the version
`;
}

/** Loads the config for a component, or prints the problem and returns the exit status. */
export function loadComponentConfig(flags: CommonFlags): Config | number {
  try {
    return loadConfig({ path: flags.config, required: flags.configRequired });
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      return EXIT_CONFIG;
    }
    throw error;
  }
}
