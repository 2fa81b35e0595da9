import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError, loadConfig, parseConfigText, socketPath } from "./index.ts";

const dir = mkdtempSync(join(tmpdir(), "aios-config-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function writeConfig(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function refusal(load: () => unknown): ConfigError {
  try {
    load();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error("the configuration was accepted");
}

describe("lib/config", () => {
  test("an empty file gives the documented defaults", () => {
    const config = loadConfig({ path: writeConfig("empty.toml", "") });
    expect(config.system.hostname).toBe("aios");
    expect(config.log.level).toBe("info");
    expect(config.paths.run_dir).toBe("/run/aios");
    expect(config.rpc.call_timeout_ms).toBe(10_000);
    expect(config.console.port).toBe(9090);
  });

  test("the shipped, commented aios.toml states exactly the defaults", () => {
    const shipped = loadConfig({ path: join(import.meta.dir, "../../rootfs/overlay/etc/aios/aios.toml"), required: true });
    expect(shipped).toEqual(parseConfigText("", "empty"));
  });

  test("a missing file is all defaults unless it was asked for by name", () => {
    const missing = join(dir, "nope.toml");
    expect(loadConfig({ path: missing }).log.level).toBe("info");
    const error = refusal(() => loadConfig({ path: missing, required: true }));
    expect(error.message).toContain(missing);
    expect(error.message).toContain("not found");
  });

  test("values set in the file win over defaults and the rest keep theirs", () => {
    const config = loadConfig({ path: writeConfig("some.toml", '[log]\nlevel = "debug"\n[console]\nport = 8080\n') });
    expect(config.log.level).toBe("debug");
    expect(config.console.port).toBe(8080);
    expect(config.console.listen).toBe("0.0.0.0");
  });

  test("an unknown key is refused, naming the file and the key", () => {
    const path = writeConfig("unknown.toml", '[log]\nlevel = "info"\nverbosity = 3\n');
    const error = refusal(() => loadConfig({ path }));
    expect(error.file).toBe(path);
    expect(error.message).toContain(path);
    expect(error.message).toContain("log.verbosity: unknown key");
  });

  test("an unknown section is refused too", () => {
    const error = refusal(() => parseConfigText("[logging]\nlevel = 1\n", "x.toml"));
    expect(error.problems).toEqual([expect.stringContaining("logging: unknown key")]);
  });

  test("a wrong type is refused with the key, what was expected and what was given", () => {
    const path = writeConfig("type.toml", '[console]\nport = "ninety"\n[log]\nlevel = "loud"\n');
    const error = refusal(() => loadConfig({ path }));
    expect(error.problems).toHaveLength(2);
    expect(error.message).toContain('console.port: expected number, got "ninety"');
    expect(error.message).toContain('log.level: expected ("debug" | "info" | "warn" | "error"), got "loud"');
  });

  test("a value out of range or of the wrong shape says what a good one looks like", () => {
    const error = refusal(() => parseConfigText('[paths]\nrun_dir = "run/aios"\n[console]\nport = 70000\n', "x.toml"));
    expect(error.message).toContain("paths.run_dir");
    expect(error.message).toContain("absolute path");
    expect(error.message).toContain("console.port: expected <=65535");
  });

  test("bad TOML syntax is refused with the file and the line", () => {
    const path = writeConfig("syntax.toml", '[log]\nlevel = "info"\n[console\nport = 1\n');
    const error = refusal(() => loadConfig({ path }));
    expect(error.message).toContain(path);
    expect(error.message).toMatch(/TOML syntax error at line \d+/);
  });

  test("sockets live in the run directory, inside --root when one is given", () => {
    const config = parseConfigText("", "x");
    expect(socketPath(config, "", "tools")).toBe("/run/aios/tools.sock");
    expect(socketPath(config, "/tmp/r", "tools")).toBe("/tmp/r/run/aios/tools.sock");
  });
});
