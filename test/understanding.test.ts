/**
 * The reactive layer's understanding, on the corpus of requests people type (test/understanding):
 * it takes paraphrases for what they mean, finds their values, never takes a request for an
 * action it does not mean, and says it is not sure rather than guess.
 */
import { describe, expect, test } from "bun:test";
import { readWhen, understand } from "../lib/orchestrator/understanding/index.ts";
import { extractSlots } from "../lib/orchestrator/understanding/slots.ts";
import { CORPUS, FRESH } from "./understanding/corpus.ts";
import { scoreCorpus } from "./understanding/score.ts";

describe("understanding with no model", () => {
  test("the corpus: most requests understood, nearly all of them rightly, and no action taken for a request that meant something else", () => {
    const all = scoreCorpus([...CORPUS, ...FRESH]);
    expect(all.requests).toBeGreaterThanOrEqual(400);
    expect(all.wrong_effects).toBe(0);
    expect(all.coverage).toBeGreaterThanOrEqual(0.9);
    expect(all.precision).toBeGreaterThanOrEqual(0.95);
  });

  test("the requests written after tuning: coverage at least 85%, precision at least 95%", () => {
    const fresh = scoreCorpus(FRESH);
    expect(fresh.wrong_effects).toBe(0);
    expect(fresh.coverage).toBeGreaterThanOrEqual(0.85);
    expect(fresh.precision).toBeGreaterThanOrEqual(0.95);
  });

  test("a request about an action is not the action: questions and negations never act", () => {
    for (const text of ["why won't nginx start", "don't restart nginx", "should I stop sshd?", "did someone delete /tmp/x", "never block port 22"]) {
      const result = understand(text);
      expect([text, result.kind === "understood" && result.intent.effect === true]).toEqual([text, false]);
    }
  });

  test("a polite order is still an order: 'would you', 'could you', 'will you please'", () => {
    for (const [text, intent] of [
      ["would you restart nginx?", "service.restart"],
      ["could you please block port 2323", "firewall.block_port"],
      ["will you please stop sshd", "service.stop"],
      ["can you kill pid 4242?", "process.kill_pid"],
    ] as const) {
      const result = understand(text);
      expect([text, result.kind === "understood" ? result.intent.id : result.kind]).toEqual([text, intent]);
    }
  });

  test("nothing we do is taken from a request we cannot do: it says it is not sure, naming close things", () => {
    for (const text of ["upgrade all packages", "make me a sandwich", "restart the whole machine", "delete everything", "block", "thanks"]) {
      expect([text, understand(text).kind]).toEqual([text, "unsure"]);
    }
    const unsure = understand("how full is the dsik");
    expect(unsure.kind === "understood" ? unsure.intent.id : unsure.kind === "unsure" ? unsure.closest[0]?.intent.id : "").toBe("disk.free");
  });

  test("values are found by their shape, whatever the words around them", () => {
    expect(extractSlots("find log files bigger than 10 MB in /var older than 7 days").slots).toMatchObject({ path: "/var", size: 10_000_000, duration: 7 * 86_400_000, extension: "log" });
    expect(extractSlots("who is using port 8080?").slots).toMatchObject({ port: 8080 });
    expect(extractSlots("kill pid 4242").slots).toMatchObject({ pid: 4242 });
    expect(extractSlots("is 10.0.2.2 up").slots).toMatchObject({ ip: "10.0.2.2" });
    expect(extractSlots("resolve mirror.example.org").slots).toMatchObject({ host: "mirror.example.org" });
    expect(extractSlots("copy /etc/hosts to /tmp/hosts").slots).toMatchObject({ paths: ["/etc/hosts", "/tmp/hosts"] });
    expect(extractSlots("set the permissions of /srv/run.sh to 755").slots).toMatchObject({ path: "/srv/run.sh", mode: "755" });
    expect(extractSlots("restart the web service").slots).toMatchObject({ name: "web" });
    expect(understand("please restart aios-tools")).toMatchObject({ kind: "understood", slots: { name: "tools" } });
  });

  test("a top-level directory is never deleted on a sentence's word", () => {
    const result = understand("rm -rf /");
    expect(result.kind).toBe("error");
  });
});

describe("when a request is meant to happen", () => {
  test("a repeating time becomes a cron spec (UTC) and the request without it, wherever the time is said", () => {
    const cases: Array<[string, string, string]> = [
      ["every day at 03:00 delete the .tmp files in /tmp", "0 3 * * *", "delete the .tmp files in /tmp"],
      ["at 3:30pm every weekday, restart nginx", "30 15 * * 1-5", "restart nginx"],
      ["check disk space every hour", "0 * * * *", "check disk space"],
      ["every 15 minutes check if port 80 is open", "*/15 * * * *", "check if port 80 is open"],
      ["on mondays at 7am restart sshd", "0 7 * * 1", "restart sshd"],
      ["nightly at midnight show the load", "0 0 * * *", "show the load"],
      ["every 6 hours list the biggest files in /var", "0 */6 * * *", "list the biggest files in /var"],
    ];
    for (const [text, spec, request] of cases) expect([text, readWhen(text)]).toEqual([text, expect.objectContaining({ kind: "repeating", spec, request })]);
  });

  test("a one-off later time is noticed, so an action is not taken now; other numbers are not times", () => {
    for (const text of ["restart nginx at 3am", "block port 23 at midnight", "restart nginx tomorrow", "stop sshd in 10 minutes", "restart sshd on monday"]) {
      expect([text, readWhen(text).kind]).toEqual([text, "later"]);
      // Never planned as an act now: refused with how to say it, or not understood.
      expect([text, understand(text).kind]).not.toEqual([text, "understood"]);
    }
    for (const text of ["files modified in the last 2 days in /etc", "check port 80 at 10.0.0.1", "show the last 20 lines of /var/log/syslog", "kill pid 300"])
      expect([text, readWhen(text).kind]).toEqual([text, "now"]);
  });
});
