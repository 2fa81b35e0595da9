/**
 * @module lib/tools/defs/net/common
 * iproute2's JSON output and the host/port inputs the net tools share.
 */
import { spawnSync } from "node:child_process";
import * as v from "valibot";
import { systemProgram } from "../system.ts";

export function ipJson<T>(args: string[]): T {
  const result = spawnSync(systemProgram("ip"), ["-j", ...args], { encoding: "utf8", timeout: 10_000 });
  if (result.status !== 0) throw new Error(`ip ${args.join(" ")}: ${(result.stderr || result.error?.message || "").trim()}`);
  return JSON.parse(result.stdout || "[]") as T;
}

export const Host = v.pipe(v.string(), v.nonEmpty(), v.maxLength(253), v.regex(/^[A-Za-z0-9.:_-]+$/, "must be a host name or an IP address"));
export const Port = v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(65_535));
