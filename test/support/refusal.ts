/** The AiosError a call was refused with; the test fails if the call succeeded or failed otherwise. */
import { expect } from "bun:test";
import { AiosError } from "../../lib/rpc/index.ts";

export async function refusal(promise: Promise<unknown>): Promise<AiosError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(AiosError);
    return error as AiosError;
  }
  throw new Error("the call was not refused");
}
