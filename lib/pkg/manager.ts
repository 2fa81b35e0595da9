/**
 * @module lib/pkg/manager
 * Debian 12 packages installed at run time under STATE_DIR/pkg (the data disk): the mirror's
 * signed index fetched and checked, dependencies resolved against the image and what is
 * installed, every .deb checked against the index's SHA256 before it is opened, files unpacked
 * under pkg/root with a command per program in pkg/bin, and removal of exactly what install put
 * there. Maintainer scripts are never run (a package's postinst runs as root with the whole
 * machine in reach); what that leaves undone is said per package.
 *
 *   pkg/pkg.db     index and installed packages (lib/pkg/db)
 *   pkg/root/      the packages' files (usr/bin/jq, usr/lib/x86_64-linux-gnu/libjq.so.1 ...)
 *   pkg/bin/       one command per program: the program with its libraries (on PATH)
 *   pkg/cache/     the .debs installed, kept so that Rollback of a removal can put one back
 */
import type { Database } from "bun:sqlite";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileSystemUsage } from "../sys/index.ts";
import { parseStanzas, type Stanza } from "./deb822.ts";
import { type DataEntry, DebError, readDeb } from "./deb.ts";
import { decompress } from "./decompress.ts";
import { type AvailableRow, type InstalledFile, type InstalledRow, openPackageDatabase } from "./db.ts";
import { download, MirrorError, mirrorLocation } from "./fetch.ts";
import { readKeyring, ReleaseError, verifyInRelease } from "./release.ts";
import { type Present, ResolveError, resolveInstall } from "./resolve.ts";
import { BIN, filesOf, programsOf, removeFiles, unpack, writeWrapper } from "./unpack.ts";
import { compareVersions, parseRelations } from "./version.ts";

export { DebError, MirrorError, ReleaseError, ResolveError };

/** A refusal that is neither the mirror's fault nor the package's: the request itself. */
export class PackageError extends Error {}

export interface PackageSettings {
  /** The package directory, physical (STATE_DIR/pkg). */
  dir: string;
  mirror: string;
  suite: string;
  components: readonly string[];
  /** Physical paths of the keyring and the base package list. */
  keyring: string;
  base: string;
  signal?: AbortSignal;
  /** Told what is happening in a long operation (downloads, unpacking). */
  progress?: (line: string) => void;
}

export interface PackageSummary {
  name: string;
  version: string;
  summary: string;
  /** "installed", "half-installed", "image" or "" (available). */
  status: string;
}

export interface InstalledPackage {
  name: string;
  version: string;
  auto: boolean;
  commands: string[];
  /** Maintainer scripts it has that AIOS did not run. */
  scripts_not_run: string[];
}

const ARCH = "amd64";
const MAX_RELEASE_BYTES = 32 << 20;
const MAX_INDEX_BYTES = 1 << 30;
const MAX_DEB_BYTES = 1 << 30;
const DOWNLOAD_TIMEOUT_MS = 10 * 60_000;
const INDEX_COMPRESSIONS = [".xz", ".gz", ""] as const;
/** Debian policy 5.6.1 and 5.6.12. */
const PACKAGE_NAME = /^[a-z0-9][a-z0-9+.-]+$/;
const VERSION = /^[0-9A-Za-z.+~:-]+$/;

const SCRIPT_MEANING =
  "AIOS runs no maintainer scripts: system users, services, alternatives, caches and configuration they would make are not made; files are under /var/lib/aios/pkg/root (configuration in its etc/), and a program that reads data from a fixed /usr/share or /etc path does not find it there";

/** One operation at a time per package directory within this process (the tools service is one process). */
const queues = new Map<string, Promise<unknown>>();
function serialised<T>(dir: string, work: () => Promise<T>): Promise<T> {
  const previous = queues.get(dir) ?? Promise.resolve();
  const next = previous.then(work, work);
  queues.set(
    dir,
    next.catch(() => {}),
  );
  return next;
}

function stanzaText(stanza: Stanza, field: string): string {
  return stanza.get(field) ?? "";
}

/** Yields each stanza of a large deb822 text without splitting it all at once. */
function* eachStanza(text: string): Generator<Stanza> {
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf("\n\n", start);
    if (end < 0) end = text.length;
    const [stanza] = parseStanzas(text.slice(start, end));
    if (stanza) yield stanza;
    start = end + 2;
  }
}

export class PackageManager {
  private db: Database | undefined;

  constructor(private readonly settings: PackageSettings) {}

  private open(): Database {
    if (!this.db) {
      mkdirSync(this.settings.dir, { recursive: true, mode: 0o755 });
      this.db = openPackageDatabase(join(this.settings.dir, "pkg.db"));
    }
    return this.db;
  }

  close(): void {
    this.db?.close();
    this.db = undefined;
  }

  private say(line: string): void {
    this.settings.progress?.(line);
  }

  private meta(key: string): string | undefined {
    return this.open().query<{ value: string }, [string]>("SELECT value FROM meta WHERE key = ?").get(key)?.value;
  }

  /** Where this index came from: a different mirror or suite means it must be fetched again. */
  private indexSource(): string {
    return `${this.settings.mirror} ${this.settings.suite} ${this.settings.components.join(",")}`;
  }

  /** Fetches the mirror's InRelease, checks its signature, then each Packages index against it. */
  update(): Promise<{ packages: number; date: string; signed_by: string; mirror: string; suite: string }> {
    return serialised(this.settings.dir, () => this.updateNow());
  }

  private async updateNow() {
    const { mirror, suite, components, signal } = this.settings;
    const lists = join(this.settings.dir, "lists");
    rmSync(lists, { recursive: true, force: true });
    mkdirSync(lists, { recursive: true });
    try {
      if (!existsSync(this.settings.keyring)) throw new ReleaseError(`the keyring ${this.settings.keyring} is missing: set [pkg] keyring to the mirror's signing keys`);
      const keys = await readKeyring(readFileSync(this.settings.keyring));
      this.say(`fetching ${mirror} ${suite} InRelease`);
      const inRelease = join(lists, "InRelease");
      await download(mirrorLocation(mirror, `dists/${suite}/InRelease`), inRelease, { maxBytes: MAX_RELEASE_BYTES, timeoutMs: DOWNLOAD_TIMEOUT_MS, signal });
      const release = await verifyInRelease(readFileSync(inRelease, "utf8"), keys, suite);
      const texts: string[] = [];
      for (const component of components) {
        const base = `${component}/binary-${ARCH}/Packages`;
        const choice = INDEX_COMPRESSIONS.map((ext) => `${base}${ext}`).find((path) => release.files.has(path));
        if (!choice) throw new ReleaseError(`the signed Release lists no ${base} index: is ${component} a component of ${suite}?`);
        const expected = release.files.get(choice)!;
        this.say(`fetching ${choice} (${Math.ceil(expected.size / 1024)} KiB)`);
        const file = join(lists, choice.replaceAll("/", "_"));
        const got = await download(mirrorLocation(mirror, `dists/${suite}/${choice}`), file, { maxBytes: expected.size, timeoutMs: DOWNLOAD_TIMEOUT_MS, signal });
        if (got.sha256 !== expected.sha256 || got.size !== expected.size) {
          throw new ReleaseError(
            `${choice} does not match the signed Release (SHA256 ${got.sha256.slice(0, 16)}…, ${got.size} bytes; expected ${expected.sha256.slice(0, 16)}…, ${expected.size}): the mirror's index was changed or is mid-update; nothing was changed here`,
          );
        }
        texts.push(new TextDecoder().decode(await decompress(readFileSync(file), MAX_INDEX_BYTES, choice)));
      }
      const count = this.replaceIndex(texts);
      const db = this.open();
      db.transaction(() => {
        const set = db.query("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)");
        set.run("source", this.indexSource());
        set.run("date", release.date);
        set.run("signed_by", release.signedBy);
        set.run("updated_at", new Date().toISOString());
      })();
      this.say(`index: ${count} packages, Release of ${release.date}, signed by ${release.signedBy}`);
      return { packages: count, date: release.date, signed_by: release.signedBy, mirror, suite };
    } finally {
      rmSync(lists, { recursive: true, force: true });
    }
  }

  private replaceIndex(texts: readonly string[]): number {
    const db = this.open();
    let count = 0;
    db.transaction(() => {
      db.exec("DELETE FROM available; DELETE FROM provides;");
      const insert = db.query(
        "INSERT OR REPLACE INTO available (name, version, arch, depends, pre_depends, provides, conflicts, breaks, filename, size, sha256, installed_size, section, summary, description, homepage) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      );
      const provide = db.query("INSERT INTO provides (virtual, name, version) VALUES (?, ?, ?)");
      for (const text of texts) {
        for (const s of eachStanza(text)) {
          const name = stanzaText(s, "Package");
          const version = stanzaText(s, "Version");
          const arch = stanzaText(s, "Architecture");
          const sha256 = stanzaText(s, "SHA256");
          const filename = stanzaText(s, "Filename");
          // Even a signed index names files and cache paths: only Debian's own spellings pass.
          if (!PACKAGE_NAME.test(name) || !VERSION.test(version) || (arch !== ARCH && arch !== "all") || !/^[0-9a-f]{64}$/.test(sha256) || !filename || filename.split("/").includes("..")) continue;
          const [summary = "", ...rest] = stanzaText(s, "Description").split("\n");
          insert.run(
            name,
            version,
            arch,
            stanzaText(s, "Depends"),
            stanzaText(s, "Pre-Depends"),
            stanzaText(s, "Provides"),
            stanzaText(s, "Conflicts"),
            stanzaText(s, "Breaks"),
            filename,
            Number(stanzaText(s, "Size")) || 0,
            sha256,
            Number(stanzaText(s, "Installed-Size")) || 0,
            stanzaText(s, "Section"),
            summary,
            [rest.join("\n"), stanzaText(s, "Recommends") ? `Recommends: ${stanzaText(s, "Recommends")}` : ""].filter(Boolean).join("\n\n"),
            stanzaText(s, "Homepage"),
          );
          for (const group of parseRelations(stanzaText(s, "Provides"))) provide.run(group[0]!.name, name, version);
          count++;
        }
      }
    })();
    return count;
  }

  /** The index, fetched first when there is none for the configured mirror. */
  private async ensureIndex(): Promise<void> {
    if (this.meta("source") !== this.indexSource()) await this.updateNow();
  }

  /** The packages of the image (the base list), by name. */
  private imagePackages(): Map<string, Present> {
    const present = new Map<string, Present>();
    if (!existsSync(this.settings.base)) return present;
    for (const s of parseStanzas(readFileSync(this.settings.base, "utf8"))) {
      const status = s.get("Status");
      if (status !== undefined && !status.endsWith(" installed")) continue;
      const name = s.get("Package");
      const version = s.get("Version");
      if (name && version) present.set(name, { name, version, provides: s.get("Provides") ?? "", origin: "image" });
    }
    return present;
  }

  private installedRows(): InstalledRow[] {
    return this.open().query<InstalledRow, []>("SELECT * FROM installed ORDER BY name").all();
  }

  private present(): Map<string, Present> {
    const present = this.imagePackages();
    for (const row of this.installedRows()) present.set(row.name, { name: row.name, version: row.version, provides: row.provides, origin: "installed" });
    return present;
  }

  private versions(name: string): AvailableRow[] {
    return this.open().query<AvailableRow, [string]>("SELECT * FROM available WHERE name = ?").all(name);
  }

  private newestAvailable(name: string): AvailableRow | undefined {
    return this.versions(name).sort((a, b) => compareVersions(b.version, a.version))[0];
  }

  private status(name: string, image: Map<string, Present>): string {
    const row = this.open().query<{ state: string }, [string]>("SELECT state FROM installed WHERE name = ?").get(name);
    return row?.state ?? (image.has(name) ? "image" : "");
  }

  /** Packages whose name or summary has every word of the query; names that match first. */
  search(query: string, limit = 50): Promise<PackageSummary[]> {
    return serialised(this.settings.dir, async () => {
      await this.ensureIndex();
      const words = query.toLowerCase().split(/\s+/).filter(Boolean);
      if (words.length === 0) throw new PackageError("say what to look for: a name or words of a description");
      const like = (w: string) => `%${w.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      const where = words.map(() => "(name LIKE ? ESCAPE '\\' OR summary LIKE ? ESCAPE '\\')").join(" AND ");
      const rows = this.open()
        .query<AvailableRow, string[]>(`SELECT name, version, summary FROM available WHERE ${where}`)
        .all(...words.flatMap((w) => [like(w), like(w)]));
      const newest = new Map<string, AvailableRow>();
      for (const row of rows) {
        const seen = newest.get(row.name);
        if (!seen || compareVersions(row.version, seen.version) > 0) newest.set(row.name, row);
      }
      const rank = (name: string) => (name === query.toLowerCase() ? 0 : words.every((w) => name.includes(w)) ? 1 : 2);
      const image = this.imagePackages();
      return [...newest.values()]
        .sort((a, b) => rank(a.name) - rank(b.name) || a.name.length - b.name.length || a.name.localeCompare(b.name))
        .slice(0, limit)
        .map((row) => ({ name: row.name, version: row.version, summary: row.summary, status: this.status(row.name, image) }));
    });
  }

  /** What the index says of a package, and whether it is here. */
  info(name: string) {
    return serialised(this.settings.dir, async () => {
      await this.ensureIndex();
      const row = this.newestAvailable(name);
      const installed = this.open().query<InstalledRow, [string]>("SELECT * FROM installed WHERE name = ?").get(name);
      const image = this.imagePackages().get(name);
      if (!row && !installed && !image) throw new PackageError(`no package ${name} in the mirror's index (pkg.search finds names)`);
      return {
        name,
        status: installed?.state ?? (image ? "image" : "available"),
        installed_version: installed?.version ?? image?.version ?? "",
        version: row?.version ?? "",
        summary: row?.summary ?? installed?.summary ?? "",
        description: row?.description ?? "",
        section: row?.section ?? "",
        homepage: row?.homepage ?? "",
        depends: row ? [row.pre_depends, row.depends].filter(Boolean).join(", ") : (installed?.depends ?? ""),
        download_bytes: row?.size ?? 0,
        installed_kib: row?.installed_size ?? 0,
        commands: installed ? this.commandsOf(installed) : [],
        scripts_not_run: installed ? (JSON.parse(installed.scripts) as string[]) : [],
      };
    });
  }

  private commandsOf(row: InstalledRow): string[] {
    return (JSON.parse(row.files) as InstalledFile[]).filter((f) => f.path.startsWith(`${BIN}/`)).map((f) => f.path.slice(BIN.length + 1));
  }

  list(): Promise<Array<{ name: string; version: string; state: string; auto: boolean; summary: string; commands: string[] }>> {
    return serialised(this.settings.dir, async () =>
      this.installedRows().map((row) => ({ name: row.name, version: row.version, state: row.state, auto: row.auto === 1, summary: row.summary, commands: this.commandsOf(row) })),
    );
  }

  /** The names installed now (for Rollback of an install). */
  installedNames(): Promise<string[]> {
    return serialised(this.settings.dir, async () => this.installedRows().map((r) => r.name));
  }

  /** The packages installed now with what puts each back (for Rollback of a removal). */
  installedRecords(): Promise<Array<{ name: string; version: string; sha256: string; auto: boolean }>> {
    return serialised(this.settings.dir, async () => this.installedRows().map((r) => ({ name: r.name, version: r.version, sha256: r.sha256, auto: r.auto === 1 })));
  }

  /** Installs the packages (names or NAME=VERSION) and what they need. */
  install(requests: readonly string[]): Promise<{ installed: InstalledPackage[]; download_bytes: number; note: string }> {
    return serialised(this.settings.dir, async () => {
      await this.ensureIndex();
      const plan = resolveInstall(requests, { versions: (n) => this.versions(n), providers: (v) => this.providers(v), present: this.present() });
      const needBytes = plan.reduce((sum, p) => sum + p.candidate.size + p.candidate.installed_size * 1024, 0);
      const free = fileSystemUsage(this.settings.dir).availableBytes;
      if (needBytes > free)
        throw new PackageError(`installing needs about ${Math.ceil(needBytes / 1048576)} MiB and ${Math.floor(free / 1048576)} MiB are free on the data disk: free some space first`);
      this.say(`installing ${plan.map((p) => `${p.candidate.name} ${p.candidate.version}`).join(", ")}`);
      const contents: Awaited<ReturnType<typeof readDeb>>[] = [];
      for (const { candidate } of plan) contents.push(await this.fetchDeb(candidate));
      this.checkFileConflicts(plan.map((p, i) => ({ name: p.candidate.name, entries: contents[i]!.entries })));
      const installed: InstalledPackage[] = [];
      for (const [i, { candidate, auto }] of plan.entries()) {
        const deb = contents[i]!;
        installed.push(this.unpackOne(candidate, auto, deb.entries, deb.scripts));
      }
      const anyScripts = installed.some((p) => p.scripts_not_run.length > 0);
      return { installed, download_bytes: plan.reduce((s, p) => s + p.candidate.size, 0), note: anyScripts ? SCRIPT_MEANING : "" };
    });
  }

  /** Installs exact versions again from the cache (Rollback of a removal), checked against their recorded SHA256. */
  reinstall(records: ReadonlyArray<{ name: string; version: string; sha256: string; auto: boolean }>): Promise<string[]> {
    return serialised(this.settings.dir, async () => {
      const here = new Set(this.installedRows().map((r) => r.name));
      const done: string[] = [];
      for (const record of records) {
        if (here.has(record.name)) continue;
        const file = this.cachePath(record.name, record.version);
        if (!existsSync(file) || new Bun.CryptoHasher("sha256").update(readFileSync(file)).digest("hex") !== record.sha256) {
          throw new PackageError(`${record.name} ${record.version} is no longer in the package cache: install it again with pkg.install`);
        }
        const deb = await readDeb(readFileSync(file), `${record.name}_${record.version}.deb`);
        this.checkFileConflicts([{ name: record.name, entries: deb.entries }]);
        const s = deb.control;
        const candidate = {
          name: record.name,
          version: record.version,
          arch: stanzaText(s, "Architecture"),
          depends: stanzaText(s, "Depends"),
          provides: stanzaText(s, "Provides"),
          sha256: record.sha256,
          summary: stanzaText(s, "Description").split("\n")[0]!,
        };
        this.unpackOne(candidate, record.auto, deb.entries, deb.scripts);
        done.push(`${record.name} ${record.version}`);
      }
      return done;
    });
  }

  private providers(virtual: string): AvailableRow[] {
    return this.open().query<AvailableRow, [string]>("SELECT a.* FROM provides p JOIN available a ON a.name = p.name AND a.version = p.version WHERE p.virtual = ?").all(virtual);
  }

  private cachePath(name: string, version: string): string {
    return join(this.settings.dir, "cache", `${name}_${version.replaceAll(":", "%3a")}.deb`);
  }

  /** Downloads (or finds in the cache) one .deb and checks it against the index before opening it. */
  private async fetchDeb(candidate: AvailableRow) {
    const cache = join(this.settings.dir, "cache");
    mkdirSync(cache, { recursive: true });
    const file = this.cachePath(candidate.name, candidate.version);
    const what = `${candidate.name}_${candidate.version}_${candidate.arch}.deb`;
    const cached = existsSync(file) && new Bun.CryptoHasher("sha256").update(readFileSync(file)).digest("hex") === candidate.sha256;
    if (!cached) {
      this.say(`downloading ${what} (${Math.ceil(candidate.size / 1024)} KiB)`);
      const part = `${file}.part`;
      try {
        const got = await download(mirrorLocation(this.settings.mirror, candidate.filename), part, {
          maxBytes: candidate.size > 0 ? candidate.size : MAX_DEB_BYTES,
          timeoutMs: DOWNLOAD_TIMEOUT_MS,
          signal: this.settings.signal,
        });
        if (got.sha256 !== candidate.sha256) {
          throw new DebError(
            `${what} does not match the mirror's signed index (SHA256 ${got.sha256.slice(0, 16)}…, expected ${candidate.sha256.slice(0, 16)}…): a changed or damaged package; nothing was installed`,
          );
        }
        renameSync(part, file);
      } catch (error) {
        rmSync(part, { force: true });
        if (error instanceof MirrorError && /not found/.test(error.message))
          throw new MirrorError(`${error.message}: the index is older than the mirror; run pkg.update (aiosctl pkg update) and try again`);
        throw error;
      }
    }
    const deb = await readDeb(readFileSync(file), what);
    if (deb.control.get("Package") !== candidate.name || deb.control.get("Version") !== candidate.version) {
      throw new DebError(`${what} says it is ${deb.control.get("Package")} ${deb.control.get("Version")}: not what the index names; nothing was installed`);
    }
    return deb;
  }

  /** Refuses, before anything is written, a file that another package owns or two planned packages share. */
  private checkFileConflicts(packages: ReadonlyArray<{ name: string; entries: readonly DataEntry[] }>): void {
    const owners = new Map<string, string>();
    for (const row of this.installedRows()) for (const f of JSON.parse(row.files) as InstalledFile[]) if (f.type !== "d") owners.set(f.path, row.name);
    for (const { name, entries } of packages) {
      const files = [...filesOf(entries), ...[...programsOf(entries).keys()].map((c) => ({ path: `${BIN}/${c}`, type: "f" as const }))];
      for (const f of files) {
        if (f.type === "d") continue;
        const owner = owners.get(f.path);
        if (owner && owner !== name) throw new PackageError(`${name} would overwrite ${f.path}, which belongs to ${owner}: remove ${owner} first`);
        owners.set(f.path, name);
      }
    }
  }

  private unpackOne(
    candidate: { name: string; version: string; arch: string; depends: string; provides: string; sha256: string; summary: string },
    auto: boolean,
    entries: readonly DataEntry[],
    scripts: readonly string[],
  ): InstalledPackage {
    const db = this.open();
    const programs = programsOf(entries);
    const files: InstalledFile[] = [...filesOf(entries), ...[...programs.keys()].map((c) => ({ path: `${BIN}/${c}`, type: "f" as const }))];
    // On record with every file before the first is written: a cut-short unpack is cleaned up by remove.
    db.query(
      "INSERT OR REPLACE INTO installed (name, version, arch, state, auto, depends, provides, summary, files, scripts, sha256, installed_at) VALUES (?, ?, ?, 'half-installed', ?, ?, ?, ?, ?, ?, ?, ?)",
    ).run(
      candidate.name,
      candidate.version,
      candidate.arch,
      auto ? 1 : 0,
      candidate.depends,
      candidate.provides,
      candidate.summary,
      JSON.stringify(files),
      JSON.stringify(scripts),
      candidate.sha256,
      Date.now(),
    );
    this.say(`unpacking ${candidate.name} ${candidate.version} (${entries.length} entries)`);
    unpack(this.settings.dir, entries);
    for (const [command, program] of programs) writeWrapper(this.settings.dir, command, program);
    db.query("UPDATE installed SET state = 'installed' WHERE name = ?").run(candidate.name);
    return { name: candidate.name, version: candidate.version, auto, commands: [...programs.keys()], scripts_not_run: [...scripts] };
  }

  /**
   * Removes the packages and the automatically installed ones nothing needs any more. A
   * package another installed one still needs is refused, with its name.
   */
  remove(names: readonly string[]): Promise<{ removed: Array<{ name: string; version: string; files: number }> }> {
    return serialised(this.settings.dir, async () => {
      const rows = new Map(this.installedRows().map((r) => [r.name, r]));
      const image = this.imagePackages();
      for (const name of names) {
        if (!rows.has(name)) throw new PackageError(image.has(name) ? `${name} is part of the image: it cannot be removed` : `${name} is not installed (pkg.list shows what is)`);
      }
      const leaving = new Set(names);
      const staying = () => [...rows.values()].filter((r) => !leaving.has(r.name));
      const satisfied = (row: InstalledRow) => {
        const everything = [...image.values(), ...staying().map((r) => ({ name: r.name, version: r.version, provides: r.provides }))];
        return parseRelations(row.depends).every((group) => group.some((req) => everything.some((p) => p.name === req.name || parseRelations(p.provides).some((g) => g[0]!.name === req.name))));
      };
      const broken = staying().filter((r) => !satisfied(r));
      if (broken.length > 0)
        throw new PackageError(`${broken.map((r) => r.name).join(", ")} still need${broken.length === 1 ? "s" : ""} ${names.join(", ")}: remove ${broken.length === 1 ? "it" : "them"} too, or first`);
      // Then every automatically installed package that nothing staying needs.
      for (let changed = true; changed; ) {
        changed = false;
        for (const row of staying()) {
          if (row.auto !== 1) continue;
          leaving.add(row.name);
          if (staying().every(satisfied)) changed = true;
          else leaving.delete(row.name);
        }
      }
      const removed: Array<{ name: string; version: string; files: number }> = [];
      for (const name of leaving) {
        const row = rows.get(name)!;
        const files = JSON.parse(row.files) as InstalledFile[];
        this.say(`removing ${name} ${row.version} (${files.length} files)`);
        removeFiles(this.settings.dir, files);
        this.open().query("DELETE FROM installed WHERE name = ?").run(name);
        removed.push({ name, version: row.version, files: files.filter((f) => f.type !== "d").length });
      }
      return { removed };
    });
  }
}
