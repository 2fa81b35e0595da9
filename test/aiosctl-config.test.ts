/**
 * aiosctl config on the image's own /etc/aios (rootfs/overlay), with the compiled binary under
 * --root, as a person uses it: show, set (a number, plain words, a list), a value the schema
 * refuses (the file untouched), unset, check (also of a broken service file) and edit through
 * $EDITOR (an edit that breaks the file is not saved).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { installBinary, REPO, run } from "./support/binary.ts";

const dir = mkdtempSync(join(tmpdir(), "aios-config-"));
const root = join(dir, "root");
const file = join(root, "etc/aios/aios.toml");
let bin: string;

beforeAll(() => {
  bin = installBinary(dir);
  cpSync(join(REPO, "rootfs/overlay/etc/aios"), join(root, "etc/aios"), { recursive: true });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const config = (args: string[], env: Record<string, string> = {}) => run([join(bin, "aiosctl"), "config", ...args, "--root", root], root, { PATH: "/usr/bin:/bin", HOME: "/nonexistent", ...env });
const original = () => readFileSync(join(REPO, "rootfs/overlay/etc/aios/aios.toml"), "utf8");

describe("aiosctl config", () => {
  test("show: every key with its value, those the file does not set marked; one key; one table; --json", async () => {
    const all = await config(["show"]);
    expect(all.code).toBe(0);
    expect(all.stdout).toContain('system.hostname = "aios"\n');
    expect(all.stdout).toMatch(/\nconsole\.port = 9090\n/);
    // A key the image's file leaves out is shown with its default, and says so.
    const unset = all.stdout.split("\n").filter((line) => line.endsWith("# default"));
    expect(unset.length).toBeGreaterThan(0);
    expect((await config(["show", "console.port"])).stdout).toBe("console.port = 9090\n");
    expect((await config(["show", "network"])).stdout).toMatch(/^network\.interface = "eth0"\nnetwork\.mode = "dhcp"\n/);
    expect(JSON.parse((await config(["show", "network.dns", "--json"])).stdout)).toEqual([]);
    const missing = await config(["show", "console.nothing"]);
    expect([missing.code, missing.stderr]).toEqual([1, expect.stringContaining("not a key")]);
  });

  test("set: the key's line changes and nothing else; numbers, plain words and lists", async () => {
    const port = await config(["set", "console.port", "9443"]);
    expect(port.code).toBe(0);
    expect(port.stdout).toContain("console.port = 9443 (was 9090)");
    expect(readFileSync(file, "utf8")).toBe(original().replace(/^port = 9090$/m, "port = 9443"));
    expect((await config(["set", "log.level", "debug"])).code).toBe(0);
    expect((await config(["set", "network.dns", '["10.0.2.3", "10.0.2.4"]'])).code).toBe(0);
    expect((await config(["show", "network.dns"])).stdout).toBe('network.dns = ["10.0.2.3", "10.0.2.4"]\n');
    // Comments are all still there.
    const comments = (text: string) => text.split("\n").filter((line) => line.trim().startsWith("#"));
    expect(comments(readFileSync(file, "utf8"))).toEqual(comments(original()));
    // Saved all or nothing: no temporary file is left beside it.
    expect(readdirSync(join(root, "etc/aios")).filter((name) => name.startsWith("."))).toEqual([]);
  });

  test("a value the key does not take is refused with what it expects, and the file is as it was", async () => {
    const before = readFileSync(file, "utf8");
    for (const [key, value, why] of [
      ["console.port", "lots", /console\.port: expected number/],
      ["network.mode", "sometimes", /network\.mode/],
      ["console.nothing", "1", /not a key/],
      ["gateway.models", "x", /gateway\.models/],
    ] as const) {
      const refused = await config(["set", key, value]);
      expect([key, refused.code]).toEqual([key, 64]);
      expect(refused.stderr).toMatch(why);
      expect(refused.stderr).toContain("nothing was saved");
    }
    expect(readFileSync(file, "utf8")).toBe(before);
  });

  test("unset: the key leaves the file and its default applies", async () => {
    const back = await config(["unset", "console.port"]);
    expect(back.code).toBe(0);
    expect((await config(["show", "console.port"])).stdout).toBe("console.port = 9090  # default\n");
  });

  test("check: the configuration, the services and the agents; a broken service file is named", async () => {
    const valid = await config(["check"]);
    expect([valid.code, valid.stdout]).toEqual([0, expect.stringContaining("valid")]);
    const broken = join(root, "etc/aios/services/web.toml");
    writeFileSync(broken, 'command = "/bin/true"\nrestart = { policy = "sometimes" }\n');
    const refused = await config(["check"]);
    expect(refused.code).toBe(78);
    expect(refused.stderr).toContain("web.toml");
    rmSync(broken);
  });

  test("edit: saved when valid; an edit that breaks the file is not saved", async () => {
    const before = readFileSync(file, "utf8");
    const breaks = await config(["edit"], { EDITOR: "sed -i 's/^port = 9090$/port = \"many\"/; s/^hostname = .*/hostname = 42/'" });
    expect(breaks.code).toBe(78);
    expect(breaks.stderr).toContain("nothing was saved");
    expect(readFileSync(file, "utf8")).toBe(before);
    const good = await config(["edit"], { EDITOR: "sed -i 's/^hostname = .*/hostname = \"web-1\"/'" });
    expect(good.code).toBe(0);
    expect((await config(["show", "system.hostname"])).stdout).toBe('system.hostname = "web-1"\n');
    expect(readdirSync(join(root, "etc/aios")).filter((name) => name.startsWith("."))).toEqual([]);
  });
});
