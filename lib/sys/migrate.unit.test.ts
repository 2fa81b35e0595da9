/**
 * Versioned SQLite schemas: migrations applied once each and in order, data carried forward,
 * a failed step leaving the last whole version, a newer database refused.
 */
import { Database } from "bun:sqlite";
import { describe, expect, test } from "bun:test";
import { type Migration, migrate, schemaVersion } from "./migrate.ts";

const V1: Migration = { version: 1, description: "notes", apply: "CREATE TABLE IF NOT EXISTS notes (id INTEGER PRIMARY KEY, text TEXT NOT NULL)" };
const V2: Migration = { version: 2, description: "notes get a tag", apply: "ALTER TABLE notes ADD COLUMN tag TEXT NOT NULL DEFAULT 'untagged'" };
const V3: Migration = { version: 3, description: "tags by index", apply: (db) => db.exec("CREATE INDEX notes_tag ON notes(tag)") };

describe("migrations", () => {
  test("an empty database gets every step; a second open changes nothing", () => {
    const db = new Database(":memory:");
    expect(migrate(db, "test.db", [V1, V2, V3])).toEqual({ from: 0, to: 3 });
    expect(migrate(db, "test.db", [V1, V2, V3])).toEqual({ from: 3, to: 3 });
    expect(schemaVersion(db)).toBe(3);
  });

  test("an update carries the data forward", () => {
    const db = new Database(":memory:");
    migrate(db, "test.db", [V1]);
    db.run("INSERT INTO notes (text) VALUES ('keep me')");
    expect(migrate(db, "test.db", [V1, V2, V3])).toEqual({ from: 1, to: 3 });
    expect(db.query("SELECT text, tag FROM notes").all()).toEqual([{ text: "keep me", tag: "untagged" }]);
  });

  test("a database made before versions (user_version 0, tables there) is taken as it is", () => {
    const db = new Database(":memory:");
    db.exec("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT NOT NULL)");
    db.run("INSERT INTO notes (text) VALUES ('old')");
    migrate(db, "test.db", [V1, V2]);
    expect(db.query("SELECT text, tag FROM notes").all()).toEqual([{ text: "old", tag: "untagged" }]);
  });

  test("a step that fails is undone and named; the database stays at the last whole version", () => {
    const db = new Database(":memory:");
    const broken: Migration = { version: 2, description: "a typo", apply: "CREATE TABLE tags (name TEXT); ALTER TABLE nowhere ADD COLUMN x" };
    expect(() => migrate(db, "test.db", [V1, broken])).toThrow(/^test\.db: migration 2 \(a typo\) failed: /);
    expect(schemaVersion(db)).toBe(1);
    expect(db.query("SELECT name FROM sqlite_master WHERE name = 'tags'").all()).toEqual([]);
  });

  test("a database newer than the code, or a list out of order, is refused", () => {
    const db = new Database(":memory:");
    migrate(db, "test.db", [V1, V2, V3]);
    expect(() => migrate(db, "test.db", [V1, V2])).toThrow("test.db has schema version 3, newer than this AIOS knows (2)");
    expect(() => migrate(new Database(":memory:"), "test.db", [V1, V3])).toThrow("migration 2 is numbered 3");
  });
});
