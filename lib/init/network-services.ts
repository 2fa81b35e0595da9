/**
 * @module lib/init/network-services
 * DHCP as a supervised service: BusyBox udhcpc in the foreground on the configured interface.
 * Its script (/etc/aios/udhcpc.script) sets the address, the route and /etc/resolv.conf from
 * the lease, unless [network] dns names the servers (aios-init wrote them at boot). And
 * aios-fleet, the machine's link to its fleet on NATS, only when [fleet] enabled. Both are
 * built in: aios.toml, not a service file, says whether they run.
 */
import type { Config } from "../config/index.ts";
import { parseServiceFile, type ServiceDefinition } from "./service-config.ts";

export function networkServices(config: Config): ServiceDefinition[] {
  if (config.network.mode !== "dhcp") return [];
  const iface = config.network.interface;
  const text = [
    `description = "DHCP client on ${iface} (BusyBox udhcpc)"`,
    `command = "/sbin/udhcpc"`,
    `args = ["-f", "-i", "${iface}", "-s", "/etc/aios/udhcpc.script", "-t", "5", "-T", "2", "-A", "10"]`,
    ...(config.network.dns.length > 0 ? [`env = { AIOS_DNS_FIXED = "1" }`] : []),
    `[restart]`,
    `policy = "always"`,
    `max_restarts = 1000`,
    `backoff_max_ms = 60000`,
  ].join("\n");
  return [parseServiceFile("udhcpc", '(built in: [network] mode = "dhcp")', text)];
}

/**
 * aios-fleet, only when [fleet] enabled: a machine that is not in a fleet pays nothing for it.
 * After the orchestrator, whose goals it runs; never critical (a machine works alone).
 */
export function fleetServices(config: Config): ServiceDefinition[] {
  if (!config.fleet.enabled) return [];
  const text = [
    'description = "this machine in a fleet of AIOS machines on NATS JetStream"',
    'command = "/usr/bin/aios"',
    'args = ["fleet"]',
    'after = ["orchestrator"]',
    "[readiness]",
    'kind = "grpc"',
    "[restart]",
    'policy = "always"',
    "max_restarts = 1000",
    "backoff_max_ms = 60000",
  ].join("\n");
  return [parseServiceFile("fleet", "(built in: [fleet] enabled = true)", text)];
}
