import { afterEach, vi } from 'vitest';

// React reports misuse (missing keys, updates outside act, unknown DOM props) through
// console.error: in these tests that is a failure, not noise.
const errors: unknown[][] = [];
const original = console.error;
console.error = (...args: unknown[]) => {
  errors.push(args);
  original(...args);
};

afterEach(() => {
  vi.useRealTimers();
  const seen = errors.splice(0);
  if (seen.length > 0)
    throw new Error(`console.error was called:\n${seen.map((a) => a.map(String).join(' ')).join('\n')}`);
});
