/**
 * @module lib/orchestrator/understanding/packages
 * Software: Debian 12 packages found, installed and removed at run time (the pkg tools), and
 * what is installed.
 */
import type { Intent, Output } from "./types.ts";

const installed = (o: Output) =>
  (o.installed as Array<{ name: string; version: string; auto: boolean; commands: string[]; scripts_not_run: string[] }>)
    .map(
      (p) =>
        `${p.name} ${p.version}${p.auto ? " (needed by the others)" : ""}${p.commands.length ? `: ${p.commands.join(", ")}` : ""}${p.scripts_not_run.length ? ` — its ${p.scripts_not_run.join(", ")} not run` : ""}`,
    )
    .join("\n");

const packageName = (name: string) => name.toLowerCase();

export const PACKAGES: readonly Intent[] = [
  {
    id: "pkg.install",
    family: "packages",
    usage: "install jq",
    effect: true,
    needs: ["name"],
    examples: [
      "install <name>",
      "install the <name> package",
      "apt install <name>",
      "apt-get install <name>",
      "please install <name> for me",
      "install <name> on this machine",
      "install <name> please",
    ],
    steps: (slots) => [
      {
        tool: "pkg.install",
        input: { packages: [packageName(slots.name!)] },
        agent: "package",
        description: `Install the ${packageName(slots.name!)} package and what it needs`,
        successCheck: `${packageName(slots.name!)} is installed`,
        say: (o) => `installed:\n${installed(o)}${o.note ? `\n(${o.note})` : ""}`,
      },
    ],
  },
  {
    id: "pkg.remove",
    family: "packages",
    usage: "uninstall jq",
    effect: true,
    needs: ["name"],
    examples: ["uninstall <name>", "remove the <name> package", "remove package <name>", "apt remove <name>", "apt-get purge <name>", "get rid of the <name> package", "delete the package <name>"],
    steps: (slots) => [
      {
        tool: "pkg.remove",
        input: { packages: [packageName(slots.name!)] },
        agent: "package",
        description: `Remove the ${packageName(slots.name!)} package`,
        successCheck: `${packageName(slots.name!)} is not installed`,
        say: (o) => `removed ${(o.removed as Array<{ name: string; version: string; files: number }>).map((r) => `${r.name} ${r.version} (${r.files} files)`).join(", ")}`,
      },
    ],
  },
  {
    id: "pkg.search",
    family: "packages",
    usage: "search packages for json",
    needs: ["name"],
    examples: [
      "search packages for <name>",
      "apt search <name>",
      "apt-cache search <name>",
      "is there a package for <name>",
      "search the packages for <name>",
      "which package provides the <name> command",
      "packages that do <name>",
    ],
    steps: (slots) => [
      {
        tool: "pkg.search",
        input: { query: slots.name!, limit: 20 },
        agent: "package",
        description: `Search the package index for ${slots.name}`,
        successCheck: "matching packages are listed",
        say: (o) => {
          const found = o.packages as Array<{ name: string; version: string; summary: string; status: string }>;
          return found.length ? found.map((p) => `${p.name} ${p.version}${p.status ? ` [${p.status}]` : ""}: ${p.summary}`).join("\n") : `no package matches ${slots.name}`;
        },
      },
    ],
  },
  {
    id: "pkg.info",
    family: "packages",
    usage: "apt show jq",
    needs: ["name"],
    examples: [
      "apt show <name>",
      "apt-cache show <name>",
      "tell me about the <name> package",
      "describe package <name>",
      "package info for <name>",
      "which version of <name> can i install",
      "is the <name> package installed",
    ],
    steps: (slots) => [
      {
        tool: "pkg.info",
        input: { name: packageName(slots.name!) },
        agent: "package",
        description: `Describe the ${packageName(slots.name!)} package`,
        successCheck: "the package is described",
        say: (o) =>
          [
            `${o.name} ${o.version || o.installed_version}: ${o.summary}`,
            `status: ${o.status}${o.installed_version ? ` (${o.installed_version})` : ""}`,
            o.depends ? `depends on: ${o.depends}` : "",
            o.download_bytes ? `download ${Math.ceil(o.download_bytes / 1024)} KiB, ${o.installed_kib} KiB installed` : "",
            o.commands.length ? `commands: ${o.commands.join(", ")}` : "",
          ]
            .filter(Boolean)
            .join("\n"),
      },
    ],
  },
  {
    id: "pkg.list",
    family: "packages",
    usage: "list installed packages",
    examples: ["list installed packages", "what packages are installed", "apt list --installed", "dpkg -l", "which packages were added", "show the installed packages"],
    steps: () => [
      {
        tool: "pkg.list",
        input: {},
        agent: "package",
        description: "List the packages installed at run time",
        successCheck: "installed packages are listed",
        say: (o) => {
          const packages = o.packages as Array<{ name: string; version: string; state: string; auto: boolean; commands: string[] }>;
          return packages.length
            ? packages
                .map((p) => `${p.name} ${p.version}${p.state !== "installed" ? ` [${p.state}]` : ""}${p.auto ? " (dependency)" : ""}${p.commands.length ? `: ${p.commands.join(", ")}` : ""}`)
                .join("\n")
            : "no packages installed beyond the image (pkg install adds some)";
        },
      },
    ],
  },
  {
    id: "pkg.update",
    family: "packages",
    usage: "update the package index",
    examples: ["update the package index", "apt update", "refresh the package lists", "fetch the latest package list", "get the newest package index"],
    steps: () => [
      {
        tool: "pkg.update",
        input: {},
        agent: "package",
        description: "Fetch the package mirror's index",
        successCheck: "the index is fetched and its signature checked",
        say: (o) => `${o.packages} packages in ${o.mirror} ${o.suite} (Release of ${o.date}, signed by ${o.signed_by})`,
      },
    ],
  },
];
