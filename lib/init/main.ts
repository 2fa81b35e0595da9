/**
 * @module lib/init/main
 * aios-init. As PID 1: stage 1 (boot.ts), stage 2 (supervise and serve Init on init.sock),
 * stage 3 (stop services in reverse order, power.ts). With --root DIR: the same supervisor
 * and service as an ordinary process, every path under DIR, no mounts, modules, network or
 * power; SIGTERM or SIGINT stops the services and exits 0.
 *
 * PID 1 never exits and never lets an error reach the kernel: an uncaught error is logged and
 * supervision goes on; a boot that cannot supervise drops to an emergency shell.
 */
import { spawnSync } from "node:child_process";
import { appendFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { type Config, DEFAULT_CONFIG_PATH, loadConfig, parseConfig, rooted, socketPath, VERSION_LINE } from "../config/index.ts";
import { createLogger, type Logger } from "../log/index.ts";
import { commonUsage, EXIT_CONFIG, loadComponentConfig, parseCommonFlags } from "../config/flags.ts";
import { type RunningServer, serve } from "../rpc/index.ts";
import { becomeSubreaper, disableCtrlAltDel } from "../sys/index.ts";
import { bindPersistentPaths, bringUpNetwork, installSshKeys, loadModules, mountDataDisk, mountKernelFilesystems, overlayConfigDir, readCmdlineText, setHostname } from "./boot.ts";
import { BootTimeline } from "./boot-timeline.ts";
import { type ConfigReading, ConfigReloader } from "./config-reload.ts";
import { parseCmdline } from "./cmdline.ts";
import { fleetServices, networkServices } from "./network-services.ts";
import { powerOff } from "./power.ts";
import { checkDataFormat, DATA_FORMAT } from "./data-format.ts";
import { UpdateTrial } from "./update-trial.ts";
import { bootedSlot } from "../update/slots.ts";
import { startReaper } from "./reaper.ts";
import { initService, type PowerAction } from "./service.ts";
import { loadServiceDirectory, type ServiceDefinition, ServiceConfigError } from "./service-config.ts";
import { Supervisor, type SystemHealthName } from "./supervisor.ts";

const SUMMARY = "PID 1 and the service supervisor";
/** The line tests and people wait for: every critical service is ready. */
export const READY_LINE = "AIOS ready";

const say = (line: string) => process.stdout.write(`aios-init: ${line}\n`);

export async function runInit(argv: readonly string[]): Promise<number> {
  const parsed = parseCommonFlags(argv, commonUsage("aios-init", SUMMARY));
  if (typeof parsed === "number") return parsed;
  const { root, config: configPath } = parsed.flags;
  const pid1 = process.pid === 1 && root === "";
  const loaded = loadComponentConfig(parsed.flags);
  if (typeof loaded === "number") {
    if (!pid1) return loaded;
    say("the configuration is invalid (above); booting with the defaults so that you can fix it");
  }
  const config = typeof loaded === "number" ? parseConfig({}, "(defaults)") : loaded;
  // Services read the same file: passed on only when it was named, so that a missing default
  // file still means "all defaults" for them too.
  return pid1 ? runAsPid1(config) : runRooted(config, root, parsed.flags.configRequired ? configPath : undefined);
}

function fileLogger(config: Config, root: string): Logger {
  const logDir = rooted(root, config.paths.log_dir);
  mkdirSync(logDir, { recursive: true });
  const path = join(logDir, "init.log");
  return createLogger({
    component: "aios-init",
    level: config.log.level,
    sink: (line) => {
      try {
        appendFileSync(path, line + "\n");
      } catch {
        process.stderr.write(line + "\n");
      }
    },
  });
}

interface Stack {
  supervisor: Supervisor;
  server: RunningServer;
  stopReaper: () => void;
}

async function startStack(
  config: Config,
  root: string,
  services: ServiceDefinition[],
  log: Logger,
  env: Record<string, string>,
  onShutdown: (action: PowerAction, reason: string) => void,
  reading: ConfigReading,
  timeline?: BootTimeline,
  onHealth?: (health: SystemHealthName, reasons: string[]) => void,
): Promise<Stack> {
  let announced = false;
  const reloader = new ConfigReloader(config, reading, log);
  const supervisor: Supervisor = new Supervisor({
    services,
    root,
    runDir: config.paths.run_dir,
    logDir: config.paths.log_dir,
    log,
    env,
    onChange: (service) => {
      if (service.state === "starting") reloader.serviceStarted(service.definition.name);
      if (service.state === "failed") say(`service ${service.definition.name} failed: ${service.reason}`);
      if (service.state === "running") timeline?.mark(`${service.definition.name} ready`);
      const { health, reasons } = supervisor.health();
      if (health === "ok" && !announced) {
        announced = true;
        say(READY_LINE);
        log.info(READY_LINE);
        if (timeline) {
          timeline.mark(READY_LINE);
          log.info("boot timeline", { steps: timeline.steps });
        }
      }
      if (health === "degraded") log.warn("system degraded", { reasons });
      onHealth?.(health, reasons);
    },
  });
  reloader.attach(supervisor);
  const stopReaper = startReaper(log);
  const server = await serve({
    socketPath: socketPath(config, root, "init"),
    component: "aios-init",
    log,
    services: [initService({ supervisor, bootedAt: new Date(), shutdown: onShutdown, reloadConfig: () => reloader.reload(), configFile: reading.file })],
  });
  timeline?.mark("aios-init serving");
  const leftovers = await supervisor.stopLeftovers();
  if (leftovers.length) say(`stopped what a previous aios-init left running: ${leftovers.join(", ")}`);
  supervisor.startAll();
  if (services.every((s) => !s.critical) && !announced) {
    announced = true;
    say(READY_LINE);
  }
  return { supervisor, server, stopReaper };
}

async function runRooted(config: Config, root: string, configPath: string | undefined): Promise<number> {
  const log = fileLogger(config, root);
  say(`${VERSION_LINE} supervising under ${root || "/"} (not PID 1: no mounts, modules, network or power)`);
  try {
    becomeSubreaper();
  } catch (error) {
    say(`cannot become a subreaper (${(error as Error).message}): orphans of services will not be reaped here`);
  }
  let services: ServiceDefinition[];
  try {
    services = [...loadServiceDirectory(rooted(root, join(config.paths.config_dir, "services"))), ...fleetServices(config)];
  } catch (error) {
    if (error instanceof ServiceConfigError) {
      process.stderr.write(`aios-init: ${error.message}\n`);
      return EXIT_CONFIG;
    }
    throw error;
  }
  const env: Record<string, string> = { AIOS_ROOT: root, ...(configPath ? { AIOS_CONFIG: configPath } : {}) };
  let resolveStop: (why: string) => void = () => {};
  const stopped = new Promise<string>((resolve) => (resolveStop = resolve));
  const file = configPath ?? rooted(root, DEFAULT_CONFIG_PATH);
  const reading: ConfigReading = { file, read: () => loadConfig({ path: file, required: configPath !== undefined }) };
  const stack = await startStack(config, root, services, log, env, (action, reason) => resolveStop(`${action} requested: ${reason}`), reading);
  for (const signal of ["SIGTERM", "SIGINT"] as const) process.on(signal, () => resolveStop(signal));
  const why = await stopped;
  say(`stopping services (${why})`);
  await stack.supervisor.stopAll();
  await stack.server.close(config.rpc.shutdown_grace_ms);
  stack.stopReaper();
  say("stopped");
  return 0;
}

async function runAsPid1(imageConfig: Config): Promise<number> {
  let config = imageConfig;
  process.on("uncaughtException", (error) => say(`uncaught error (supervision goes on): ${error.stack ?? error.message}`));
  process.on("unhandledRejection", (error) => say(`unhandled rejection (supervision goes on): ${String(error)}`));
  const timeline = new BootTimeline();
  // Stage 0 and stage 1's /init pass the moments they handed on (rootfs/stage0.sh, init.sh).
  timeline.markAt("stage 0 switched to the root image", Number(process.env.AIOS_BOOT_SWITCH_ROOT ?? Number.NaN));
  timeline.markAt("stage 1 began (/init)", Number(process.env.AIOS_BOOT_STAGE1 ?? Number.NaN));
  timeline.mark("aios-init started");
  say(`${VERSION_LINE} booting`);
  // The kernel gives PID 1 no PATH; services inherit this one (Debian's for root, /usr/local
  // first, the commands of packages installed at run time last).
  process.env.PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/var/lib/aios/pkg/bin";
  const log = createLogger({ component: "aios-init", level: config.log.level, sink: (line) => process.stderr.write(line + "\n") });
  try {
    disableCtrlAltDel();
  } catch (error) {
    log.warn("failed to route Ctrl-Alt-Del to SIGINT", { err: error });
  }
  mountKernelFilesystems(log);
  timeline.mark("kernel file systems");
  const fileLog = fileLogger(config, "");
  const cmdline = parseCmdline(readCmdlineText());
  setHostname(config, fileLog);
  loadModules(config, fileLog, say);
  timeline.mark("kernel modules");
  const storage = mountDataDisk(config, fileLog, say);
  timeline.mark("data disk");
  bindPersistentPaths(config, fileLog, say);
  if (storage === "disk" && overlayConfigDir(config, fileLog, say)) {
    // The configuration as the person left it: what follows (network, services) uses it; the
    // host name and modules are applied again for what it changes.
    const kept = loadComponentConfig({ config: DEFAULT_CONFIG_PATH, configRequired: false, root: "" });
    if (typeof kept !== "number" && !Bun.deepEquals(kept, config)) {
      config = kept;
      setHostname(config, fileLog);
      loadModules(config, fileLog, say);
      say("configuration from the data disk (/etc/aios over /var/lib/aios/etc)");
    }
  }
  timeline.mark("configuration");
  bringUpNetwork(config, fileLog, say);
  timeline.mark("network");
  installSshKeys(config, cmdline, say);

  // The data disk's format: moved forward if older; if newer, nothing but the shell runs on it.
  const format = storage === "disk" ? checkDataFormat(config.paths.state_dir) : ({ ok: true, from: DATA_FORMAT, to: DATA_FORMAT } as const);
  if (format.ok && format.from !== format.to) say(`data disk moved from format ${format.from} to ${format.to}`);
  if (!format.ok) say(`the services are not started: ${format.reason}`);

  let shuttingDown = false;
  let stack: Stack | undefined;
  const shutdown = (action: PowerAction, reason: string) => {
    if (shuttingDown) return;
    shuttingDown = true;
    say(`${action}: ${reason}; stopping services`);
    void (async () => {
      try {
        await stack?.supervisor.stopAll();
        await stack?.server.close(2000);
      } catch (error) {
        say(`error while stopping services: ${(error as Error).message}`);
      }
      say(`services stopped; ${action}`);
      powerOff(action, fileLog);
    })();
  };
  // An update on trial is kept when the services are ready, or left by a reboot (lib/update).
  const trial = new UpdateTrial({
    stateDir: config.paths.state_dir,
    slot: storage === "disk" ? bootedSlot(cmdline) : null,
    onTrial: cmdline.get("aios.trial") === "1" && format.ok,
    say,
    reboot: (reason) => shutdown("reboot", reason),
  });
  trial.atBoot();

  let services: ServiceDefinition[] = [];
  try {
    services = [...loadServiceDirectory(join(config.paths.config_dir, "services")), ...networkServices(config), ...fleetServices(config)];
  } catch (error) {
    say(`${(error as Error).message}`);
    // On a trial boot nobody may be at the console: the previous slot is the way back.
    if (trial.abandon("the service definitions are invalid")) return new Promise<number>(() => {});
    emergencyShell("the service definitions are invalid");
  }
  if (cmdline.get("aios.recovery") === "1" || !format.ok) {
    if (format.ok) say("recovery mode: only the console shell is started");
    services = services.filter((s) => s.name === "shell").map((s) => ({ ...s, after: [] }));
  }

  process.on("SIGUSR1", () => shutdown("halt", "SIGUSR1"));
  process.on("SIGUSR2", () => shutdown("poweroff", "SIGUSR2"));
  process.on("SIGTERM", () => shutdown("reboot", "SIGTERM"));
  process.on("SIGINT", () => shutdown("reboot", "Ctrl-Alt-Del"));

  try {
    const reading: ConfigReading = {
      file: DEFAULT_CONFIG_PATH,
      read: () => loadConfig({ path: DEFAULT_CONFIG_PATH }),
      applyLive: (next) => {
        setHostname(next, fileLog);
        loadModules(next, fileLog, say);
        installSshKeys(next, cmdline, say);
      },
    };
    stack = await startStack(config, "", services, fileLog, {}, shutdown, reading, timeline, (health, reasons) => trial.onHealth(health, reasons));
  } catch (error) {
    say(`cannot supervise: ${(error as Error).message}`);
    if (trial.abandon("supervision could not start")) return new Promise<number>(() => {});
    emergencyShell("supervision could not start");
  }
  // PID 1 never returns: the event loop keeps it alive; shutdown ends in reboot(2).
  return new Promise<number>(() => {});
}

/** A shell on the console for a person to repair the system; respawned when it exits. */
function emergencyShell(why: string): never {
  say(`${why}: starting an emergency shell on the console (exit it to get another)`);
  for (;;) spawnSync("/bin/setsid", ["/bin/cttyhack", "/bin/sh", "-l"], { stdio: "inherit" });
}
