/**
 * @module lib/sys
 * The operating system below Bun: libc calls through bun:ffi, and /proc readers.
 */
export * from "./libc.ts";
export * from "./proc.ts";
export * from "./statfs.ts";
export * from "./private-file.ts";
export * from "./group-records.ts";
export * from "./migrate.ts";
export * from "./atomic-file.ts";
