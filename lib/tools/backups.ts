/**
 * @module lib/tools/backups
 * What reversible calls saved, under STATE_DIR/tools/backups/ID: meta.json and the saved
 * files. The newest `retention` backups are kept; Rollback restores one by execution id.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { notFound } from "../rpc/index.ts";
import type { Backup } from "./registry.ts";

export class Backups {
  private sequence = 0;

  constructor(
    private readonly dir: string,
    private readonly retention: number,
  ) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  }

  /** Saves a backup with the input of the call that made it (Rollback checks capabilities on it). */
  save(tool: string, backup: Backup, input: unknown): string {
    // Time, then a counter for calls within the same millisecond: ids sort in the order saved.
    const order = `${Date.now().toString(36).padStart(9, "0")}${(this.sequence++ % 36 ** 4).toString(36).padStart(4, "0")}`;
    const id = `bak_${order}_${crypto.randomUUID().slice(0, 8)}`;
    const target = join(this.dir, id);
    mkdirSync(target, { mode: 0o700 });
    for (const [name, source] of Object.entries(backup.files ?? {})) copyFileSync(source, join(target, name));
    writeFileSync(join(target, "meta.json"), JSON.stringify({ tool, input, kind: backup.kind, data: backup.data, files: Object.keys(backup.files ?? {}) }), { mode: 0o600 });
    this.prune();
    return id;
  }

  load(id: string): { tool: string; input: unknown; backup: Backup; dir: string } {
    const dir = join(this.dir, id);
    if (!/^bak_[0-9a-z]{13}_[0-9a-f]{8}$/.test(id) || !existsSync(join(dir, "meta.json"))) {
      throw notFound(`backup ${id} is gone (only the newest ${this.retention} are kept)`);
    }
    const meta = JSON.parse(readFileSync(join(dir, "meta.json"), "utf8")) as { tool: string; input: unknown; kind: string; data: Record<string, unknown> };
    return { tool: meta.tool, input: meta.input, backup: { kind: meta.kind, data: meta.data }, dir };
  }

  private prune(): void {
    const all = readdirSync(this.dir)
      .filter((name) => name.startsWith("bak_"))
      .sort();
    for (const old of all.slice(0, Math.max(0, all.length - this.retention))) rmSync(join(this.dir, old), { recursive: true, force: true });
  }
}
