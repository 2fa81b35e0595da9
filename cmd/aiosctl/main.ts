// aiosctl: the command line of AIOS.
import { runCli } from "../../lib/cli/index.ts";

export const main = (argv: readonly string[]): Promise<number> => runCli(argv);

if (import.meta.main) main(process.argv.slice(2)).then((code) => process.exit(code));
