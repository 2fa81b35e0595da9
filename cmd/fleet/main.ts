// aios-fleet: this machine in a fleet of AIOS machines on NATS JetStream.
import { fleetComponent } from "../../lib/fleet/component.ts";
import { runComponent } from "../../lib/rpc/index.ts";

export const main = (argv: readonly string[]): Promise<number> => runComponent(fleetComponent, argv);

if (import.meta.main) main(process.argv.slice(2)).then((code) => process.exit(code));
