// aios-gateway: the one door to every model, local or cloud.
import { gatewayComponent } from "../../lib/gateway/index.ts";
import { runComponent } from "../../lib/rpc/index.ts";

export const main = (argv: readonly string[]): Promise<number> => runComponent(gatewayComponent, argv);

if (import.meta.main) main(process.argv.slice(2)).then((code) => process.exit(code));
