/**
 * @module lib/tools/checked-open
 * Opening what was checked, not what is there a moment later. The executor checks a path's
 * capability with its symlinks resolved, then the tool opens it: in between, someone could
 * swap a directory on the way for a symlink and the open would land outside the grant. So a
 * tool opens first and checks the descriptor: the kernel's own name for what was opened
 * (/proc/self/fd/N) is checked again, and the tool reads or writes only through that
 * descriptor. A file is created or replaced through its parent directory's descriptor
 * (/proc/self/fd/DIR/NAME walks from the opened directory itself, as openat would), so a
 * swap after the check cannot move the write elsewhere either.
 */
import { closeSync, openSync, readlinkSync, realpathSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { toolError } from "./tool-error.ts";

/** Why a logical path may not be touched, or null when it may (the executor's check). */
export type PathRefusal = (logicalPath: string) => string | null;

export class CheckedOpener {
  private resolvedRoot: string | undefined;

  constructor(
    private readonly root: string,
    private readonly refusal: PathRefusal,
  ) {}

  /** The root as the kernel names it, worked out on first use: most calls open nothing. */
  private get realRoot(): string {
    this.resolvedRoot ??= this.root === "" || this.root === "/" ? "" : realpathSync(this.root);
    return this.resolvedRoot;
  }

  /** The logical path of an opened descriptor, or null when it lies outside the root. */
  private logicalOf(fd: number): string | null {
    const real = readlinkSync(`/proc/self/fd/${fd}`).replace(/ \(deleted\)$/, "");
    if (!this.realRoot) return real;
    if (real === this.realRoot) return "/";
    return real.startsWith(`${this.realRoot}/`) ? real.slice(this.realRoot.length) : null;
  }

  private check(fd: number, named: string, target: (opened: string) => string): void {
    const opened = this.logicalOf(fd);
    const leadsTo = opened === null ? null : target(opened);
    const refused = leadsTo === null ? "it leads outside the root" : this.refusal(leadsTo);
    if (refused) {
      closeSync(fd);
      throw toolError("permission", `${named} changed while it was being opened and now leads to ${leadsTo ?? "outside the root"}: ${refused}`);
    }
  }

  /** Opens the path (logical) and checks what was opened; the caller closes the descriptor. */
  open(path: string, flags: string | number, mode?: number): number {
    const fd = openSync(join(this.root || "/", path), flags, mode);
    this.check(fd, path, (opened) => opened);
    return fd;
  }

  /**
   * Opens the path's directory and checks the name in it; returns the descriptor (the caller
   * closes it) and where the name is reached through it, for creating, renaming or removing.
   */
  openParent(path: string): { dirFd: number; at: (name?: string) => string } {
    const name = basename(path);
    const dirFd = openSync(join(this.root || "/", dirname(path)), "r");
    this.check(dirFd, path, (opened) => join(opened, name));
    return { dirFd, at: (other = name) => `/proc/self/fd/${dirFd}/${other}` };
  }
}
