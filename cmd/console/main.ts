// aios-console: the HTTP console.
import { runConsole } from "../../lib/console/index.ts";

export const main = (argv: readonly string[]): Promise<number> => runConsole(argv);

if (import.meta.main) main(process.argv.slice(2)).then((code) => process.exit(code));
