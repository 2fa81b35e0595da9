/**
 * @module lib/tools/defs
 * The catalogue: every tool, in one list.
 */
import type { ToolDefinition } from "../registry.ts";
import { fsAppend } from "./fs/append.ts";
import { fsDelete } from "./fs/delete.ts";
import { fsList } from "./fs/list.ts";
import { fsMkdir } from "./fs/mkdir.ts";
import { fsRead } from "./fs/read.ts";
import { fsStat } from "./fs/stat.ts";
import { fsWrite } from "./fs/write.ts";

export const CATALOGUE: readonly ToolDefinition[] = [fsRead, fsWrite, fsAppend, fsDelete, fsList, fsStat, fsMkdir];
