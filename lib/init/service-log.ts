/**
 * @module lib/init/service-log
 * What a service writes: each line goes to /var/log/aios/NAME.log (rotated by size to
 * NAME.log.1 ... NAME.log.KEEP) and to a ring buffer that StreamLogs reads and follows.
 */
import { closeSync, existsSync, fstatSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { dirname } from "node:path";

export type LogStreamName = "stdout" | "stderr" | "supervisor";

export interface LogLine {
  seq: number;
  time: Date;
  stream: LogStreamName;
  text: string;
}

export interface ServiceLogOptions {
  path: string;
  maxBytes: number;
  keep: number;
  ringLines: number;
}

export class ServiceLog {
  private readonly ring: LogLine[] = [];
  private readonly listeners = new Set<(line: LogLine) => void>();
  private seq = 0;
  private fd: number | undefined;
  private size = 0;
  private readonly partial: Record<LogStreamName, string> = { stdout: "", stderr: "", supervisor: "" };

  constructor(private readonly options: ServiceLogOptions) {}

  /** Appends a chunk of output; complete lines are recorded, a trailing partial line waits. */
  write(stream: LogStreamName, chunk: string): void {
    const text = this.partial[stream] + chunk;
    const lines = text.split("\n");
    this.partial[stream] = lines.pop() ?? "";
    for (const line of lines) this.record(stream, line);
  }

  /** Records whatever partial lines are left (the process exited without a final newline). */
  flush(): void {
    for (const stream of ["stdout", "stderr"] as const) {
      if (this.partial[stream]) {
        this.record(stream, this.partial[stream]);
        this.partial[stream] = "";
      }
    }
  }

  note(text: string): void {
    this.record("supervisor", text);
  }

  tail(count: number): LogLine[] {
    return count <= 0 ? [] : this.ring.slice(-count);
  }

  subscribe(listener: (line: LogLine) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  close(): void {
    this.flush();
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  private record(stream: LogStreamName, text: string): void {
    const line: LogLine = { seq: ++this.seq, time: new Date(), stream, text };
    this.ring.push(line);
    if (this.ring.length > this.options.ringLines) this.ring.shift();
    this.append(`${line.time.toISOString()} ${stream} ${text}\n`);
    for (const listener of this.listeners) listener(line);
  }

  private append(entry: string): void {
    try {
      if (this.fd === undefined) {
        mkdirSync(dirname(this.options.path), { recursive: true });
        this.fd = openSync(this.options.path, "a", 0o640);
        this.size = fstatSync(this.fd).size;
      }
      const bytes = Buffer.from(entry);
      if (this.size + bytes.length > this.options.maxBytes) this.rotate();
      this.size += writeSync(this.fd!, bytes);
    } catch {
      // A full or read-only disk must not stop supervision; the ring buffer still has the line.
      this.fd = undefined;
    }
  }

  private rotate(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    const { path, keep } = this.options;
    if (keep === 0) rmSync(path, { force: true });
    for (let i = keep; i >= 1; i--) {
      const from = i === 1 ? path : `${path}.${i - 1}`;
      if (existsSync(from)) renameSync(from, `${path}.${i}`);
    }
    this.fd = openSync(path, "a", 0o640);
    this.size = 0;
  }
}
