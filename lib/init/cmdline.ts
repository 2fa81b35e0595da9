/**
 * @module lib/init/cmdline
 * The kernel command line: `aios.recovery=1`, `aios.ssh_key="ssh-ed25519 AAAA... me"`.
 * The kernel allows double quotes around a value with spaces.
 */
export function parseCmdline(text: string): Map<string, string> {
  const params = new Map<string, string>();
  const pattern = /([^\s=]+)(?:=("([^"]*)"|\S*))?/g;
  for (const match of text.matchAll(pattern)) {
    const [, key, raw, quoted] = match;
    if (!key) continue;
    params.set(key, quoted ?? raw ?? "");
  }
  return params;
}
