// aios-orchestrator: plans goals into tasks and runs them with agents.
import { orchestratorComponent } from "../../lib/orchestrator/index.ts";
import { runComponent } from "../../lib/rpc/index.ts";

export const main = (argv: readonly string[]): Promise<number> => runComponent(orchestratorComponent, argv);

if (import.meta.main) main(process.argv.slice(2)).then((code) => process.exit(code));
