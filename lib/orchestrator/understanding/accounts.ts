/**
 * @module lib/orchestrator/understanding/accounts
 * /etc/passwd and /etc/group as the families that answer about users read them: one entry a
 * line, comments and blank lines skipped, numbers as numbers.
 */

export interface Account {
  name: string;
  uid: number;
  gid: number;
  gecos: string;
  home: string;
  shell: string;
}

export interface Group {
  name: string;
  gid: number;
  members: string[];
}

const entries = (text: string) =>
  text
    .split("\n")
    .filter((line) => line.trim() && !line.startsWith("#"))
    .map((line) => line.split(":"));

export const parsePasswd = (text: string): Account[] =>
  entries(text).map(([name, , uid, gid, gecos, home, shell]) => ({ name: name ?? "", uid: Number(uid), gid: Number(gid), gecos: gecos ?? "", home: home ?? "", shell: shell ?? "" }));

export const parseGroup = (text: string): Group[] =>
  entries(text).map(([name, , gid, members]) => ({ name: name ?? "", gid: Number(gid), members: members ? members.split(",").filter(Boolean) : [] }));

/** An account that cannot log in: its shell refuses. */
export const cannotLogIn = (account: Pick<Account, "shell">) => /(?:nologin|false)$/.test(account.shell);
