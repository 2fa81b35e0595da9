import { describe, expect, test } from "bun:test";
import { configChanges } from "./effects.ts";
import { parseConfigText } from "./load.ts";

const config = (text: string) => parseConfigText(text, "test.toml");

describe("what a change of aios.toml needs", () => {
  test("each changed key once, with the components that read it, what aios-init applies, and what waits for a boot", () => {
    const before = config("");
    const after = config('[system]\nhostname = "web-1"\n[console]\nport = 9443\n[memory]\nworking_retention_days = 14\n[paths]\nlog_dir = "/srv/log"\n[log]\nlevel = "debug"\n');
    const changes = configChanges(before, after, true);
    expect(changes.map((c) => [c.key, c.effect, c.components])).toEqual([
      ["system.hostname", "applied", []],
      ["log.level", "restart", ["tools", "memory", "gateway", "orchestrator", "console"]],
      ["paths.log_dir", "boot", []],
      ["memory.working_retention_days", "restart", ["memory"]],
      ["console.port", "restart", ["console"]],
    ]);
    expect(changes[0]).toMatchObject({ before: "aios", after: "web-1" });
  });

  test("under --root nothing is applied to the machine: those keys wait for a boot; an unchanged file is no change", () => {
    const after = config('[system]\nhostname = "web-1"\n[ssh]\nauthorized_keys = ["ssh-ed25519 AAAA x"]\n');
    expect(configChanges(config(""), after, false).map((c) => [c.key, c.effect])).toEqual([
      ["system.hostname", "boot"],
      ["ssh.authorized_keys", "boot"],
    ]);
    expect(configChanges(after, config('[system]\nhostname = "web-1"\n[ssh]\nauthorized_keys = ["ssh-ed25519 AAAA x"]\n'), false)).toEqual([]);
  });
});
