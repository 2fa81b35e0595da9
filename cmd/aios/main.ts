/**
 * aios: the one multi-call executable. Run as a symlink (aios-tools, aiosctl, ...) it is that
 * component; run as `aios NAME ...` it is the component NAME. One file mapped by every process
 * shares its pages: each Bun executable carries ~105 MB of runtime (DESIGN.md section 1).
 */
import { basename } from "node:path";
import { VERSION_LINE } from "../../lib/config/index.ts";

type Main = (argv: readonly string[]) => Promise<number>;

// name → [binary name, one line, lazy entry]. Lazy: a component pays only for its own code.
const ENTRIES: Record<string, readonly [string, string, () => Promise<{ main: Main }>]> = {
  init: ["aios-init", "PID 1 and the service supervisor", () => import("../init/main.ts")],
  memory: ["aios-memory", "what AIOS has seen, done and learned", () => import("../memory/main.ts")],
  gateway: ["aios-gateway", "the one door to every model, local or cloud", () => import("../gateway/main.ts")],
  tools: ["aios-tools", "typed, capability-checked, audited actions on the machine", () => import("../tools/main.ts")],
  orchestrator: ["aios-orchestrator", "plans goals into tasks and runs them with agents", () => import("../orchestrator/main.ts")],
  console: ["aios-console", "the HTTP console", () => import("../console/main.ts")],
  fleet: ["aios-fleet", "this machine in a fleet on NATS JetStream ([fleet] enabled)", () => import("../fleet/main.ts")],
  host: ["aios-host", "several of the above in one process: aios host memory gateway", () => import("../host/main.ts")],
  ctl: ["aiosctl", "the command line: health, goals, approvals, logs ...", () => import("../aiosctl/main.ts")],
};

const BY_BINARY = new Map(Object.entries(ENTRIES).map(([name, [binary]]) => [binary, name]));

function usage(): string {
  const rows = Object.entries(ENTRIES).map(([name, [binary, summary]]) => `  ${name.padEnd(13)} ${binary.padEnd(18)} ${summary}`);
  return `${VERSION_LINE}: an operating system whose operator is an AI

Usage: aios NAME [options]     or run a symlink named after it: aios-tools [options]

Components (NAME, symlink, what it is):
${rows.join("\n")}

Run aios NAME --help for the options of each.
`;
}

async function dispatch(invokedAs: string, args: readonly string[]): Promise<number> {
  const byLink = BY_BINARY.get(invokedAs);
  if (byLink) return (await ENTRIES[byLink]![2]()).main(args);

  const [first, ...rest] = args;
  if (first === undefined || first === "--help" || first === "-h" || first === "help") {
    process.stdout.write(usage());
    return first === undefined ? 64 : 0;
  }
  if (first === "--version" || first === "version") {
    process.stdout.write(`${VERSION_LINE}\n`);
    return 0;
  }
  const name = BY_BINARY.get(first) ?? first;
  // Own keys only: "constructor" or "__proto__" is not a component.
  const entry = Object.hasOwn(ENTRIES, name) ? ENTRIES[name] : undefined;
  if (!entry) {
    const how = invokedAs === "aios" || invokedAs === "bun" ? `"${first}"` : `"${first}" (invoked as ${invokedAs})`;
    process.stderr.write(`aios: unknown component ${how}; run aios --help for the list\n`);
    return 1;
  }
  return (await entry[2]()).main(rest);
}

// process.argv0 is the name the executable was started by (a symlink's name); the
// arguments start at argv[2] both for `bun cmd/aios/main.ts` and the compiled binary.
dispatch(basename(process.argv0), process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`aios: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(70);
  },
);
