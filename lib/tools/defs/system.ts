/**
 * @module lib/tools/defs/system
 * Programs the tools run (ip, nft, a spawned argv[0]) are looked up in the system's sbin and
 * bin directories: services may start with a shorter PATH than a login shell has. The commands
 * of packages installed at run time (lib/pkg) come last: they never shadow the image's.
 */
export const SYSTEM_PATH = "/usr/sbin:/usr/bin:/sbin:/bin:/var/lib/aios/pkg/bin";

/** The full path of a program in SYSTEM_PATH, or the name as given when it is not there. */
export function systemProgram(name: string): string {
  return Bun.which(name, { PATH: SYSTEM_PATH }) ?? name;
}
