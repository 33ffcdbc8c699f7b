/**
 * The emulator as msw request handlers, for tests that intercept `fetch`.
 * Import from `@stickycalls/core/testing/msw` (needs `msw` 2 installed).
 */
import { http, type RequestHandler } from 'msw';
import { DEFAULT_BASE_URL } from '../constants.js';
import type { Emulator } from './emulator.js';

/**
 * msw handlers that answer Sticky Calls API requests with the emulator.
 *
 * @param baseUrl the client's `baseUrl`. @default 'https://api.stickycalls.com'
 * @example
 * const emulator = createEmulator();
 * const server = setupServer(...stickyCallsHandlers(emulator));
 * server.listen({ onUnhandledRequest: 'error' });
 */
export function stickyCallsHandlers(
  emulator: Emulator,
  baseUrl: string = DEFAULT_BASE_URL,
): RequestHandler[] {
  const root = baseUrl.replace(/\/+$/, '');
  return [http.all(`${root}/v1/calls/:operation`, ({ request }) => emulator.handle(request))];
}
