/**
 * Setup of the `flex-react (Flex runtime)` project: `console.error` is recorded and the
 * shims Flex needs in jsdom are in place before any test file runs, and React's own
 * warnings fail the test that caused them. Flex's logger also writes to `console.error`
 * (a listener that threw, a duplicate notification id, …): that is Flex behaving as it
 * does in a browser, not a failure; tests read it with `consoleErrors()`.
 */
import { afterEach } from 'vitest';
import { recordConsoleErrors, takeConsoleErrors } from './console.js';
import { installFlexShims } from './load.js';

recordConsoleErrors();
installFlexShims();

afterEach(() => {
  const reactWarnings = takeConsoleErrors().filter((line) => line.startsWith('Warning: '));
  if (reactWarnings.length > 0) throw new Error(`React warned:\n${reactWarnings.join('\n')}`);
});
