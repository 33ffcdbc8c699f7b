/**
 * Records what is written to `console.error` during a test. Flex's logger binds
 * `console.error` when Flex loads, so a `vi.spyOn(console, 'error')` made in a test does
 * not see Flex's log lines; this recorder is installed by the setup file first, so it
 * does.
 */
const lines: string[] = [];
let installed = false;

function format(value: unknown): string {
  return value instanceof Error ? `${value.name}: ${value.message}` : String(value);
}

/** Starts recording (idempotent); what is written still reaches the console. */
export function recordConsoleErrors(): void {
  if (installed) return;
  installed = true;
  const write = console.error;
  console.error = (...args: unknown[]) => {
    lines.push(args.map(format).join(' '));
    write(...args);
  };
}

/** The lines written to `console.error` since the current test started. */
export function consoleErrors(): readonly string[] {
  return [...lines];
}

/** Empties the record (the setup file does after each test) and returns what it held. */
export function takeConsoleErrors(): string[] {
  return lines.splice(0);
}
