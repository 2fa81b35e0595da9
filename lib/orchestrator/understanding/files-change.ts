/**
 * @module lib/orchestrator/understanding/files-change
 * Files changed: directories made, files deleted, copied, moved, their mode set.
 */
import type { Intent } from "./types.ts";
import { bytes } from "./words.ts";

export const FILES_CHANGE: readonly Intent[] = [
  {
    id: "file.mkdir",
    family: "files",
    usage: "create the directory /srv/app",
    effect: true,
    needs: ["path"],
    examples: ["create the directory <path>", "make a directory <path>", "mkdir <path>", "mkdir -p <path>", "create a folder <path>", "new directory <path>"],
    steps: (slots) => [
      {
        tool: "fs.mkdir",
        input: { path: slots.path, parents: true },
        agent: "storage",
        description: `Create ${slots.path}`,
        successCheck: `${slots.path} exists`,
        say: (o) => (o.created ? `created ${o.path}` : `${o.path} already existed`),
      },
    ],
  },
  {
    id: "file.delete",
    family: "files",
    usage: "delete /tmp/old.log",
    effect: true,
    needs: ["path"],
    examples: ["delete <path>", "remove <path>", "rm <path>", "get rid of <path>", "erase the file <path>", "delete the file <path>"],
    steps: (slots) => {
      // A top-level directory is the system itself: not something to take from a sentence.
      if (slots.path!.split("/").filter(Boolean).length < 2) return { error: `I will not delete ${slots.path}: name something below it` };
      return [
        {
          tool: "fs.delete",
          input: { path: slots.path },
          agent: "storage",
          description: `Delete ${slots.path}`,
          successCheck: `${slots.path} is gone`,
          say: (o) => `deleted the ${o.deleted} ${o.path}`,
        },
      ];
    },
  },
  ...(["copy", "move"] as const).map(
    (verb): Intent => ({
      id: `file.${verb}`,
      family: "files",
      usage: `${verb} /etc/hosts to /tmp/hosts`,
      effect: true,
      needs: ["paths"],
      examples: {
        copy: ["copy <path> to <path>", "cp <path> <path>", "make a copy of <path> at <path>", "duplicate <path> as <path>", "back up <path> to <path>"],
        move: ["move <path> to <path>", "mv <path> <path>", "rename <path> to <path>", "move the file <path> into <path>"],
      }[verb],
      steps: (slots) => {
        const [from, to] = slots.paths ?? [];
        if (!from || !to || (slots.paths?.length ?? 0) !== 2) return { error: `say both paths: ${verb} /from/here to /to/there` };
        return [
          {
            tool: `fs.${verb}`,
            input: { from, to },
            agent: "storage",
            description: `${verb === "copy" ? "Copy" : "Move"} ${from} to ${to}`,
            successCheck: `${to} exists`,
            say: (o) => `${verb === "copy" ? "copied" : "moved"} ${o.from} to ${o.to}${o.bytes !== undefined ? ` (${bytes(o.bytes)})` : ""}`,
          },
        ];
      },
    }),
  ),
  {
    id: "file.chmod",
    family: "files",
    usage: "chmod 640 /srv/app.conf",
    effect: true,
    needs: ["path", "mode"],
    examples: ["chmod <mode> <path>", "set the permissions of <path> to <mode>", "change the mode of <path> to <mode>", "make <path> mode <mode>", "give <path> permissions <mode>"],
    steps: (slots) => [
      {
        tool: "fs.chmod",
        input: { path: slots.path, mode: slots.mode },
        agent: "storage",
        description: `Set the mode of ${slots.path} to ${slots.mode}`,
        successCheck: `${slots.path} has mode ${slots.mode}`,
        say: (o) => `${o.path}: mode ${o.previous} → ${o.mode}`,
      },
    ],
  },
];
