// aios-memory: what AIOS has seen, done and learned.
import { memoryComponent } from "../../lib/memory/index.ts";
import { runComponent } from "../../lib/rpc/index.ts";

export const main = (argv: readonly string[]): Promise<number> => runComponent(memoryComponent, argv);

if (import.meta.main) main(process.argv.slice(2)).then((code) => process.exit(code));
