/**
 * @module lib/init/config-reload
 * ReloadConfig's memory of what is in effect. A service reads aios.toml when it starts, so what
 * it runs with is the file as it was then: each start is noted, and a key the services read is
 * reported, and the service named for a restart, for as long as the file differs from what
 * that service started with, however often the file is read again. Keys aios-init applies
 * itself are compared with what it applied last; keys only a boot applies, with the boot's.
 */
import { statSync } from "node:fs";
import { type Effect, configChanges, type KeyChange } from "../config/effects.ts";
import { leaves } from "../config/edit.ts";
import type { Config } from "../config/index.ts";
import type { Logger } from "../log/index.ts";

/** Where the configuration is read from again, and (as PID 1) what applies its live keys. */
export interface ConfigReading {
  /** aios.toml's path. */
  file: string;
  read(): Config;
  applyLive?(config: Config): void;
}

/** What the reloader needs of the supervisor. */
export interface ServiceNames {
  names(): string[];
  has(name: string): boolean;
  serviceFor(name: string): string;
}

export class ConfigReloader {
  /** What aios-init applied last (the host name, modules, SSH keys). */
  private applied: Config;
  /** The file as each service found it when it last started. */
  private readonly startedWith = new Map<string, Config>();
  private services: ServiceNames | null = null;

  constructor(
    private readonly booted: Config,
    private readonly reading: ConfigReading,
    private readonly log: Logger,
  ) {
    this.applied = booted;
  }

  attach(services: ServiceNames): void {
    this.services = services;
  }

  /** A service was spawned: it reads the file as it is now. */
  serviceStarted(name: string): void {
    try {
      this.startedWith.set(name, this.readUnlessSame());
    } catch {
      // A file it cannot read either: the service fails on it and says why; nothing to note.
    }
  }

  /** The last reading while the file is the same one, unchanged: a boot starts many services at once. */
  private lastRead: { stamp: string; config: Config } | null = null;
  private readUnlessSame(): Config {
    const stat = statSync(this.reading.file, { throwIfNoEntry: false });
    const stamp = stat ? `${stat.dev}:${stat.ino}:${stat.size}:${stat.mtimeMs}` : "absent";
    if (this.lastRead?.stamp === stamp) return this.lastRead.config;
    const config = this.reading.read();
    this.lastRead = { stamp, config };
    return config;
  }

  reload(): { changes: KeyChange[]; restart: string[] } {
    const next = this.reading.read();
    const live = this.reading.applyLive !== undefined;
    const found = new Map<string, KeyChange>();
    const note = (change: KeyChange, effect: Effect) => {
      if (change.effect === effect && !found.has(change.key)) found.set(change.key, { ...change, components: [] });
    };
    for (const change of configChanges(this.applied, next, live)) note(change, "applied");
    for (const change of configChanges(this.booted, next, live)) note(change, "boot");
    const restart: string[] = [];
    for (const name of this.services?.names() ?? []) {
      for (const change of configChanges(this.startedWith.get(name) ?? this.booted, next, live)) {
        if (change.effect !== "restart" || !change.components.some((c) => this.services!.has(c) && this.services!.serviceFor(c) === name)) continue;
        if (!restart.includes(name)) restart.push(name);
        const entry = found.get(change.key) ?? found.set(change.key, { ...change, components: [] }).get(change.key)!;
        entry.components.push(name);
      }
    }
    if (live && [...found.values()].some((change) => change.effect === "applied")) this.reading.applyLive!(next);
    this.applied = next;
    const order = new Map(leaves(next).map(([key], i) => [key, i]));
    const changes = [...found.values()].sort((a, b) => (order.get(a.key) ?? 0) - (order.get(b.key) ?? 0));
    this.log.info("configuration read again", { changed: changes.map((change) => change.key), restart });
    return { changes, restart };
  }
}
