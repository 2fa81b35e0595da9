/** Test support: polling until something a test waits for is true (never a time limit on speed:
 * the bound is only there so that a broken test ends, and it is generous). */
export async function waitFor(check: () => boolean | Promise<boolean>, what: string | (() => string), tries = 3000, intervalMs = 40): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (await check()) return;
    await Bun.sleep(intervalMs);
  }
  throw new Error(`gave up waiting for ${typeof what === "function" ? what() : what}`);
}
