/**
 * The adapter's test kit: the core's emulator answering through msw for the Sticky
 * Calls API (the live API cannot be reached from tests), a test context, and the
 * secrets that must never be logged.
 */
import { createEmulator } from '@stickycalls/core/testing';
import { stickyCallsHandlers } from '@stickycalls/core/testing/msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll } from 'vitest';
import type { FunctionContext } from '../index.js';
import { createFakeContext } from '../testing/index.js';

export const API_KEY = 'sk_test_adapter_9f8e7d6c5b4a3928';
export const BASE_URL = 'https://api.stickycalls.test';
export const AGENT_TOKEN = 'flex-token-agent-7c1f0e9a2b';
export const SUPERVISOR_TOKEN = 'flex-token-supervisor-5d2a8c';
export const SECRETS = [API_KEY, AGENT_TOKEN, SUPERVISOR_TOKEN, 'test-auth-token'];
export const CALLER = '+14155551234';

export function useApi() {
  const emulator = createEmulator({ apiKeys: [API_KEY] });
  const server = setupServer(...stickyCallsHandlers(emulator, BASE_URL));
  beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
  afterEach(() => {
    server.resetHandlers();
    emulator.reset();
  });
  afterAll(() => server.close());
  const context = (overrides: Record<string, unknown> = {}): FunctionContext =>
    createFakeContext({ STICKY_CALLS_API_KEY: API_KEY, STICKY_CALLS_BASE_URL: BASE_URL, ...overrides });
  /** A call the API has seen start, as the caller-context Function would have started it. */
  const startedCall = async () => {
    const callId = callSid();
    const response = await fetch(`${BASE_URL}/v1/calls/start`, {
      method: 'POST',
      headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ call_id: callId, identity_hints: { ani: CALLER } }),
    });
    const { customer_ref: customerRef } = (await response.json()) as { customer_ref: string };
    return { callId, customerRef };
  };
  return { emulator, server, context, startedCall };
}

let sequence = 0;
/** A fresh CallSid-shaped id. */
export function callSid(): string {
  sequence += 1;
  return `CA${String(sequence).padStart(32, '0')}`;
}
