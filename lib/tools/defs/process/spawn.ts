import { existsSync } from "node:fs";
import * as v from "valibot";
import { defineTool } from "../../registry.ts";
import { AbsolutePath } from "../fs/common.ts";
import { SYSTEM_PATH, systemProgram } from "../system.ts";
import { GroupRecords } from "../../../sys/index.ts";
import { createCommandCgroup, removeCommandCgroup } from "./confine.ts";
import { join } from "node:path";
import { toolError } from "../../tool-error.ts";

// BusyBox's sh, unshare, su and setpriv, the same on the image and on a test machine (busybox-static).
const BUSYBOX = "/bin/busybox";
// In the command's own mount namespace: join its cgroup, cover each hidden directory with an
// empty tmpfs (a hidden file with /dev/null), enter the working directory only then (a directory entered before would stay
// the real one under the cover), set the limits, give up root (unless run as root: setpriv
// --nnp so no setuid program takes it back, su to the user) and exec the command.
// Arguments: CWD CGROUP N DIR... MEMORY FILES PROCESSES USER PROGRAM...
const WRAPPER = [
  "cwd=$1; cg=$2; n=$3; shift 3",
  'if [ -n "$cg" ]; then echo 0 > "$cg/cgroup.procs" || exit 125; fi',
  'while [ "$n" -gt 0 ]; do if [ -d "$1" ]; then mount -t tmpfs -o size=4k,mode=0700 aios-hidden "$1"; else mount --bind /dev/null "$1"; fi 2>/dev/null; shift; n=$((n - 1)); done',
  'cd "$cwd" || exit 126',
  'ulimit -v "$1" && ulimit -n "$2" && ulimit -u "$3" && user=$4 && shift 4 || exit 125',
  'if [ "$user" = root ]; then exec "$@"; fi',
  `exec ${BUSYBOX} setpriv --nnp ${BUSYBOX} su -p -s /bin/sh "$user" -c 'exec "$@"' aios-spawn "$@"`,
].join("; ");

/** STATE_DIR/tools/RUNNING_DIR: the process groups of the commands running now. */
export const RUNNING_DIR = "running";

/** Who a command runs as unless the call asks for root (and holds process:root). */
const UNPRIVILEGED_USER = "nobody";

/**
 * The environment a caller may set, by allow-list: the variables that change which program runs
 * or what it loads (PATH, LD_PRELOAD, PYTHONPATH, NODE_OPTIONS, BASH_ENV, GCONV_PATH ...) are
 * too many to deny one by one.
 */
const ALLOWED_ENV = /^(LANG|LANGUAGE|LC_[A-Z]+|TZ|TERM|HOME|USER|LOGNAME|TMPDIR|COLUMNS|LINES|NO_COLOR)$/;

const Limits = v.strictObject({
  timeout_ms: v.optional(v.pipe(v.number(), v.integer(), v.minValue(10), v.maxValue(300_000)), 30_000),
  memory_mb: v.optional(v.pipe(v.number(), v.integer(), v.minValue(16), v.maxValue(65_536)), 512),
  processes: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(4096)), 64),
  open_files: v.optional(v.pipe(v.number(), v.integer(), v.minValue(8), v.maxValue(65_536)), 256),
  output_bytes: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(16 * 1024 * 1024)), 65_536),
  /** Percent of one CPU (cgroup cpu.max): 50 is half a core, 200 two cores. */
  cpu_percent: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(6400)), 100),
});

async function capped(stream: ReadableStream<Uint8Array>, limit: number): Promise<{ text: string; total: number }> {
  const chunks: Uint8Array[] = [];
  let kept = 0;
  let total = 0;
  for await (const chunk of stream) {
    total += chunk.length;
    if (kept < limit) {
      const part = chunk.subarray(0, limit - kept);
      chunks.push(part);
      kept += part.length;
    }
  }
  return { text: Buffer.concat(chunks).toString("utf8"), total };
}

export const processSpawn = defineTool({
  name: "process.spawn",
  description:
    "Run a program (argv, no shell) as nobody, with limits on time, memory, processes, CPU, open files and output, out of sight of AIOS's state and sockets, and no network unless net:connect is held. as_root needs process:root and a human's yes. A shell command string needs process:shell; env takes only LANG, LC_*, TZ, TERM, HOME, USER, LOGNAME, TMPDIR, COLUMNS, LINES, NO_COLOR.",
  input: v.pipe(
    v.strictObject({
      argv: v.optional(v.pipe(v.array(v.pipe(v.string(), v.maxLength(65_536))), v.minLength(1), v.maxLength(4096))),
      command: v.optional(v.pipe(v.string(), v.nonEmpty(), v.maxLength(65_536))),
      cwd: v.optional(AbsolutePath, "/"),
      env: v.optional(
        v.record(
          v.pipe(
            v.string(),
            v.regex(
              ALLOWED_ENV,
              "is not a variable a command may be given: LANG, LANGUAGE, LC_*, TZ, TERM, HOME, USER, LOGNAME, TMPDIR, COLUMNS, LINES, NO_COLOR (no PATH, LD_*, interpreter or proxy settings)",
            ),
          ),
          v.pipe(v.string(), v.maxLength(4096)),
        ),
        {},
      ),
      stdin: v.optional(v.pipe(v.string(), v.maxLength(16 * 1024 * 1024)), ""),
      /** Run as root rather than as nobody: needs process:root for the program, and is critical risk (a human says yes). */
      as_root: v.optional(v.boolean(), false),
      limits: v.optional(Limits, {} as never),
    }),
    v.check((input) => (input.argv === undefined) !== (input.command === undefined), "give either argv or command, not both"),
  ),
  output: v.object({
    exit_code: v.number(),
    signal: v.string(),
    stdout: v.string(),
    stderr: v.string(),
    timed_out: v.boolean(),
    truncated: v.boolean(),
    network: v.boolean(),
    /** The user it ran as. */
    user: v.string(),
    /** Whether a cgroup held it (memory, processes and CPU bound for root too, killed whole). */
    cgroup: v.boolean(),
    duration_ms: v.number(),
  }),
  risk: "high",
  capability: "process:spawn",
  readOnly: false,
  idempotent: false,
  reversible: false,
  timeoutMs: 310_000,
  riskOf: (input) => (input.as_root ? "critical" : "high"),
  // argv[0] is checked against process:spawn globs ("process:spawn:/usr/bin/*"); a shell
  // string can run anything, so it needs process:shell.
  resources: (input) => {
    const program = input.command !== undefined ? "/bin/sh" : systemProgram(input.argv![0]!);
    return [input.command !== undefined ? { capability: "process:shell", resource: program } : program, ...(input.as_root ? [{ capability: "process:root", resource: program }] : [])];
  },
  async run(input, ctx) {
    if (!existsSync(BUSYBOX)) throw new Error(`${BUSYBOX} is missing: it sets the limits (install busybox-static)`);
    const program = input.command !== undefined ? ["/bin/sh", "-c", input.command] : [systemProgram(input.argv![0]!), ...input.argv!.slice(1)];
    const limits = input.limits;
    // Only a grant to connect opens the network: net:read (interfaces, routes) does not.
    const network = ctx.holdsAction("net", "connect");
    const hidden = ctx.hiddenFromCommands;
    const cwd = ctx.physical(input.cwd);
    const user = input.as_root ? "root" : UNPRIVILEGED_USER;
    if (process.getuid?.() !== 0) throw toolError("permission", "cannot confine a command without root (namespaces): run aios-tools as root");
    const cgroup = createCommandCgroup(`cmd-${crypto.randomUUID()}`, { memoryBytes: limits.memory_mb * 1024 * 1024, processes: limits.processes, cpuPercent: limits.cpu_percent });
    const wrapped = [
      BUSYBOX,
      "sh",
      "-c",
      WRAPPER,
      "aios-spawn",
      cwd,
      cgroup ?? "",
      String(hidden.length),
      ...hidden,
      String(limits.memory_mb * 1024),
      String(limits.open_files),
      String(limits.processes),
      user,
      ...program,
    ];
    // Its own PID namespace (it sees and signals only its own processes, and when it ends the
    // kernel ends everything it started, setsid or not), its own mount namespace (AIOS's state
    // and sockets covered, its own /proc), and no network unless net:connect is held.
    const argv = [BUSYBOX, "unshare", "-f", "--pid", "--mount-proc", "--propagation", "private", ...(network ? [] : ["--net"]), "--", ...wrapped];
    const started = performance.now();
    const child = Bun.spawn(argv, {
      cwd: "/",
      env: { PATH: SYSTEM_PATH, HOME: "/", ...input.env },
      stdin: new Blob([input.stdin]),
      stdout: "pipe",
      stderr: "pipe",
      // Its own session, so that a timeout kills what it started too.
      detached: true,
    });
    // Its group on record until it ends: an aios-tools killed meanwhile stops it when it starts again.
    const running = new GroupRecords(join(ctx.stateDir, RUNNING_DIR));
    running.record(String(child.pid), child.pid);
    let timedOut = false;
    const killGroup = () => {
      if (cgroup) void removeCommandCgroup(cgroup);
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {
        child.kill("SIGKILL");
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup();
    }, limits.timeout_ms);
    ctx.signal.addEventListener("abort", killGroup, { once: true });
    const half = Math.min(limits.output_bytes, ctx.outputCap);
    const [stdout, stderr, code] = await Promise.all([capped(child.stdout, half), capped(child.stderr, half), child.exited]);
    clearTimeout(timer);
    ctx.signal.removeEventListener("abort", killGroup);
    running.forget(String(child.pid));
    if (cgroup) await removeCommandCgroup(cgroup);
    const signal = typeof child.signalCode === "string" ? child.signalCode : "";
    return {
      exit_code: signal ? -1 : code,
      signal,
      stdout: stdout.text,
      stderr: stderr.text,
      timed_out: timedOut,
      truncated: stdout.total > half || stderr.total > half,
      network,
      user,
      cgroup: cgroup !== null,
      duration_ms: Math.round(performance.now() - started),
    };
  },
});
