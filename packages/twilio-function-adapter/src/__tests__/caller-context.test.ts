import { ATTRIBUTE_KEY, ConfigurationError, clientFor } from '@stickycalls/core';
import type { Fault } from '@stickycalls/core/testing';
import { describe, expect, it, vi } from 'vitest';
import { createCallerContextHandler } from '../index.js';
import { FakeResponse, invoke } from '../testing/index.js';
import { CALLER, callSid, useApi } from './kit.js';
import { logged } from './setup.js';

const { emulator, context } = useApi();
const handler = createCallerContextHandler({
  Response: FakeResponse,
  client: { retry: { initialDelayMs: 10 } },
});
const FLAT_KEYS = [
  'call_start',
  'customer_ref',
  'identity_confidence',
  'identity_level',
  'open_intents',
  'variables',
];
const KEYS = [...FLAT_KEYS, ATTRIBUTE_KEY].sort();

type Attributes = Record<string, unknown> & { [ATTRIBUTE_KEY]: Record<string, unknown> };

async function call(event: Record<string, unknown>, ctx = context(), fn = handler) {
  const answer = await invoke(fn, {
    context: ctx,
    event: { CallSid: callSid(), From: CALLER, To: '+18005550100', ...event },
  });
  return { ...answer, attributes: answer.body as Attributes };
}

describe('caller context at call start', () => {
  it('answers a new caller with the full key set', async () => {
    const { statusCode, attributes, callbackCalls } = await call({});
    expect(statusCode).toBe(200);
    expect(callbackCalls).toBe(1);
    expect(Object.keys(attributes).sort()).toEqual(KEYS);
    expect(attributes[ATTRIBUTE_KEY]).toMatchObject({ status: 'ok', tier: 'ignore', intents: [], vars: {} });
    expect(emulator.requests[0]?.body).toMatchObject({
      identity_hints: { ani: CALLER, dnis: '+18005550100' },
    });
  });

  it('answers a returning caller with the open intent and saved variables', async () => {
    const first = await call({});
    const customerRef = first.attributes.customer_ref as string;
    const [callId] = emulator.requests.map((r) => (r.body as { call_id: string }).call_id);
    await fetch(`${context().STICKY_CALLS_BASE_URL}/v1/calls/end`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${context().STICKY_CALLS_API_KEY}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({
        call_id: callId,
        customer_ref: customerRef,
        intent: 'refund_request',
        variables: { name: 'Jo' },
      }),
    });
    const second = await call({ line_type: 'mobile' });
    expect(second.attributes.customer_ref).toBe(customerRef);
    expect(second.attributes[ATTRIBUTE_KEY]).toMatchObject({
      status: 'ok',
      tier: 'reuse',
      intents: [{ intent: 'refund_request', status: 'open', attempts: 1 }],
      vars: { name: 'Jo' },
    });
    expect(JSON.parse(second.attributes.variables as string)).toMatchObject({ name: { value: 'Jo' } });
  });

  it('passes stable external ids that the flow sends, as an object or as JSON', async () => {
    await call({ external_ids: '{"crm_id":"C-77","empty":""}' });
    await call({ external_ids: { account: 'A-1' } });
    expect(emulator.requests.map((r) => (r.body as { identity_hints: unknown }).identity_hints)).toEqual([
      { ani: CALLER, dnis: '+18005550100', external_ids: { crm_id: 'C-77' } },
      { ani: CALLER, dnis: '+18005550100', external_ids: { account: 'A-1' } },
    ]);
  });
});

describe('a degraded answer, never a failed call', () => {
  const faults: [string, Fault, string][] = [
    ['the API hangs', { type: 'hang' }, 'timeout'],
    ['5xx', { type: 'status', status: 503 }, 'server_error'],
    ['429', { type: 'status', status: 429, retryAfter: 30 }, 'rate_limited'],
    ['401', { type: 'status', status: 401 }, 'unauthorized'],
    ['402', { type: 'status', status: 402 }, 'quota_exceeded'],
    ['malformed JSON', { type: 'malformed_json' }, 'invalid_response'],
    ['schema drift', { type: 'schema_drift' }, 'invalid_response'],
    ['network errors', { type: 'network_error' }, 'network_error'],
  ];

  it.each(faults)(
    '%s: 200 with the same keys and a reason code, within the deadline',
    async (_name, fault, reason) => {
      emulator.inject({ ...fault, times: 10 });
      const fast = createCallerContextHandler({
        Response: FakeResponse,
        timeoutMs: 400,
        client: { retry: { initialDelayMs: 10 } },
      });
      const started = performance.now();
      const { statusCode, attributes, callbackCalls } = await call({}, context(), fast);
      expect(performance.now() - started).toBeLessThan(2000);
      expect(statusCode).toBe(200);
      expect(callbackCalls).toBe(1);
      expect(Object.keys(attributes).sort()).toEqual(KEYS);
      expect(attributes[ATTRIBUTE_KEY]).toMatchObject({ status: 'degraded', reason });
      expect(attributes.identity_level).toBe('none');
      expect(logged.at(-1)).toContain(`no context (${reason}`);
    },
  );

  it.each(['anonymous', 'restricted', '+266696687', 'client:alice', 'sip:alice@example.com', ''])(
    'does not look up a withheld or non-phone caller (%j)',
    async (from) => {
      const { attributes } = await call({ From: from });
      expect(attributes[ATTRIBUTE_KEY]).toMatchObject({ status: 'degraded', reason: 'no_identity_hints' });
      expect(emulator.requests).toHaveLength(0);
    },
  );

  it('looks a withheld caller up by external ids alone, without ani', async () => {
    await call({ From: 'anonymous', external_ids: { crm_id: 'C-1' } });
    expect(emulator.requests[0]?.body).toEqual(
      expect.objectContaining({ identity_hints: { dnis: '+18005550100', external_ids: { crm_id: 'C-1' } } }),
    );
  });

  it('says clearly when STICKY_CALLS_API_KEY is missing', async () => {
    const onError = vi.fn();
    const fn = createCallerContextHandler({ Response: FakeResponse, onError });
    const { attributes } = await call({}, context({ STICKY_CALLS_API_KEY: undefined }), fn);
    expect(attributes[ATTRIBUTE_KEY]).toMatchObject({ status: 'degraded', reason: 'not_configured' });
    expect(logged.at(-1)).toContain('STICKY_CALLS_API_KEY is not set');
    expect(onError.mock.calls[0]?.[0]).toBeInstanceOf(ConfigurationError);
  });

  it('degrades when the flow passes no CallSid', async () => {
    const { attributes } = await call({ CallSid: undefined });
    expect(attributes[ATTRIBUTE_KEY]).toMatchObject({ status: 'degraded', reason: 'invalid_request' });
    expect(emulator.requests).toHaveLength(0);
  });

  it('calls onError with the error and the call id, and survives a throwing hook', async () => {
    emulator.inject({ type: 'status', status: 401 });
    const onError = vi.fn(() => {
      throw new Error('reporting is down');
    });
    const fn = createCallerContextHandler({ Response: FakeResponse, onError });
    const { attributes } = await call({ CallSid: 'CA-hook' }, context(), fn);
    expect(attributes[ATTRIBUTE_KEY]).toMatchObject({ reason: 'unauthorized' });
    expect(onError).toHaveBeenCalledWith(expect.objectContaining({ code: 'unauthorized' }), {
      handler: 'caller-context',
      callId: 'CA-hook',
    });
  });

  it('answers with degraded attributes even when the response cannot be built', async () => {
    class BrokenResponse extends FakeResponse {
      override setBody(): this {
        throw new Error('broken');
      }
    }
    const fn = createCallerContextHandler({ Response: BrokenResponse });
    const { body, callbackCalls } = await call({}, context(), fn);
    expect(callbackCalls).toBe(1);
    expect(Object.keys(body as object).sort()).toEqual(KEYS);
  });
});

describe('set-up', () => {
  it('refuses client options that would fail on the first call', () => {
    expect(() => createCallerContextHandler({ client: { retry: { maxRetries: -1 } } })).toThrow(
      'retry.maxRetries',
    );
  });

  it('calls back once even when the callback throws', async () => {
    let calls = 0;
    handler(context(), { CallSid: callSid(), From: CALLER }, () => {
      calls += 1;
      throw new Error('assertion inside a callback');
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(calls).toBe(1);
  });

  it('refuses a deadline Studio would not wait for', () => {
    expect(() => createCallerContextHandler({ timeoutMs: 9500 })).toThrow(ConfigurationError);
    expect(() => createCallerContextHandler({ attributes: { budget: 100 } })).toThrow('budget');
  });

  it('reuses one client across warm invocations, and a new one when the key changes', () => {
    const options = {};
    const a = clientFor(context(), options);
    expect(clientFor(context(), options)).toBe(a);
    expect(clientFor(context({ STICKY_CALLS_API_KEY: 'sk_test_rotated_key_0000' }), options)).not.toBe(a);
  });

  it('answers a plain object when there is no Twilio.Response at all', async () => {
    const fn = createCallerContextHandler();
    let answer: unknown;
    await new Promise<void>((resolve) =>
      fn(context(), { CallSid: callSid(), From: CALLER }, (_error, response) => {
        answer = response;
        resolve();
      }),
    );
    expect(Object.keys(answer as object).sort()).toEqual(KEYS);
  });
});

describe('the test kit', () => {
  it('keeps each answer its own when invocations run side by side', async () => {
    const forbidden = (
      _context: unknown,
      _event: unknown,
      callback: (error: unknown, response?: unknown) => void,
    ) => {
      const response = new (
        globalThis as unknown as { Twilio: { Response: typeof FakeResponse } }
      ).Twilio.Response();
      setTimeout(() => callback(null, response.setStatusCode(403).setBody('{"status":"forbidden"}')), 30);
    };
    const answers = await Promise.all([
      invoke(forbidden),
      invoke(forbidden),
      invoke(handler, { context: context(), event: { CallSid: callSid(), From: CALLER } }),
    ]);
    expect(answers.map((answer) => answer.statusCode)).toEqual([403, 403, 200]);
    expect((globalThis as { Twilio?: unknown }).Twilio).toBeUndefined();
  });

  it('behaves like the runtime’s Response for headers', () => {
    const response = new FakeResponse()
      .appendHeader('Vary', 'Origin')
      .appendHeader('Vary', 'Accept')
      .setCookie('a', 'b');
    expect(response.headers).toEqual({ Vary: ['Origin', 'Accept'], 'Set-Cookie': 'a=b' });
    expect(response.setHeaders({ 'X-One': '1' }).headers).toEqual({ 'X-One': '1' });
  });
});
