import { existsSync, readdirSync, readFileSync, readlinkSync } from "node:fs";
import * as v from "valibot";
import { meminfo } from "../../../sys/index.ts";
import { defineTool } from "../../registry.ts";

const read = (path: string) => {
  try {
    return readFileSync(path, "utf8").trim();
  } catch {
    return "";
  }
};
const list = (dir: string) => (existsSync(dir) ? readdirSync(dir).sort() : []);

export const hwInfo = defineTool({
  name: "hw.info",
  description: "The hardware: CPU model and count, memory, block devices with sizes, PCI devices and network adapters (from /proc and /sys).",
  input: v.strictObject({}),
  output: v.object({
    cpu: v.object({ model: v.string(), count: v.number(), flags_sse4_2: v.boolean() }),
    memory_mib: v.number(),
    block_devices: v.array(v.object({ name: v.string(), size_mib: v.number(), removable: v.boolean(), model: v.string() })),
    pci: v.array(v.object({ address: v.string(), vendor: v.string(), device: v.string(), class: v.string(), driver: v.string() })),
    network_adapters: v.array(v.object({ name: v.string(), mac: v.string(), driver: v.string(), state: v.string() })),
  }),
  risk: "low",
  capability: "hw:read",
  readOnly: true,
  idempotent: true,
  reversible: false,
  timeoutMs: 10_000,
  resources: () => [],
  run() {
    const cpuinfo = read("/proc/cpuinfo");
    const driverOf = (path: string) => {
      try {
        return readlinkSync(`${path}/driver`).split("/").pop() ?? "";
      } catch {
        return "";
      }
    };
    return {
      cpu: {
        model: /model name\s*:\s*(.+)/.exec(cpuinfo)?.[1] ?? "unknown",
        count: (cpuinfo.match(/^processor\s*:/gm) ?? []).length,
        flags_sse4_2: /\bsse4_2\b/.test(cpuinfo),
      },
      memory_mib: Math.round((meminfo().MemTotal ?? 0) / 1024),
      block_devices: list("/sys/block")
        .filter((name) => !/^(loop|ram)/.test(name))
        .map((name) => ({
          name,
          size_mib: Math.round((Number(read(`/sys/block/${name}/size`)) * 512) / 1024 / 1024),
          removable: read(`/sys/block/${name}/removable`) === "1",
          model: read(`/sys/block/${name}/device/model`),
        })),
      pci: list("/sys/bus/pci/devices").map((address) => {
        const dir = `/sys/bus/pci/devices/${address}`;
        return { address, vendor: read(`${dir}/vendor`), device: read(`${dir}/device`), class: read(`${dir}/class`), driver: driverOf(dir) };
      }),
      network_adapters: list("/sys/class/net")
        .filter((name) => name !== "lo")
        .map((name) => ({ name, mac: read(`/sys/class/net/${name}/address`), driver: driverOf(`/sys/class/net/${name}/device`), state: read(`/sys/class/net/${name}/operstate`) })),
    };
  },
});
