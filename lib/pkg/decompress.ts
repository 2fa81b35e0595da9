/**
 * @module lib/pkg/decompress
 * The compressions of Debian's indexes and .deb members, told by their magic bytes: gzip and
 * zstd in Bun itself, xz through BusyBox's xz (on the image and on every machine the tools run
 * on, lib/tools/defs/process/spawn), none. Output is bounded: a small bomb cannot fill memory.
 */
export class DecompressError extends Error {}

const BUSYBOX = "/bin/busybox";

function startsWith(data: Uint8Array, magic: number[]): boolean {
  return magic.every((byte, i) => data[i] === byte);
}

export function compressionOf(data: Uint8Array): "xz" | "gzip" | "zstd" | "none" {
  if (startsWith(data, [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00])) return "xz";
  if (startsWith(data, [0x1f, 0x8b])) return "gzip";
  if (startsWith(data, [0x28, 0xb5, 0x2f, 0xfd])) return "zstd";
  return "none";
}

/** The decompressed bytes, at most maxBytes of them. */
export async function decompress(input: Uint8Array, maxBytes: number, what: string): Promise<Uint8Array> {
  // Bun's own buffers are never shared: the view is of a plain ArrayBuffer.
  const data = input as Uint8Array<ArrayBuffer>;
  const kind = compressionOf(data);
  let out: Uint8Array;
  try {
    if (kind === "gzip") out = Bun.gunzipSync(data);
    else if (kind === "zstd") out = Bun.zstdDecompressSync(data);
    else if (kind === "xz") out = await unxz(data, maxBytes, what);
    else out = data;
  } catch (error) {
    if (error instanceof DecompressError) throw error;
    throw new DecompressError(`${what} is not valid ${kind} data: ${(error as Error).message}`);
  }
  if (out.byteLength > maxBytes) throw new DecompressError(`${what} unpacks to more than ${maxBytes} bytes: refused`);
  return out;
}

async function unxz(data: Uint8Array<ArrayBuffer>, maxBytes: number, what: string): Promise<Uint8Array> {
  const child = Bun.spawn([BUSYBOX, "xz", "-dc"], { stdin: new Blob([data]), stdout: "pipe", stderr: "pipe" });
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of child.stdout) {
    size += chunk.byteLength;
    if (size > maxBytes) {
      child.kill("SIGKILL");
      throw new DecompressError(`${what} unpacks to more than ${maxBytes} bytes: refused`);
    }
    chunks.push(chunk);
  }
  const code = await child.exited;
  if (code !== 0) throw new DecompressError(`${what} is not valid xz data: ${(await new Response(child.stderr).text()).trim() || `xz exited ${code}`}`);
  return Buffer.concat(chunks);
}
