/**
 * @module lib/log
 * JSON-lines logs: one object per line with time, component, level, msg and ids (goal_id,
 * task_id, execution_id ...). aios-init captures each service's stderr into
 * /var/log/aios/NAME.log, so a log line is greppable and parseable wherever it ends up.
 */

export const LOG_LEVELS = ["debug", "info", "warn", "error"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Extra fields of a line. Ids use snake case (goal_id) so lines from every component match. */
export type LogFields = Record<string, unknown>;

export interface Logger {
  readonly component: string;
  readonly level: LogLevel;
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** A logger that adds these fields to every line (a goal's logger carries its goal_id). */
  child(fields: LogFields): Logger;
  enabled(level: LogLevel): boolean;
}

export type LogSink = (line: string) => void;

export interface LoggerOptions {
  component: string;
  level?: LogLevel;
  /** Where lines go; standard error by default. Tests pass an array's push. */
  sink?: LogSink;
  fields?: LogFields;
}

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

// Keys a caller cannot overwrite: a field named "level" must not change a line's level.
const RESERVED = new Set(["time", "level", "component", "msg"]);

export const stderrSink: LogSink = (line) => {
  process.stderr.write(line + "\n");
};

export function createLogger(options: LoggerOptions): Logger {
  const level = options.level ?? "info";
  const sink = options.sink ?? stderrSink;
  const base = options.fields ?? {};
  const threshold = RANK[level];

  const write = (lineLevel: LogLevel, msg: string, fields?: LogFields): void => {
    if (RANK[lineLevel] < threshold) return;
    const line: Record<string, unknown> = {
      time: new Date().toISOString(),
      level: lineLevel,
      component: options.component,
      msg,
    };
    for (const source of [base, fields ?? {}]) {
      for (const [key, value] of Object.entries(source)) {
        if (value === undefined) continue;
        line[RESERVED.has(key) ? `field_${key}` : key] = value instanceof Error ? errorFields(value) : value;
      }
    }
    sink(safeStringify(line));
  };

  return {
    component: options.component,
    level,
    debug: (msg, fields) => write("debug", msg, fields),
    info: (msg, fields) => write("info", msg, fields),
    warn: (msg, fields) => write("warn", msg, fields),
    error: (msg, fields) => write("error", msg, fields),
    child: (fields) => createLogger({ ...options, level, sink, fields: { ...base, ...fields } }),
    enabled: (candidate) => RANK[candidate] >= threshold,
  };
}

function errorFields(error: Error): Record<string, unknown> {
  return { name: error.name, message: error.message, stack: error.stack };
}

// A log call must never throw: cycles and BigInts are written as text instead. Plain
// JSON.stringify first: it throws on exactly those, and a replacer function called for every
// key made each call's log line several times dearer (every RPC writes one).
function safeStringify(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch {
    return stringifyAnything(value);
  }
}

function stringifyAnything(value: unknown): string {
  const seen = new WeakSet<object>();
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === "bigint") return v.toString();
    if (typeof v === "object" && v !== null) {
      if (seen.has(v)) return "[cycle]";
      seen.add(v);
    }
    return v;
  });
}
