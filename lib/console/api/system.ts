/**
 * @module lib/console/api/system
 * /api routes over the Init, Tools, Memory and Gateway contracts, and the host's live numbers:
 * services (restart, logs), configuration (read, one key set, reload), tools, audit (query,
 * verify), memory (search, stats), models, usage and budget, metrics.
 */
import type { AnyElysia } from "elysia";
import * as v from "valibot";
import { GetBudgetResponse, GetUsageResponse, Model } from "../../rpc/gen/aios/v1/gateway.ts";
import { GetConfigResponse, ListServicesResponse, ReloadConfigResponse, Service, ServiceState, SetConfigResponse, StreamLogsResponse } from "../../rpc/gen/aios/v1/init.ts";
import { SearchResponse, StatsResponse } from "../../rpc/gen/aios/v1/memory.ts";
import { AuditEntry, AuditResult, Tool, VerifyAuditResponse } from "../../rpc/gen/aios/v1/tools.ts";
import { enumValue } from "../../rpc/index.ts";
import type { Backends } from "../backends.ts";
import { listJson, toJson } from "../backends.ts";
import type { MetricsSampler } from "../metrics.ts";
import type { AuditWitness } from "../audit-witness.ts";
import { sseResponse } from "../sse.ts";

export interface SystemDeps {
  backends: Backends;
  metrics: MetricsSampler;
  witness?: AuditWitness;
}

const ServiceName = v.pipe(v.string(), v.regex(/^[a-z0-9][a-z0-9_.-]{0,63}$/, "must be a service name as /api/services lists it"));
const Limit = (max: number, min = 1) => v.optional(v.pipe(v.string(), v.toNumber(), v.integer(), v.minValue(min), v.maxValue(max)));
const LogsQuery = v.object({ lines: Limit(5000, 0), follow: v.optional(v.picklist(["0", "1", "true", "false"])) });
const AuditQuery = v.object({
  limit: Limit(500),
  agent: v.optional(v.pipe(v.string(), v.maxLength(64))),
  tool: v.optional(v.pipe(v.string(), v.maxLength(128))),
  goalId: v.optional(v.pipe(v.string(), v.maxLength(128))),
  result: v.optional(v.picklist(["ok", "failed", "denied", "needs_approval"])),
  pageToken: v.optional(v.string()),
});
const SearchQuery = v.object({ q: v.pipe(v.string(), v.trim(), v.minLength(1, "say what to search for"), v.maxLength(1000)), limit: Limit(100) });

export function systemRoutes(app: AnyElysia, { backends, metrics, witness }: SystemDeps): AnyElysia {
  return app
    .get("/api/metrics", () => ({ host: metrics.facts(), samples: metrics.history() }), { detail: { summary: "CPU, memory and disk use: the last samples, every 2 s" } })
    .get("/api/services", async () => toJson(ListServicesResponse, await backends.init.listServices({ pageSize: 500 })), { detail: { summary: "Services under aios-init, with the degraded reasons" } })
    .post(
      "/api/services/:name/restart",
      async ({ params }) => ({ service: toJson(Service, (await backends.init.restartService({ name: params.name, waitReady: true }, { timeoutMs: 120_000 })).service) }),
      {
        params: v.object({ name: ServiceName }),
        body: v.strictObject({}),
        detail: { summary: "Restart a service and wait until it is ready" },
      },
    )
    .get(
      "/api/services/:name/logs",
      async ({ params, query, request }) => {
        const follow = query.follow === "1" || query.follow === "true";
        const call = (signal?: AbortSignal) => backends.init.streamLogs({ name: params.name, tailLines: query.lines ?? 200, follow }, { timeoutMs: follow ? 7 * 24 * 3600_000 : 15_000, signal });
        if (!follow) {
          const lines: unknown[] = [];
          for await (const line of call()) lines.push(StreamLogsResponse.toJSON(line));
          return { lines };
        }
        return sseResponse(request, async function* (signal) {
          for await (const line of call(signal)) yield { id: String(line.seq), event: "log", data: StreamLogsResponse.toJSON(line) };
        });
      },
      { params: v.object({ name: ServiceName }), query: LogsQuery, detail: { summary: "A service's last log lines (follow=1: Server-Sent Events as they come)" } },
    )
    .get("/api/config", async () => toJson(GetConfigResponse, await backends.init.getConfig({})), {
      detail: { summary: "aios.toml: every key with its value (secrets only say whether they are set) and whether the file sets it" },
    })
    .put("/api/config", async ({ body }) => toJson(SetConfigResponse, await backends.init.setConfig({ key: body.key, value: body.value ?? "", unset: body.unset ?? false })), {
      body: v.strictObject({ key: v.pipe(v.string(), v.maxLength(200)), value: v.optional(v.pipe(v.string(), v.maxLength(4096))), unset: v.optional(v.boolean()) }),
      detail: { summary: "Set one key (value as TOML or plain words), checked against the schema before it is saved; unset: back to its default" },
    })
    .post(
      "/api/config/reload",
      async ({ body }) => {
        const result = await backends.init.reloadConfig({});
        const restarted: { name: string; ok: boolean }[] = [];
        if (body.restart) {
          for (const name of result.restart) {
            const { service } = await backends.init.restartService({ name, waitReady: true }, { timeoutMs: 120_000 });
            restarted.push({ name, ok: service?.state === ServiceState.SERVICE_STATE_RUNNING || service?.state === ServiceState.SERVICE_STATE_EXITED });
          }
        }
        return { ...(toJson(ReloadConfigResponse, result) as object), restarted };
      },
      {
        body: v.strictObject({ restart: v.optional(v.boolean()) }),
        detail: { summary: "Apply aios.toml: what changed and what each change needs; restart: true restarts the services that need it" },
      },
    )
    .get("/api/tools", async () => ({ tools: listJson(Tool, (await backends.tools.listTools({ pageSize: 1000 })).tools) }), { detail: { summary: "The typed tools, their risk and capabilities" } })
    .get(
      "/api/audit",
      async ({ query }) => {
        const result = query.result ? enumValue(AuditResult, "AUDIT_RESULT_", query.result) : AuditResult.AUDIT_RESULT_UNSPECIFIED;
        const r = await backends.tools.queryAudit({
          agent: query.agent ?? "",
          tool: query.tool ?? "",
          goalId: query.goalId ?? "",
          result,
          pageSize: query.limit ?? 100,
          pageToken: query.pageToken ?? "",
        });
        return { entries: listJson(AuditEntry, r.entries), nextPageToken: r.nextPageToken };
      },
      { query: AuditQuery, detail: { summary: "The audit ledger, newest first" } },
    )
    .get(
      "/api/audit/verify",
      async () => {
        // The head the console saw goes along as an anchor: a ledger rewritten since lacks it.
        const seen = witness?.seen();
        const anchors = seen ? [{ ...seen, source: "console" }] : [];
        const result = await backends.tools.verifyAudit({ anchors }, { timeoutMs: 300_000 });
        // A head just verified is a good one to witness, without waiting for the next round.
        if (result.ok) await witness?.look();
        return toJson(VerifyAuditResponse, result);
      },
      { detail: { summary: "Recompute the hash chain and check its end against the heads kept by aios-tools, aios-memory and the console; names the first broken entry and the kind of tampering" } },
    )
    .get("/api/memory/search", async ({ query }) => toJson(SearchResponse, await backends.memory.search({ query: query.q, limit: query.limit ?? 20 })), {
      query: SearchQuery,
      detail: { summary: "Search memories (keywords and vectors)" },
    })
    .get("/api/memory/stats", async () => toJson(StatsResponse, await backends.memory.stats({})), { detail: { summary: "Memory counts by kind and tier, embedder, sizes" } })
    .get("/api/models", async () => ({ models: listJson(Model, (await backends.gateway.listModels({})).models) }), { detail: { summary: "Models, their layer, state and queue" } })
    .get(
      "/api/usage",
      async () => {
        const [usage, budget] = await Promise.all([backends.gateway.getUsage({}), backends.gateway.getBudget({})]);
        return { usage: toJson(GetUsageResponse, usage), budget: toJson(GetBudgetResponse, budget) };
      },
      { detail: { summary: "Tokens and cost by model and day, against the monthly budget" } },
    );
}
