/**
 * @module lib/orchestrator/reactive
 * The reactive layer: rules that turn common requests into a plan of direct tool calls with
 * no model at all, so AIOS is useful with no model configured. Each rule names the agent whose
 * capabilities the call runs under. `call TOOL ARGS` runs any tool: ARGS is a JSON object, or
 * one value for the tool's single required field ("call fs.stat /etc").
 */
import type { AgentKind } from "./agents.ts";
import type { Plan, PlannedTask, ToolInfo } from "./plan.ts";

interface Rule {
  /** What a person would type, for the help text of a goal no rule matched. */
  example: string;
  match: RegExp;
  build: (m: RegExpMatchArray, tools: ReadonlyMap<string, ToolInfo>) => Omit<PlannedTask, "id" | "dependsOn" | "layer" | "tools"> | { error: string };
}

/** "aios-tools" and "tools" name the same service. */
const serviceName = (name: string) => name.toLowerCase().replace(/^aios-/, "");

const RULES: Rule[] = [
  {
    example: "disk usage",
    match: /^(show |what is the |what's the |check )?(the )?(disk usage|disk space|free space|how full (is|are) the disks?)\??$/i,
    build: () => ({ description: "Report how full each file system is", agent: "storage", successCheck: "every mounted file system is listed", call: { tool: "monitor.disk", input: {} } }),
  },
  {
    example: "memory usage",
    match: /^(show |what is the |check )?(the )?(memory|ram) (usage|use)\??$|^how much memory( is (free|used))?\??$/i,
    build: () => ({ description: "Report memory use", agent: "monitor", successCheck: "total and available memory are reported", call: { tool: "monitor.memory", input: {} } }),
  },
  {
    example: "cpu usage",
    match: /^(show |what is the |check )?(the )?(cpu|processor) (usage|load)\??$/i,
    build: () => ({ description: "Report CPU use", agent: "monitor", successCheck: "CPU use is reported", call: { tool: "monitor.cpu", input: {} } }),
  },
  {
    example: "list services",
    match: /^(list|show) (the |all )?services$/i,
    build: () => ({ description: "List the services and their states", agent: "system", successCheck: "every service is listed", call: { tool: "service.list", input: {} } }),
  },
  {
    example: "restart sshd",
    match: /^(re)?start (the )?(service )?([a-z][a-z0-9_-]*)( service)?$/i,
    build: (m) => {
      const restart = Boolean(m[1]);
      const name = serviceName(m[4]!);
      return { description: `${restart ? "Restart" : "Start"} the ${name} service`, agent: "system", successCheck: `${name} is running`, call: { tool: restart ? "service.restart" : "service.start", input: { name } } };
    },
  },
  {
    example: "stop sshd",
    match: /^stop (the )?(service )?([a-z][a-z0-9_-]*)( service)?$/i,
    build: (m) => ({ description: `Stop the ${serviceName(m[3]!)} service`, agent: "system", successCheck: `${serviceName(m[3]!)} is stopped`, call: { tool: "service.stop", input: { name: serviceName(m[3]!) } } }),
  },
  {
    example: "status of sshd",
    match: /^(show )?(the )?status of (the )?(service )?([a-z][a-z0-9_-]*)$|^is ([a-z][a-z0-9_-]*) running\??$/i,
    build: (m) => {
      const name = serviceName((m[5] ?? m[6])!);
      return { description: `Report the state of ${name}`, agent: "system", successCheck: `the state of ${name} is reported`, call: { tool: "service.status", input: { name } } };
    },
  },
  {
    example: "show the last errors of aios-tools",
    match: /^(show |get )?(me )?(the )?(last |latest |recent )?(\d+ )?(errors|error lines|logs?|log lines) (of|from|for) (the )?([a-z][a-z0-9_-]*)( service)?$/i,
    build: (m) => {
      const name = serviceName(m[9]!);
      const errorsOnly = /^error/i.test(m[6]!);
      const lines = m[5] ? Number(m[5]) : 50;
      return {
        description: `Show the last ${errorsOnly ? "errors" : "log lines"} of ${name}`,
        agent: "monitor",
        successCheck: `the log of ${name} is shown`,
        call: { tool: "monitor.logs", input: { source: name, lines: Math.min(lines, 5000), ...(errorsOnly ? { grep: "[Ee]rror|ERROR|[Ff]ail|FAIL|[Pp]anic|\"level\":\"(error|warn)\"" } : {}) } },
      };
    },
  },
  {
    example: "what is listening on port 22",
    match: /^(what|who|which process)( is|'s)? listening on (port )?(\d{1,5})\??$/i,
    build: (m) => ({ description: `Find what listens on port ${m[4]}`, agent: "network", successCheck: `the listeners of port ${m[4]} are reported`, call: { tool: "net.connections", input: { state: "listen", port: Number(m[4]) } } }),
  },
  {
    example: "call fs.stat /etc",
    match: /^call ([a-z][a-z0-9_]*\.[a-z][a-z0-9_]*)\s*([\s\S]*)$/i,
    build: (m, tools) => {
      const name = m[1]!.toLowerCase();
      const tool = tools.get(name);
      if (!tool) return { error: `there is no tool "${name}" (aiosctl tools lists them)` };
      const args = m[2]!.trim();
      let input: Record<string, unknown>;
      if (!args) input = {};
      else if (args.startsWith("{")) {
        try {
          input = JSON.parse(args) as Record<string, unknown>;
        } catch (error) {
          return { error: `the arguments of ${name} are not a JSON object: ${(error as Error).message}` };
        }
      } else {
        const required = (tool.inputSchema.required as string[] | undefined) ?? [];
        if (required.length !== 1) return { error: `${name} takes ${required.length ? `the fields ${required.join(", ")}` : "no required field"}: give them as a JSON object` };
        const property = (tool.inputSchema.properties as Record<string, { type?: string }> | undefined)?.[required[0]!];
        input = { [required[0]!]: property?.type === "number" || property?.type === "integer" ? Number(args) : args };
      }
      return { description: `Call ${name}`, agent: "", successCheck: `${name} answers`, call: { tool: name, input } };
    },
  },
];

export const REACTIVE_EXAMPLES = RULES.map((rule) => rule.example);

/**
 * A plan for the goal if a rule matches (or an error saying why the matching rule cannot),
 * else null. `call` rules run under the first agent whose namespaces include the tool's and
 * that holds its capability (else the first with the namespace, which aios-tools will refuse
 * with the capability named).
 */
/** Whether a held capability ("process:spawn:/bin/*", "fs:*") covers a tool's "namespace:action" at all. */
function grantsAction(held: string, needed: string): boolean {
  const [ns, action] = held.split(":");
  const [needNs, needAction] = needed.split(":");
  return (ns === "*" || ns === needNs) && (action === undefined || action === "*" || action === needAction);
}

export function reactivePlan(text: string, agents: ReadonlyMap<string, AgentKind>, tools: ReadonlyMap<string, ToolInfo>): Plan | { error: string } | null {
  const goal = text.trim().replace(/\s+/g, " ").replace(/[.!]$/, "");
  for (const rule of RULES) {
    const m = goal.match(rule.match);
    if (!m) continue;
    const built = rule.build(m, tools);
    if ("error" in built) return built;
    const namespace = built.call!.tool.split(".")[0]!;
    const preferred = built.agent && agents.get(built.agent)?.toolNamespaces.includes(namespace) ? built.agent : "";
    // Of the agents that may use the namespace, one granted the tool's capability, if any.
    const candidates = ["general", ...agents.keys()].filter((kind) => agents.get(kind)?.toolNamespaces.includes(namespace));
    const needed = tools.get(built.call!.tool)?.capability;
    const granted = needed ? candidates.find((kind) => agents.get(kind)!.capabilities.some((held) => grantsAction(held, needed))) : undefined;
    const agent = preferred || granted || candidates[0];
    if (!agent) return { error: `no agent may use ${built.call!.tool}: add "${namespace}" to an agent's tool_namespaces in /etc/aios/agents` };
    return { layer: "reactive", tasks: [{ ...built, agent, id: "t1", dependsOn: [], layer: "reactive", tools: [built.call!.tool] }] };
  }
  return null;
}
