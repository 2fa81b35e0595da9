/** Every gRPC status a command meets has its documented exit status (DESIGN.md §7). */
import { expect, test } from "bun:test";
import { AiosError, ERROR_CODES, type ErrorCode } from "../rpc/index.ts";
import { exitStatusOf } from "./command.ts";

test("each status maps to its exit status; a socket that is not there is 69", () => {
  const expected: Record<ErrorCode, number> = {
    invalid_argument: 64,
    not_found: 1,
    already_exists: 1,
    failed_precondition: 1,
    permission_denied: 1,
    resource_exhausted: 1,
    aborted: 1,
    unavailable: 69,
    deadline_exceeded: 75,
    unauthenticated: 77,
    cancelled: 130,
    internal: 70,
    unimplemented: 70,
  };
  for (const code of Object.keys(ERROR_CODES) as ErrorCode[]) expect([code, exitStatusOf(new AiosError(code, "x"))]).toEqual([code, expected[code]]);
  expect(exitStatusOf(Object.assign(new Error("connect ENOENT /run/aios/orchestrator.sock"), { code: "ENOENT" }))).toBe(69);
});
