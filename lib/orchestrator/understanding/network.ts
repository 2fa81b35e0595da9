/**
 * @module lib/orchestrator/understanding/network
 * The network: addresses, interfaces, routes, DNS, reachability, listeners and ports; the firewall's rules, blocks and openings.
 */
import type { Intent } from "./types.ts";
import { list } from "./words.ts";

export const NETWORK: readonly Intent[] = [
  {
    id: "net.addresses",
    family: "network",
    usage: "what is my ip address",
    examples: ["what is my ip address", "ip address", "show ip addresses", "ip a", "ifconfig", "which address does this machine have", "my ip"],
    steps: () => [
      {
        tool: "net.interfaces",
        input: {},
        agent: "network",
        description: "List the network addresses",
        successCheck: "addresses are listed",
        say: (o) =>
          (o.interfaces as Array<{ name: string; addresses: Array<{ address: string; prefix: number }> }>)
            .filter((i) => i.addresses.length)
            .map((i) => `${i.name}: ${i.addresses.map((a) => `${a.address}/${a.prefix}`).join(", ")}`)
            .join("\n") || "no addresses",
      },
    ],
  },
  {
    id: "net.interfaces",
    family: "network",
    usage: "list network interfaces",
    examples: ["list network interfaces", "show interfaces", "which network cards are there", "is the network up", "network status", "ip link"],
    steps: () => [
      {
        tool: "net.interfaces",
        input: {},
        agent: "network",
        description: "List the network interfaces",
        successCheck: "interfaces are listed",
        say: (o) =>
          (o.interfaces as Array<{ name: string; state: string; up: boolean; mac: string; addresses: Array<{ address: string }> }>)
            .map((i) => `${i.name}: ${i.up ? "up" : "down"}${i.mac ? `, ${i.mac}` : ""}${i.addresses.length ? `, ${i.addresses.map((a) => a.address).join(", ")}` : ""}`)
            .join("\n"),
      },
    ],
  },
  {
    id: "net.routes",
    family: "network",
    usage: "show the default gateway",
    examples: ["show the default gateway", "routing table", "what is the gateway", "show routes", "ip route", "how does traffic leave this machine"],
    steps: () => [
      {
        tool: "net.routes",
        input: {},
        agent: "network",
        description: "List the routes",
        successCheck: "routes are listed",
        say: (o) =>
          (o.routes as Array<{ destination: string; gateway: string; device: string }>).map((r) => `${r.destination} ${r.gateway ? `via ${r.gateway} ` : ""}dev ${r.device}`).join("\n") || "no routes",
      },
    ],
  },
  {
    id: "net.dns",
    family: "network",
    usage: "resolve example.com",
    needs: ["host"],
    examples: ["resolve <host>", "what is the ip of <host>", "dns lookup <host>", "look up <host>", "nslookup <host>", "what address does <host> have", "dig <host>"],
    steps: (slots) => [
      {
        tool: "net.dns_lookup",
        input: { name: slots.host },
        agent: "network",
        description: `Look up ${slots.host}`,
        successCheck: `the addresses of ${slots.host} are known`,
        say: (o) => ((o.addresses as Array<{ address: string }>).length ? `${o.name} is ${list((o.addresses as Array<{ address: string }>).map((a) => a.address))}` : `${o.name} has no address`),
      },
    ],
  },
  {
    id: "net.ping",
    family: "network",
    usage: "is 10.0.2.2 reachable",
    examples: ["ping <ip>", "ping <host>", "is <host> reachable", "is <ip> reachable", "can i reach <host>", "is <ip> up", "is <host> online", "check connectivity to <ip>"],
    steps: (slots) => {
      const host = slots.ip ?? slots.host;
      if (!host) return { error: "say which host or address to ping" };
      return [
        {
          tool: "net.ping",
          input: { host, count: 3 },
          agent: "network",
          description: `Ping ${host}`,
          successCheck: `${host} answered or not`,
          say: (o) => (o.reachable ? `${o.host} answers: ${o.received}/${o.sent} replies, ${o.rtt_ms.avg} ms on average` : `${o.host} does not answer (${o.loss_percent}% lost)`),
        },
      ];
    },
  },
  {
    id: "net.listeners",
    family: "network",
    usage: "what ports are open",
    examples: ["what ports are open", "listening ports", "which ports are listening", "netstat -tlnp", "ss -tlnp", "open ports", "what is listening", "which services listen on the network"],
    steps: () => [
      {
        tool: "net.connections",
        input: { state: "listen" },
        agent: "network",
        description: "List the listening sockets",
        successCheck: "listeners are listed",
        say: (o) => {
          const rows = o.connections as Array<{ protocol: string; local: string; local_port: number; process: string; pid: number }>;
          const unique = [...new Map(rows.map((c) => [`${c.protocol} ${c.local_port} ${c.process}`, c])).values()].sort((a, b) => a.local_port - b.local_port);
          return unique.map((c) => `${c.protocol} ${c.local_port}${c.process ? `: ${c.process} (pid ${c.pid})` : ""} on ${c.local}`).join("\n") || "nothing listens";
        },
      },
    ],
  },
  {
    id: "net.port_owner",
    family: "network",
    usage: "what is listening on port 22",
    needs: ["port"],
    examples: [
      "what is listening on port <port>",
      "who is using port <port>",
      "which process has port <port>",
      "what runs on port <port>",
      "is anything on port <port>",
      "is port <port> in use",
      "what is on port <port>",
      "who holds port <port>",
    ],
    steps: (slots) => [
      {
        tool: "net.connections",
        input: { state: "listen", port: slots.port },
        agent: "network",
        description: `Find what listens on port ${slots.port}`,
        successCheck: `the listeners of port ${slots.port} are reported`,
        say: (o, s) => {
          const rows = o.connections as Array<{ protocol: string; local: string; process: string; pid: number }>;
          if (!rows.length) return `nothing listens on port ${s.port}`;
          const unique = [...new Map(rows.map((c) => [`${c.process}/${c.pid}/${c.protocol}`, c])).values()];
          return unique.map((c) => `${c.process || "a process"}${c.pid ? ` (pid ${c.pid})` : ""} listens on port ${s.port} (${c.protocol}, ${c.local})`).join("\n");
        },
      },
    ],
  },
  {
    id: "net.port_check",
    family: "network",
    usage: "is port 80 open on example.com",
    needs: ["port"],
    examples: [
      "is port <port> open on <host>",
      "can i connect to <host> port <port>",
      "check port <port> on <ip>",
      "check port <port> on <host>",
      "is <ip> port <port> reachable",
      "test connection to <host> on port <port>",
    ],
    steps: (slots) => {
      const host = slots.ip ?? slots.host;
      if (!host) return { error: "say which host to try" };
      return [
        {
          tool: "net.port_check",
          input: { host, port: slots.port },
          agent: "network",
          description: `Try to connect to ${host} port ${slots.port}`,
          successCheck: "the port answered or not",
          say: (o) => `port ${o.port} on ${o.host} is ${o.open ? "open: it accepted a connection" : "closed or filtered"}`,
        },
      ];
    },
  },
  {
    id: "firewall.list",
    family: "firewall",
    usage: "show the firewall rules",
    examples: [
      "show the firewall rules",
      "list firewall rules",
      "what does the firewall allow",
      "nft list ruleset",
      "iptables -L",
      "is there a firewall",
      "which traffic is filtered",
      "what traffic does the firewall block",
    ],
    steps: () => [
      {
        tool: "firewall.rules",
        input: {},
        agent: "network",
        description: "Show the firewall's rules",
        successCheck: "the ruleset is shown",
        say: (o) => String(o.ruleset ?? "").trim() || "the firewall has no rules: everything is allowed",
      },
    ],
  },
  ...(["block", "allow"] as const).map(
    (verb): Intent => ({
      id: `firewall.${verb}_port`,
      family: "firewall",
      usage: `${verb} port 8080`,
      effect: true,
      needs: ["port"],
      examples: {
        block: ["block port <port>", "close port <port>", "deny incoming traffic on port <port>", "firewall off port <port>", "drop connections to port <port>", "block tcp port <port>"],
        allow: ["open port <port>", "allow port <port>", "allow incoming traffic on port <port>", "let connections in on port <port>", "open port <port> for the app"],
      }[verb],
      steps: (slots) => [
        {
          tool: "firewall.add_rule",
          input: { family: "inet", rule: `tcp dport ${slots.port} ${verb === "block" ? "drop" : "accept"}` },
          agent: "network",
          description: `${verb === "block" ? "Block" : "Allow"} incoming TCP port ${slots.port}`,
          successCheck: `a rule ${verb === "block" ? "drops" : "accepts"} TCP port ${slots.port}`,
          say: (o) => `${verb === "block" ? "blocked" : "allowed"} incoming TCP ${slots.port}${o.handle ? ` (rule handle ${o.handle})` : ""}`,
        },
      ],
    }),
  ),
  {
    id: "firewall.block_ip",
    family: "firewall",
    usage: "block 203.0.113.9",
    effect: true,
    needs: ["ip"],
    examples: ["block <ip>", "ban <ip>", "block traffic from <ip>", "deny <ip>", "drop everything from <ip>", "firewall off <ip>"],
    steps: (slots) => {
      const v6 = slots.ip!.includes(":");
      return [
        {
          tool: "firewall.add_rule",
          input: { family: "inet", rule: `${v6 ? "ip6" : "ip"} saddr ${slots.ip} drop` },
          agent: "network",
          description: `Block traffic from ${slots.ip}`,
          successCheck: `a rule drops ${slots.ip}`,
          say: (o) => `blocked incoming traffic from ${slots.ip}${o.handle ? ` (rule handle ${o.handle})` : ""}`,
        },
      ];
    },
  },
];
