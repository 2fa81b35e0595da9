/**
 * @module lib/orchestrator/understanding/login
 * Accounts, logins and the login environment: one user's entry (uid, groups' gid, home,
 * shell, whether it can log in), how SSH lets people in (root, passwords, keys, port: the
 * settings of sshd_config with OpenSSH's defaults for what it does not say), and the
 * variables a login shell gets (/etc/environment, /etc/profile).
 */
import type { Intent } from "./types.ts";
import { plural } from "./words.ts";
import { cannotLogIn, parseGroup, parsePasswd } from "./accounts.ts";

type Output = Record<string, any>;

/** sshd's settings as it would apply them: the first value of each keyword wins. */
function sshSettings(config: string): Map<string, string> {
  const settings = new Map<string, string>();
  for (const raw of config.split("\n")) {
    const line = raw.replace(/#.*$/, "").trim();
    // A Match block applies to some connections only: the defaults above it are what counts.
    if (/^match\s/i.test(line)) break;
    const m = /^(\S+)\s+(.+)$/.exec(line);
    if (m && !settings.has(m[1]!.toLowerCase())) settings.set(m[1]!.toLowerCase(), m[2]!.trim());
  }
  return settings;
}

const ROOT_LOGIN: Record<string, string> = {
  yes: "root may log in, with a password or a key",
  "prohibit-password": "root may log in with a key only",
  "without-password": "root may log in with a key only",
  "forced-commands-only": "root may log in with a key, for its forced command only",
  no: "root may not log in",
};

export const LOGIN: readonly Intent[] = [
  {
    id: "users.info",
    family: "users",
    usage: "what is the home directory and shell of root",
    needs: ["name"],
    examples: [
      "what is <name> shell",
      "login shell of <name>",
      "home directory of <name>",
      "uid of <name>",
      "tell me about the user <name>",
      "does the user <name> exist",
      "which shell does <name> use",
      "where is the home of <name>",
      "getent passwd <name>",
      "what uid does <name> have",
    ],
    steps: (slots) => [
      {
        tool: "fs.read",
        input: { path: "/etc/passwd" },
        agent: "general",
        description: `Look up the account ${slots.name}`,
        successCheck: "the account is found or not",
        say: (o, s) => {
          const a = parsePasswd(String(o.content)).find((account) => account.name === s.name);
          if (!a) return `there is no user ${s.name} in /etc/passwd`;
          return `${a.name}: uid ${a.uid}, gid ${a.gid}, home ${a.home}, shell ${a.shell}${a.gecos ? ` (${a.gecos})` : ""}; ${cannotLogIn(a) ? "cannot log in (no login shell)" : "can log in"}`;
        },
      },
    ],
  },
  {
    id: "login.ssh",
    family: "users",
    usage: "can root log in over ssh",
    examples: [
      "can <name> log in over ssh",
      "is password authentication enabled for ssh",
      "show the ssh settings",
      "how can people log in with ssh",
      "is ssh key login allowed",
      "can i log in to ssh with a password",
      "permitrootlogin",
      "ssh login settings",
      "may <name> ssh in",
    ],
    steps: () => [
      {
        tool: "fs.read",
        input: { path: "/etc/ssh/sshd_config" },
        agent: "general",
        description: "Read the SSH server's settings",
        successCheck: "the settings are read",
        say: (o) => {
          const s = sshSettings(String(o.content));
          const yes = (key: string, fallback: string) => (s.get(key) ?? fallback).toLowerCase() === "yes";
          const root = (s.get("permitrootlogin") ?? "prohibit-password").toLowerCase();
          return [
            `${ROOT_LOGIN[root] ?? `PermitRootLogin ${root}`}${s.has("permitrootlogin") ? "" : " (the default)"}`,
            `passwords: ${yes("passwordauthentication", "yes") ? "allowed" : "not allowed"}${s.has("passwordauthentication") ? "" : " (the default)"}`,
            `keys: ${yes("pubkeyauthentication", "yes") ? "allowed" : "not allowed"}${s.has("authorizedkeysfile") ? ` (from ${s.get("authorizedkeysfile")})` : ""}`,
            `port ${s.get("port") ?? "22"}${s.has("listenaddress") ? ` on ${s.get("listenaddress")}` : ""}${s.has("allowusers") ? `; only ${s.get("allowusers")}` : ""}`,
          ].join("\n");
        },
      },
    ],
  },
  {
    id: "login.environment",
    family: "users",
    usage: "what is PATH set to at login",
    examples: [
      "show the environment variables",
      "what is the login environment",
      "printenv",
      "what is the value of <variable>",
      "value of <variable> at login",
      "which environment variables are set at login",
      "echo <variable>",
      "what does /etc/profile export",
      "show me <variable>",
      "what is <variable>",
      "what is in my <variable>",
    ],
    steps: (slots) => {
      const variable = slots.variable;
      return [
        {
          tool: "fs.search",
          input: { path: "/etc", name: "{environment,profile}", max_depth: 0, content: `^\\s*(export\\s+)?${variable ?? "[A-Za-z_][A-Za-z0-9_]*"}=`, every_line: true, max_results: 200 },
          agent: "general",
          description: variable ? `Find where ${variable} is set for logins` : "Read the variables a login gets",
          successCheck: "the variables are found",
          say: (o: Output) => {
            const found = o.matches as Array<{ path: string; line: number; text: string }>;
            if (!found.length) return variable ? `${variable} is not set in /etc/environment or /etc/profile` : "/etc/environment and /etc/profile set no variables";
            return [`${plural(found.length, "variable")} set for logins:`, ...found.map((m) => `  ${m.text.trim().replace(/^export\s+/, "")}  (${m.path}:${m.line})`)].join("\n");
          },
        },
      ];
    },
  },
];

type Access = "read" | "write" | "run";
const BIT: Record<Access, number> = { read: 4, write: 2, run: 1 };

/** Whether a user may read, write or run a file by its mode bits, and why (as `ls -l` would tell a person). */
export function mayAccess(access: Access, user: string, passwd: string, group: string, stat: Output): string {
  if (!stat.exists) return `${stat.path} does not exist`;
  const account = parsePasswd(passwd).find((a) => a.name === user);
  if (!account) return `there is no user ${user} in /etc/passwd`;
  const { uid, gid: primary } = account;
  const groups = parseGroup(group).filter((g) => g.gid === primary || g.members.includes(user));
  const mode = Number.parseInt(String(stat.mode), 8);
  const verb = access === "run" ? "run" : access;
  const yes = (why: string) => `yes: ${user} may ${verb} ${stat.path} (${why}; mode ${stat.mode})`;
  const no = (why: string) => `no: ${user} may not ${verb} ${stat.path} (${why}; mode ${stat.mode})`;
  const bit = BIT[access];
  if (uid === 0) return access === "run" && (mode & 0o111) === 0 ? no("not executable for anyone, root included") : yes("root may");
  if (uid === stat.uid) return mode & (bit << 6) ? yes("the owner's bits allow it") : no("the owner's bits do not allow it");
  const inGroup = groups.find((g) => g.gid === stat.gid);
  if (inGroup) return mode & (bit << 3) ? yes(`through the group ${inGroup.name}`) : no(`the group ${inGroup.name}'s bits do not allow it`);
  return mode & bit ? yes("everyone may") : no(`${user} is neither its owner nor in its group, and others may not`);
}

const accessIntent = (access: Access): Intent => ({
  id: `users.can_${access}`,
  family: "users",
  usage: { read: "can alice read /etc/shadow", write: "can alice write to /srv/data", run: "can alice run /usr/local/bin/deploy" }[access],
  needs: ["name", "path"],
  examples: {
    read: ["can <name> read <path>", "is <path> readable by <name>", "does <name> have read access to <path>", "can <name> see the contents of <path>", "may <name> read <path>"],
    write: ["can <name> write to <path>", "is <path> writable by <name>", "does <name> have write access to <path>", "can <name> modify <path>", "may <name> write <path>"],
    run: ["can <name> run <path>", "can <name> execute <path>", "does <name> have execute permission on <path>", "may <name> run <path>"],
  }[access],
  steps: (slots) => [
    { tool: "fs.read", input: { path: "/etc/passwd" }, agent: "general", description: `Look up ${slots.name}`, successCheck: "the user is read", say: () => "" },
    { tool: "fs.read", input: { path: "/etc/group" }, agent: "general", description: `Look up the groups of ${slots.name}`, successCheck: "the groups are read", say: () => "" },
    {
      tool: "fs.stat",
      input: { path: slots.path },
      agent: "general",
      description: `Read the owner and mode of ${slots.path}`,
      successCheck: "the mode is read",
      bind: () => ({ input: { path: slots.path } }),
      say: (o, s, [passwd, group]) => mayAccess(access, s.name!, String(passwd?.content ?? ""), String(group?.content ?? ""), o),
    },
  ],
});

export const ACCESS: readonly Intent[] = [accessIntent("read"), accessIntent("write"), accessIntent("run")];
