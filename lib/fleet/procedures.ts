/**
 * @module lib/fleet/procedures
 * Learned procedures shared between machines ([fleet] share_procedures, off by default): what
 * worked here (a procedure of aios-memory that succeeded and can be replayed) is published on
 * aios.fleet.procedure.MACHINE, signed; what trusted machines published is remembered here,
 * tagged with where it came from, never promoted (a person elsewhere vouching does not count
 * here). A replayed procedure still runs through this machine's capabilities and approvals.
 */
import { createHash, type KeyObject } from "node:crypto";
import * as v from "valibot";
import type { Logger } from "../log/index.ts";
import { MemoryKind, type MemoryServiceDefinition } from "../rpc/gen/aios/v1/memory.ts";
import type { ServiceClient } from "../rpc/index.ts";
import type { FleetLink } from "./link.ts";
import { signBytes, signedBy } from "./signing.ts";
import { encode } from "./wire.ts";

export const SharedProcedure = v.strictObject({
  v: v.literal(1),
  from: v.pipe(v.string(), v.regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/)),
  title: v.pipe(v.string(), v.maxLength(500)),
  content: v.pipe(v.string(), v.maxLength(10_000)),
  goal_pattern: v.pipe(v.string(), v.nonEmpty(), v.maxLength(1000)),
  tool_sequence: v.pipe(v.array(v.pipe(v.string(), v.maxLength(200))), v.maxLength(50)),
  steps_json: v.pipe(v.string(), v.maxLength(50_000)),
  successes: v.pipe(v.number(), v.integer(), v.minValue(1)),
});
export type SharedProcedure = v.InferOutput<typeof SharedProcedure>;

/** Where a machine shares, and the tag its procedures carry here. */
export const procedureSubject = (machine: string) => `aios.fleet.procedure.${machine}`;
export const fromTag = (machine: string) => `from:${machine}`;

export class ProcedureSharing {
  private readonly shared = new Set<string>();

  constructor(
    private readonly link: FleetLink,
    private readonly memory: ServiceClient<typeof MemoryServiceDefinition>,
    private readonly machine: string,
    private readonly key: KeyObject,
    private readonly trustedKeys: () => readonly string[],
    private readonly log: Logger,
  ) {}

  /** Publishes this machine's replayable procedures that worked and were not learned from others. */
  async share(): Promise<number> {
    if (!this.link.connected) return 0;
    const { procedures } = await this.memory.listProcedures({ replayableOnly: true, limit: 200 });
    let sent = 0;
    for (const memory of procedures) {
      const procedure = memory.procedure;
      if (!procedure || procedure.successes < 1 || procedure.failures > procedure.successes) continue;
      if (memory.tags.some((tag) => tag.startsWith("from:"))) continue; // not passed on again
      const message: SharedProcedure = {
        v: 1,
        from: this.machine,
        title: memory.title.slice(0, 500),
        content: memory.content.slice(0, 10_000),
        goal_pattern: procedure.goalPattern,
        tool_sequence: procedure.toolSequence,
        steps_json: procedure.stepsJson,
        successes: procedure.successes,
      };
      const fingerprint = createHash("sha256").update(`${message.goal_pattern}\n${message.steps_json}`).digest("hex").slice(0, 32);
      if (this.shared.has(fingerprint)) continue;
      const data = encode(message);
      await this.link.publishProcedure(this.machine, data, signBytes(this.key, data), `${this.machine}.${fingerprint}`);
      this.shared.add(fingerprint);
      sent++;
    }
    return sent;
  }

  /** One shared procedure from the stream: remembered here when a trusted machine signed it. */
  async take(data: Uint8Array, signature: string | undefined): Promise<void> {
    if (!signature || !signedBy(data, signature, this.trustedKeys())) {
      this.log.warn("a shared procedure not signed by a trusted machine was ignored");
      return;
    }
    let parsed: v.SafeParseResult<typeof SharedProcedure>;
    try {
      parsed = v.safeParse(SharedProcedure, JSON.parse(new TextDecoder().decode(data)));
    } catch {
      return;
    }
    if (!parsed.success || parsed.output.from === this.machine) return;
    const shared = parsed.output;
    await this.memory.remember({
      kind: MemoryKind.MEMORY_KIND_PROCEDURE,
      title: shared.title || shared.goal_pattern,
      content: shared.content || `learned on ${shared.from}: ${shared.goal_pattern}`,
      tags: ["fleet", fromTag(shared.from)],
      procedure: { goalPattern: shared.goal_pattern, toolSequence: shared.tool_sequence, successes: shared.successes, failures: 0, stepsJson: shared.steps_json, promoted: false },
      goalId: "",
      taskId: "",
      vector: [],
    });
    this.log.info("remembered a procedure another machine learned", { from: shared.from, pattern: shared.goal_pattern });
  }
}
