/** Polls `check` until it returns something other than undefined, or fails at the deadline (never a fixed sleep). */
export async function pollUntil<T>(
  what: string,
  check: () => T | undefined,
  timeoutMs = 10_000,
  intervalMs = 10,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Polls until `condition` holds. */
export async function waitFor(what: string, condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  await pollUntil(what, () => (condition() ? true : undefined), timeoutMs);
}
