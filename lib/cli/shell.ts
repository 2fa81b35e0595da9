/**
 * @module lib/cli/shell
 * `aiosctl shell`: what a person lands in on the serial console. A line editor (history, arrow
 * keys, tab completion of commands) where plain text is a goal, `:command` is any aiosctl
 * command (`:status`, `:approve ID`, `:logs aios-tools -f`), `!cmd` runs one BusyBox shell
 * command and `:sh` opens a BusyBox shell until it exits. Each command runs as its own process
 * in the foreground, so Ctrl-C stops that command (a followed goal keeps running) and never the
 * shell; Ctrl-D or `:exit` leaves.
 */
import { appendFileSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { createInterface, type Interface } from "node:readline";
import { VERSION_LINE } from "../config/index.ts";
import { type CommonFlags, commonUsage, loadComponentConfig, parseCommonFlags } from "../config/flags.ts";
import { checkHealth } from "./health.ts";

/** The shell's own :commands, besides aiosctl's. */
const OWN_COMMANDS = ["help", "sh", "exit"];

const HELP = `Type what you want done, in plain words: it becomes a goal, followed until it ends.
  disk usage · restart sshd · why is sshd failing? · open port 8080 for the web app

:commands (each takes --json and --help):
  :status              the state of AIOS          :goals               recent goals
  :approvals           what waits for you         :approve ID / :deny ID   answer one
  :services            supervised services        :logs NAME [-f]      a service's log
  :restart NAME        restart a service
  :audit [verify]      the audit ledger           :memory search TEXT  what AIOS remembers
  :usage               model spending             :autonomy [LEVEL]    manual|supervised|autonomous
  :stop / :resume      emergency stop             :health              components on their sockets
  :poweroff / :reboot  orderly shutdown           :goal TEXT --no-follow   submit without following
!CMD runs CMD in BusyBox sh · :sh opens a shell (exit to come back) · :exit or Ctrl-D leaves
Ctrl-C stops the running command; a goal being followed keeps running (see :goals).
`;

/** Splits a command line like a shell would for words and quotes ('…', "…", \\x); no expansion. */
function splitWords(line: string): string[] | { error: string } {
  const words: string[] = [];
  let word = "";
  let inWord = false;
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quote) {
      if (ch === quote) quote = null;
      else if (ch === "\\" && quote === '"' && i + 1 < line.length) word += line[++i];
      else word += ch;
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      inWord = true;
    } else if (ch === "\\" && i + 1 < line.length) {
      word += line[++i];
      inWord = true;
    } else if (/\s/.test(ch)) {
      if (inWord) words.push(word);
      word = "";
      inWord = false;
    } else {
      word += ch;
      inWord = true;
    }
  }
  if (quote) return { error: `unterminated ${quote} quote` };
  if (inWord) words.push(word);
  return words;
}

/** How to run aiosctl again as a child: the compiled multi-call binary, or bun on the source. */
function selfArgv(): string[] {
  if (!basename(process.execPath).startsWith("bun")) return [process.execPath, "ctl"];
  return Bun.main.endsWith("cmd/aios/main.ts") ? [process.execPath, Bun.main, "ctl"] : [process.execPath, Bun.main];
}

/** What a line asks for: a goal, an aiosctl command, a shell command, or the shell itself. */
type ShellAction = { kind: "run"; argv: string[] } | { kind: "sh"; command: string | null } | { kind: "exit" } | { kind: "help" } | { kind: "none" } | { kind: "error"; message: string };

function parseLine(line: string, commands: readonly string[]): ShellAction {
  const text = line.trim();
  if (!text || text.startsWith("#")) return { kind: "none" };
  if (text.startsWith("!")) return { kind: "sh", command: text.slice(1).trim() || null };
  if (!text.startsWith(":")) return { kind: "run", argv: ["goal", text] };
  const words = splitWords(text.slice(1));
  if (!Array.isArray(words)) return { kind: "error", message: words.error };
  const [command, ...rest] = words;
  if (!command || command === "help" || command === "?") return { kind: "help" };
  if (command === "exit" || command === "quit" || command === "q") return { kind: "exit" };
  if (command === "sh" || command === "shell") return { kind: "sh", command: null };
  if (!commands.includes(command)) return { kind: "error", message: `no command :${command}; :help lists them (plain text, without the colon, is a goal)` };
  return { kind: "run", argv: [command, ...rest] };
}

async function runChild(argv: string[], env: Record<string, string | undefined>, rl: Interface | null): Promise<number> {
  const tty = Boolean(process.stdin.isTTY);
  // On a terminal the child owns it while it runs: cooked mode so Ctrl-C is a signal to the
  // foreground group (the shell ignores it; the command stops). From a pipe, the lines are the
  // shell's, so the child gets no standard input.
  if (tty) rl?.pause();
  const raw = tty ? process.stdin.isRaw : false;
  if (tty) process.stdin.setRawMode(false);
  const ignore = () => undefined;
  process.on("SIGINT", ignore);
  try {
    const child = Bun.spawn(argv, { stdio: [tty ? "inherit" : "ignore", "inherit", "inherit"], env });
    return await child.exited;
  } finally {
    process.off("SIGINT", ignore);
    if (tty) {
      process.stdin.setRawMode(raw);
      rl?.resume();
    }
  }
}

/**
 * At boot the console shell starts before the services: wait (a while) for the orchestrator,
 * so that the first screen is the state of AIOS rather than connection errors. Ctrl-C skips.
 */
async function waitForAios(flags: CommonFlags): Promise<void> {
  const config = loadComponentConfig(flags);
  if (typeof config === "number") return;
  const up = async () => (await checkHealth(config, flags.root, ["orchestrator"], 1000))[0]?.status === "SERVING";
  if (await up()) return;
  process.stdout.write("AIOS is starting; the prompt comes when it is ready (Ctrl-C to skip the wait)\n");
  let skipped = false;
  const skip = () => {
    skipped = true;
  };
  process.once("SIGINT", skip);
  try {
    for (let waited = 0; waited < 90_000 && !skipped; waited += 1000) {
      await Bun.sleep(1000);
      if (skipped || (await up())) return;
    }
  } finally {
    process.off("SIGINT", skip);
  }
}

/** `commands`: the aiosctl commands a `:command` may name (main.ts's table). */
export async function shellCommand(argv: readonly string[], commands: readonly string[]): Promise<number> {
  const usage = commonUsage("aiosctl shell", "a line editor where plain text is a goal and :commands are aiosctl's");
  const parsed = parseCommonFlags(argv, usage);
  if (typeof parsed === "number") return parsed;
  const env: Record<string, string | undefined> = { ...process.env };
  if (parsed.flags.root) env.AIOS_ROOT = parsed.flags.root;
  if (parsed.flags.configRequired) env.AIOS_CONFIG = parsed.flags.config;
  const self = selfArgv();
  const interactive = Boolean(process.stdin.isTTY);
  const historyFile = join(process.env.HOME && process.env.HOME !== "/nonexistent" ? process.env.HOME : "/root", ".aios_history");
  let history: string[] = [];
  try {
    history = readFileSync(historyFile, "utf8").split("\n").filter(Boolean).slice(-500).reverse();
  } catch {
    // no history yet
  }

  if (interactive) await waitForAios(parsed.flags);
  // A terminal gets the line editor; a pipe (a script, a test) is read line by line.
  const rl = interactive
    ? createInterface({
        input: process.stdin,
        output: process.stdout,
        terminal: true,
        history,
        historySize: 500,
        prompt: "aios> ",
        completer: (line: string) => {
          if (!line.startsWith(":")) return [[], line];
          return [[...commands, ...OWN_COMMANDS].map((c) => `:${c}`).filter((c) => c.startsWith(line)), line];
        },
      })
    : null;
  const prompt = () => rl?.prompt();
  process.stdout.write(`${VERSION_LINE}: type what you want done; :help for commands, :sh for a BusyBox shell.\n`);
  if (interactive) await runChild([...self, "status"], env, rl);
  let last = 0;
  prompt();
  rl?.on("SIGINT", () => {
    // Ctrl-C at the prompt clears the line, like a shell.
    process.stdout.write("^C\n");
    rl.write(null, { ctrl: true, name: "u" });
    rl.prompt();
  });
  const lines: AsyncIterable<string> = rl ?? console;
  for await (const line of lines) {
    const action = parseLine(line, commands);
    if (action.kind !== "none" && interactive) {
      try {
        appendFileSync(historyFile, `${line}\n`, { mode: 0o600 });
      } catch {
        // read-only home: history stays in memory
      }
    }
    switch (action.kind) {
      case "exit":
        rl?.close();
        return last;
      case "help":
        process.stdout.write(HELP);
        break;
      case "error":
        process.stdout.write(`${action.message}\n`);
        break;
      case "sh":
        last = await runChild(action.command ? ["/bin/sh", "-c", action.command] : ["/bin/sh", "-l"], env, rl);
        break;
      case "run":
        last = await runChild([...self, ...action.argv], env, rl);
        break;
      case "none":
        break;
    }
    prompt();
  }
  process.stdout.write("\n");
  return last;
}
