// aios-init: PID 1 and the service supervisor.
import { runInit } from "../../lib/init/index.ts";

export const main = (argv: readonly string[]): Promise<number> => runInit(argv);

if (import.meta.main) main(process.argv.slice(2)).then((code) => process.exit(code));
