/**
 * @module lib/sys/libc
 * The few libc calls Bun does not offer, through bun:ffi: mount, umount2, sethostname,
 * reboot, sync, prctl, waitpid and getsockopt(SO_PEERCRED). glibc is loaded on first use, so importing this module
 * costs nothing on a machine that never calls it. Every failing call throws SysError naming
 * the call and the errno.
 */
import { dlopen, FFIType, ptr, read } from "bun:ffi";
import { constants } from "node:os";

const ERRNO_NAMES = new Map<number, string>(Object.entries(constants.errno).map(([name, value]) => [value, name]));

export class SysError extends Error {
  override readonly name = "SysError";
  constructor(
    readonly call: string,
    readonly errno: number,
  ) {
    super(`${call} failed: ${ERRNO_NAMES.get(errno) ?? `errno ${errno}`}`);
  }
  get code(): string {
    return ERRNO_NAMES.get(this.errno) ?? String(this.errno);
  }
}

const symbols = {
  mount: { args: [FFIType.cstring, FFIType.cstring, FFIType.cstring, FFIType.u64, FFIType.cstring], returns: FFIType.i32 },
  umount2: { args: [FFIType.cstring, FFIType.i32], returns: FFIType.i32 },
  sethostname: { args: [FFIType.cstring, FFIType.u64], returns: FFIType.i32 },
  reboot: { args: [FFIType.i32], returns: FFIType.i32 },
  sync: { args: [], returns: FFIType.void },
  prctl: { args: [FFIType.i32, FFIType.u64, FFIType.u64, FFIType.u64, FFIType.u64], returns: FFIType.i32 },
  waitpid: { args: [FFIType.i32, FFIType.ptr, FFIType.i32], returns: FFIType.i32 },
  getsockopt: { args: [FFIType.i32, FFIType.i32, FFIType.i32, FFIType.ptr, FFIType.ptr], returns: FFIType.i32 },
  __errno_location: { args: [], returns: FFIType.ptr },
} as const;

type Libc = ReturnType<typeof dlopen<typeof symbols>>["symbols"];
let libc: Libc | undefined;

function load(): Libc {
  libc ??= dlopen("libc.so.6", symbols).symbols;
  return libc;
}

function errno(): number {
  const location = load().__errno_location();
  return location ? read.i32(location, 0) : 0;
}

const cstr = (value: string) => Buffer.from(`${value}\0`);

function check(call: string, result: number): void {
  if (result !== 0) throw new SysError(call, errno());
}

export const MS_NOSUID = 0x2;
export const MS_NODEV = 0x4;
export const MS_NOEXEC = 0x8;
export const MS_RDONLY = 0x1;
export const MS_RELATIME = 0x200000;
export const MS_BIND = 0x1000;
export const MNT_DETACH = 0x2;

export function mount(source: string, target: string, fstype: string, flags = 0, data = ""): void {
  const result = load().mount(ptr(cstr(source)), ptr(cstr(target)), ptr(cstr(fstype)), BigInt(flags), data ? ptr(cstr(data)) : null);
  check(`mount ${fstype} on ${target}`, result);
}

export function umount(target: string, flags = 0): void {
  check(`umount ${target}`, load().umount2(ptr(cstr(target)), flags));
}

export function sethostname(name: string): void {
  const bytes = Buffer.from(name);
  check("sethostname", load().sethostname(ptr(bytes), BigInt(bytes.length)));
}

export function sync(): void {
  load().sync();
}

export const RB_HALT = 0xcdef0123;
export const RB_POWER_OFF = 0x4321fedc;
export const RB_AUTOBOOT = 0x01234567;

/** Does not return on success. */
export function reboot(command: number): void {
  check("reboot", load().reboot(command | 0));
}

const PR_SET_CHILD_SUBREAPER = 36;

/** Orphans of our descendants come to us instead of PID 1 (for `aios init --root`). */
export function becomeSubreaper(): void {
  check("prctl(PR_SET_CHILD_SUBREAPER)", load().prctl(PR_SET_CHILD_SUBREAPER, 1n, 0n, 0n, 0n));
}

const WNOHANG = 1;

/** Reaps pid if it has exited; returns its raw wait status, or null when it is still running. */
export function waitpidNoHang(pid: number): number | null {
  const status = new Int32Array(1);
  const result = load().waitpid(pid, ptr(status), WNOHANG);
  if (result === 0) return null;
  if (result < 0) throw new SysError(`waitpid ${pid}`, errno());
  return status[0]!;
}

const RB_DISABLE_CAD = 0;

/** Ctrl-Alt-Del sends SIGINT to PID 1 instead of rebooting at once. */
export function disableCtrlAltDel(): void {
  check("reboot(RB_DISABLE_CAD)", load().reboot(RB_DISABLE_CAD));
}

const SOL_SOCKET = 1;
const SO_PEERCRED = 17;

export interface PeerCredentials {
  readonly pid: number;
  readonly uid: number;
  readonly gid: number;
}

/** Who is at the other end of a connected Unix socket, as the kernel recorded it at connect(). */
export function peerCredentials(fd: number): PeerCredentials {
  // struct ucred { pid_t pid; uid_t uid; gid_t gid; }
  const ucred = new Int32Array(3);
  const length = new Uint32Array([12]);
  check(`getsockopt(SO_PEERCRED) on fd ${fd}`, load().getsockopt(fd, SOL_SOCKET, SO_PEERCRED, ptr(ucred), ptr(length)));
  return { pid: ucred[0]!, uid: ucred[1]! >>> 0, gid: ucred[2]! >>> 0 };
}
