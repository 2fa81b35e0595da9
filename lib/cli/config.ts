/**
 * @module lib/cli/config
 * aiosctl config: the configuration a person reads and changes on the machine itself. Every
 * change is checked against the schema before it is saved and saved all or nothing
 * (lib/sys/atomic-file), so aios.toml is never left broken; on the running system /etc/aios is
 * the image's files overlaid by the data disk's /var/lib/aios/etc, so what is saved is kept
 * across reboots (DESIGN.md §6a).
 */
import { readFileSync, rmSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { commonUsage, EXIT_CONFIG, parseCommonFlags } from "../config/flags.ts";
import { readAgentFiles } from "../config/agents.ts";
import { ConfigEditError, tomlValue, valueAt } from "../config/edit.ts";
import { configKeys, readConfigText, redactSecrets, saveConfigKey, saveConfigText } from "../config/file.ts";
import { ConfigError, type Config, parseConfigText, rooted } from "../config/index.ts";
import { loadServiceDirectory } from "../init/service-config.ts";
import { ConfigEffect, InitServiceDefinition, ReloadConfigResponse, ServiceState } from "../rpc/gen/aios/v1/init.ts";
import { EXIT_USAGE } from "../rpc/index.ts";
import { EXIT_NOPERM, json, runCommand } from "./command.ts";
import { writeFileAtomic } from "../sys/atomic-file.ts";

const USAGE = commonUsage(
  "aiosctl config show [KEY] | set KEY VALUE | unset KEY | check | edit | reload",
  "read and change /etc/aios/aios.toml, checked before it is saved",
  `      --json          show: the values as JSON

  show [KEY]          every key with its value (TABLE.KEY = VALUE, "# default" when the file
                      does not set it), or one key or table
  set KEY VALUE       set one key: VALUE as TOML (8, true, ["a", "b"]) or plain words
                      (0.0.0.0, debug); refused with what the key expects when it does not fit
  unset KEY           remove the key from the file: its default applies again
  check               check aios.toml, services/*.toml and agents/*.toml (exit 78 if not valid)
  edit                open aios.toml in $VISUAL or $EDITOR (vi); saved only once it is valid
  reload              the same as aiosctl reload: apply it to the running system
`,
);

export async function configCommand(argv: readonly string[]): Promise<number> {
  const parsed = parseCommonFlags(argv, USAGE, { json: { type: "boolean" } }, true);
  if (typeof parsed === "number") return parsed;
  const [action, ...rest] = parsed.positionals;
  const file = parsed.flags.config;
  const configDir = (config: Config) => rooted(parsed.flags.root, config.paths.config_dir);
  try {
    switch (action) {
      case "show":
        return show(file, rest[0], parsed.values.json === true);
      case "set":
        if (rest.length !== 2) return usage("config set needs KEY and VALUE (quote a VALUE with spaces)");
        return save(file, rest[0]!, rest[1]!);
      case "unset":
        if (rest.length !== 1) return usage("config unset needs KEY");
        return save(file, rest[0]!, null);
      case "check":
        return check(file, configDir);
      case "edit":
        return await edit(file);
      case "reload":
        return await reloadCommand(argv.filter((arg) => arg !== "reload"));
      default:
        return usage(action ? `unknown action "${action}"` : "which action? show, set, unset, check or edit");
    }
  } catch (error) {
    if (error instanceof ConfigEditError) {
      process.stderr.write(`aiosctl config: ${error.message}\nnothing was saved\n`);
      return EXIT_USAGE;
    }
    if (error instanceof ConfigError) {
      process.stderr.write(`aiosctl config: ${error.message}\nnothing was saved\n`);
      return EXIT_USAGE;
    }
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EACCES" || code === "EPERM" || code === "EROFS") {
      process.stderr.write(`aiosctl config: cannot write ${file} (${code}): run it as root on the machine; nothing was saved\n`);
      return EXIT_NOPERM;
    }
    throw error;
  }
}

function usage(message: string): number {
  process.stderr.write(`aiosctl config: ${message}\n\n${USAGE}`);
  return EXIT_USAGE;
}

/** A value as TOML writes it where TOML can (a list of tables is shown as JSON). */
function display(value: unknown): string {
  try {
    return tomlValue(value);
  } catch {
    return JSON.stringify(value);
  }
}

function show(file: string, key: string | undefined, asJson: boolean): number {
  const config = parseConfigText(readConfigText(file), file);
  const chosen = key === undefined ? config : valueAt(config, key.split("."));
  if (chosen === undefined) {
    process.stderr.write(`aiosctl config: ${key} is not a key or table of aios.toml (aiosctl config show lists them)\n`);
    return 1;
  }
  if (asJson) {
    process.stdout.write(`${JSON.stringify(redactSecrets(chosen))}\n`);
    return 0;
  }
  // Secrets say only whether they are set: aiosctl config edit shows the file as it is.
  const lines = configKeys(file)
    .filter((entry) => key === undefined || entry.key === key || entry.key.startsWith(`${key}.`))
    .map((entry) => `${entry.key} = ${display(entry.value)}${entry.setInFile ? "" : "  # default"}`);
  process.stdout.write(`${lines.join("\n")}\n`);
  return 0;
}

function save(file: string, key: string, raw: string | null): number {
  const saved = saveConfigKey(file, key, raw, true);
  if (!saved.changed) {
    process.stdout.write(`${key} = ${display(saved.after)} (unchanged)\n`);
    return 0;
  }
  process.stdout.write(
    `${key} = ${display(saved.after)}${raw === null ? " (its default)" : ""} (was ${display(saved.before)}), saved to ${file}\n` +
      "Apply it with aiosctl reload (it says what restarts for it), or at the next boot.\n",
  );
  return 0;
}

function check(file: string, configDir: (config: Config) => string): number {
  const problems: string[] = [];
  let config: Config | null = null;
  try {
    config = parseConfigText(readConfigText(file), file);
  } catch (error) {
    problems.push((error as Error).message);
  }
  if (config) {
    const dir = configDir(config);
    try {
      loadServiceDirectory(join(dir, "services"));
    } catch (error) {
      problems.push((error as Error).message);
    }
    try {
      readAgentFiles(join(dir, "agents"));
    } catch (error) {
      problems.push((error as Error).message);
    }
  }
  if (problems.length) {
    process.stderr.write(`${problems.join("\n")}\n`);
    return EXIT_CONFIG;
  }
  process.stdout.write(`${file}, ${config ? join(configDir(config), "services") : ""} and agents: valid\n`);
  return 0;
}

/** The file in an editor, as a copy beside it; saved over it only when it is valid. */
async function edit(file: string): Promise<number> {
  const original = readConfigText(file);
  const copy = join(dirname(file), `.${basename(file)}.edit-${process.pid}`);
  writeFileAtomic(copy, original, 0o600);
  const editor = process.env.VISUAL || process.env.EDITOR || "vi";
  const interactive = process.stdin.isTTY === true;
  try {
    for (;;) {
      const status = await Bun.spawn(["sh", "-c", `${editor} "$1"`, "editor", copy], { stdio: ["inherit", "inherit", "inherit"] }).exited;
      if (status !== 0) {
        process.stderr.write(`aiosctl config: the editor (${editor}) exited with status ${status}; nothing was saved\n`);
        return 1;
      }
      const edited = readFileSync(copy, "utf8");
      if (edited === original) {
        process.stdout.write("no change\n");
        return 0;
      }
      try {
        parseConfigText(edited, file);
      } catch (error) {
        process.stderr.write(`${(error as Error).message}\n`);
        if (interactive && (await askYes("edit it again? [Y/n] "))) continue;
        process.stderr.write(`nothing was saved: ${file} is as it was\n`);
        return EXIT_CONFIG;
      }
      saveConfigText(file, edited);
      process.stdout.write(`saved ${file}; apply it with aiosctl reload (it says what restarts for it), or at the next boot\n`);
      return 0;
    }
  } finally {
    rmSync(copy, { force: true });
  }
}

/** A yes/no on the terminal; an empty answer is `empty`. */
async function askYes(question: string, empty = true): Promise<boolean> {
  process.stdout.write(question);
  for await (const line of console) return line.trim() === "" ? empty : /^\s*y/i.test(line);
  return false;
}

const EFFECT_WORDS: Record<number, string> = {
  [ConfigEffect.CONFIG_EFFECT_APPLIED]: "applied now",
  [ConfigEffect.CONFIG_EFFECT_BOOT]: "takes effect at the next boot",
};

/**
 * `aiosctl reload`: aios-init reads aios.toml again, applies what it can live and says which
 * services each other change needs restarted; those are restarted with the person's yes
 * (--yes, or asked on a terminal), one after another, each waited for until it is ready.
 */
export function reloadCommand(argv: readonly string[]): Promise<number> {
  return runCommand(
    argv,
    {
      name: "reload",
      usage: "aiosctl reload [--yes]",
      summary: "read aios.toml again: apply what can change live, say which services need a restart for the rest, and restart them with your yes",
      component: "init",
      service: InitServiceDefinition,
      timeoutMs: 180_000,
      flags: { yes: { type: "boolean", short: "y", help: "restart the services that need it without asking" } },
    },
    async (init, { values }) => {
      const { changes, restart } = await init.reloadConfig({});
      if (values.json) json(ReloadConfigResponse.toJSON({ changes, restart }));
      else if (changes.length === 0) process.stdout.write("aios.toml is as it was read: nothing changed\n");
      else {
        for (const change of changes) {
          const when = change.effect === ConfigEffect.CONFIG_EFFECT_RESTART ? `restart ${change.restart.join(", ") || "(no service here reads it)"}` : (EFFECT_WORDS[change.effect] ?? "");
          process.stdout.write(`${change.key}: ${change.beforeJson} → ${change.afterJson}  (${when})\n`);
        }
      }
      if (restart.length === 0) return 0;
      const interactive = process.stdin.isTTY === true && !values.json;
      const go = values.yes === true || (interactive && (await askYes(`restart ${restart.join(", ")} now? [y/N] `, false)));
      if (!go) {
        if (!values.json) process.stdout.write(`not restarted: ${restart.map((name) => `aiosctl restart ${name}`).join("; ")} (or aiosctl reload --yes)\n`);
        return 0;
      }
      let failed = 0;
      for (const name of restart) {
        const { service } = await init.restartService({ name, waitReady: true });
        const ok = service?.state === ServiceState.SERVICE_STATE_RUNNING || service?.state === ServiceState.SERVICE_STATE_EXITED;
        if (!ok) failed++;
        if (!values.json) process.stdout.write(`${name}: ${ok ? "restarted" : `did not come back (${service?.stateReason || "see aiosctl logs " + name})`}\n`);
      }
      return failed ? 1 : 0;
    },
  );
}
