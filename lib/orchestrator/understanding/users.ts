/**
 * @module lib/orchestrator/understanding/users
 * Users and groups: the accounts, who can log in, group membership, the groups.
 */
import type { Intent } from "./types.ts";
import { list, plural } from "./words.ts";
import { cannotLogIn, parseGroup, parsePasswd } from "./accounts.ts";

export const USERS: readonly Intent[] = [
  {
    id: "users.list",
    family: "users",
    usage: "list users",
    examples: [
      "list users",
      "who has an account",
      "which users exist",
      "show all users",
      "what accounts are there",
      "cat /etc/passwd",
      "which users can log in",
      "who can log in",
      "users with a shell",
    ],
    steps: () => [
      {
        tool: "fs.read",
        input: { path: "/etc/passwd" },
        agent: "general",
        description: "Read the user accounts",
        successCheck: "users are listed",
        say: (o) => {
          const users = parsePasswd(String(o.content));
          const login = users.filter((u) => !cannotLogIn(u));
          return [
            `${plural(users.length, "account")}; ${plural(login.length, "can", "can")} log in:`,
            ...login.map((u) => `  ${u.name} (uid ${u.uid}, ${u.home}, ${u.shell})`),
            `others: ${
              list(
                users.filter((u) => !login.includes(u)).map((u) => u.name),
                30,
              ) || "none"
            }`,
          ].join("\n");
        },
      },
    ],
  },
  {
    id: "users.groups",
    family: "users",
    usage: "which groups is root in",
    needs: ["name"],
    examples: ["which groups is <name> in", "groups of <name>", "what groups does <name> belong to", "is <name> in the <name2> group", "id <name>", "group membership of <name>"],
    steps: (slots) => [
      {
        tool: "fs.read",
        input: { path: "/etc/group" },
        agent: "general",
        description: `Find the groups of ${slots.name}`,
        successCheck: "groups are listed",
        say: (o, s) => {
          const groups = String(o.content)
            .split("\n")
            .filter(Boolean)
            .map((l) => l.split(":"))
            .filter(([, , , members]) => (members ?? "").split(",").includes(s.name!))
            .map(([g]) => g!);
          const primary = String(o.content)
            .split("\n")
            .map((l) => l.split(":"))
            .find(([g]) => g === s.name)?.[0];
          const all = [...new Set([...(primary ? [primary] : []), ...groups])];
          if (s.name2) return all.includes(s.name2) ? `yes: ${s.name} is in ${s.name2}` : `no: ${s.name} is not in ${s.name2}${all.length ? ` (groups: ${list(all)})` : ""}`;
          return all.length ? `${s.name} is in ${list(all, 40)}` : `${s.name} is in no group of /etc/group (or does not exist)`;
        },
      },
    ],
  },
  {
    id: "groups.list",
    family: "users",
    usage: "list groups",
    examples: ["list groups", "which groups exist", "show all groups", "cat /etc/group", "what groups are there"],
    steps: () => [
      {
        tool: "fs.read",
        input: { path: "/etc/group" },
        agent: "general",
        description: "Read the groups",
        successCheck: "groups are listed",
        say: (o) => {
          const groups = parseGroup(String(o.content));
          return [`${plural(groups.length, "group")}:`, ...groups.map((g) => `  ${g.name} (gid ${g.gid})${g.members.length ? `: ${g.members.join(", ")}` : ""}`)].join("\n");
        },
      },
    ],
  },
];
