/** df's Use% of the file system holding `path`: what a person checking AIOS's disk numbers compares them with. */
export function dfUsePercent(path: string): number {
  const line = Bun.spawnSync(["df", "-P", path]).stdout.toString().trim().split("\n").at(-1)!;
  const percent = /(\d+)%/.exec(line)?.[1];
  if (percent === undefined) throw new Error(`df -P ${path} printed no Use%: ${line}`);
  return Number(percent);
}
