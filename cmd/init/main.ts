// aios-init: PID 1 and the service supervisor.
import { initComponent } from "../../lib/init/index.ts";
import { runComponent } from "../../lib/rpc/index.ts";

export const main = (argv: readonly string[]): Promise<number> => runComponent(initComponent, argv);

if (import.meta.main) main(process.argv.slice(2)).then((code) => process.exit(code));
