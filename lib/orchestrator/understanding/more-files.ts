/**
 * @module lib/orchestrator/understanding/more-files
 * Files by time and by owner: the newest and oldest files under a directory, an empty file
 * made (never truncating one that is there), and a file given to a user by name (the name
 * looked up in /etc/passwd first, then fs.chown with its uid and primary gid). And processes
 * counted per user, their uids named from /etc/passwd.
 */
import type { Intent } from "./types.ts";
import { plural } from "./words.ts";
import { parsePasswd } from "./accounts.ts";

type Output = Record<string, any>;

/** Name and primary group by uid, from /etc/passwd's content. */
const accounts = (passwd: string) => new Map(parsePasswd(passwd).map((a) => [a.uid, a]));

const newestOrOldest = (which: "newest" | "oldest"): Intent => ({
  id: `file.${which}`,
  family: "files",
  usage: `the ${which} files in /var/log`,
  needs: ["path"],
  examples:
    which === "newest"
      ? [
          "newest file in <path>",
          "most recently modified files in <path>",
          "latest file in <path>",
          "what was changed last in <path>",
          "the <count> newest files under <path>",
          "last modified file in <path>",
        ]
      : ["oldest file in <path>", "least recently modified files in <path>", "the <count> oldest files under <path>", "which file in <path> has not changed for the longest"],
  steps: (slots) => {
    const count = Math.min(slots.count ?? 5, 100);
    return [
      {
        tool: "fs.search",
        input: { path: slots.path, stat: true, max_results: 10_000 },
        agent: "general",
        description: `Find the ${which} files under ${slots.path}`,
        successCheck: "the files are listed with their times",
        say: (o: Output) => {
          const files = (o.matches as Array<{ path: string; mtime?: string; bytes?: number }>)
            .filter((m) => m.mtime)
            .sort((a, b) => (which === "newest" ? b.mtime!.localeCompare(a.mtime!) : a.mtime!.localeCompare(b.mtime!)));
          if (!files.length) return `no file under ${slots.path}`;
          return [
            `the ${which} ${plural(Math.min(count, files.length), "file")} under ${slots.path}${o.truncated ? " (of the first 10000 found)" : ""}:`,
            ...files.slice(0, count).map((f) => `  ${f.mtime!.slice(0, 19).replace("T", " ")}  ${f.path}`),
          ].join("\n");
        },
      },
    ];
  },
});

export const MORE_FILES: readonly Intent[] = [
  newestOrOldest("newest"),
  newestOrOldest("oldest"),
  {
    id: "file.create",
    family: "files",
    usage: "create an empty file /tmp/ready",
    effect: true,
    needs: ["path"],
    examples: ["create an empty file <path>", "touch <path>", "create the file <path>", "new empty file <path>", "create a blank file called <path>"],
    steps: (slots) => [
      {
        // An append of nothing: the file is made if missing and left as it is if not.
        tool: "fs.append",
        input: { path: slots.path, content: "" },
        agent: "storage",
        description: `Create the empty file ${slots.path}`,
        successCheck: `${slots.path} exists`,
        say: (o) => (o.created ? `created the empty file ${o.path}` : `${o.path} already existed; left as it was`),
      },
    ],
  },
  {
    id: "file.chown",
    family: "files",
    usage: "change the owner of /srv/app to alice",
    effect: true,
    needs: ["path", "name"],
    examples: [
      "change the owner of <path> to <name>",
      "chown <name> <path>",
      "make <name> the owner of <path>",
      "give <name> ownership of <path>",
      "set the owner of <path> to <name>",
      "hand <path> over to <name>",
    ],
    steps: (slots) => [
      {
        tool: "fs.read",
        input: { path: "/etc/passwd" },
        agent: "general",
        description: `Look up the user ${slots.name}`,
        successCheck: "the user is found",
        say: () => "",
      },
      {
        tool: "fs.chown",
        input: { path: slots.path, uid: `the uid of ${slots.name}`, gid: `the primary gid of ${slots.name}` },
        agent: "storage",
        description: `Give ${slots.path} to ${slots.name}`,
        successCheck: `${slots.name} owns ${slots.path}`,
        bind: ([passwd]) => {
          const account = [...accounts(String(passwd!.content))].find(([, a]) => a.name === slots.name);
          if (!account) return { nothing: `there is no user ${slots.name} in /etc/passwd; nothing changed` };
          return { input: { path: slots.path, uid: account[0], gid: account[1].gid } };
        },
        say: (o) => `${o.path} now belongs to ${slots.name} (uid ${o.uid}, gid ${o.gid}; it was ${o.previous.uid}:${o.previous.gid})`,
      },
    ],
  },
  {
    id: "process.count_by_user",
    family: "process",
    usage: "how many processes does each user run",
    examples: [
      "how many processes does each user run",
      "processes per user",
      "count processes by user",
      "which users run the most processes",
      "process count for every user",
      "number of processes of every user",
    ],
    steps: () => [
      {
        tool: "fs.read",
        input: { path: "/etc/passwd" },
        agent: "general",
        description: "Read the user names",
        successCheck: "the users are read",
        say: () => "",
      },
      {
        tool: "process.list",
        input: { limit: 10_000 },
        agent: "monitor",
        description: "Count the processes of each user",
        successCheck: "the processes are counted",
        bind: () => ({ input: { limit: 10_000 } }),
        say: (o, _, [passwd]) => {
          const names = accounts(String(passwd?.content ?? ""));
          const counts = new Map<string, number>();
          for (const p of o.processes as Array<{ uid: number }>) {
            const name = names.get(p.uid)?.name ?? `uid ${p.uid}`;
            counts.set(name, (counts.get(name) ?? 0) + 1);
          }
          return [
            `${plural(o.total, "process", "processes")} of ${plural(counts.size, "user")}:`,
            ...[...counts].sort((a, b) => b[1] - a[1]).map(([name, n]) => `  ${String(n).padStart(5)}  ${name}`),
          ].join("\n");
        },
      },
    ],
  },
];
