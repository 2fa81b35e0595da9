/**
 * @module lib/orchestrator/tool-catalogue
 * The tools as aios-tools lists them (name, namespace, description, input JSON Schema,
 * capability, risk, hints), asked at start and asked again every 2 s until it answers.
 */
import type { Logger } from "../log/index.ts";
import type { ServiceClient } from "../rpc/index.ts";
import type { ToolsServiceDefinition } from "../rpc/gen/aios/v1/tools.ts";
import type { ToolInfo } from "./plan.ts";

export class ToolCatalogue {
  private tools = new Map<string, ToolInfo>();
  private stopped = false;
  private asking: Promise<void> | undefined;

  constructor(
    private readonly client: ServiceClient<typeof ToolsServiceDefinition>,
    private readonly log: Logger,
  ) {}

  get current(): ReadonlyMap<string, ToolInfo> {
    return this.tools;
  }

  /**
   * Before a goal is planned: the list as aios-tools has it now (an MCP server's tools appear
   * when it is up, and go when it is told to go). One question at a time, shared by the goals
   * planned meanwhile; a failure keeps the list held. A local call of a few milliseconds.
   */
  async fresh(): Promise<void> {
    if (this.tools.size === 0) return;
    this.asking ??= this.ask()
      .catch((error: Error) => this.log.debug("aios-tools did not list its tools; planning with the list held", { error: error.message }))
      .finally(() => (this.asking = undefined));
    await this.asking;
  }

  /** Asks aios-tools; on failure asks again in 2 s, then calls `ready`. */
  async refresh(ready: () => void): Promise<void> {
    try {
      await this.ask();
    } catch (error) {
      this.log.warn("aios-tools did not list its tools; retrying in 2 s", { error: (error as Error).message });
      if (!this.stopped) setTimeout(() => void this.refresh(ready).then(ready), 2000);
    }
  }

  private async ask(): Promise<void> {
    const { tools } = await this.client.listTools({ namespace: "", pageSize: 1000, pageToken: "" });
    this.tools = new Map(
      tools.map((tool) => [
        tool.name,
        {
          name: tool.name,
          namespace: tool.namespace,
          description: tool.description,
          inputSchema: JSON.parse(tool.inputSchemaJson || "{}") as Record<string, unknown>,
          capability: tool.capability,
          risk: tool.risk,
          idempotent: tool.idempotent,
          readOnly: tool.readOnly,
        },
      ]),
    );
  }

  stop(): void {
    this.stopped = true;
  }
}
