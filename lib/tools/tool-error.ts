/**
 * @module lib/tools/tool-error
 * How a tool says why it failed: one of the error codes an agent and the orchestrator read
 * (not_found, permission, conflict, invalid, too_large; anything else is io), with a sentence.
 * Errors from the kernel (errno) and from other components (AiosError) are mapped to the same
 * codes by the executor.
 */

export type ToolErrorCode = "not_found" | "permission" | "conflict" | "invalid" | "too_large" | "io";

export class ToolFailure extends Error {
  override readonly name = "ToolFailure";
  constructor(
    readonly toolCode: ToolErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export const toolError = (code: ToolErrorCode, message: string) => new ToolFailure(code, message);
