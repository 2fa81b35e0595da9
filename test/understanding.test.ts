/**
 * The reactive layer's understanding, on the corpus of requests people type (test/understanding):
 * it takes paraphrases for what they mean, finds their values, never takes a request for an
 * action it does not mean, and says it is not sure rather than guess.
 */
import { describe, expect, test } from "bun:test";
import { understand } from "../lib/orchestrator/understanding/index.ts";
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
    for (const [text, intent] of [["would you restart nginx?", "service.restart"], ["could you please block port 2323", "firewall.block_port"], ["will you please stop sshd", "service.stop"], ["can you kill pid 4242?", "process.kill_pid"]] as const) {
      const result = understand(text);
      expect([text, result.kind === "understood" ? result.intent.id : result.kind]).toEqual([text, intent]);
    }
  });

  test("nothing we do is taken from a request we cannot do: it says it is not sure, naming close things", () => {
    for (const text of ["install docker", "make me a sandwich", "restart the whole machine", "delete everything", "block", "thanks"]) {
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
