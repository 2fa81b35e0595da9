// aios-tools: typed, capability-checked, audited actions on the machine.
import { toolsComponent } from "../../lib/tools/index.ts";
import { runComponent } from "../../lib/rpc/index.ts";

export const main = (argv: readonly string[]): Promise<number> => runComponent(toolsComponent, argv);

if (import.meta.main) main(process.argv.slice(2)).then((code) => process.exit(code));
