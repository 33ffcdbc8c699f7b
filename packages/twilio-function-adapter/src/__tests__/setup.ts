/**
 * Every log line of every test goes through here: the handlers log to `console`,
 * which is captured, and each file ends by checking that no line holds a secret or a
 * full caller number.
 */
import { afterAll, beforeAll, expect, vi } from 'vitest';
import { SECRETS } from './kit.js';

export const logged: string[] = [];

beforeAll(() => {
  for (const level of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
      logged.push(args.map((arg) => (typeof arg === 'string' ? arg : JSON.stringify(arg))).join(' '));
    });
  }
});

afterAll(() => {
  const text = logged.join('\n');
  for (const secret of SECRETS) expect(text).not.toContain(secret);
  // No full phone number: a '+' followed by more than 4 digits in a row.
  expect(text).not.toMatch(/\+\d{5,}/);
  vi.restoreAllMocks();
});
