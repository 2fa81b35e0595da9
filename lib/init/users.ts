/**
 * @module lib/init/users
 * User names to uid/gid from an /etc/passwd file (BusyBox has no getent in the image).
 */
import { readFileSync } from "node:fs";

export interface Identity {
  uid: number;
  gid: number;
  home: string;
}

export function resolveUser(user: string | number, passwdPath: string): Identity {
  let lines: string[] = [];
  try {
    lines = readFileSync(passwdPath, "utf8").split("\n");
  } catch {
    // No passwd file: only numeric ids and root can be resolved.
  }
  for (const line of lines) {
    const [name, , uid, gid, , home] = line.split(":");
    if (name === String(user) || (typeof user === "number" && Number(uid) === user)) {
      return { uid: Number(uid), gid: Number(gid), home: home ?? "/" };
    }
  }
  if (user === "root" || user === 0) return { uid: 0, gid: 0, home: "/root" };
  if (typeof user === "number") return { uid: user, gid: user, home: "/" };
  throw new Error(`unknown user "${user}" (not in ${passwdPath})`);
}
