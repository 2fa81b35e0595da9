/**
 * @module lib/console/web/wire
 * What the console API sends, typed from the generated proto messages. Each response is a
 * message through its generated toJSON (the proto3 JSON mapping, lib/console/backends.ts), so a
 * field at its default value is left out, an enum comes as its name ("GOAL_STATE_SUCCEEDED"), a
 * timestamp as RFC 3339 text and bytes as base64. Types only: nothing here reaches the browser.
 */
import type { HostFacts, Sample } from "../metrics.ts";
import type { Approval, Event, Goal, GetSystemStatusResponse, Task } from "../../rpc/gen/aios/v1/orchestrator.ts";
import type { GetBudgetResponse, GetUsageResponse, Model } from "../../rpc/gen/aios/v1/gateway.ts";
import type { ListServicesResponse, Service, StreamLogsResponse } from "../../rpc/gen/aios/v1/init.ts";
import type { SearchResponse, StatsResponse } from "../../rpc/gen/aios/v1/memory.ts";
import type { AuditEntry, VerifyAuditResponse } from "../../rpc/gen/aios/v1/tools.ts";

/** A proto message as its JSON mapping. */
export type Wire<T> = T extends Date | Uint8Array
  ? string
  : T extends readonly (infer Item)[]
    ? Wire<Item>[]
    : T extends number
      ? `${number}` extends `${T}`
        ? number
        : string // a member of an enum (a literal, not any number): its name
      : T extends string | boolean | null | undefined
        ? T
        : T extends object
          ? { [K in keyof T]?: Wire<T[K]> }
          : T;

export type GoalJson = Wire<Goal>;
export type TaskJson = Wire<Task>;
export type ApprovalJson = Wire<Approval>;
export type EventJson = Wire<Event>;
export type StatusJson = Wire<GetSystemStatusResponse>;
export type ServiceJson = Wire<Service>;
export type ServicesJson = Wire<ListServicesResponse>;
export type LogLineJson = Wire<StreamLogsResponse>;
export type AuditEntryJson = Wire<AuditEntry>;
export type AuditVerdictJson = Wire<VerifyAuditResponse>;
export type MemorySearchJson = Wire<SearchResponse>;
export type MemoryStatsJson = Wire<StatsResponse>;
export type ModelJson = Wire<Model>;
export type UsageJson = { usage: Wire<GetUsageResponse>; budget: Wire<GetBudgetResponse> };
/** The dashboard's numbers (lib/console/metrics.ts): plain JSON, not a proto message. */
export type MetricsJson = { samples: Sample[]; host: HostFacts };

export interface ConfigJson {
  keys?: { key?: string; valueJson?: string; setInFile?: boolean; secret?: boolean }[];
  file?: string;
}

export interface ReloadJson {
  changes?: { key?: string; beforeJson?: string; afterJson?: string; effect?: string; restart?: string[] }[];
  restart?: string[];
  restarted?: { name: string; ok: boolean }[];
}
