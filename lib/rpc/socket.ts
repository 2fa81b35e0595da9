/**
 * @module lib/rpc/socket
 * Unix socket files. A socket left by a crashed process is removed; a socket that a live
 * server answers on is never taken over: two servers on one socket would split the clients.
 */
import { chmodSync, lstatSync, mkdirSync, unlinkSync } from "node:fs";
import { connect } from "node:net";
import { dirname } from "node:path";
import { alreadyExists, failedPrecondition } from "./errors.ts";

/** Longest path the kernel accepts in sockaddr_un (108 bytes with the NUL). */
const MAX_SOCKET_PATH = 107;

/** Whether something accepts a connection on a Unix socket path or a TCP port, within 1 s. */
export function canConnect(target: { path: string } | { host: string; port: number }): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(target);
    const finish = (alive: boolean) => {
      socket.destroy();
      resolve(alive);
    };
    socket.once("connect", () => finish(true));
    socket.once("error", () => finish(false));
    socket.setTimeout(1000, () => finish(false));
  });
}

/** Makes the directory and clears a stale socket so that a server can bind to path. */
export async function prepareSocketPath(path: string): Promise<void> {
  if (Buffer.byteLength(path) > MAX_SOCKET_PATH) {
    throw failedPrecondition(`socket path ${path} is longer than the ${MAX_SOCKET_PATH} bytes Unix sockets allow; use a shorter run_dir`);
  }
  mkdirSync(dirname(path), { recursive: true, mode: 0o755 });
  let stat: ReturnType<typeof lstatSync>;
  try {
    stat = lstatSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
    throw error;
  }
  if (!stat.isSocket()) {
    throw failedPrecondition(`${path} exists and is not a socket; move it away before starting`);
  }
  if (await canConnect({ path })) {
    throw alreadyExists(`another process is already serving on ${path}; stop it first`);
  }
  unlinkSync(path);
}

export function restrictSocket(path: string, mode: number): void {
  chmodSync(path, mode);
}

export function removeSocket(path: string): void {
  try {
    unlinkSync(path);
  } catch (error) {
    // ENOENT: already gone, which is what we wanted.
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
}
