import { describe, expect, test } from "bun:test";
import { createLogger } from "./index.ts";

function capture(level?: "debug" | "info" | "warn" | "error") {
  const lines: string[] = [];
  const log = createLogger({ component: "aios-test", level, sink: (line) => lines.push(line) });
  return { log, lines, parsed: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

describe("lib/log", () => {
  test("writes one JSON object per line with time, component, level, msg and ids", () => {
    const { log, lines, parsed } = capture();
    log.info("goal accepted", { goal_id: "g-1", task_id: "t-2" });
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain("\n");
    const [line] = parsed();
    expect(line).toMatchObject({ level: "info", component: "aios-test", msg: "goal accepted", goal_id: "g-1", task_id: "t-2" });
    expect(Number.isNaN(Date.parse(String(line?.time)))).toBe(false);
  });

  test("drops lines below the configured level", () => {
    const { log, parsed } = capture("warn");
    log.debug("noise");
    log.info("more noise");
    log.warn("disk almost full");
    log.error("disk full");
    expect(parsed().map((l) => l.level)).toEqual(["warn", "error"]);
    expect(log.enabled("info")).toBe(false);
    expect(log.enabled("error")).toBe(true);
  });

  test("child loggers carry their ids on every line", () => {
    const { log, parsed } = capture();
    const goalLog = log.child({ goal_id: "g-7" });
    goalLog.child({ task_id: "t-1" }).info("task started");
    expect(parsed()[0]).toMatchObject({ goal_id: "g-7", task_id: "t-1", msg: "task started" });
  });

  test("fields cannot overwrite the level or message, and errors and cycles are written as data", () => {
    const { log, parsed } = capture();
    const cyclic: Record<string, unknown> = { name: "loop" };
    cyclic.self = cyclic;
    log.error("failed to open socket", { level: "debug", err: new Error("EACCES"), cyclic, big: 10n });
    const [line] = parsed();
    expect(line?.level).toBe("error");
    expect(line?.field_level).toBe("debug");
    expect(line?.err).toMatchObject({ name: "Error", message: "EACCES" });
    expect(line?.cyclic).toEqual({ name: "loop", self: "[cycle]" });
    expect(line?.big).toBe("10");
  });
});
