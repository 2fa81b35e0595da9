/**
 * Test support: seeded hostile requests to every unary RPC of every component (test/fuzz.test.ts
 * and bench/fuzz.ts). A request is built from the message's own defaults: each field gets a
 * hostile value of its kind (a string, a number, a list, a map of keys).
 */
import { join } from "node:path";
import { GatewayServiceDefinition } from "../../lib/rpc/gen/aios/v1/gateway.ts";
import { InitServiceDefinition } from "../../lib/rpc/gen/aios/v1/init.ts";
import { MemoryServiceDefinition } from "../../lib/rpc/gen/aios/v1/memory.ts";
import { OrchestratorServiceDefinition } from "../../lib/rpc/gen/aios/v1/orchestrator.ts";
import { ToolsServiceDefinition } from "../../lib/rpc/gen/aios/v1/tools.ts";
import { AiosError, connect } from "../../lib/rpc/index.ts";
import { seededRandom } from "./random.ts";

const SERVICES = [
  ["init", InitServiceDefinition],
  ["memory", MemoryServiceDefinition],
  ["gateway", GatewayServiceDefinition],
  ["tools", ToolsServiceDefinition],
  ["orchestrator", OrchestratorServiceDefinition],
] as const;

/** What would stop the machine or the stack, not test its input: left out. */
const SKIPPED = new Set(["init.shutdown", "init.stopService", "init.startService", "init.restartService", "orchestrator.emergencyStop"]);

const STRINGS = [
  "",
  "🔥".slice(0, 1), // a lone surrogate
  "é",
  "ünïcödé ключ 鍵",
  "x".repeat(70_000),
  "../../../../etc/shadow",
  "/var/lib/aios/console/admin-token",
  "a\0b",
  "%",
  "%E0%A4%A",
  "{",
  "-1",
  "goal-zz-00000000",
  "exe_00000000-0000-0000-0000-000000000000",
  'call fs.stat {"path":"/etc","é":1}',
  "^(a+)+$",
  "fs.read",
  "  ",
];
// Within int32: the protobuf encoder refuses anything else before it is sent.
const NUMBERS = [0, -1, -2_147_483_648, 2_147_483_647, 65_536, 3];

export interface FuzzReport {
  calls: number;
  /** "service.method: what went wrong (with the request)". */
  problems: string[];
  /** Answers by code ("ok", "invalid_argument", ...). */
  codes: Record<string, number>;
}

function hostile(defaultValue: unknown, random: () => number): unknown {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  if (typeof defaultValue === "string") return pick(STRINGS);
  if (typeof defaultValue === "number") return pick(NUMBERS);
  if (typeof defaultValue === "boolean") return random() < 0.5;
  if (defaultValue instanceof Date) return new Date(pick([0, -1e15, 8.64e15, Date.now()]));
  if (Array.isArray(defaultValue)) return Array.from({ length: Math.floor(random() * 3) }, () => (random() < 0.5 ? pick(STRINGS) : pick(NUMBERS)));
  // A message, a Struct or a map: keys no schema knows, values of every kind.
  return random() < 0.3 ? undefined : { [pick(STRINGS)]: pick(STRINGS), path: pick(STRINGS), é: pick(NUMBERS) };
}

const describeRequest = (request: Record<string, unknown>) => JSON.stringify(request, (_, v) => (typeof v === "string" && v.length > 40 ? `${v.slice(0, 20)}…(${v.length})` : v)).slice(0, 300);

export async function fuzzStack(root: string, options: { seed: number; rounds: number }): Promise<FuzzReport> {
  const random = seededRandom(options.seed);
  const report: FuzzReport = { calls: 0, problems: [], codes: {} };
  for (const [name, definition] of SERVICES) {
    // A generous deadline: reaching it means the call hung, not that the machine is slow.
    const client = connect(definition, join(root, `run/aios/${name}.sock`), { defaultTimeoutMs: 60_000 }) as unknown as Record<string, (request: unknown) => Promise<unknown>> & { close(): void };
    for (const [key, method] of Object.entries(definition.methods)) {
      if (method.requestStream || method.responseStream || SKIPPED.has(`${name}.${key}`)) continue;
      const defaults = (method.requestType as { fromPartial(o: object): Record<string, unknown> }).fromPartial({});
      for (let round = 0; round < options.rounds; round++) {
        const request: Record<string, unknown> = {};
        for (const [field, value] of Object.entries(defaults)) if (random() < 0.8) request[field] = hostile(value, random);
        let code = "ok";
        try {
          await client[key]!(request);
        } catch (error) {
          // The client could not encode this request (a list of strings for numbers, say): it
          // never reached the server.
          if (!(error instanceof AiosError) || error.message.startsWith("Request message serialization failure")) {
            report.codes["(not sent)"] = (report.codes["(not sent)"] ?? 0) + 1;
            continue;
          }
          code = error.code;
          if (["unavailable", "deadline_exceeded", "internal", "unknown"].includes(code))
            report.problems.push(`${name}.${key}: ${code}: ${error.message.slice(0, 200)} — request ${describeRequest(request)}`);
        }
        report.calls++;
        report.codes[code] = (report.codes[code] ?? 0) + 1;
      }
    }
    client.close();
  }
  return report;
}
