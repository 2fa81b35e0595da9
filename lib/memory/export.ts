/**
 * @module lib/memory/export
 * The JSON-lines format of Export and Import, one memory per line, versioned by its "format"
 * field. A line carries the memory's vector (base64 of little-endian float32) and the
 * embedder that made it, so a memory moved to a machine with the same embedder needs no
 * re-embedding.
 */
import * as v from "valibot";
import { describeIssue } from "../config/index.ts";
import { KINDS, type MemoryRecord, type NewMemory } from "./types.ts";

export const EXPORT_FORMAT = "aios-memory/1";

export class ImportError extends Error {}

export function exportLine(memory: MemoryRecord, vector: Float32Array | null): string {
  return JSON.stringify({
    format: EXPORT_FORMAT,
    id: memory.id,
    kind: memory.kind,
    title: memory.title,
    content: memory.content,
    tags: memory.tags,
    data: memory.data,
    created_at: new Date(memory.createdAt).toISOString(),
    updated_at: new Date(memory.updatedAt).toISOString(),
    goal_id: memory.goalId,
    task_id: memory.taskId,
    procedure: memory.procedure && {
      goal_pattern: memory.procedure.goalPattern,
      tool_sequence: memory.procedure.toolSequence,
      successes: memory.procedure.successes,
      failures: memory.procedure.failures,
      steps_json: memory.procedure.stepsJson ?? "",
      promoted: memory.procedure.promoted ?? false,
    },
    decision: memory.decision,
    embedder: vector ? memory.embedder : "",
    vector: vector ? Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength).toString("base64") : null,
  });
}

const IsoTime = v.pipe(
  v.string(),
  v.isoTimestamp("must be an ISO 8601 time"),
  v.transform((text) => Date.parse(text)),
);
const Count = v.pipe(v.number(), v.integer(), v.minValue(0));

const LineSchema = v.object({
  format: v.literal(EXPORT_FORMAT, `must be "${EXPORT_FORMAT}" (a line written by Export)`),
  id: v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{1,64}$/, "must be a memory id")),
  kind: v.picklist(KINDS, `must be one of ${KINDS.join(", ")}`),
  title: v.string(),
  content: v.pipe(v.string(), v.nonEmpty("may not be empty")),
  tags: v.array(v.string()),
  data: v.record(v.string(), v.unknown()),
  created_at: IsoTime,
  updated_at: IsoTime,
  goal_id: v.string(),
  task_id: v.string(),
  procedure: v.nullable(
    v.object({
      goal_pattern: v.string(),
      tool_sequence: v.array(v.string()),
      successes: Count,
      failures: Count,
      steps_json: v.optional(v.pipe(v.string(), v.maxLength(65_536)), ""),
      promoted: v.optional(v.boolean(), false),
    }),
  ),
  decision: v.nullable(v.object({ context: v.string(), options: v.array(v.string()), choice: v.string(), reasoning: v.string(), model: v.string(), outcome: v.string() })),
  embedder: v.string(),
  vector: v.nullable(v.pipe(v.string(), v.base64("must be base64"))),
});

export function parseImportLine(line: string, maxContentBytes: number): { memory: NewMemory; embedder: string; vector: Float32Array | null } {
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch (error) {
    throw new ImportError(`not JSON (${(error as Error).message})`);
  }
  const result = v.safeParse(LineSchema, json);
  if (!result.success) throw new ImportError(describeIssue(result.issues[0], ""));
  const line_ = result.output;
  if (Buffer.byteLength(line_.content) > maxContentBytes) throw new ImportError(`content is over ${maxContentBytes} bytes (memory.max_content_bytes)`);
  let vector: Float32Array | null = null;
  if (line_.vector) {
    const bytes = Buffer.from(line_.vector, "base64");
    if (bytes.length % 4 !== 0) throw new ImportError("vector is not a whole number of float32 values");
    vector = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
  }
  return {
    memory: {
      id: line_.id,
      kind: line_.kind,
      title: line_.title,
      content: line_.content,
      tags: line_.tags,
      data: line_.data,
      createdAt: line_.created_at,
      updatedAt: line_.updated_at,
      goalId: line_.goal_id,
      taskId: line_.task_id,
      procedure: line_.procedure && {
        goalPattern: line_.procedure.goal_pattern,
        toolSequence: line_.procedure.tool_sequence,
        successes: line_.procedure.successes,
        failures: line_.procedure.failures,
        stepsJson: line_.procedure.steps_json,
        promoted: line_.procedure.promoted,
      },
      decision: line_.decision,
    },
    embedder: line_.embedder,
    vector,
  };
}
