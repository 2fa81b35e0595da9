/**
 * @module lib/sys/migrate
 * Versioned SQLite schemas: each store lists its migrations in order, and opening a database
 * applies the ones it has not seen, each in one transaction with `PRAGMA user_version`, so an
 * update of AIOS carries the data forward and a crash mid-way leaves the last whole version.
 * Migration 1 of every store is its first schema written with IF NOT EXISTS, so a database
 * made before versions existed (user_version 0) is taken as it is. A database newer than the
 * code is refused: an older AIOS must not write into a schema it does not know.
 */
import type { Database } from "bun:sqlite";

export interface Migration {
  /** 1, 2, 3 ... in order, none skipped. */
  version: number;
  /** What it changes, for the error when it fails. */
  description: string;
  apply: string | ((db: Database) => void);
}

/** The file was written by a newer AIOS: not damage, and not ours to write into. */
export class NewerSchema extends Error {
  override readonly name = "NewerSchema";
}

export function schemaVersion(db: Database): number {
  return db.query<{ user_version: number }, []>("PRAGMA user_version").get()?.user_version ?? 0;
}

/** Applies the migrations the database has not had; returns the versions before and after. */
export function migrate(db: Database, name: string, migrations: readonly Migration[]): { from: number; to: number } {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`${name}: migration ${i + 1} is numbered ${m.version}; migrations are 1, 2, 3 ... in order`);
  });
  const latest = migrations.length;
  const from = schemaVersion(db);
  if (from > latest)
    throw new NewerSchema(`${name} has schema version ${from}, newer than this AIOS knows (${latest}): it was written by a newer AIOS; run that one, or move the file aside to start empty`);
  for (const migration of migrations.slice(from)) {
    try {
      db.transaction(() => {
        if (typeof migration.apply === "string") db.exec(migration.apply);
        else migration.apply(db);
        db.exec(`PRAGMA user_version = ${migration.version}`);
      })();
    } catch (error) {
      throw new Error(`${name}: migration ${migration.version} (${migration.description}) failed: ${(error as Error).message}`);
    }
  }
  return { from, to: latest };
}
