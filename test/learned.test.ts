/**
 * What a model's plan that worked teaches, and when it is replayed with no model: the
 * request's values become placeholders, a paraphrase with other values fills them, and what
 * cannot be replayed safely (a value the model read from a tool's output, a value of the
 * request the calls ignore, a request with more values than the procedure takes) is not.
 */
import { describe, expect, test } from "bun:test";
import { type KnownProcedure, learnFrom, matchProcedure } from "../lib/orchestrator/learned.ts";

const call = (tool: string, input: Record<string, unknown>, agent = "storage") => ({ tool, agent, input, description: `call ${tool}` });

function learned(text: string, calls: ReturnType<typeof call>[], outputs = ""): KnownProcedure {
  const lesson = learnFrom(text, calls, outputs);
  if ("notLearned" in lesson) throw new Error(lesson.notLearned);
  return { id: "mem-1", pattern: lesson.pattern, steps: lesson.steps, successes: 1, failures: 0, promoted: false };
}

describe("learning from a plan that worked", () => {
  test("the request's values become placeholders, also inside longer paths", () => {
    const p = learned("archive the app logs of /srv/app to /backup/app", [call("fs.copy", { from: "/srv/app/app.log", to: "/backup/app/app.log" })]);
    expect(p.pattern).toBe("archive the app logs of <path> to <path>");
    expect(p.steps[0]!.input).toEqual({ from: "{{path1}}/app.log", to: "{{path2}}/app.log" });
  });

  test("a value the model took from a tool's output is not replayed", () => {
    expect(learnFrom("stop the stuck backup", [call("process.kill", { pid: 4242 }, "system")], '{"processes":[{"pid":4242,"name":"backup"}]}')).toEqual({
      notLearned: "a call uses 4242, which a tool's output gave the model",
    });
    expect(learnFrom("remove the biggest file on this machine", [call("fs.delete", { path: "/var/big.iso" })], '{"path":"/var/big.iso"}')).toMatchObject({
      notLearned: expect.stringContaining("/var/big.iso"),
    });
  });

  test("a request whose value the calls ignore is not learned: another value would be ignored too", () => {
    expect(learnFrom("show what listens on port 8080", [call("net.connections", { state: "listen" }, "network")], "")).toEqual({ notLearned: "its calls do not use 8080 from the request" });
  });
});

describe("replaying with other values", () => {
  const size = learned("what is the total size of /srv in bytes", [call("fs.disk_usage", { path: "/srv", top: 0 })]);

  test("the same request in other words, with another value, is planned from it", () => {
    for (const text of ["what's the total size of /var/log in bytes?", "please tell me the total size of /var/log in bytes", "total size of /var/log in bytes"]) {
      expect(matchProcedure(text, [size])?.calls).toEqual([call("fs.disk_usage", { path: "/var/log", top: 0 })]);
    }
  });

  test("a request with other words, or more values, is not", () => {
    for (const text of ["what is the size of /var/log", "delete /var/log in bytes", "what is the total size of /a and /b in bytes", "what is the total size of /srv in bytes on port 80"]) {
      expect(matchProcedure(text, [size])).toBeNull();
    }
  });

  test("a procedure that failed is not trusted until a person promotes it", () => {
    const failed = { ...size, successes: 3, failures: 1 };
    expect(matchProcedure("total size of /var/log in bytes", [failed])).toBeNull();
    expect(matchProcedure("total size of /var/log in bytes", [{ ...failed, promoted: true }])).not.toBeNull();
  });

  test("numbers keep their type where a whole input is one value", () => {
    const ping = learned("is 10.0.0.1 answering on port 443", [call("net.port_check", { host: "10.0.0.1", port: 443 }, "network")]);
    expect(matchProcedure("is 192.168.1.9 answering on port 22?", [ping])!.calls[0]!.input).toEqual({ host: "192.168.1.9", port: 22 });
  });
});
