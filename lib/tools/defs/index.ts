/**
 * @module lib/tools/defs
 * The catalogue: every tool, in one list.
 */
import type { ToolDefinition } from "../registry.ts";
import { fsAppend } from "./fs/append.ts";
import { fsChmod } from "./fs/chmod.ts";
import { fsChown } from "./fs/chown.ts";
import { fsCopy } from "./fs/copy.ts";
import { fsDelete } from "./fs/delete.ts";
import { fsDiskUsage } from "./fs/disk-usage.ts";
import { fsList } from "./fs/list.ts";
import { fsMkdir } from "./fs/mkdir.ts";
import { fsMove } from "./fs/move.ts";
import { fsMoveFiles } from "./fs/move-files.ts";
import { fsTally } from "./fs/tally.ts";
import { fsDeleteFiles } from "./fs/delete-files.ts";
import { fsRead } from "./fs/read.ts";
import { fsSearch } from "./fs/search.ts";
import { fsStat } from "./fs/stat.ts";
import { fsSymlink } from "./fs/symlink.ts";
import { fsWrite } from "./fs/write.ts";
import { firewallAddRule } from "./firewall/add-rule.ts";
import { firewallDeleteRule } from "./firewall/delete-rule.ts";
import { firewallRules } from "./firewall/rules.ts";
import { hwInfo } from "./hw/info.ts";
import { monitorCpu } from "./monitor/cpu.ts";
import { netConnections } from "./net/connections.ts";
import { netDnsLookup } from "./net/dns-lookup.ts";
import { netHttpGet } from "./net/http-get.ts";
import { netAddresses, netInterfaces } from "./net/interfaces.ts";
import { netPing } from "./net/ping.ts";
import { netPortCheck } from "./net/port-check.ts";
import { netRoutes } from "./net/routes.ts";
import { monitorDisk } from "./monitor/disk.ts";
import { monitorLoad } from "./monitor/load.ts";
import { monitorLogs } from "./monitor/logs.ts";
import { monitorMemory } from "./monitor/memory.ts";
import { monitorNetwork } from "./monitor/network.ts";
import { monitorTop } from "./monitor/top.ts";
import { monitorSystem } from "./monitor/system.ts";
import { processInfoTool } from "./process/info.ts";
import { processList } from "./process/list.ts";
import { processKill, processSignal } from "./process/signal.ts";
import { processSpawn } from "./process/spawn.ts";
import { processStop } from "./process/stop.ts";
import { secAuditQuery, secAuditVerify } from "./sec/audit.ts";
import { secCertInfo, secCertRotate } from "./sec/cert.ts";
import { secCheckPerms } from "./sec/check-perms.ts";
import { secFileIntegrity } from "./sec/file-integrity.ts";
import { secGrant, secListCapabilities, secRevoke } from "./sec/grants.ts";
import { serviceRestart, serviceStart, serviceStop } from "./service/control.ts";
import { serviceList } from "./service/list.ts";
import { serviceLogs } from "./service/logs.ts";
import { serviceStatus } from "./service/status.ts";
import { sysConfigGet, sysConfigSet } from "./sys/config.ts";
import { memorySearch } from "./memory/search.ts";
import { pkgInfo, pkgInstall, pkgList, pkgRemove, pkgSearch, pkgUpdate } from "./pkg/tools.ts";

export const CATALOGUE: readonly ToolDefinition[] = [
  memorySearch,
  fsRead,
  fsWrite,
  fsAppend,
  fsDelete,
  fsList,
  fsStat,
  fsMkdir,
  fsMove,
  fsMoveFiles,
  fsDeleteFiles,
  fsCopy,
  fsChmod,
  fsChown,
  fsSymlink,
  fsSearch,
  fsTally,
  fsDiskUsage,
  processList,
  processInfoTool,
  processSpawn,
  processKill,
  processSignal,
  processStop,
  serviceList,
  serviceStatus,
  serviceStart,
  serviceStop,
  serviceRestart,
  serviceLogs,
  monitorCpu,
  monitorMemory,
  monitorDisk,
  monitorNetwork,
  monitorLoad,
  monitorTop,
  monitorLogs,
  monitorSystem,
  netInterfaces,
  netAddresses,
  netRoutes,
  netPing,
  netDnsLookup,
  netHttpGet,
  netPortCheck,
  netConnections,
  firewallRules,
  firewallAddRule,
  firewallDeleteRule,
  hwInfo,
  secAuditQuery,
  secAuditVerify,
  secGrant,
  secRevoke,
  secListCapabilities,
  secCheckPerms,
  secFileIntegrity,
  secCertInfo,
  secCertRotate,
  sysConfigGet,
  sysConfigSet,
  pkgUpdate,
  pkgSearch,
  pkgInfo,
  pkgList,
  pkgInstall,
  pkgRemove,
];
