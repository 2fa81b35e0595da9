/**
 * @module lib/orchestrator/understanding/tally
 * Text in files counted and added up, as `awk | sort | uniq -c` would: the distinct values of
 * a column or of whole lines, the IP addresses a log mentions, the sum of a column. One call
 * of fs.tally each; the column separator follows the file (.csv commas, .tsv tabs, the colons
 * of /etc/passwd and /etc/group, else spaces).
 */
import type { Intent } from "./types.ts";
import type { Slots } from "./slots.ts";
import { plural } from "./words.ts";

type Output = Record<string, any>;

function separatorOf(path: string): string | undefined {
  if (/\.csv$/i.test(path)) return ",";
  if (/\.tsv$/i.test(path)) return "\t";
  if (/^\/etc\/(?:passwd|group|shadow|gshadow)$/.test(path)) return ":";
  return undefined;
}

const where = (slots: Slots) => (slots.column ? `column ${slots.column} of ${slots.path}` : slots.path!);

function tally(slots: Slots, extract?: "ip") {
  const separator = separatorOf(slots.path!);
  return { path: slots.path, ...(extract ? { extract } : slots.column ? { field: slots.column } : {}), ...(separator && !extract ? { separator } : {}), top: 50 };
}

const counted = (o: Output) => (o.top as Array<{ value: string; count: number }>).map((t) => `  ${String(t.count).padStart(6)}  ${t.value}`);
const cut = (o: Output) => (o.truncated ? " (in its first 64 MiB)" : "");

export const TALLY: readonly Intent[] = [
  {
    id: "text.count_lines",
    family: "text",
    usage: "how many lines are in /var/log/syslog",
    needs: ["path"],
    examples: ["how many lines are in <path>", "count the lines in <path>", "wc -l <path>", "number of lines of <path>", "how long is <path> in lines", "line count of <path>"],
    steps: (slots) => [
      {
        tool: "fs.tally",
        input: { path: slots.path, top: 1 },
        agent: "general",
        description: `Count the lines of ${slots.path}`,
        successCheck: "the lines are counted",
        say: (o) => `${plural(o.lines, "line")} in ${slots.path}${cut(o)}`,
      },
    ],
  },
  {
    id: "text.distinct",
    family: "text",
    usage: "distinct values in column 1 of /var/log/nginx/access.log",
    needs: ["path"],
    examples: [
      "distinct values in column <column> of <path>",
      "unique values of column <column> in <path>",
      "which different values are in column <column> of <path>",
      "list the unique lines of <path>",
      "count each value in column <column> of <path>",
      "how many distinct values does column <column> of <path> have",
      "sort <path> uniq -c",
      "most common values in column <column> of <path>",
      "how often does each line appear in <path>",
    ],
    steps: (slots) => [
      {
        tool: "fs.tally",
        input: tally(slots),
        agent: "general",
        description: `Count the distinct values of ${where(slots)}`,
        successCheck: "the values are counted",
        say: (o) =>
          o.values
            ? [`${plural(o.distinct, "distinct value")} in ${where(slots)}${cut(o)} (${plural(o.values, "value")}), most frequent first:`, ...counted(o)].join("\n")
            : `${where(slots)} has no values`,
      },
    ],
  },
  {
    id: "text.distinct_ips",
    family: "text",
    usage: "which IP addresses appear in /var/log/auth.log",
    needs: ["path"],
    examples: [
      "unique ip addresses in <path>",
      "which ip addresses appear in <path>",
      "distinct client ips in <path>",
      "most frequent ip addresses in <path>",
      "how many different ips are in <path>",
      "top ips in <path>",
      "list the ips that show up in <path>",
    ],
    steps: (slots) => [
      {
        tool: "fs.tally",
        input: tally(slots, "ip"),
        agent: "general",
        description: `Count the IP addresses in ${slots.path}`,
        successCheck: "the addresses are counted",
        say: (o) =>
          o.values
            ? [`${plural(o.distinct, "distinct IP address", "distinct IP addresses")} in ${slots.path}${cut(o)} (${plural(o.values, "mention")}), most frequent first:`, ...counted(o)].join("\n")
            : `no IP address appears in ${slots.path}`,
      },
    ],
  },
  {
    id: "text.sum",
    family: "text",
    usage: "add up column 3 of /srv/sales.csv",
    needs: ["path"],
    examples: [
      "sum of column <column> in <path>",
      "add up column <column> of <path>",
      "total of column <column> in <path>",
      "what does column <column> of <path> add up to",
      "sum the numbers in column <column> of <path>",
      "awk sum column <column> <path>",
      "add up the numbers in <path>",
      "what is the sum of the values in <path>",
    ],
    steps: (slots) => [
      {
        tool: "fs.tally",
        input: { ...tally(slots), top: 1 },
        agent: "general",
        description: `Add up ${where(slots)}`,
        successCheck: "the numbers are added",
        say: (o) =>
          o.numeric
            ? `${where(slots)} adds up to ${o.sum}${cut(o)} (${plural(o.numeric, "number")}${o.values > o.numeric ? `; left out ${plural(o.values - o.numeric, "value")} that ${o.values - o.numeric === 1 ? "is not a number" : "are not numbers"}` : ""})`
            : `${where(slots)} has no numbers to add up`,
      },
    ],
  },
];
