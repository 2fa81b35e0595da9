import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseConfigText } from "../config/index.ts";
import { createLogger } from "../log/index.ts";
import { umount } from "../sys/index.ts";
import { modulesToLoad, overlayConfigDir, writeResolvConf } from "./boot.ts";
import { networkServices } from "./network-services.ts";

const dir = mkdtempSync(join(tmpdir(), "aios-boot-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const quiet = createLogger({ component: "aios-init-test", level: "error", sink: () => {} });

describe("DNS configuration", () => {
  test("[network] dns and search become resolv.conf", () => {
    const path = join(dir, "resolv.conf");
    writeResolvConf(["192.0.2.53", "2001:db8::53"], ["lab.example"], quiet, path);
    expect(readFileSync(path, "utf8")).toBe("# written by aios-init from [network] dns in aios.toml\nsearch lab.example\nnameserver 192.0.2.53\nnameserver 2001:db8::53\n");
  });

  test("with dns configured, udhcpc leaves resolv.conf alone; without, it writes the lease's servers", () => {
    const fixed = networkServices(parseConfigText('[network]\ndns = ["192.0.2.53"]\n', "test.toml"))[0]!;
    expect(fixed.env).toEqual({ AIOS_DNS_FIXED: "1" });
    expect(networkServices(parseConfigText("", "test.toml"))[0]!.env).toEqual({});
  });

  test("a bad server or too many are refused with the key", () => {
    expect(() => parseConfigText('[network]\ndns = ["not-an-ip"]\n', "test.toml")).toThrow(/network\.dns/);
    expect(() => parseConfigText('[network]\ndns = ["192.0.2.1", "192.0.2.2", "192.0.2.3", "192.0.2.4"]\n', "test.toml")).toThrow(/at most 3/);
  });
});

describe("kernel modules", () => {
  test("a module the kernel already has (in /sys/module, a dash read as an underscore) is not loaded again", () => {
    const sysModule = join(dir, "sys-module");
    for (const name of ["virtio_blk", "crc32c_generic"]) mkdirSync(join(sysModule, name), { recursive: true });
    expect(modulesToLoad(["virtio_blk", "virtio_net", "crc32c-generic", "ext4"], sysModule)).toEqual(["virtio_net", "ext4"]);
  });
});

describe("/etc/aios kept on the data disk", () => {
  test("an overlay over the image's directory: changes land on the disk; a kept aios.toml the schema refuses is moved aside first", () => {
    const image = join(dir, "etc-aios");
    const state = join(dir, "state");
    mkdirSync(image, { recursive: true });
    writeFileSync(join(image, "aios.toml"), '[system]\nhostname = "image"\n');
    mkdirSync(join(state, "etc"), { recursive: true });
    writeFileSync(join(state, "etc/aios.toml"), "[system]\nhostname = 42\n");
    const config = parseConfigText(`[paths]\nconfig_dir = "${image}"\nstate_dir = "${state}"\n`, "test.toml");
    const said: string[] = [];
    const kept = overlayConfigDir(config, quiet, (line) => said.push(line));
    try {
      expect(kept).toBe(join(state, "etc"));
      // The refused file is kept beside, named; the image's file is what the directory shows.
      const aside = readdirSync(join(state, "etc")).filter((name) => name.startsWith("aios.toml.invalid-"));
      expect(aside).toHaveLength(1);
      expect(said.join("\n")).toContain(aside[0]!);
      expect(said.join("\n")).toContain("system.hostname");
      expect(readFileSync(join(image, "aios.toml"), "utf8")).toContain('"image"');
      // A change through the directory is written to the disk's layer.
      writeFileSync(join(image, "aios.toml"), '[system]\nhostname = "kept"\n');
      expect(readFileSync(join(state, "etc/aios.toml"), "utf8")).toContain('"kept"');
    } finally {
      if (kept) umount(image);
    }
    // Unmounted, the image's own file was never touched.
    expect(readFileSync(join(image, "aios.toml"), "utf8")).toContain('"image"');
    expect(existsSync(join(state, ".etc-work"))).toBe(true);
  });
});
