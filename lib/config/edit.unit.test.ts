import { describe, expect, test } from "bun:test";
import { ConfigError } from "./load.ts";
import { ConfigEditError, changeKey, setKeyText, valueReadings } from "./edit.ts";

const FILE = `# the file
[console]
# where it listens
listen = "0.0.0.0"
port = 9090 # the port

[network]
dns = [
  "10.0.2.3", # one
  "10.0.2.4",
]
search = []

[[gateway.models]]
id = "op"
`;

describe("one key of aios.toml changed in place", () => {
  test("a key's line is replaced and nothing else moves, a value over several lines included", () => {
    const edited = setKeyText(FILE, ["console", "port"], "9443");
    expect(edited).toBe(FILE.replace("port = 9090 # the port", "port = 9443"));
    const dns = setKeyText(FILE, ["network", "dns"], '["1.1.1.1"]');
    expect(dns).toBe(FILE.replace(/dns = \[[^\]]*\]/, 'dns = ["1.1.1.1"]'));
    expect(Bun.TOML.parse(dns)).toMatchObject({ network: { dns: ["1.1.1.1"], search: [] } });
  });

  test("a key the table lacks goes after its last line; a table the file lacks goes at the end", () => {
    expect(setKeyText(FILE, ["console", "password_hash"], '"x"')).toContain('port = 9090 # the port\npassword_hash = "x"\n\n[network]');
    const added = setKeyText(FILE, ["log", "level"], '"debug"');
    expect(added.startsWith(FILE)).toBe(true);
    expect(Bun.TOML.parse(added)).toMatchObject({ log: { level: "debug" }, console: { port: 9090 } });
    expect(setKeyText("", ["log", "level"], '"debug"')).toBe('[log]\nlevel = "debug"\n');
  });

  test("removing a key takes its line (and its value's lines) away; a key not there leaves the text as it was", () => {
    expect(setKeyText(FILE, ["network", "dns"], null)).toBe(FILE.replace(/dns = \[[^\]]*\]\n/, ""));
    expect(setKeyText(FILE, ["log", "level"], null)).toBe(FILE);
  });

  test("a list of tables is not changed this way", () => {
    expect(() => setKeyText(FILE, ["gateway", "models", "id"], '"x"')).toThrow(ConfigEditError);
  });

  test("what a person types is read as TOML first, then as words", () => {
    expect(valueReadings("8")).toEqual([8, "8"]);
    expect(valueReadings("0.0.0.0")).toEqual(["0.0.0.0"]);
    expect(valueReadings('["a", "b"]')).toEqual([["a", "b"], '["a", "b"]']);
    expect(valueReadings("debug")).toEqual(["debug"]);
  });

  test("changeKey checks the result against the whole schema and says what a key expects", () => {
    const text = "[console]\nport = 9090\n";
    expect(changeKey(text, "aios.toml", "console.port", "9443")).toMatchObject({ value: 9443 });
    expect(changeKey(text, "aios.toml", "system.hostname", "123")).toMatchObject({ value: "123" });
    expect(changeKey(text, "aios.toml", "console.port", null)).toMatchObject({ text: "[console]\n" });
    const refused = (() => {
      try {
        changeKey(text, "aios.toml", "console.port", "lots");
      } catch (error) {
        return error;
      }
    })();
    expect(refused).toBeInstanceOf(ConfigError);
    expect((refused as ConfigError).problems.join()).toContain("console.port: expected number");
    expect(() => changeKey(text, "aios.toml", "console.nonsense", "1")).toThrow(/not a key/);
    expect(() => changeKey(text, "aios.toml", "Console.Port", "1")).toThrow(/not a key/);
    // A key written as a dotted key under its parent cannot be found by its line: refused, not mangled.
    expect(() => changeKey("console.port = 9090\n", "aios.toml", "console.port", "9443")).toThrow(/config edit/);
  });
});
