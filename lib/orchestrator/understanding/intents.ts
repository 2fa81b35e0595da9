/**
 * @module lib/orchestrator/understanding/intents
 * Everything the reactive layer understands, family by family (each in a module of its own),
 * and each intent by its id. Adding one: in its family's module give it five or more examples
 * as different people would say it (values as placeholders: <path>, <name>, <port> ...), the
 * slots it needs, whether it changes the machine, its steps and how each output is said; add
 * requests for it (and near misses that must not match it) to test/understanding/corpus.ts.
 */
import { DISK } from "./disk.ts";
import { FILES_CHANGE } from "./files-change.ts";
import { FILES_LOOK } from "./files-look.ts";
import { FIND_THEN_ACT } from "./find-then-act.ts";
import { ACCESS, LOGIN } from "./login.ts";
import { MORE_FILES } from "./more-files.ts";
import { NETWORK } from "./network.ts";
import { PACKAGES } from "./packages.ts";
import { PROCESSES } from "./processes.ts";
import { SERVICES } from "./services.ts";
import { SYSTEM } from "./system.ts";
import { TALLY } from "./tally.ts";
import type { Intent } from "./types.ts";
import { USERS } from "./users.ts";

export type { Intent, Output, Step } from "./types.ts";

export const INTENTS: readonly Intent[] = [
  ...DISK,
  ...SYSTEM,
  ...PROCESSES,
  ...SERVICES,
  ...NETWORK,
  ...FILES_LOOK,
  ...FILES_CHANGE,
  ...USERS,
  ...FIND_THEN_ACT,
  ...TALLY,
  ...LOGIN,
  ...ACCESS,
  ...MORE_FILES,
  ...PACKAGES,
];

export const INTENTS_BY_ID: ReadonlyMap<string, Intent> = new Map(INTENTS.map((intent) => [intent.id, intent]));
