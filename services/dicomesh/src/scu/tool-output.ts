/**
 * What the SCU tools print: one JSON line per event on stdout, so scripts can read it. The lines of one turn
 * of the event loop go out in one write (a C-STORE window answered at once is one write, not one per file,
 * each waking the reader); `flushOutput` writes what is left before the process exits.
 */
let pending = '';
let flushScheduled = false;

export function flushOutput(): void {
  flushScheduled = false;
  if (pending === '') return;
  const lines = pending;
  pending = '';
  process.stdout.write(lines);
}

export function emit(event: string, fields: Readonly<Record<string, unknown>> = {}): void {
  pending += `${JSON.stringify({ event, ...fields })}\n`;
  if (flushScheduled) return;
  flushScheduled = true;
  setImmediate(flushOutput);
}
