/**
 * The shared test kit: the emulator answering through msw, with unhandled requests
 * failing the test. The live Sticky Calls API cannot be reached from tests, so the
 * emulator stands in for it.
 */
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { type ClientOptions, createStickyCallsClient } from '../index.js';
import { createEmulator, EMULATOR_API_KEY, type EmulatorOptions } from '../testing/index.js';
import { stickyCallsHandlers } from '../testing/msw.js';

export const BASE_URL = 'https://api.stickycalls.test';
export const API_KEY = EMULATOR_API_KEY;

/** Registers msw for the current test file; returns the emulator and a client factory. */
export function useEmulator(options: EmulatorOptions = {}) {
  const emulator = createEmulator(options);
  const server = setupServer(...stickyCallsHandlers(emulator, BASE_URL));
  beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
  afterEach(() => {
    server.resetHandlers();
    emulator.reset();
  });
  afterAll(() => server.close());
  const client = (overrides: Partial<ClientOptions> = {}) =>
    createStickyCallsClient({
      apiKey: API_KEY,
      baseUrl: BASE_URL,
      retry: { initialDelayMs: 10, maxDelayMs: 50 },
      ...overrides,
    });
  return { emulator, server, client };
}

/** Resolves with what a promise rejected with; fails when it resolves. */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the promise to reject, but it resolved');
}

export const startParams = (callId = 'CA0001', ani = '+14155551234') => ({
  call_id: callId,
  identity_hints: { ani },
});

export const PENDING = Symbol('pending');

/** The promise's value, or PENDING when it has not settled within `ms`. */
export async function within<T>(promise: Promise<T>, ms: number): Promise<T | typeof PENDING> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<typeof PENDING>((resolve) => {
    timer = setTimeout(() => resolve(PENDING), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
