/**
 * Polls `check` until it returns something other than undefined or false, and returns that;
 * after `timeoutMs`, fails naming `what` (and the tail of `context()`, e.g. a process's output).
 */
export async function waitFor<T>(
  what: string,
  check: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 10_000,
  context: () => string = () => "",
): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > until) {
      const tail = context().slice(-3000);
      throw new Error(`timed out waiting for ${what}${tail ? `\n${tail}` : ""}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
