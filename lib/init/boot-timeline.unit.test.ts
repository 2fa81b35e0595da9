import { expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BootTimeline, kernelUptime } from "./boot-timeline.ts";

test("a boot timeline keeps each step once, in order, on the clock it is given", () => {
  let now = 4.0001;
  const timeline = new BootTimeline(() => now);
  timeline.mark("aios-init started");
  now = 6.5;
  timeline.mark("kernel modules");
  now = 9;
  timeline.mark("aios-init started"); // a second mark of the same step is not a new step
  timeline.mark("memory ready");
  expect(timeline.steps).toEqual([
    { step: "aios-init started", at_s: 4 },
    { step: "kernel modules", at_s: 6.5 },
    { step: "memory ready", at_s: 9 },
  ]);
});

test("the kernel's uptime is read from the first field of /proc/uptime, NaN without it", () => {
  const dir = mkdtempSync(join(tmpdir(), "aios-uptime-"));
  writeFileSync(join(dir, "uptime"), "12.34 20.01\n");
  expect(kernelUptime(join(dir, "uptime"))).toBe(12.34);
  expect(kernelUptime(join(dir, "missing"))).toBeNaN();
  expect(kernelUptime()).toBeGreaterThan(0);
});

test("a step timed before this process ran is noted at its own moment; a missing one is not", () => {
  const timeline = new BootTimeline(() => 9);
  timeline.markAt("stage 1 began (/init)", Number("5.25"));
  timeline.markAt("stage 0 switched to the root image", Number(undefined));
  timeline.mark("aios-init started");
  expect(timeline.steps).toEqual([
    { step: "stage 1 began (/init)", at_s: 5.25 },
    { step: "aios-init started", at_s: 9 },
  ]);
});
