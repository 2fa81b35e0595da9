/**
 * @module lib/orchestrator/understanding/find-then-act
 * Intents of two steps where the second acts on what the first found: "stop whatever is
 * eating the CPU" (measure, then stop the busiest process), "move every .log older than 7
 * days to /archive" (search, then move what was found), "delete the .tmp files older than 3
 * days in /tmp". The second step's input is made from the first's output when it has run
 * (Step.bind); when the first found nothing, nothing is done and the answer says so. The act
 * is a tool call like any other: capability-checked, approved by autonomy, audited, undone
 * by `aiosctl rollback` where the tool can.
 */
import type { Intent, Step } from "./types.ts";
import type { Slots } from "./slots.ts";
import { bytes, duration, list, plural } from "./words.ts";

interface Busy {
  pid: number;
  name: string;
  cmdline: string;
  cpu_percent?: number;
  rss_mib: number;
}

/** A process of AIOS itself, PID 1 or a kernel thread: never what "whatever" means. */
const untouchable = (p: Busy) => p.pid === 1 || p.name.startsWith("aios") || p.cmdline === "";

/** Below this share of one CPU nothing is "eating" it. */
const BUSY_PERCENT = 10;

function stopBusiest(by: "cpu" | "memory"): Intent {
  const cpu = by === "cpu";
  return {
    id: `process.stop_top_${by}`,
    family: "process",
    usage: cpu ? "stop whatever is eating the cpu" : "kill whatever uses the most memory",
    effect: true,
    examples: cpu
      ? [
          "stop whatever is eating the cpu",
          "kill the process hogging the cpu",
          "kill the cpu hog",
          "stop the busiest process",
          "terminate whatever uses the most cpu",
          "kill whatever is using all the cpu",
          "stop the top cpu process",
        ]
      : ["kill whatever uses the most memory", "stop the process eating all the ram", "kill the memory hog", "terminate the biggest process by memory", "stop whatever is using all the memory"],
    steps: () => {
      const measure: Step = {
        tool: "monitor.top",
        input: cpu ? { by: "cpu_now", limit: 10, interval_ms: 1000 } : { by: "rss", limit: 10 },
        agent: "monitor",
        description: cpu ? "Measure which processes use the CPU now" : "Find the processes using the most memory",
        successCheck: "the busiest processes are known",
        say: (o) => {
          const top = (o.processes as Busy[]).filter((p) => !untouchable(p))[0];
          return top ? `busiest: ${top.name} (pid ${top.pid}), ${cpu ? `${top.cpu_percent ?? 0}% CPU` : `${top.rss_mib} MiB`}` : "no process outside AIOS to stop";
        },
      };
      const stop: Step = {
        tool: "process.kill",
        input: { pid: `the busiest process t1 finds (not AIOS, not PID 1)` },
        agent: "system",
        description: `Stop the process using the most ${cpu ? "CPU" : "memory"} (SIGTERM)`,
        successCheck: "it received SIGTERM",
        bind: ([found]) => {
          const top = (found!.processes as Busy[]).filter((p) => !untouchable(p))[0];
          if (!top) return { nothing: "nothing stopped: every busy process belongs to AIOS or the kernel" };
          if (cpu && (top.cpu_percent ?? 0) < BUSY_PERCENT)
            return { nothing: `nothing is eating the CPU: the busiest process, ${top.name} (pid ${top.pid}), used ${top.cpu_percent ?? 0}% over the last second; nothing stopped` };
          return { input: { pid: top.pid, force: false } };
        },
        say: (o) => `sent ${o.signal} to ${o.name} (pid ${o.pid})`,
      };
      return [measure, stop];
    },
  };
}

/** What a search for "every .log older than 7 days" asks fs.search for, and how it is said. */
function selection(slots: Slots): { filter: Record<string, unknown>; words: string } | null {
  const name = slots.glob ?? (slots.extension ? `*.${slots.extension}` : undefined);
  const seconds = slots.duration !== undefined ? Math.round(slots.duration / 1000) : undefined;
  if (name === undefined && seconds === undefined && slots.size === undefined) return null;
  const filter: Record<string, unknown> = {
    ...(name ? { name } : {}),
    ...(seconds !== undefined ? (slots.older === false ? { modified_within_s: seconds } : { modified_before_s: seconds }) : {}),
    ...(slots.size !== undefined ? (slots.below ? { max_bytes: slots.size } : { min_bytes: slots.size }) : {}),
  };
  const words = [
    name ? `${slots.extension ? `.${slots.extension}` : name} files` : "files",
    seconds !== undefined ? (slots.older === false ? `modified in the last ${duration(seconds)}` : `older than ${duration(seconds)}`) : "",
    slots.size !== undefined ? `${slots.below ? "smaller" : "bigger"} than ${bytes(slots.size)}` : "",
  ]
    .filter(Boolean)
    .join(" ");
  return { filter, words };
}

const MAX_FILES = 1000;

function actOnFound(verb: "move" | "delete"): Intent {
  const moving = verb === "move";
  return {
    id: `file.${verb}_matching`,
    family: "files",
    usage: moving ? "move every .log older than 7 days in /var/log to /archive" : "delete the .tmp files older than 3 days in /tmp",
    effect: true,
    needs: ["path"],
    examples: moving
      ? [
          "move every <extension> file older than <duration> to <path>",
          "move all <glob> files from <path> to <path>",
          "move the <extension> files in <path> into <path>",
          "move <extension> files older than <duration> from <path> to <path>",
          "move old <extension> files to <path>",
          "move files older than <duration> from <path> to <path>",
          "move <glob> in <path> to <path>",
        ]
      : [
          "delete every <extension> file older than <duration> in <path>",
          "remove all <glob> files under <path>",
          "remove <extension> files older than <duration> from <path>",
          "delete files older than <duration> in <path>",
          "delete old <extension> files in <path>",
          "rm <glob> in <path>",
          "get rid of <extension> files bigger than <size> in <path>",
        ],
    steps: (slots) => {
      const chosen = selection(slots);
      if (!chosen)
        return {
          error: `say which files: by extension, name, age or size (${moving ? "move every .log older than 7 days in /var/log to /archive" : "delete the .tmp files older than 3 days in /tmp"})`,
        };
      const paths = slots.paths ?? (slots.path ? [slots.path] : []);
      // "move every .log ... to /archive": the logs are in /var/log unless another place is named.
      const from = moving ? (paths.length >= 2 ? paths[0] : slots.extension === "log" ? "/var/log" : undefined) : paths[0];
      const into = moving ? paths.at(-1) : undefined;
      if (!from) return { error: `say where to look: move every ${slots.extension ? `.${slots.extension}` : "file"} in /some/dir ... to ${into ?? "/somewhere"}` };
      if (from === "/" || (!moving && from.split("/").filter(Boolean).length < 1)) return { error: `I will not ${verb} files across all of /: name the directory they are in` };
      const what = `${chosen.words} under ${from}`;
      const search: Step = {
        tool: "fs.search",
        input: { path: from, ...chosen.filter, max_results: MAX_FILES },
        agent: "general",
        description: `Find the ${what}`,
        successCheck: "the files are listed",
        say: (o) => {
          const found = (o.matches as Array<{ path: string }>).filter((m) => !into || !m.path.startsWith(`${into}/`));
          return found.length ? `found ${plural(found.length, "file")}${o.truncated ? ` (the first ${MAX_FILES}; run it again for the rest)` : ""}` : `no ${what}`;
        },
      };
      const act: Step = {
        tool: moving ? "fs.move_files" : "fs.delete_files",
        input: moving ? { paths: [`the files t1 finds`], into } : { paths: ["the files t1 finds"] },
        agent: "storage",
        description: moving ? `Move the ${what} into ${into}` : `Delete the ${what}`,
        successCheck: moving ? `they are in ${into}` : "they are gone",
        bind: ([found]) => {
          // A file already in the destination is not moved onto itself.
          const files = (found!.matches as Array<{ path: string }>).map((m) => m.path).filter((p) => !into || !p.startsWith(`${into}/`));
          if (!files.length) return { nothing: `no ${what}: nothing ${moving ? "moved" : "deleted"}` };
          return { input: moving ? { paths: files, into } : { paths: files } };
        },
        say: (o) => {
          const done = (moving ? o.moved : o.deleted) as Array<{ from?: string; path?: string; bytes?: number }>;
          const skipped = o.skipped as Array<{ path: string; why: string }>;
          const freed = moving ? 0 : done.reduce((sum, d) => sum + (d.bytes ?? 0), 0);
          return [
            `${moving ? "moved" : "deleted"} ${plural(done.length, "file")}${moving ? ` into ${o.into}` : ` (${bytes(freed)} freed)`}${
              done.length
                ? `: ${list(
                    done.map((d) => d.from ?? d.path!),
                    20,
                  )}`
                : ""
            }`,
            ...skipped.slice(0, 20).map((s) => `left ${s.path}: ${s.why}`),
          ].join("\n");
        },
      };
      return [search, act];
    },
  };
}

interface FirewallRule {
  family: string;
  table: string;
  chain: string;
  handle: number;
  rule: string;
}

/** "Unblock port 2323": the rule AIOS added that drops it, found in the ruleset, then deleted. */
const unblock: Intent = {
  id: "firewall.unblock",
  family: "firewall",
  usage: "unblock port 2323",
  effect: true,
  examples: [
    "unblock port <port>",
    "remove the block on port <port>",
    "delete the firewall rule for port <port>",
    "remove the rule blocking port <port>",
    "remove the firewall rule that blocks port <port>",
    "unblock <ip>",
    "lift the ban on <ip>",
    "delete the firewall rule for <ip>",
    "remove the block on <ip>",
  ],
  steps: (slots) => {
    if (slots.port === undefined && slots.ip === undefined) return { error: "say which port or address: unblock port 2323, unblock 203.0.113.9" };
    const what = slots.port !== undefined ? `TCP port ${slots.port}` : slots.ip!;
    // Only a rule that drops or rejects exactly this, so "unblock port 22" never removes "tcp dport 2222 drop".
    const target =
      slots.port !== undefined ? new RegExp(`\\bdport ${slots.port}\\b.*\\b(?:drop|reject)\\b`) : new RegExp(`\\bsaddr ${slots.ip!.replace(/[.:]/g, "\\$&")}(?![\\d.:/]).*\\b(?:drop|reject)\\b`);
    const blocking = (o: Record<string, any>) => (o.rules as FirewallRule[]).filter((r) => target.test(r.rule));
    return [
      {
        tool: "firewall.rules",
        input: {},
        agent: "network",
        description: `Find the rules that block ${what}`,
        successCheck: "the rules are read",
        say: (o) => {
          const found = blocking(o);
          return found.length
            ? `${plural(found.length, "rule")} block${found.length === 1 ? "s" : ""} ${what}: ${found.map((r) => `${r.rule} (handle ${r.handle})`).join("; ")}`
            : `no rule blocks ${what}`;
        },
      },
      {
        tool: "firewall.delete_rule",
        input: { handle: `the rule t1 finds` },
        agent: "network",
        description: `Remove the rule that blocks ${what}`,
        successCheck: `nothing blocks ${what}`,
        bind: ([found]) => {
          const rule = blocking(found!)[0];
          if (!rule) return { nothing: `nothing to remove: no rule blocks ${what}` };
          return { input: { family: rule.family, table: rule.table, chain: rule.chain, handle: rule.handle } };
        },
        say: (o) => `removed the rule (handle ${o.handle} in ${o.family} ${o.table} ${o.chain}) that blocked ${what}`,
      },
    ];
  },
};

export const FIND_THEN_ACT: readonly Intent[] = [stopBusiest("cpu"), stopBusiest("memory"), actOnFound("move"), actOnFound("delete"), unblock];
