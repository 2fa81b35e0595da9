/**
 * @module lib/rpc/procedure-steps
 * The form of Procedure.steps_json (proto/aios/v1/memory.proto): the tool calls a learned
 * procedure makes again, each input holding the request's values as "{{path1}}"-style
 * placeholders. Checked where it is stored (aios-memory) and again where it is used
 * (aios-orchestrator): a person's edit or an imported file is input like any other.
 */
import * as v from "valibot";

const Placeholder = /\{\{([a-z]+\d+)\}\}/g;

export const ProcedureStep = v.strictObject({
  tool: v.pipe(v.string(), v.regex(/^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$/, "must be a tool name such as fs.disk_usage")),
  agent: v.pipe(v.string(), v.regex(/^[a-z][a-z0-9_-]{0,63}$/, "must be an agent kind such as storage")),
  input: v.record(v.string(), v.unknown()),
  description: v.pipe(v.string(), v.maxLength(500)),
});

export const ProcedureSteps = v.pipe(v.array(ProcedureStep), v.minLength(1, "a procedure needs a step"), v.maxLength(20, "a procedure has at most 20 steps"));

export type ProcedureStepValue = v.InferOutput<typeof ProcedureStep>;

/** The steps, or a sentence saying what is wrong with them. */
export function parseProcedureSteps(json: string): ProcedureStepValue[] | { error: string } {
  if (json.length > 65_536) return { error: "steps_json is at most 64 KiB" };
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    return { error: `steps_json is not JSON: ${(error as Error).message}` };
  }
  const parsed = v.safeParse(ProcedureSteps, value);
  if (!parsed.success) {
    const issue = parsed.issues[0];
    const where = issue.path?.map((p) => String(p.key)).join(".");
    return { error: `steps_json${where ? `.${where}` : ""}: ${issue.message}` };
  }
  return parsed.output;
}

/** The placeholders ("path1", "port1") a procedure's steps use. */
export function placeholdersOf(steps: readonly ProcedureStepValue[]): Set<string> {
  return new Set([...JSON.stringify(steps.map((s) => s.input)).matchAll(Placeholder)].map((m) => m[1]!));
}
