/**
 * @module lib/pkg/fetch
 * Files from a package mirror: an http(s):// URL, a file:// URL or a local directory (a
 * mounted medium). Each download is bounded in size and time and hashed as it is written, so
 * a hostile or broken mirror can neither fill the disk nor slip in a file unnoticed.
 */
import { closeSync, createReadStream, openSync, writeSync } from "node:fs";
import { fileURLToPath } from "node:url";

export class MirrorError extends Error {}

/** Where a mirror-relative path is: a URL, or a path when the mirror is a directory. */
export function mirrorLocation(mirror: string, relative: string): string {
  const base = mirror.replace(/\/+$/, "");
  return `${base}/${relative.replace(/^\/+/, "")}`;
}

const isHttp = (location: string) => /^https?:\/\//i.test(location);

/**
 * Downloads LOCATION into FILE (created or truncated): at most maxBytes, within timeoutMs.
 * Returns its SHA256 and size. A missing file is MirrorError with "not found" in its message.
 */
export async function download(location: string, file: string, options: { maxBytes: number; timeoutMs: number; signal?: AbortSignal }): Promise<{ sha256: string; size: number }> {
  const hasher = new Bun.CryptoHasher("sha256");
  const fd = openSync(file, "w", 0o644);
  let size = 0;
  const take = (chunk: Uint8Array) => {
    size += chunk.byteLength;
    if (size > options.maxBytes) throw new MirrorError(`${location} is larger than ${options.maxBytes} bytes: refused`);
    hasher.update(chunk);
    writeSync(fd, chunk);
  };
  try {
    if (isHttp(location)) {
      const signals = [AbortSignal.timeout(options.timeoutMs), ...(options.signal ? [options.signal] : [])];
      let response: Response;
      try {
        response = await fetch(location, { signal: AbortSignal.any(signals), redirect: "follow" });
      } catch (error) {
        throw new MirrorError(`cannot reach ${location}: ${(error as Error).message} (check [pkg] mirror and the network)`);
      }
      if (response.status === 404) throw new MirrorError(`${location}: not found on the mirror`);
      if (!response.ok || !response.body) throw new MirrorError(`${location}: the mirror answered HTTP ${response.status}`);
      try {
        for await (const chunk of response.body) take(chunk);
      } catch (error) {
        if (error instanceof MirrorError) throw error;
        throw new MirrorError(`${location}: the download broke off: ${(error as Error).message}`);
      }
    } else {
      const path = location.startsWith("file://") ? fileURLToPath(location) : location;
      try {
        for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) take(chunk as Buffer);
      } catch (error) {
        if (error instanceof MirrorError) throw error;
        const code = (error as NodeJS.ErrnoException).code;
        throw new MirrorError(code === "ENOENT" ? `${path}: not found on the mirror` : `${path}: ${(error as Error).message}`);
      }
    }
  } finally {
    closeSync(fd);
  }
  return { sha256: hasher.digest("hex"), size };
}
