// aios host NAME... : several gRPC components in one process, each on its own socket and
// contract (DESIGN.md 1). The process acts with the rights of the service that runs it, so only
// components that hold the same rights in the authorization table may share one: memory and
// the gateway. aios-tools (root tools, the token key) and the orchestrator (driven by models)
// keep processes of their own, whatever a service file asks for.
import type { ComponentSpec } from "../../lib/rpc/index.ts";
import { runComponents } from "../../lib/rpc/index.ts";

const SPECS: Record<string, () => Promise<ComponentSpec>> = {
  memory: async () => (await import("../../lib/memory/index.ts")).memoryComponent,
  gateway: async () => (await import("../../lib/gateway/index.ts")).gatewayComponent,
};

const USAGE = `Usage: aios host NAME... [options]   (aios host memory gateway --root DIR)

Runs the components NAME... (${Object.keys(SPECS).join(", ")}) in one process, each serving its
own socket. Options as for each component: -c/--config FILE, --root DIR.
`;

export async function main(argv: readonly string[]): Promise<number> {
  // The names come first; the options after them are the components' own.
  const firstFlag = argv.findIndex((arg) => arg.startsWith("-"));
  const names = firstFlag === -1 ? [...argv] : argv.slice(0, firstFlag);
  const flags = firstFlag === -1 ? [] : argv.slice(firstFlag);
  if (names.length === 0 && (flags.includes("-h") || flags.includes("--help"))) {
    process.stdout.write(USAGE);
    return 0;
  }
  // Own keys only: "constructor" is not a component.
  const unknown = names.filter((name) => !Object.hasOwn(SPECS, name));
  if (names.length === 0 || unknown.length > 0 || new Set(names).size !== names.length) {
    process.stderr.write(
      `aios host: ${names.length === 0 ? "name the components to run" : unknown.length ? `no component ${unknown.map((n) => `"${n}"`).join(", ")}` : "a component named twice"}\n${USAGE}`,
    );
    return 64;
  }
  const specs = await Promise.all(names.map((name) => SPECS[name]!()));
  return runComponents(specs, flags, `aios-${names.join("+")}`, `${names.join(" and ")} in one process`);
}

if (import.meta.main) main(process.argv.slice(2)).then((code) => process.exit(code));
