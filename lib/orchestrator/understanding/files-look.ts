/**
 * @module lib/orchestrator/understanding/files-look
 * Files looked at: read, first and last lines, lists, counts, details, found by name, size, age or permission, and the text in them.
 */
import type { Intent } from "./types.ts";
import { ESC, sayFiles } from "./say.ts";
import { bytes, duration, plural } from "./words.ts";

export const FILES_LOOK: readonly Intent[] = [
  {
    id: "file.read",
    family: "files",
    usage: "show /etc/hosts",
    needs: ["path"],
    examples: ["show <path>", "cat <path>", "read <path>", "read the file <path>", "print <path>", "view <path>", "show me the file <path>", "display the content of the file <path>"],
    steps: (slots) => [
      {
        tool: "fs.read",
        input: { path: slots.path },
        agent: "general",
        description: `Read ${slots.path}`,
        successCheck: `${slots.path} is read`,
        say: (o) => `${String(o.content)}${o.truncated ? `\n… (${bytes(o.size)} in all; cut)` : ""}`,
      },
    ],
  },
  {
    id: "file.head",
    family: "files",
    usage: "first 10 lines of /var/log/messages",
    needs: ["path"],
    examples: ["first <count> lines of <path>", "head <path>", "top of <path>", "beginning of <path>", "show the first lines of <path>"],
    steps: (slots) => [
      {
        tool: "fs.read",
        input: { path: slots.path, length: 65_536 },
        agent: "general",
        description: `Read the start of ${slots.path}`,
        successCheck: `${slots.path} is read`,
        say: (o, s) =>
          String(o.content)
            .split("\n")
            .slice(0, s.count ?? 10)
            .join("\n"),
      },
    ],
  },
  {
    id: "file.tail",
    family: "files",
    usage: "last 20 lines of /var/log/messages",
    needs: ["path"],
    examples: ["last <count> lines of <path>", "tail <path>", "end of <path>", "show the last lines of <path>", "bottom of <path>", "tail -n <count> <path>"],
    steps: (slots) => [
      {
        // The last 64 KiB: more than any tail a person reads.
        tool: "fs.read",
        input: { path: slots.path, last_bytes: 65_536 },
        agent: "general",
        description: `Read the end of ${slots.path}`,
        successCheck: `${slots.path} is read`,
        say: (o, s) =>
          String(o.content)
            .replace(/\n$/, "")
            .split("\n")
            .slice(-(s.count ?? 10))
            .join("\n"),
      },
    ],
  },
  {
    id: "file.list",
    family: "files",
    usage: "list /etc",
    needs: ["path"],
    examples: [
      "list <path>",
      "ls <path>",
      "what is in <path>",
      "what is in the <path> directory",
      "show the files in <path>",
      "contents of the directory <path>",
      "what files are in <path>",
      "ls -la <path>",
    ],
    steps: (slots) => [
      {
        tool: "fs.list",
        input: { path: slots.path, limit: 1000 },
        agent: "general",
        description: `List ${slots.path}`,
        successCheck: `${slots.path} is listed`,
        say: (o) => {
          const entries = o.entries as Array<{ name: string; type: string }>;
          return [
            `${o.path}: ${plural(o.total, "entry", "entries")}`,
            ...entries.slice(0, 60).map((e) => `  ${e.name}${e.type === "directory" ? "/" : e.type === "symlink" ? "@" : ""}`),
            ...(o.total > 60 ? [`  … and ${o.total - 60} more`] : []),
          ].join("\n");
        },
      },
    ],
  },
  {
    id: "file.count",
    family: "files",
    usage: "how many files are in /var/log",
    needs: ["path"],
    examples: ["how many files are in <path>", "count the files in <path>", "number of files under <path>", "how many files does <path> have"],
    steps: (slots) => [
      {
        tool: "fs.disk_usage",
        input: { path: slots.path, top: 1 },
        agent: "storage",
        description: `Count the files under ${slots.path}`,
        successCheck: "the files are counted",
        say: (o) => `${plural(o.files, "file")} under ${o.path} (${bytes(o.bytes)})${o.truncated ? "; counting stopped early" : ""}`,
      },
    ],
  },
  {
    id: "file.stat",
    family: "files",
    usage: "when was /etc/hosts changed",
    needs: ["path"],
    examples: [
      "when was <path> changed",
      "when was <path> modified",
      "permissions of <path>",
      "who owns <path>",
      "stat <path>",
      "does <path> exist",
      "is <path> a directory",
      "details of <path>",
      "last modified time of <path>",
    ],
    steps: (slots) => [
      {
        tool: "fs.stat",
        input: { path: slots.path },
        agent: "general",
        description: `Look at ${slots.path}`,
        successCheck: `${slots.path} is described`,
        say: (o) => (o.exists ? `${o.path}: ${o.type}, ${bytes(o.size ?? 0)}, mode ${o.mode}, owner uid ${o.uid} gid ${o.gid}, modified ${o.mtime}` : `${o.path} does not exist`),
      },
    ],
  },
  {
    id: "file.find",
    family: "files",
    usage: "find *.conf in /etc",
    examples: [
      "find <glob> in <path>",
      "find files named <glob>",
      "where is <glob>",
      "search for <glob> under <path>",
      "find <extension> files in <path>",
      "list all <extension> files under <path>",
      "locate <glob>",
      "find files called <name> in <path>",
    ],
    steps: (slots) => {
      const name = slots.glob ?? (slots.extension ? `*.${slots.extension}` : slots.name);
      if (!name) return { error: "say which files: a name, a pattern such as *.log, or a kind such as log files" };
      const path = slots.path ?? "/";
      return [
        {
          tool: "fs.search",
          input: { path, name: name.includes("/") ? name.split("/").at(-1)! : name, max_results: 500 },
          agent: "general",
          description: `Find ${name} under ${path}`,
          successCheck: "matching files are listed",
          say: (o) => sayFiles(o, `no ${name} under ${path}`, (m) => m.path),
        },
      ];
    },
  },
  {
    id: "file.find_size",
    family: "files",
    usage: "files bigger than 100 MB in /var",
    needs: ["size"],
    examples: [
      "files bigger than <size> in <path>",
      "find files larger than <size> under <path>",
      "files over <size>",
      "which files in <path> are above <size>",
      "files smaller than <size> in <path>",
      "show files of more than <size> in <path>",
      "anything over <size> in <path>",
    ],
    steps: (slots) => {
      const path = slots.path ?? "/";
      const bound = slots.below ? { max_bytes: slots.size } : { min_bytes: slots.size };
      return [
        {
          tool: "fs.search",
          input: { path, ...(slots.glob || slots.extension ? { name: slots.glob ?? `*.${slots.extension}` } : {}), ...bound, max_results: 500 },
          agent: "general",
          description: `Find files ${slots.below ? "smaller" : "bigger"} than ${bytes(slots.size!)} under ${path}`,
          successCheck: "matching files are listed",
          say: (o) => sayFiles(o, `no file ${slots.below ? "smaller" : "bigger"} than ${bytes(slots.size!)} under ${path}`, (m) => `${bytes(m.bytes ?? 0).padStart(9)}  ${m.path}`),
        },
      ];
    },
  },
  {
    id: "file.find_age",
    family: "files",
    usage: "files older than 7 days in /tmp",
    needs: ["duration"],
    examples: [
      "files older than <duration> in <path>",
      "files modified in the last <duration> under <path>",
      "what changed in <path> in the last <duration>",
      "files not touched for <duration> in <path>",
      "recently modified files in <path> within <duration>",
      "which files in <path> are older than <duration>",
      "new files in <path> from the last <duration>",
    ],
    steps: (slots) => {
      const path = slots.path ?? "/";
      const seconds = Math.round(slots.duration! / 1000);
      const when = slots.older ? { modified_before_s: seconds } : { modified_within_s: seconds };
      const span = duration(seconds);
      return [
        {
          tool: "fs.search",
          input: { path, ...(slots.glob || slots.extension ? { name: slots.glob ?? `*.${slots.extension}` } : {}), ...when, max_results: 500 },
          agent: "general",
          description: `Find files under ${path} ${slots.older ? `not modified for ${span}` : `modified in the last ${span}`}`,
          successCheck: "matching files are listed",
          say: (o) =>
            sayFiles(
              o,
              `no file under ${path} was ${slots.older ? `left unmodified for ${span}` : `modified in the last ${span}`}`,
              (m) => `${(m.mtime ?? "").slice(0, 16).replace("T", " ")}  ${m.path}`,
            ),
        },
      ];
    },
  },
  {
    id: "file.find_perm",
    family: "files",
    usage: "world-writable files in /srv",
    needs: ["bits"],
    examples: ["<bits> files in <path>", "find <bits> files under <path>", "which files in <path> are <bits>", "list the <bits> files", "are there <bits> files in <path>", "files in <path> <bits>"],
    steps: (slots) => {
      const path = slots.path ?? "/";
      const what = slots.bits === 0o002 ? "world-writable" : slots.bits === 0o4000 ? "setuid" : slots.bits === 0o2000 ? "setgid" : "executable";
      return [
        {
          tool: "fs.search",
          input: { path, any_mode_bits: slots.bits, max_results: 500 },
          agent: "general",
          description: `Find ${what} files under ${path}`,
          successCheck: "matching files are listed",
          say: (o) => sayFiles(o, `no ${what} file under ${path}`, (m) => `${m.mode ?? ""}  ${m.path}`),
        },
      ];
    },
  },
  {
    id: "file.grep",
    family: "files",
    usage: "find error in /var/log/messages",
    needs: ["path"],
    examples: [
      "find <text> in <path>",
      "search for <text> in <path>",
      "grep <text> <path>",
      "which files under <path> mention <text>",
      "lines containing <text> in <path>",
      "where does <text> appear in <path>",
    ],
    steps: (slots) => {
      const text = slots.text ?? slots.name;
      if (!text) return { error: 'say what to look for, in quotes: find "timeout" in /var/log' };
      return [
        {
          tool: "fs.search",
          input: { path: slots.path, content: ESC(text), max_results: 200 },
          agent: "general",
          description: `Find "${text}" under ${slots.path}`,
          successCheck: "matching lines are listed",
          say: (o) => {
            const m = o.matches as Array<{ path: string; line?: number; text?: string }>;
            return m.length
              ? [`${plural(m.length, "match", "matches")}${o.truncated ? " (at least)" : ""}:`, ...m.slice(0, 50).map((x) => `  ${x.path}${x.line ? `:${x.line}` : ""}: ${x.text ?? ""}`)].join("\n")
              : `"${text}" does not appear under ${slots.path}`;
          },
        },
      ];
    },
  },
  {
    id: "file.count_matches",
    family: "files",
    usage: 'how many lines of /var/log/syslog contain "error"',
    needs: ["path", "text"],
    examples: [
      "how many lines in <path> contain <text>",
      "count <text> in <path>",
      "how many times does <text> appear in <path>",
      "number of lines with <text> in <path>",
      "grep -c <text> <path>",
      "count the lines of <path> that mention <text>",
    ],
    steps: (slots) => [
      {
        tool: "fs.search",
        input: { path: slots.path, content: ESC(slots.text!), every_line: true, max_results: 10_000 },
        agent: "general",
        description: `Count the lines with "${slots.text}" under ${slots.path}`,
        successCheck: "matching lines are counted",
        say: (o) => {
          const m = o.matches as Array<{ path: string }>;
          const files = new Set(m.map((x) => x.path)).size;
          return `${plural(m.length, "line")}${o.truncated ? " (at least)" : ""} with "${slots.text}"${files > 1 ? ` in ${plural(files, "file")}` : ""} under ${slots.path}`;
        },
      },
    ],
  },
];
