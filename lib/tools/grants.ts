/**
 * @module lib/tools/grants
 * What each agent kind may do: the capabilities of its /etc/aios/agents/KIND.toml, plus
 * grants made at run time (GrantCapability, by a human or the system), minus revoked ones.
 */
import type { Database } from "bun:sqlite";
import { readAgentFiles } from "../config/agents.ts";
import { notFound } from "../rpc/index.ts";
import { parseCapability } from "./capability.ts";

export interface GrantRow {
  id: string;
  agent: string;
  capability: string;
  granted_by: string;
  reason: string;
  granted_at: number;
  expires_at: number | null;
  from_config: boolean;
}

/**
 * What the agent files say for aios-tools, from the one reader of those files
 * (lib/config/agents): the capabilities each kind is granted, and which kinds are outside
 * clients (external = true: MCP clients, the only kinds the console may issue tokens for).
 */
export function readAgentGrants(dir: string): { capabilities: Map<string, string[]>; external: Set<string> } {
  const capabilities = new Map<string, string[]>();
  const external = new Set<string>();
  for (const [kind, file] of readAgentFiles(dir)) {
    for (const capability of file.capabilities) parseCapability(capability);
    capabilities.set(kind, file.capabilities);
    if (file.external) external.add(kind);
  }
  return { capabilities, external };
}

export class Grants {
  constructor(
    private readonly db: Database,
    private readonly fromConfig: Map<string, string[]>,
  ) {}

  grant(agent: string, capability: string, by: string, reason: string, ttlMs: number): GrantRow {
    parseCapability(capability);
    const now = Date.now();
    const row = { id: `grant_${crypto.randomUUID()}`, agent, capability, granted_by: by, reason, granted_at: now, expires_at: ttlMs > 0 ? now + ttlMs : null };
    this.db
      .query("INSERT INTO grants (id, agent, capability, granted_by, reason, granted_at, expires_at) VALUES ($id, $agent, $capability, $granted_by, $reason, $granted_at, $expires_at)")
      .run(row as never);
    return { ...row, from_config: false };
  }

  revoke(id: string): GrantRow {
    const row = this.db.query<Omit<GrantRow, "from_config">, [string]>("SELECT * FROM grants WHERE id = ?").get(id);
    if (!row) throw notFound(`no grant "${id}" (grants from an agent's TOML are changed in its file)`);
    this.db.query("DELETE FROM grants WHERE id = ?").run(id);
    return { ...row, from_config: false };
  }

  list(agent?: string): GrantRow[] {
    const now = Date.now();
    const configured: GrantRow[] = [...this.fromConfig]
      .filter(([kind]) => !agent || kind === agent)
      .flatMap(([kind, caps]) =>
        caps.map((capability) => ({
          id: `config:${kind}:${capability}`,
          agent: kind,
          capability,
          granted_by: "config",
          reason: capability.startsWith("mcp:call:") ? "[[mcp.servers]] in aios.toml" : `agents/${kind}.toml`,
          granted_at: 0,
          expires_at: null,
          from_config: true,
        })),
      );
    const granted = this.db
      .query<Omit<GrantRow, "from_config">, [string | null, number]>("SELECT * FROM grants WHERE (?1 IS NULL OR agent = ?1) AND (expires_at IS NULL OR expires_at > ?2) ORDER BY granted_at")
      .all(agent ?? null, now)
      .map((row) => ({ ...row, from_config: false }));
    return [...configured, ...granted];
  }

  capabilitiesOf(agent: string): string[] {
    return this.list(agent).map((g) => g.capability);
  }
}
