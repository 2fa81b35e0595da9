/**
 * @module lib/tools/defs/pkg/tools
 * Debian 12 packages at run time (lib/pkg): search and read the mirror's signed index, install
 * with dependencies, remove. An install or a removal changes what programs the machine has, so
 * it is as risky as a write of system software and goes through approvals; Rollback of an
 * install removes what it added, Rollback of a removal puts the same versions back from the
 * package cache.
 */
import * as v from "valibot";
import { defineTool } from "../../registry.ts";
import { PackageList, PackageName, withPackages } from "./manager.ts";

const Summary = v.object({ name: v.string(), version: v.string(), summary: v.string(), status: v.string() });

export const pkgUpdate = defineTool({
  name: "pkg.update",
  description: "Fetch the package mirror's index again ([pkg] mirror, Debian 12) and check its signature; pkg.search and pkg.install fetch it themselves when there is none.",
  input: v.strictObject({}),
  output: v.object({ packages: v.number(), date: v.string(), signed_by: v.string(), mirror: v.string(), suite: v.string() }),
  risk: "low",
  capability: "pkg:update",
  readOnly: false,
  idempotent: true,
  reversible: false,
  timeoutMs: 15 * 60_000,
  resources: () => [],
  run: (_input, ctx) => withPackages(ctx, (m) => m.update()),
});

export const pkgSearch = defineTool({
  name: "pkg.search",
  description: "Find Debian 12 packages that can be installed, by words of their name or description (status: installed, image, or empty when available).",
  input: v.strictObject({ query: v.pipe(v.string(), v.minLength(1), v.maxLength(200)), limit: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(200)), 30) }),
  output: v.object({ packages: v.array(Summary) }),
  risk: "low",
  capability: "pkg:read",
  readOnly: true,
  idempotent: true,
  reversible: false,
  timeoutMs: 15 * 60_000,
  resources: () => [],
  run: (input, ctx) => withPackages(ctx, async (m) => ({ packages: await m.search(input.query, input.limit) })),
});

export const pkgInfo = defineTool({
  name: "pkg.info",
  description: "What a package is: version, description, dependencies, size, whether it is installed or part of the image, its commands and the maintainer scripts AIOS did not run.",
  input: v.strictObject({ name: PackageName }),
  output: v.object({
    name: v.string(),
    status: v.string(),
    installed_version: v.string(),
    version: v.string(),
    summary: v.string(),
    description: v.string(),
    section: v.string(),
    homepage: v.string(),
    depends: v.string(),
    download_bytes: v.number(),
    installed_kib: v.number(),
    commands: v.array(v.string()),
    scripts_not_run: v.array(v.string()),
  }),
  risk: "low",
  capability: "pkg:read",
  readOnly: true,
  idempotent: true,
  reversible: false,
  timeoutMs: 15 * 60_000,
  resources: (input) => [input.name.split("=")[0]!],
  run: (input, ctx) => withPackages(ctx, (m) => m.info(input.name.split("=")[0]!)),
});

export const pkgList = defineTool({
  name: "pkg.list",
  description: "The packages installed at run time (not the image's own), with their versions, commands, and whether each was installed only as a dependency.",
  input: v.strictObject({}),
  output: v.object({ packages: v.array(v.object({ name: v.string(), version: v.string(), state: v.string(), auto: v.boolean(), summary: v.string(), commands: v.array(v.string()) })) }),
  risk: "low",
  capability: "pkg:read",
  readOnly: true,
  idempotent: true,
  reversible: false,
  timeoutMs: 30_000,
  resources: () => [],
  run: (_input, ctx) => withPackages(ctx, async (m) => ({ packages: await m.list() })),
});

const Installed = v.object({ name: v.string(), version: v.string(), auto: v.boolean(), commands: v.array(v.string()), scripts_not_run: v.array(v.string()) });

export const pkgInstall = defineTool({
  name: "pkg.install",
  description:
    "Install Debian 12 packages (and what they depend on) onto the data disk, verified against the mirror's signed index; their commands are on PATH (/var/lib/aios/pkg/bin). No maintainer scripts run. Reversible: Rollback removes what was installed.",
  input: v.strictObject({ packages: PackageList }),
  output: v.object({ installed: v.array(Installed), download_bytes: v.number(), note: v.string() }),
  risk: "high",
  capability: "pkg:install",
  readOnly: false,
  idempotent: false,
  reversible: true,
  timeoutMs: 30 * 60_000,
  resources: (input) => input.packages.map((p) => p.split("=")[0]!),
  backup: (_input, ctx) => withPackages(ctx, async (m) => ({ kind: "pkg-install", data: { before: await m.installedNames() } })),
  restore: (backup, _dir, ctx) =>
    withPackages(ctx, async (m) => {
      const before = new Set(backup.data.before as string[]);
      const added = (await m.installedNames()).filter((name) => !before.has(name));
      if (added.length === 0) return "nothing to remove: the packages it installed are gone already";
      const { removed } = await m.remove(added);
      return `removed ${removed.map((r) => `${r.name} ${r.version}`).join(", ")}`;
    }),
  run: (input, ctx) => withPackages(ctx, (m) => m.install(input.packages)),
});

export const pkgRemove = defineTool({
  name: "pkg.remove",
  description:
    "Remove installed packages: exactly the files their install put there, and the packages installed only as their dependencies that nothing else needs. Reversible: Rollback installs the same versions again from the package cache.",
  input: v.strictObject({ packages: v.pipe(v.array(v.pipe(v.string(), v.maxLength(200), v.regex(/^[a-z0-9][a-z0-9+.-]+$/, "must be a package name"))), v.minLength(1), v.maxLength(50)) }),
  output: v.object({ removed: v.array(v.object({ name: v.string(), version: v.string(), files: v.number() })) }),
  risk: "high",
  capability: "pkg:remove",
  readOnly: false,
  idempotent: false,
  reversible: true,
  timeoutMs: 10 * 60_000,
  resources: (input) => input.packages,
  backup: (_input, ctx) => withPackages(ctx, async (m) => ({ kind: "pkg-remove", data: { installed: await m.installedRecords() } })),
  restore: (backup, _dir, ctx) =>
    withPackages(ctx, async (m) => {
      const done = await m.reinstall(backup.data.installed as Array<{ name: string; version: string; sha256: string; auto: boolean }>);
      return done.length > 0 ? `installed again ${done.join(", ")}` : "nothing to put back: every package is installed";
    }),
  run: (input, ctx) => withPackages(ctx, (m) => m.remove(input.packages)),
});
