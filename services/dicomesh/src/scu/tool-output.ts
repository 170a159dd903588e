/** What the SCU tools print: one JSON line per event on stdout, so scripts can read it. */
export function emit(event: string, fields: Readonly<Record<string, unknown>> = {}): void {
  process.stdout.write(`${JSON.stringify({ event, ...fields })}\n`);
}
