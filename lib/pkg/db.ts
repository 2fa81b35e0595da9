/**
 * @module lib/pkg/db
 * STATE_DIR/pkg/pkg.db: the mirror's verified index (replaced whole by each update, in one
 * transaction) and what is installed, with every file each package put on the disk. WAL with
 * synchronous=FULL: a package is on record as half-installed, with its file list, before its
 * first file is written, and as installed only once its last one is.
 */
import { Database } from "bun:sqlite";
import { type Migration, migrate } from "../sys/index.ts";
import type { Candidate } from "./resolve.ts";

const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: "available, provides, installed, meta",
    apply: `
CREATE TABLE IF NOT EXISTS available (
  name TEXT NOT NULL,
  version TEXT NOT NULL,
  arch TEXT NOT NULL,
  depends TEXT NOT NULL,
  pre_depends TEXT NOT NULL,
  provides TEXT NOT NULL,
  conflicts TEXT NOT NULL,
  breaks TEXT NOT NULL,
  filename TEXT NOT NULL,
  size INTEGER NOT NULL,
  sha256 TEXT NOT NULL,
  installed_size INTEGER NOT NULL,
  section TEXT NOT NULL,
  summary TEXT NOT NULL,
  description TEXT NOT NULL,
  homepage TEXT NOT NULL,
  PRIMARY KEY (name, version, arch)
);
CREATE TABLE IF NOT EXISTS provides (virtual TEXT NOT NULL, name TEXT NOT NULL, version TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS provides_virtual ON provides(virtual);
CREATE TABLE IF NOT EXISTS installed (
  name TEXT PRIMARY KEY,
  version TEXT NOT NULL,
  arch TEXT NOT NULL,
  state TEXT NOT NULL,
  auto INTEGER NOT NULL,
  depends TEXT NOT NULL,
  provides TEXT NOT NULL,
  summary TEXT NOT NULL,
  files TEXT NOT NULL,
  scripts TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  installed_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
`,
  },
];

/** A package of the index: what the resolver reads of it, and where and how big it is. */
export interface AvailableRow extends Candidate {
  filename: string;
  size: number;
  sha256: string;
  installed_size: number;
  section: string;
  summary: string;
  description: string;
  homepage: string;
}

/** One file a package put there, relative to the package root; "d" directories, "l" links, "f" files. */
export interface InstalledFile {
  path: string;
  type: "f" | "d" | "l";
}

export interface InstalledRow {
  name: string;
  version: string;
  arch: string;
  /** "installed", or "half-installed" when its unpacking was cut short (remove cleans it up). */
  state: string;
  /** Installed only because another package needs it. */
  auto: number;
  depends: string;
  provides: string;
  summary: string;
  /** JSON: InstalledFile[]. */
  files: string;
  /** JSON: the maintainer scripts it has that were not run. */
  scripts: string;
  sha256: string;
  installed_at: number;
}

export function openPackageDatabase(path: string): Database {
  const db = new Database(path, { create: true, strict: true });
  db.exec("PRAGMA journal_mode = WAL");
  db.exec("PRAGMA synchronous = FULL");
  db.exec("PRAGMA busy_timeout = 5000");
  migrate(db, "pkg.db", MIGRATIONS);
  return db;
}
