/**
 * @module lib/cli/ask
 * A yes/no question on the terminal (stderr, so --json output stays clean). Anything but y or
 * yes, Ctrl-C or end of input is no.
 */
import { createInterface } from "node:readline";

export async function askYesNo(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  const answer = await new Promise<string>((resolve) => {
    rl.once("SIGINT", () => resolve(""));
    rl.once("close", () => resolve(""));
    rl.question(`${question} [y/N] `, resolve);
  });
  rl.close();
  return /^y(es)?$/i.test(answer.trim());
}
