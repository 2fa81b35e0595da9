/**
 * @module lib/cli/pkg
 * `aiosctl pkg search|info|list|update|install|remove`: Debian 12 packages at run time, through
 * the pkg tools (lib/tools/defs/pkg) with the package agent's authority, so a person's install
 * is checked, approved and audited like an agent's: an install or removal is asked about (or
 * approved ahead with --yes) and recorded under the person's name.
 */
import { ToolsServiceDefinition } from "../rpc/gen/aios/v1/tools.ts";
import { withPersonsApproval } from "./approve.ts";
import { json, runCommand, usageError } from "./command.ts";

const USAGE = `aiosctl pkg search WORDS... | info NAME | list | update | install NAME... | remove NAME... [--yes]`;
const AGENT = "package";

interface Installed {
  name: string;
  version: string;
  auto: boolean;
  commands: string[];
  scripts_not_run: string[];
}

export function pkgCommand(argv: readonly string[]): Promise<number> {
  return runCommand(
    argv,
    {
      name: "pkg",
      usage: USAGE,
      summary: "find, install and remove Debian 12 packages (verified against the mirror's signed index; commands in /var/lib/aios/pkg/bin)",
      flags: {
        yes: { type: "boolean", short: "y", help: "approve an install or removal yourself (else you are asked)" },
        reason: { type: "string", help: "why, for the audit ledger" },
      },
      component: "tools",
      service: ToolsServiceDefinition,
      // An install downloads and unpacks: as long as the tool allows.
      timeoutMs: 31 * 60_000,
    },
    async (c, { positionals, values }) => {
      const [sub, ...names] = positionals;
      const by = process.env.SUDO_USER || process.env.USER || "root";
      const inputs: Record<string, Record<string, unknown> | undefined> = {
        search: names.length ? { query: names.join(" ") } : undefined,
        info: names.length === 1 ? { name: names[0] } : undefined,
        list: names.length === 0 ? {} : undefined,
        update: names.length === 0 ? {} : undefined,
        install: names.length ? { packages: names } : undefined,
        remove: names.length ? { packages: names } : undefined,
      };
      if (!sub || !(sub in inputs)) return usageError("pkg", `say what to do: ${USAGE}`);
      const input = inputs[sub];
      if (!input) return usageError("pkg", `${sub} takes ${sub === "info" ? "one package name" : sub === "list" || sub === "update" ? "no arguments" : "package names"}`);
      const tool = `pkg.${sub}`;
      const { token } = await c.issueCapabilityToken({ agent: AGENT, goalId: "", taskId: "", capabilities: [], ttlMs: 40 * 60_000 });
      const reason = String(values.reason ?? `aiosctl pkg ${sub} by human:${by}`);
      if (sub === "install" || sub === "update") process.stderr.write(`${sub === "install" ? `installing ${names.join(", ")}` : "fetching the index"} (the mirror is [pkg] mirror in aios.toml)…\n`);
      const response = await withPersonsApproval(c, (approvalId) => c.execute({ tool, input, capabilityToken: token, approvalId, goalId: "", taskId: "", reason, timeoutMs: 0 }), {
        yes: Boolean(values.yes),
        by,
        command: `pkg ${sub}`,
        what: `the ${sub === "install" ? "install" : "removal"}`,
      });
      if (!response) return 1;
      if (!response.ok) {
        process.stderr.write(`aiosctl pkg ${sub}: ${response.error?.message ?? "failed"}\n`);
        return response.error?.code === "invalid" ? 64 : 1;
      }
      const output = response.output as Record<string, any>;
      if (values.json) {
        json({ ...output, execution_id: response.executionId });
        return 0;
      }
      process.stdout.write(`${describe(sub, output)}\n`);
      if (sub === "install" || sub === "remove") process.stdout.write(`(audited as ${response.executionId}; undo with: aiosctl rollback ${response.executionId})\n`);
      return 0;
    },
  );
}

function describe(sub: string, o: Record<string, any>): string {
  switch (sub) {
    case "search":
      return o.packages.length ? o.packages.map((p: any) => `${p.name.padEnd(28)} ${p.version.padEnd(22)} ${p.status ? `[${p.status}] ` : ""}${p.summary}`).join("\n") : "no package matches";
    case "info":
      return [
        `${o.name} ${o.version || o.installed_version}: ${o.summary}`,
        `status: ${o.status}${o.installed_version ? ` ${o.installed_version}` : ""}`,
        o.depends && `depends: ${o.depends}`,
        o.download_bytes && `size: ${Math.ceil(o.download_bytes / 1024)} KiB download, ${o.installed_kib} KiB installed`,
        o.homepage && `homepage: ${o.homepage}`,
        o.commands.length && `commands: ${o.commands.join(", ")}`,
        o.scripts_not_run.length && `maintainer scripts not run: ${o.scripts_not_run.join(", ")}`,
        o.description && `\n${o.description}`,
      ]
        .filter(Boolean)
        .join("\n");
    case "list":
      return o.packages.length
        ? o.packages.map((p: any) => `${p.name.padEnd(28)} ${p.version.padEnd(22)} ${p.state !== "installed" ? `[${p.state}] ` : ""}${p.auto ? "(dependency) " : ""}${p.commands.join(" ")}`).join("\n")
        : "no packages installed beyond the image";
    case "update":
      return `${o.packages} packages in ${o.mirror} ${o.suite}; Release of ${o.date}, signature good (key ${o.signed_by})`;
    case "install": {
      const lines = (o.installed as Installed[]).map((p) => `installed ${p.name} ${p.version}${p.auto ? " (dependency)" : ""}${p.commands.length ? `: ${p.commands.join(", ")}` : ""}`);
      const scripts = (o.installed as Installed[]).filter((p) => p.scripts_not_run.length);
      if (scripts.length) lines.push(`not run: ${scripts.map((p) => `${p.name} ${p.scripts_not_run.join("/")}`).join(", ")}`, o.note);
      return lines.join("\n");
    }
    case "remove":
      return o.removed.map((r: any) => `removed ${r.name} ${r.version} (${r.files} files)`).join("\n");
    default:
      return JSON.stringify(o);
  }
}
