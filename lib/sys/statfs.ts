import { statfsSync } from "node:fs";

export interface FileSystemUsage {
  sizeBytes: number;
  usedBytes: number;
  /** What an unprivileged writer can still use: free space less the blocks reserved for root. */
  availableBytes: number;
  /** As df prints it: used / (used + available), so a file system whose reserve is all that is left reads 100%. */
  usedPercent: number;
}

/** The use of the file system holding `path`, counted the way df counts it, so every place AIOS shows disk use agrees with df. */
export function fileSystemUsage(path: string): FileSystemUsage {
  const s = statfsSync(path);
  const usedBytes = (s.blocks - s.bfree) * s.bsize;
  const availableBytes = s.bavail * s.bsize;
  const usable = usedBytes + availableBytes;
  return { sizeBytes: s.blocks * s.bsize, usedBytes, availableBytes, usedPercent: usable ? Math.round((usedBytes / usable) * 1000) / 10 : 0 };
}
