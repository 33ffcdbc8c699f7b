/**
 * What leaves the handlers: `onError` gets the SDK's errors as they are and any other
 * error redacted (a Twilio client error's request config holds the account's Basic auth
 * header); every log line is one line, whatever the values in it hold; no message
 * quotes a setting's value.
 */
import { inspect } from 'node:util';
import { escapeForLog, WRAP_UP_ATTRIBUTE_KEY } from '@stickycalls/core';
import { HttpResponse, http } from 'msw';
import { describe, expect, it, vi } from 'vitest';
import {
  createCallerContextHandler,
  createSaveContextHandler,
  createWrapupEventHandler,
  RedactedError,
  type TaskRouterPort,
} from '../index.js';
import { FakeResponse, invoke, stubTokenValidator, TEST_WORKER_SID } from '../testing/index.js';
import { ACCOUNT_SID, AGENT_TOKEN, API_KEY, AUTH_TOKEN, CALLER, callSid, useApi } from './kit.js';
import { logged } from './setup.js';

const { server, context, routedCall, taskRouter } = useApi();
const validateToken = stubTokenValidator({
  [AGENT_TOKEN]: { worker_sid: TEST_WORKER_SID, roles: ['agent'] },
});
const WRAP_UP = { intent: 'refund_request', intent_status: 'open' };
const BASIC = Buffer.from(`${ACCOUNT_SID}:${AUTH_TOKEN}`).toString('base64');
const WORKERS_URL = 'https://taskrouter.twilio.com/v1/Workspaces/:ws/Workers/:worker';

/** The real Twilio client, asking TaskRouter about a worker: what a rule or a port of one's own does. */
async function askTwilio(ctx: { getTwilioClient?: () => unknown }): Promise<void> {
  const client = ctx.getTwilioClient?.() as { request(options: object): Promise<unknown> };
  await client.request({
    method: 'get',
    uri: `https://taskrouter.twilio.com/v1/Workspaces/WS${'c'.repeat(32)}/Workers/${TEST_WORKER_SID}`,
  });
}
/** A TaskRouter port of one's own, passing the Twilio client's errors on as they are. */
const rawPort = (ctx: { getTwilioClient?: () => unknown }): TaskRouterPort => ({
  fetchTask: async () => {
    await askTwilio(ctx);
    return null;
  },
  findTasksByCall: async () => [],
  workerReservationStatuses: async () => [],
  updateAttributes: async () => 'updated',
});
const everyRendering = (error: unknown) =>
  [String((error as Error).message), String((error as Error).stack), inspect(error, { depth: 8 })].join('\n');

describe('onError: the SDK’s errors as they are, anything else redacted', () => {
  it('a Twilio client error holds the Basic auth header: the hazard is real', async () => {
    server.use(http.get(WORKERS_URL, () => HttpResponse.error()));
    const error = await askTwilio(context()).catch((reason: unknown) => reason);
    expect(inspect(error, { depth: 8 })).toContain(BASIC);
  });

  it.each([
    [
      'a canActOnTask rule',
      {
        canActOnTask: async ({ context: ctx }: { context: { getTwilioClient?: () => unknown } }) => {
          await askTwilio(ctx);
          return true;
        },
      },
    ],
    ['a TaskRouter port of one’s own (the unexpected path)', { taskRouter: rawPort }],
  ])('the save Function with %s failing with a Twilio client error', async (_name, options) => {
    const { taskSid } = await routedCall();
    server.use(http.get(WORKERS_URL, () => HttpResponse.error()));
    const onError = vi.fn();
    const handler = createSaveContextHandler({ Response: FakeResponse, validateToken, onError, ...options });
    const answer = await invoke(handler, {
      context: context(),
      event: { Token: AGENT_TOKEN, TaskSid: taskSid, wrap_up: WRAP_UP },
    });
    expect(answer.statusCode).toBe(502);
    expect(onError).toHaveBeenCalledTimes(1);
    const [error, details] = onError.mock.calls[0] as [Error, object];
    expect(details).toMatchObject({ handler: 'save-context' });
    expect(error).toBeInstanceOf(RedactedError);
    // The original's class name, a fixed message, nothing else.
    expect(error.name).toBe('TypeError');
    expect(error.message).toMatch(/^a TypeError from outside the SDK; its message and details are withheld/);
    expect('cause' in error).toBe(false);
    expect(Object.keys(error)).toEqual([]);
    expect(everyRendering(error)).not.toMatch(/Basic|authorization|Network error/i);
    expect(everyRendering(error)).not.toContain(BASIC);
  });

  it('the safety net with a TaskRouter port of its own failing with a Twilio client error', async () => {
    const { callId, taskSid, customerRef } = await routedCall();
    server.use(http.get(WORKERS_URL, () => HttpResponse.error()));
    const onError = vi.fn();
    const handler = createWrapupEventHandler({ Response: FakeResponse, onError, taskRouter: rawPort });
    const wrapUp = { ...WRAP_UP, call_id: callId, customer_ref: customerRef, saved: false };
    await invoke(handler, {
      context: context(),
      event: {
        EventType: 'task.completed',
        TaskSid: taskSid,
        TaskAttributes: JSON.stringify({
          ...taskRouter.attributes(taskSid),
          [WRAP_UP_ATTRIBUTE_KEY]: wrapUp,
        }),
      },
    });
    expect(onError).toHaveBeenCalled();
    for (const [error] of onError.mock.calls) expect(everyRendering(error)).not.toContain(BASIC);
    expect(onError.mock.calls[0]?.[0]).toBeInstanceOf(RedactedError);
  });

  it('keeps a foreign error’s HTTP status and code, and withholds a name that is not a class name', () => {
    const twilioLike = Object.assign(new Error(`Authenticate ${AUTH_TOKEN}`), {
      status: 401,
      code: 20003,
      config: { headers: { Authorization: `Basic ${BASIC}` } },
    });
    twilioLike.name = 'RestException';
    const redacted = new RedactedError(twilioLike);
    expect(redacted.name).toBe('RestException');
    expect(redacted.message).toContain('(status 401, code 20003)');
    expect(everyRendering(redacted)).not.toContain(AUTH_TOKEN);
    const strange = new Error('x');
    strange.name = `Evil\n[stickycalls] forged ${AUTH_TOKEN}`;
    expect(new RedactedError(strange).name).toBe('Error');
    expect(new RedactedError(AUTH_TOKEN).message).toMatch(/^a thrown string from outside the SDK/);
    expect(everyRendering(new RedactedError(AUTH_TOKEN))).not.toContain(AUTH_TOKEN);
  });

  it('passes the SDK’s own errors as they are (their codes and messages are safe)', async () => {
    const onError = vi.fn();
    const handler = createCallerContextHandler({ Response: FakeResponse, onError });
    await invoke(handler, {
      context: context({ STICKY_CALLS_API_KEY: '' }),
      event: { CallSid: callSid(), From: CALLER },
    });
    expect(onError.mock.calls[0]?.[0]).toMatchObject({ name: 'ConfigurationError', code: 'not_configured' });
  });
});

describe('log lines: one line each, whatever the values hold', () => {
  it.each([
    ['a newline', '\n'],
    ['a carriage return', '\r'],
    ['U+2028', '\u2028'],
    ['U+2029', '\u2029'],
    ['U+0085', '\u0085'],
    ['NUL', '\u0000'],
    ['an ESC sequence', '\u001b[2K'],
    ['U+202E', '\u202e'],
  ])('a CallSid holding %s stays inside its line, escaped', async (_name, control) => {
    const before = logged.length;
    const forged = `${control}[stickycalls] save-context call=CA1: saved by WK9`;
    await invoke(createCallerContextHandler({ Response: FakeResponse }), {
      context: context(),
      event: { CallSid: `CA${'1'.repeat(32)}${forged}`, From: CALLER },
    });
    const lines = logged.slice(before);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(escapeForLog(forged));
    expect(
      [...(lines[0] as string)].filter((c) => c < ' ' || /[\u0080-\u009f\u2028\u2029\u202e]/.test(c)),
    ).toEqual([]);
  });

  it('escapeForLog: line breaks and controls escaped, pairs kept, lone surrogates escaped, length capped', () => {
    expect(escapeForLog('a\nb\r\tc')).toBe('a\\nb\\r\\tc');
    expect(escapeForLog('\u0000\u001b\u007f\u0085\u009b')).toBe('\\u{0}\\u{1b}\\u{7f}\\u{85}\\u{9b}');
    expect(escapeForLog('\u2028\u2029\u202a\u202e\u2066\u2069\u200e\u200f\u061c\ufeff')).toBe(
      '\\u{2028}\\u{2029}\\u{202a}\\u{202e}\\u{2066}\\u{2069}\\u{200e}\\u{200f}\\u{61c}\\u{feff}',
    );
    expect(escapeForLog('café 😀 ☎ +*******1234')).toBe('café 😀 ☎ +*******1234');
    expect(escapeForLog('x\ud800y\udc00')).toBe('x\\u{d800}y\\u{dc00}');
    expect(escapeForLog('a'.repeat(30), 10)).toBe(`${'a'.repeat(10)}… (+20 characters)`);
    // An escape is never cut in two.
    expect(escapeForLog('abcdefghi\n', 10)).toBe('abcdefghi… (+1 characters)');
  });
});

describe('no message quotes a setting’s value', () => {
  it('an allowedOrigin entry that is not an origin is named by its place, not quoted', () => {
    const pasted = `https://flex.twilio.com/${API_KEY}`;
    expect(() => createSaveContextHandler({ allowedOrigin: ['https://flex.twilio.com', pasted] })).toThrow(
      'entry 2 is not',
    );
    expect(() => createSaveContextHandler({ allowedOrigin: pasted })).not.toThrow(API_KEY);
  });

  it('a timeoutMs that is not a number is named by its type', () => {
    expect(() => createSaveContextHandler({ timeoutMs: API_KEY as unknown as number })).toThrow(
      'got a string',
    );
    expect(() => createSaveContextHandler({ timeoutMs: API_KEY as unknown as number })).not.toThrow(API_KEY);
    expect(() => createCallerContextHandler({ timeoutMs: API_KEY as unknown as number })).toThrow(
      'got a string',
    );
    expect(() => createSaveContextHandler({ timeoutMs: 20_000 })).toThrow('got 20000');
  });

  it.each([
    ['the key itself', API_KEY],
    ['a whole .env line', `STICKY_CALLS_API_KEY=${API_KEY}`],
  ])('a STICKY_CALLS_BASE_URL holding %s is named, never logged', async (_name, baseUrl) => {
    const before = logged.length;
    const onError = vi.fn();
    const answer = await invoke(createCallerContextHandler({ Response: FakeResponse, onError }), {
      context: context({ STICKY_CALLS_BASE_URL: baseUrl }),
      event: { CallSid: callSid(), From: CALLER },
    });
    expect(answer.body).toMatchObject({ sticky_calls: { status: 'degraded', reason: 'not_configured' } });
    const lines = logged.slice(before).join('\n');
    expect(lines).toContain('STICKY_CALLS_BASE_URL is not an http(s) URL');
    expect(lines).not.toContain(API_KEY);
    expect(everyRendering(onError.mock.calls[0]?.[0])).not.toContain(API_KEY);
  });
});
