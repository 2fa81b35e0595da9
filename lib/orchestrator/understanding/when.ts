/**
 * @module lib/orchestrator/understanding/when
 * When a request is meant to happen. A repeating time ("every day at 03:00", "hourly",
 * "every 15 minutes", "on weekdays at 8am", "every monday at 9:30") becomes a cron spec
 * (UTC, for the orchestrator's schedules) and the request without it. A one-off time ("at
 * 3am", "tomorrow", "in 10 minutes", "tonight") is noticed so that an action is never taken
 * now when it was asked for later.
 */

export type When = { kind: "now" } | { kind: "repeating"; spec: string; words: string; request: string } | { kind: "later"; words: string };

const DAYS = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"];
const DAY = `(?:${DAYS.map((d) => `${d}s?`).join("|")}|mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)`;
// "03:00", "3am", "3 pm", "15:30", "3:15pm", "noon", "midnight", "3 o'clock"
const TIME = String.raw`(?:(\d{1,2})(?::(\d{2}))?\s*(am|pm|a\.m\.|p\.m\.|o'clock)?|noon|midday|midnight)`;
const AT_TIME = String.raw`(?:at|@)\s+${TIME}`;

/** Hour and minute of a TIME match (groups hour, minute, meridiem, or the whole word). */
function clock(whole: string, hour?: string, minute?: string, meridiem?: string): { h: number; m: number } | null {
  const word = whole.trim().toLowerCase();
  if (/noon|midday/.test(word) && !hour) return { h: 12, m: 0 };
  if (/midnight/.test(word) && !hour) return { h: 0, m: 0 };
  if (hour === undefined) return null;
  let h = Number(hour);
  const m = minute === undefined ? 0 : Number(minute);
  const mer = meridiem?.toLowerCase().replace(/\./g, "");
  if (mer === "pm" && h < 12) h += 12;
  if (mer === "am" && h === 12) h = 0;
  if (h > 23 || m > 59) return null;
  return { h, m };
}

const dayNumber = (word: string) => DAYS.findIndex((d) => d.startsWith(word.toLowerCase().replace(/s$/, "").slice(0, 3)));

interface Rule {
  pattern: RegExp;
  /** The cron spec and its words, given the time of day said anywhere in the request. */
  spec(m: RegExpExecArray, time: { h: number; m: number } | null): { spec: string; words: string } | null;
}

const hhmm = (t: { h: number; m: number }) => `${String(t.h).padStart(2, "0")}:${String(t.m).padStart(2, "0")}`;
const MIDNIGHT = { h: 0, m: 0 };

const RULES: Rule[] = [
  {
    pattern: /\bevery\s+(\d{1,3})\s+(minutes?|mins?|hours?|hrs?)\b/i,
    spec: (m) => {
      const n = Number(m[1]);
      const hours = /^h/i.test(m[2]!);
      if (n < 1 || (hours ? n > 23 : n > 59)) return null;
      return hours ? { spec: `0 */${n} * * *`, words: `every ${n} hours` } : { spec: `*/${n} * * * *`, words: `every ${n} minutes` };
    },
  },
  { pattern: /\bevery\s+minute\b/i, spec: () => ({ spec: "* * * * *", words: "every minute" }) },
  { pattern: /\b(?:every\s+hour|hourly|once\s+an\s+hour)\b/i, spec: () => ({ spec: "0 * * * *", words: "every hour" }) },
  {
    pattern: new RegExp(String.raw`\b(?:every\s+|on\s+)(weekdays?|weekends?|${DAY})\b`, "i"),
    spec: (m, time) => {
      const t = time ?? MIDNIGHT;
      const what = m[1]!.toLowerCase();
      if (/^weekday/.test(what)) return { spec: `${t.m} ${t.h} * * 1-5`, words: `on weekdays at ${hhmm(t)}` };
      if (/^weekend/.test(what)) return { spec: `${t.m} ${t.h} * * 0,6`, words: `on weekends at ${hhmm(t)}` };
      const day = dayNumber(what);
      // "on monday" alone is one day, not every one: only a plural ("on mondays") repeats.
      if (day < 0 || (/^on\b/i.test(m[0]) && !/s$/i.test(what))) return null;
      return { spec: `${t.m} ${t.h} * * ${day}`, words: `every ${DAYS[day]} at ${hhmm(t)}` };
    },
  },
  {
    pattern: /\b(?:every\s+(?:day|night|morning|evening)|each\s+(?:day|night|morning|evening)|daily|nightly|once\s+a\s+day)\b/i,
    spec: (m, time) => {
      const t = time ?? (/morning/i.test(m[0]) ? { h: 6, m: 0 } : /evening/i.test(m[0]) ? { h: 18, m: 0 } : MIDNIGHT);
      return { spec: `${t.m} ${t.h} * * *`, words: `every day at ${hhmm(t)}` };
    },
  },
  {
    pattern: /\b(?:every\s+week|weekly|once\s+a\s+week)\b/i,
    spec: (_, time) => {
      const t = time ?? MIDNIGHT;
      return { spec: `${t.m} ${t.h} * * 0`, words: `every sunday at ${hhmm(t)}` };
    },
  },
  {
    pattern: /\b(?:every\s+month|monthly|once\s+a\s+month)\b/i,
    spec: (_, time) => {
      const t = time ?? MIDNIGHT;
      return { spec: `${t.m} ${t.h} 1 * *`, words: `on the 1st of every month at ${hhmm(t)}` };
    },
  },
];

const AT_TIME_PATTERN = new RegExp(String.raw`\b${AT_TIME}(?![\w:.])`, "i");

const LATER = new RegExp(
  String.raw`\b(?:${AT_TIME}(?![\w:.])|tomorrow|tonight|this\s+(?:evening|afternoon|morning|weekend)|next\s+(?:week|month|${DAY})|in\s+(?:\d+|a|an|one|two|five|ten|a\s+few)\s+(?:minutes?|mins?|hours?|hrs?|days?)|on\s+${DAY}|later\s+today|later\s+on)\b`,
  "i",
);

export function readWhen(text: string): When {
  for (const rule of RULES) {
    const m = rule.pattern.exec(text);
    if (!m) continue;
    // The time of day may be said before or after the repeating words: "at 3am every day".
    const said = AT_TIME_PATTERN.exec(text);
    const time = said ? clock(said[0].replace(/^(?:at|@)\s+/i, ""), said[1], said[2], said[3]) : null;
    if (said && !time) return { kind: "later", words: said[0] };
    const schedule = rule.spec(m, time);
    if (!schedule) return { kind: "later", words: m[0] };
    let request = text.replace(m[0], " ");
    if (said) request = request.replace(said[0], " ");
    return { kind: "repeating", ...schedule, request: tidy(request) };
  }
  const later = LATER.exec(text);
  return later ? { kind: "later", words: later[0] } : { kind: "now" };
}

/** The request without its time: no dangling commas or "please". */
function tidy(text: string): string {
  return text
    .replace(/\s*,\s*(?=,|$)/g, "")
    .replace(/^\s*[,;:]\s*|\s*[,;:]\s*$/g, "")
    .replace(/\s+/g, " ")
    .trim();
}
