/**
 * Polls `check` until it returns something other than undefined or false, and returns that;
 * after `timeoutMs`, fails naming `what` (and the tail of `context()`, e.g. a process's output).
 * The default bound is for a machine kept busy by other work (four test files at once on
 * two cores, or a CPU-bound loop beside them): it only decides how long a real failure
 * takes to report, never how long a passing test waits.
 */
export async function waitFor<T>(
  what: string,
  check: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 60_000,
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
