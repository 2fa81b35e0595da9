/**
 * @module lib/orchestrator/understanding/slots
 * Typed values in a request, found by their shape before any matching: absolute paths, globs,
 * IP addresses, host names, URLs, ports, PIDs, sizes, durations, counts and octal modes. Each
 * value found is replaced in the text by its placeholder ("<path>"), so "the size of /var/log"
 * and "the size of /srv" read the same to the matcher. Names that have no shape of their own
 * (a service, a process, a user) are found later, as the words the vocabulary does not know.
 */
import { findNames } from "./names.ts";

export interface Slots {
  path?: string;
  paths?: string[];
  glob?: string;
  extension?: string;
  ip?: string;
  host?: string;
  url?: string;
  port?: number;
  pid?: number;
  /** Bytes. */
  size?: number;
  /** Milliseconds. */
  duration?: number;
  count?: number;
  mode?: string;
  /** Permission bits a file must have one of (0o002 world-writable, 0o111 executable, 0o4000 setuid). */
  bits?: number;
  /** The duration is an age to be older than ("older than 7 days"), not a recent window. */
  older?: boolean;
  /** The size is a ceiling ("smaller than 1 KB"), not a floor. */
  below?: boolean;
  /** Quoted text to look for ("find 'timeout' in /var/log"). */
  text?: string;
  /** A word the vocabulary does not know: a service, process, user or interface name. */
  name?: string;
  /** A second unknown word ("add alice to wheel"). */
  name2?: string;
  /** A 1-based column of a text file ("column 3", "the second field"). */
  column?: number;
  /** An environment variable ("$PATH", "PATH", "LANG"). */
  variable?: string;
}

export type SlotName = keyof Slots;

const UNITS: Record<string, number> = {
  b: 1,
  byte: 1,
  bytes: 1,
  k: 1024,
  kb: 1000,
  kib: 1024,
  kilobyte: 1000,
  kilobytes: 1000,
  m: 1024 ** 2,
  mb: 1000 ** 2,
  mib: 1024 ** 2,
  meg: 1024 ** 2,
  megs: 1024 ** 2,
  megabyte: 1000 ** 2,
  megabytes: 1000 ** 2,
  g: 1024 ** 3,
  gb: 1000 ** 3,
  gib: 1024 ** 3,
  gig: 1024 ** 3,
  gigs: 1024 ** 3,
  gigabyte: 1000 ** 3,
  gigabytes: 1000 ** 3,
  t: 1024 ** 4,
  tb: 1000 ** 4,
  tib: 1024 ** 4,
  terabyte: 1000 ** 4,
  terabytes: 1000 ** 4,
};

const DURATION_UNITS: Record<string, number> = {
  s: 1000,
  sec: 1000,
  secs: 1000,
  second: 1000,
  seconds: 1000,
  m: 60_000,
  min: 60_000,
  mins: 60_000,
  minute: 60_000,
  minutes: 60_000,
  h: 3_600_000,
  hr: 3_600_000,
  hrs: 3_600_000,
  hour: 3_600_000,
  hours: 3_600_000,
  d: 86_400_000,
  day: 86_400_000,
  days: 86_400_000,
  w: 604_800_000,
  week: 604_800_000,
  weeks: 604_800_000,
  month: 2_592_000_000,
  months: 2_592_000_000,
};

const NUMBER_WORDS: Record<string, number> = { one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10, twenty: 20, fifty: 50, hundred: 100, a: 1, an: 1 };

interface Extractor {
  slot: SlotName;
  pattern: RegExp;
  value(match: RegExpExecArray): string | number | undefined;
}

const ORDINALS = ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth"];

const num = (text: string) => NUMBER_WORDS[text.toLowerCase()] ?? Number(text);

// Order matters: a URL before a path or host, an IP before a number, a size before a count.
const EXTRACTORS: Extractor[] = [
  { slot: "url", pattern: /\bhttps?:\/\/[^\s'"<>]+/gi, value: (m) => m[0].replace(/[.,;:!?)]+$/, "") },
  {
    slot: "ip",
    pattern: /\b(?:\d{1,3}\.){3}\d{1,3}(?:\/\d{1,2})?\b/g,
    value: (m) =>
      m[0]
        .split("/")[0]!
        .split(".")
        .every((o) => Number(o) <= 255)
        ? m[0]
        : undefined,
  },
  // A glob: a word with * or ? in it ("*.log", "/var/log/*.gz").
  { slot: "glob", pattern: /(?<=^|[\s'"])[^\s'"]*[*?][^\s'"]*/g, value: (m) => m[0].replace(/[,;:!?]+$/, "") },
  { slot: "path", pattern: /(?<=^|[\s'"(=])\/[^\s'",;()]*/g, value: (m) => m[0].replace(/[.,:!?]+$/, "").replace(/(.)\/+$/, "$1") || "/" },
  {
    slot: "host",
    pattern: /\b(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+(?:com|org|net|io|dev|local|lan|internal|home|arpa|de|uk|fr|eu|us|co|edu|gov|info|localdomain)\b/gi,
    value: (m) => m[0].toLowerCase(),
  },
  {
    slot: "port",
    pattern: /\b(?:port|ports|tcp|udp)\s*:?\s*(\d{1,5})\b|(?<=\s|^):(\d{1,5})\b/gi,
    value: (m) => {
      const port = Number(m[1] ?? m[2]);
      return port >= 1 && port <= 65_535 ? port : undefined;
    },
  },
  { slot: "pid", pattern: /\b(?:pid|process(?: id)?|process number)\s*#?\s*(\d{1,7})\b/gi, value: (m) => Number(m[1]) },
  {
    slot: "size",
    pattern: /\b(\d+(?:\.\d+)?)\s*(bytes?|b|kib|kb|k|mib|mb|m|megs?|megabytes?|gib|gb|g|gigs?|gigabytes?|tib|tb|t|terabytes?|kilobytes?)\b/gi,
    value: (m) => Math.round(Number(m[1]) * UNITS[m[2]!.toLowerCase()]!),
  },
  // "7d" and "7 days", but a number word needs its space: "and" is not "an d".
  {
    slot: "duration",
    pattern: /\b(?:(\d+)\s*|(an?|one|two|three|four|five|six|seven|ten|twenty)\s+)(seconds?|secs?|s|minutes?|mins?|hours?|hrs?|h|days?|d|weeks?|w|months?)\b/gi,
    value: (m) => num((m[1] ?? m[2])!) * DURATION_UNITS[m[3]!.toLowerCase()]!,
  },
  { slot: "mode", pattern: /\b(?:mode|chmod|permissions?|perms?)\s+(?:to\s+)?([0-7]{3,4})\b|\b([0-7]{3,4})\s+(?:mode|permissions?)\b/gi, value: (m) => m[1] ?? m[2] },
  // "$PATH", "${HOME}", or a well-known variable written in capitals as shells show it.
  {
    slot: "variable",
    pattern:
      /\$\{?([A-Za-z_][A-Za-z0-9_]{0,63})\}?|(?<![\w/])(PATH|HOME|SHELL|LANG|LANGUAGE|LC_[A-Z]+|TZ|USER|LOGNAME|EDITOR|VISUAL|PAGER|TERM|PS1|MAIL|HOSTNAME|TMPDIR|(?:HTTPS?|FTP|NO|ALL)_PROXY|(?:https?|ftp|no|all)_proxy)(?![\w/])/g,
    value: (m) => m[1] ?? m[2],
  },
  {
    slot: "column",
    pattern:
      /\b(?:column|field|col)\s*#?\s*(\d{1,3})\b|\b(\d{1,3})(?:st|nd|rd|th)\s+(?:column|field)s?\b|\b(first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth)\s+(?:column|field)s?\b/gi,
    value: (m) => {
      const n = m[3] ? ORDINALS.indexOf(m[3].toLowerCase()) + 1 : Number(m[1] ?? m[2]);
      return n >= 1 ? n : undefined;
    },
  },
  {
    slot: "extension",
    pattern: /(?<=^|\s)\.([a-z0-9]{1,8})\b(?:\s+files?)?|\b([a-z0-9]{1,8})\s+(?=files?\b)/gi,
    value: (m) => {
      const ext = (m[1] ?? m[2])!.toLowerCase();
      // "old files" is an age; only ".old" is the extension.
      if (m[2] !== undefined && ext === "old") return undefined;
      return EXTENSIONS.has(ext) ? ext : undefined;
    },
  },
  {
    slot: "count",
    pattern:
      /\b(?:top|first|last|biggest|largest|smallest|newest|oldest|latest|heaviest|\bthe)\s+(\d{1,4}|one|two|three|four|five|six|seven|eight|nine|ten|twenty|fifty|hundred)\b|\b(\d{1,4})\s+(?=(?:biggest|largest|newest|oldest|latest|recent|heaviest|busiest|processes|files|lines|entries|errors|directories|dirs|folders)\b)/gi,
    value: (m) => num((m[1] ?? m[2])!),
  },
];

/** File extensions a person names as a kind of file ("log files", ".conf"). */
const EXTENSIONS = new Set([
  "log",
  "logs",
  "txt",
  "conf",
  "cfg",
  "ini",
  "json",
  "yaml",
  "yml",
  "toml",
  "xml",
  "csv",
  "sh",
  "py",
  "js",
  "ts",
  "c",
  "h",
  "go",
  "rs",
  "md",
  "html",
  "css",
  "sql",
  "db",
  "tar",
  "gz",
  "tgz",
  "zip",
  "bz2",
  "xz",
  "deb",
  "iso",
  "img",
  "bak",
  "tmp",
  "pdf",
  "png",
  "jpg",
  "jpeg",
  "gif",
  "mp3",
  "mp4",
  "mkv",
  "pem",
  "key",
  "crt",
  "service",
  "pid",
  "sock",
  "so",
  "old",
  "swp",
]);

export interface Extracted {
  slots: Slots;
  /** The request with each value replaced by its placeholder. */
  text: string;
}

/** Finds the typed values in a request (original case: paths are case-sensitive). */
export function extractSlots(request: string): Extracted {
  const slots: Slots = {};
  // A question or exclamation mark ends a sentence, not a glob or a path.
  let text = ` ${request.replace(/[?!]+(?=\s|$)/g, " ")} `;
  for (const extractor of EXTRACTORS) {
    extractor.pattern.lastIndex = 0;
    const replaced: Array<{ start: number; end: number }> = [];
    let match: RegExpExecArray | null;
    while ((match = extractor.pattern.exec(text)) !== null) {
      const value = extractor.value(match);
      if (value === undefined || (typeof value === "number" && !Number.isFinite(value))) continue;
      if (extractor.slot === "path") {
        slots.paths = [...(slots.paths ?? []), String(value)];
        slots.path ??= String(value);
      } else if (extractor.slot === "extension") {
        slots.extension ??= String(value).replace(/^logs$/, "log");
      } else if (slots[extractor.slot] === undefined) {
        (slots as Record<string, unknown>)[extractor.slot] = value;
      }
      replaced.push({ start: match.index, end: match.index + match[0].length });
    }
    // Replace from the end so earlier offsets stay right.
    for (const { start, end } of replaced.reverse()) {
      const original = text.slice(start, end);
      // Keep the cue word ("port", "pid") so the sentence still reads as one.
      const cue = /^(port|ports|tcp|udp|pid|process(?: id)?|process number|mode|chmod|permissions?|perms?|top|first|last|biggest|largest|smallest|newest|oldest|latest|heaviest|the)\b/i.exec(
        original,
      )?.[0];
      const trailing = extractor.slot === "extension" && /files?$/i.test(original) ? " files" : "";
      // "the 3rd column" and "column 3" read the same.
      const placeholder = extractor.slot === "column" ? "column <column>" : `${cue ? `${cue} ` : ""}<${extractor.slot}>${trailing}`;
      text = `${text.slice(0, start)}${placeholder} ${text.slice(end)}`;
    }
  }
  // Which way a size or an age points, from the words before it.
  if (slots.size !== undefined && /\b(?:smaller|less|under|below|at most|up to)\s+(?:than\s+)?<size>/i.test(text)) slots.below = true;
  if (
    slots.duration !== undefined &&
    /\b(?:older than|not (?:been )?(?:modified|touched|changed|used|accessed) (?:for|in)|untouched (?:for|in)|stale for|more than <duration> old|<duration> old|before <duration>)/i.test(text)
  )
    slots.older = true;
  // Permission words: what a file lets others do.
  const bits = PERMISSION_WORDS.find(([pattern]) => pattern.test(text));
  if (bits) {
    slots.bits = bits[1];
    text = text.replace(bits[0], " <bits> ");
  }
  // An octal mode anywhere in a request about permissions ("set the permissions of X to 755").
  if (slots.mode === undefined && /\b(?:chmod|mode|permissions?|perms)\b/i.test(text)) {
    const octal = /(?<=\s)0?[0-7]{3}(?=\s)/.exec(text);
    if (octal) {
      slots.mode = octal[0];
      text = text.replace(octal[0], "<mode>");
    }
  }
  // Names marked by the words around them (a service, a user), whatever the word.
  text = findNames(text, slots);
  return { slots, text: text.trim() };
}

const PERMISSION_WORDS: ReadonlyArray<[RegExp, number]> = [
  [/\bworld[- ]?writ(?:e)?able\b|\bwritable by (?:everyone|anyone|all|others)\b|\b(?:everyone|anyone) can write(?: to)?\b/i, 0o002],
  [/\bset-?uid\b|\bsuid\b/i, 0o4000],
  [/\bset-?gid\b|\bsgid\b/i, 0o2000],
  [/\bexecutables?\b|\bexecutable by\b|\brunnable\b/i, 0o111],
];
