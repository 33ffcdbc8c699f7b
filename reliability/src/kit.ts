/**
 * What every file of the suite shares: the recognisable secrets, the emulator behind
 * msw, a Function context that carries the key, and the capture of everything the
 * suite produces (response bodies, errors) for the secrets scan in setup.ts.
 */
import { inspect } from 'node:util';
import { createEmulator, type Emulator } from '@stickycalls/core/testing';
import { stickyCallsHandlers } from '@stickycalls/core/testing/msw';
import type { FunctionContext, FunctionHandler } from '@stickycalls/twilio-function-adapter';
import { createFakeContext, type Invocation, invoke } from '@stickycalls/twilio-function-adapter/testing';
import type { RequestHandler } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll } from 'vitest';

/** The API key of the whole suite: the emulator accepts it, and it must never come out. */
export const API_KEY = 'sk_test_SECRETKEY_reliability_7f3a';
/** The agent's Flex token of the whole suite. */
export const FLEX_TOKEN = 'flex-token-SECRET-reliability-91c2';
export const SECRETS = [API_KEY, FLEX_TOKEN] as const;

export const BASE_URL = 'https://api.stickycalls.test';
export const CALLER = '+14155551234';
export const WORKER_SID = `WK${'1'.repeat(32)}`;

// ---------------------------------------------------------------------------
// Capture

/** Everything produced during a file: each is scanned for the secrets when the file ends. */
export const captured = { bodies: [] as string[], errors: [] as string[], logs: [] as string[] };

/** Records a response body (any shape) for the secrets scan. */
export function captureBody(body: unknown): void {
  captured.bodies.push(typeof body === 'string' ? body : (JSON.stringify(body) ?? String(body)));
}

/** Records an error as every way it could reach a log: message, stack, JSON, inspect. */
export function captureError(error: unknown): void {
  const e = error as { message?: unknown; stack?: unknown; cause?: unknown } | null;
  captured.errors.push(
    [String(e?.message), String(e?.stack), safeJson(error), inspect(error, { depth: 6 })].join('\n'),
  );
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? '';
  } catch {
    return '';
  }
}

/** Runs a Function handler with the adapter's kit and captures its answer. */
export async function run(
  handler: FunctionHandler,
  event: Record<string, unknown>,
  context: FunctionContext = functionContext(),
): Promise<Invocation> {
  const answer = await invoke(handler, { context, event, settleMs: 0 });
  captureBody(answer.body);
  if (answer.error !== null && answer.error !== undefined) captureError(answer.error);
  return answer;
}

/** Handler options every Function of the suite gets: errors are captured, retries are quick. */
export const handlerOptions = {
  onError: (error: unknown) => captureError(error),
  client: { retry: { initialDelayMs: 10, maxDelayMs: 50 } },
} as const;

// ---------------------------------------------------------------------------
// The API

/** A Function context with the suite's key and the emulator's URL. */
export function functionContext(overrides: Record<string, unknown> = {}): FunctionContext {
  return createFakeContext({
    STICKY_CALLS_API_KEY: API_KEY,
    STICKY_CALLS_BASE_URL: BASE_URL,
    ...overrides,
  });
}

/** The emulator behind msw for this file (no network: unhandled requests fail). */
export function emulatedApi(...extra: RequestHandler[]): {
  emulator: Emulator;
  server: ReturnType<typeof setupServer>;
} {
  const emulator = createEmulator({ apiKeys: [API_KEY] });
  const server = setupServer(...extra, ...stickyCallsHandlers(emulator, BASE_URL));
  beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
  afterEach(() => {
    server.resetHandlers();
    emulator.reset();
  });
  afterAll(() => server.close());
  return { emulator, server };
}

let sequence = 0;
/** A fresh CallSid. */
export function callSid(): string {
  sequence += 1;
  return `CA${String(sequence).padStart(32, '0')}`;
}

/** Starts a call on the API as the caller-context Function would, and returns its ids. */
export async function startedCall(): Promise<{ callId: string; customerRef: string }> {
  const callId = callSid();
  const response = await fetch(`${BASE_URL}/v1/calls/start`, {
    method: 'POST',
    headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ call_id: callId, identity_hints: { ani: CALLER } }),
  });
  const body = (await response.json()) as { customer_ref: string };
  return { callId, customerRef: body.customer_ref };
}
