/**
 * The emulator as a user of `@stickycalls/core/testing` relies on it: driven through the
 * real client over msw, or through `emulator.handle` where the raw HTTP answer matters
 * (the client validates its own requests, so bad bodies have to be sent by hand).
 * Time-dependent behaviour (recency, TTLs, the rate-limit window) runs on a controllable
 * clock; elapsed-time checks use wide margins.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import {
  APIConnectionError,
  APIError,
  AuthenticationError,
  BadRequestError,
  ConflictError,
  InsufficientCreditsError,
  InternalServerError,
  isStickyCallsError,
  RateLimitError,
  ResponseValidationError,
} from '../index.js';
import { createEmulator, type Emulator, type EmulatorOptions } from '../testing/index.js';
import { stickyCallsHandlers } from '../testing/msw.js';
import { API_KEY, BASE_URL, PENDING, rejectionOf, startParams, useEmulator, within } from './kit.js';

const T0 = Date.parse('2026-02-07T10:00:00.000Z');
const SECOND = 1000;
const HOUR = 60 * 60 * SECOND;
const DAY = 24 * HOUR;
const TTL_SECONDS = 30 * 24 * 60 * 60;
const ANI = '+14155551234';
const OTHER_ANI = '+442071234567';

let clock = T0;
const now = (): Date => new Date(clock);
const advance = (ms: number): void => {
  clock += ms;
};

const { emulator, server, client } = useEmulator({ now });

beforeEach(() => {
  clock = T0;
});

/** Routes the client's requests to another emulator for the rest of the test (the kit resets handlers). */
function serve(options: EmulatorOptions): Emulator {
  const other = createEmulator({ now, ...options });
  server.use(...stickyCallsHandlers(other, BASE_URL));
  return other;
}

interface PostOptions {
  /** The Bearer key; `null` sends no Authorization header. */
  key?: string | null;
  target?: Emulator;
  signal?: AbortSignal;
}

/** One raw request, straight to the emulator: what the API answers, with no client in between. */
function post(operation: string, body: unknown, options: PostOptions = {}): Promise<Response> {
  const key = options.key === undefined ? API_KEY : options.key;
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (key !== null) headers.authorization = `Bearer ${key}`;
  const request = new Request(`${BASE_URL}/v1/calls/${operation}`, {
    method: 'POST',
    headers,
    body: typeof body === 'string' ? body : JSON.stringify(body),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  return (options.target ?? emulator).handle(request);
}

const sorted = (values: readonly string[]): string[] => [...values].sort();

describe('new and returning callers', () => {
  it('answers a first call as a new caller with a fresh customer_ref and no context', async () => {
    const ctx = await client().calls.start({ ...startParams('CA1', ANI), telco: { line_type: 'mobile' } });
    expect(ctx).toEqual({
      call_id: 'CA1',
      customer_ref: expect.any(String),
      call_start: '2026-02-07T10:00:00.000Z',
      identity: { confidence: 0, level: 'low', sources: [], recommendation: 'ignore' },
      open_intents: [],
      variables: {},
    });
    const other = await client().calls.start(startParams('CA2', OTHER_ANI));
    expect(other.customer_ref).not.toBe(ctx.customer_ref);
    expect(other.identity.confidence).toBe(0);
  });

  it.each([
    [
      'a mobile line calling back within a day',
      'mobile',
      HOUR,
      0.7,
      'high',
      'reuse',
      ['ani:mobile', 'recency:1day'],
    ],
    [
      'a line of unknown type within a day',
      undefined,
      HOUR,
      0.5,
      'medium',
      'reuse',
      ['ani:unknown', 'recency:1day'],
    ],
    [
      'a landline within a week',
      'landline',
      3 * DAY,
      0.4,
      'low',
      'confirm',
      ['ani:landline', 'recency:7days'],
    ],
    ['a voip line within 30 days', 'voip', 20 * DAY, 0.25, 'low', 'ignore', ['ani:voip', 'recency:30days']],
    ['a mobile line after more than 30 days', 'mobile', 31 * DAY, 0.5, 'medium', 'reuse', ['ani:mobile']],
  ] as const)(
    'identifies %s by ANI',
    async (_, lineType, gap, confidence, level, recommendation, sources) => {
      const telco = lineType === undefined ? {} : { telco: { line_type: lineType } };
      const sticky = client();
      const first = await sticky.calls.start({ ...startParams('CA1', ANI), ...telco });
      advance(gap);
      const second = await sticky.calls.start({ ...startParams('CA2', ANI), ...telco });

      expect(second.customer_ref).toBe(first.customer_ref);
      expect(second.call_start).toBe(new Date(T0 + gap).toISOString());
      expect(second.identity).toEqual({ confidence, level, recommendation, sources: expect.any(Array) });
      expect(sorted(second.identity.sources)).toEqual(sorted(sources));
    },
  );

  it('identifies a caller by a stable external id from another number', async () => {
    const sticky = client();
    const first = await sticky.calls.start({
      call_id: 'CA1',
      identity_hints: { ani: ANI, external_ids: { crm_id: 'C-7' } },
    });
    advance(2 * DAY);
    const second = await sticky.calls.start({
      call_id: 'CA2',
      identity_hints: { ani: OTHER_ANI, external_ids: { crm_id: 'C-7' } },
    });
    expect(second.customer_ref).toBe(first.customer_ref);
    expect(second.identity).toMatchObject({ confidence: 0.5, level: 'medium', recommendation: 'reuse' });
    expect(sorted(second.identity.sources)).toEqual(['external_id', 'recency:7days']);
  });

  it('adds the external id and the mobile ANI together, capped at 1', async () => {
    const hints = { ani: ANI, external_ids: { crm_id: 'C-7' } };
    const sticky = client();
    const first = await sticky.calls.start({
      call_id: 'CA1',
      identity_hints: hints,
      telco: { line_type: 'mobile' },
    });
    advance(HOUR);
    const second = await sticky.calls.start({
      call_id: 'CA2',
      identity_hints: hints,
      telco: { line_type: 'mobile' },
    });
    expect(second.customer_ref).toBe(first.customer_ref);
    expect(second.identity).toMatchObject({ confidence: 1, level: 'very_high', recommendation: 'reuse' });
    expect(sorted(second.identity.sources)).toEqual(['ani:mobile', 'external_id', 'recency:1day']);
  });

  it('does not match an external id whose value differs', async () => {
    const sticky = client();
    const first = await sticky.calls.start({
      call_id: 'CA1',
      identity_hints: { external_ids: { crm_id: 'C-7' } },
    });
    const second = await sticky.calls.start({
      call_id: 'CA2',
      identity_hints: { external_ids: { crm_id: 'C-8' } },
    });
    expect(second.customer_ref).not.toBe(first.customer_ref);
    expect(second.identity).toMatchObject({ confidence: 0, sources: [], recommendation: 'ignore' });
  });

  it('identifies a caller by the customer_ref an earlier call returned', async () => {
    const sticky = client();
    const first = await sticky.calls.start(startParams('CA1', ANI));
    advance(HOUR);
    const second = await sticky.calls.start({
      call_id: 'CA2',
      identity_hints: { customer_ref: first.customer_ref },
    });
    expect(second.customer_ref).toBe(first.customer_ref);
    expect(second.identity).toMatchObject({ confidence: 0.8, level: 'high', recommendation: 'reuse' });
    expect(sorted(second.identity.sources)).toEqual(['customer_ref', 'recency:1day']);
  });

  it('answers an unknown customer_ref as a new caller with a fresh ref', async () => {
    const ctx = await client().calls.start({
      call_id: 'CA1',
      identity_hints: { customer_ref: 'cust_unknown' },
    });
    expect(ctx.customer_ref).not.toBe('cust_unknown');
    expect(ctx.identity).toMatchObject({ confidence: 0, sources: [], recommendation: 'ignore' });
  });

  it('never identifies a caller by a per-call external id such as a CallSid', async () => {
    const sticky = client();
    const first = await sticky.calls.start({
      call_id: 'CA1',
      identity_hints: { external_ids: { twilio_call_sid: 'CA1' } },
    });
    const second = await sticky.calls.start({
      call_id: 'CA2',
      identity_hints: { external_ids: { twilio_call_sid: 'CA2' } },
    });
    expect(second.customer_ref).not.toBe(first.customer_ref);
    expect(second.identity).toEqual({ confidence: 0, level: 'low', sources: [], recommendation: 'ignore' });
  });

  it('gives a per-call external id sent next to the ANI no weight', async () => {
    const sticky = client();
    const first = await sticky.calls.start({
      call_id: 'CA1',
      identity_hints: { ani: ANI, external_ids: { twilio_call_sid: 'CA1' } },
      telco: { line_type: 'mobile' },
    });
    const second = await sticky.calls.start({
      call_id: 'CA2',
      identity_hints: { ani: ANI, external_ids: { twilio_call_sid: 'CA2' } },
      telco: { line_type: 'mobile' },
    });
    expect(second.customer_ref).toBe(first.customer_ref);
    expect(second.identity.confidence).toBe(0.7);
    expect(second.identity.sources).not.toContain('external_id');
  });

  it('picks the customer with the strongest match', async () => {
    const sticky = client();
    await sticky.calls.start(startParams('CA1', ANI));
    const byCrm = await sticky.calls.start({
      call_id: 'CA2',
      identity_hints: { external_ids: { crm_id: 'C-7' } },
    });
    // ANI of the first customer (0.3 + recency), external id of the second (0.4 + recency).
    const ctx = await sticky.calls.start({
      call_id: 'CA3',
      identity_hints: { ani: ANI, external_ids: { crm_id: 'C-7' } },
    });
    expect(ctx.customer_ref).toBe(byCrm.customer_ref);
    expect(ctx.identity.confidence).toBe(0.6);
  });
});

describe('many remembered customers', () => {
  const start = async (target: Emulator, callId: string, hints: Record<string, unknown>) =>
    (await (await post('start', { call_id: callId, identity_hints: hints }, { target })).json()) as {
      customer_ref: string;
      identity: { confidence: number; sources: string[] };
    };

  it('finds the one a call matches among thousands, by ANI, external id or customer_ref', async () => {
    const big = createEmulator({ apiKeys: [API_KEY], now });
    for (let i = 0; i < 3000; i += 1) {
      await start(big, `CA-fill-${i}`, { ani: `+1415${String(i).padStart(7, '0')}` });
    }
    const first = await start(big, 'CA-a', { ani: ANI, external_ids: { crm: 'C-42' } });
    expect(first.identity.confidence).toBe(0);
    const byAni = await start(big, 'CA-b', { ani: ANI });
    const byCrm = await start(big, 'CA-c', { ani: OTHER_ANI, external_ids: { crm: 'C-42' } });
    const byRef = await start(big, 'CA-d', { customer_ref: first.customer_ref });
    expect([byAni.customer_ref, byCrm.customer_ref, byRef.customer_ref]).toEqual(
      Array(3).fill(first.customer_ref),
    );
    expect(byCrm.identity.sources).toContain('external_id');
    expect(byRef.identity.sources).toContain('customer_ref');
    expect(big.customers()).toHaveLength(3001);
  });

  it('of two customers scoring the same, answers the one remembered first', async () => {
    const target = createEmulator({ apiKeys: [API_KEY], now });
    const older = await start(target, 'CA-1', { ani: ANI });
    const newer = await start(target, 'CA-2', { ani: OTHER_ANI, external_ids: { crm: 'C-7' } });
    // The external id outweighs the ANI: this call goes to the newer customer, who now has the ANI too.
    const both = await start(target, 'CA-3', { ani: ANI, external_ids: { crm: 'C-7' } });
    expect(both.customer_ref).toBe(newer.customer_ref);
    // Both customers have the ANI and called just now: a tie, which the older one wins.
    const tie = await start(target, 'CA-4', { ani: ANI });
    expect(tie.customer_ref).toBe(older.customer_ref);
  });

  it('forgets an external id that a later call changed', async () => {
    const target = createEmulator({ apiKeys: [API_KEY], now });
    const first = await start(target, 'CA-1', { ani: ANI, external_ids: { crm: 'old' } });
    await start(target, 'CA-2', { ani: ANI, external_ids: { crm: 'new' } });
    expect((await start(target, 'CA-3', { external_ids: { crm: 'new' } })).customer_ref).toBe(
      first.customer_ref,
    );
    expect((await start(target, 'CA-4', { external_ids: { crm: 'old' } })).customer_ref).not.toBe(
      first.customer_ref,
    );
  });
});

describe('open intents', () => {
  it('counts an attempt for every open end, and forgets the intent once resolved', async () => {
    const sticky = client();
    const first = await sticky.calls.start(startParams('CA1'));
    const saved = await sticky.calls.end({
      call_id: 'CA1',
      customer_ref: first.customer_ref,
      intent: 'refund_request',
      intent_status: 'open',
    });
    expect(saved).toMatchObject({ intents_updated: 1, already_saved: false });

    const second = await sticky.calls.start(startParams('CA2'));
    expect(second.open_intents).toEqual([{ intent: 'refund_request', status: 'open', attempt_count: 1 }]);
    await sticky.calls.end({ call_id: 'CA2', customer_ref: first.customer_ref, intent: 'refund_request' });

    const third = await sticky.calls.start(startParams('CA3'));
    expect(third.open_intents).toEqual([{ intent: 'refund_request', status: 'open', attempt_count: 2 }]);
    await sticky.calls.end({
      call_id: 'CA3',
      customer_ref: first.customer_ref,
      intent: 'refund_request',
      intent_status: 'resolved',
    });

    const fourth = await sticky.calls.start(startParams('CA4'));
    expect(fourth.open_intents).toEqual([]);
    expect(emulator.customers()[0]?.intents.get('refund_request')).toEqual({
      status: 'resolved',
      attemptCount: 2,
    });
  });

  it('closes an abandoned intent too, and counts again from 1 when it reopens', async () => {
    const sticky = client();
    const ctx = await sticky.calls.start(startParams('CA1'));
    const ref = ctx.customer_ref;
    await sticky.calls.end({ call_id: 'CA1', customer_ref: ref, intent: 'billing', intent_status: 'open' });
    await sticky.calls.end({
      call_id: 'CA2',
      customer_ref: ref,
      intent: 'billing',
      intent_status: 'abandoned',
    });
    expect((await sticky.calls.start(startParams('CA3'))).open_intents).toEqual([]);
    await sticky.calls.end({ call_id: 'CA3', customer_ref: ref, intent: 'billing', intent_status: 'open' });
    expect((await sticky.calls.start(startParams('CA4'))).open_intents).toEqual([
      { intent: 'billing', status: 'open', attempt_count: 1 },
    ]);
  });

  it('keeps intents apart and saves an end that had no start, by identity hints', async () => {
    const sticky = client();
    await sticky.calls.end({
      call_id: 'CA1',
      identity_hints: { ani: ANI },
      intent: 'billing',
      intent_status: 'open',
    });
    await sticky.calls.end({
      call_id: 'CA2',
      identity_hints: { ani: ANI },
      intent: 'delivery',
      intent_status: 'open',
    });
    const ctx = await sticky.calls.start(startParams('CA3'));
    expect(ctx.identity.confidence).toBeGreaterThan(0);
    expect(ctx.open_intents).toEqual([
      { intent: 'billing', status: 'open', attempt_count: 1 },
      { intent: 'delivery', status: 'open', attempt_count: 1 },
    ]);
  });
});

describe('variables', () => {
  it('returns what an end saved at the next start, as strings with a ttl_seconds', async () => {
    const sticky = client();
    const first = await sticky.calls.start(startParams('CA1'));
    advance(90 * SECOND);
    const saved = await sticky.calls.end({
      call_id: 'CA1',
      customer_ref: first.customer_ref,
      variables: { name: 'Ada Lovelace', amount: 42.5, vip: true },
    });
    expect(saved).toMatchObject({
      customer_ref: first.customer_ref,
      call_start: '2026-02-07T10:00:00.000Z',
      call_end: '2026-02-07T10:01:30.000Z',
      duration_seconds: 90,
      variables_updated: 3,
    });

    advance(HOUR);
    const second = await sticky.calls.start(startParams('CA2'));
    const ttl = TTL_SECONDS - HOUR / SECOND;
    expect(second.variables).toEqual({
      name: { value: 'Ada Lovelace', source: null, ttl_seconds: ttl },
      amount: { value: '42.5', source: null, ttl_seconds: ttl },
      vip: { value: 'true', source: null, ttl_seconds: ttl },
    });
  });

  it('expires variables 30 days after they were saved', async () => {
    const sticky = client();
    const first = await sticky.calls.start(startParams('CA1'));
    await sticky.calls.end({ call_id: 'CA1', customer_ref: first.customer_ref, variables: { name: 'Ada' } });

    advance(30 * DAY - SECOND);
    const before = await sticky.calls.start(startParams('CA2'));
    expect(before.variables).toEqual({ name: { value: 'Ada', source: null, ttl_seconds: 1 } });

    advance(SECOND);
    const after = await sticky.calls.start(startParams('CA3'));
    expect(after.customer_ref).toBe(first.customer_ref);
    expect(after.variables).toEqual({});
  });

  it('renews the TTL of a variable saved again', async () => {
    const sticky = client();
    const first = await sticky.calls.start(startParams('CA1'));
    await sticky.calls.end({ call_id: 'CA1', customer_ref: first.customer_ref, variables: { name: 'Ada' } });
    advance(20 * DAY);
    await sticky.calls.end({
      call_id: 'CA2',
      customer_ref: first.customer_ref,
      variables: { name: 'Ada L.' },
    });
    advance(20 * DAY);
    const ctx = await sticky.calls.start(startParams('CA3'));
    expect(ctx.variables).toEqual({
      name: { value: 'Ada L.', source: null, ttl_seconds: TTL_SECONDS - 20 * 86_400 },
    });
  });

  it('gives a new caller none of another caller’s variables', async () => {
    const sticky = client();
    const first = await sticky.calls.start(startParams('CA1', ANI));
    await sticky.calls.end({ call_id: 'CA1', customer_ref: first.customer_ref, variables: { name: 'Ada' } });
    const other = await sticky.calls.start(startParams('CA2', OTHER_ANI));
    expect(other.variables).toEqual({});
  });
});

describe('authentication', () => {
  it.each([
    ['no Authorization header', { key: null }],
    ['an unknown key', { key: 'sk_test_unknown' }],
  ] as const)('answers 401 with {error, message} for %s', async (_, options) => {
    const response = await post('start', startParams(), options);
    expect(response.status).toBe(401);
    expect(response.headers.get('content-type')).toContain('application/json');
    expect(await response.json()).toEqual({ error: 'Unauthorized', message: expect.any(String) });
    expect(emulator.customers()).toHaveLength(0);
    expect(emulator.usage).toEqual({ start: 0, end: 0 });
  });

  it('refuses a key that is not sent as Bearer', async () => {
    const response = await emulator.handle(
      new Request(`${BASE_URL}/v1/calls/start`, {
        method: 'POST',
        headers: { authorization: `Basic ${API_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify(startParams()),
      }),
    );
    expect(response.status).toBe(401);
  });

  it('makes the client throw AuthenticationError, with no retry', async () => {
    const error = await rejectionOf(client({ apiKey: 'sk_test_unknown' }).calls.start(startParams()));
    expect(isStickyCallsError(error, AuthenticationError)).toBe(true);
    expect(error).toMatchObject({
      status: 401,
      body: { error: 'Unauthorized', message: expect.any(String) },
    });
    expect(emulator.requests).toHaveLength(1);
  });

  it('accepts only the keys given in apiKeys', async () => {
    const custom = serve({ apiKeys: ['sk_test_custom'] });
    await expect(client({ apiKey: 'sk_test_custom' }).calls.start(startParams('CA1'))).resolves.toMatchObject(
      {
        call_id: 'CA1',
      },
    );
    await expect(client().calls.start(startParams('CA2'))).rejects.toBeInstanceOf(AuthenticationError);
    expect(custom.requests.map((r) => r.status)).toEqual([200, 401]);
  });
});

describe('validation (400)', () => {
  const ref = 'cust_abc123';
  it.each([
    ['start', 'empty identity hints', { call_id: 'CA1', identity_hints: {} }, ['identity_hints']],
    ['start', 'no identity_hints', { call_id: 'CA1' }, ['identity_hints']],
    ['start', 'no call_id', { identity_hints: { ani: ANI } }, ['call_id']],
    ['start', 'an empty call_id', { call_id: '', identity_hints: { ani: ANI } }, ['call_id']],
    [
      'start',
      'a call_id over 128 characters',
      { call_id: 'C'.repeat(129), identity_hints: { ani: ANI } },
      ['call_id'],
    ],
    ['start', 'a numeric call_id', { call_id: 42, identity_hints: { ani: ANI } }, ['call_id']],
    [
      'start',
      'an ani without +',
      { call_id: 'CA1', identity_hints: { ani: '4155551234' } },
      ['identity_hints', 'ani'],
    ],
    [
      'start',
      'an ani with words',
      { call_id: 'CA1', identity_hints: { ani: 'anonymous' } },
      ['identity_hints', 'ani'],
    ],
    [
      'start',
      'an unknown line type',
      { call_id: 'CA1', identity_hints: { ani: ANI }, telco: { line_type: 'satellite' } },
      ['telco', 'line_type'],
    ],
    ['end', 'no customer_ref nor identity_hints', { call_id: 'CA1' }, ['customer_ref']],
    ['end', 'a bad call_id', { call_id: '', customer_ref: ref }, ['call_id']],
    [
      'end',
      'an unknown intent_status',
      { call_id: 'CA1', customer_ref: ref, intent: 'billing', intent_status: 'closed' },
      ['intent_status'],
    ],
    [
      'end',
      'a number as variable value',
      { call_id: 'CA1', customer_ref: ref, variables: { amount: 42 } },
      ['variables', 'amount'],
    ],
    [
      'end',
      'a boolean as variable value',
      { call_id: 'CA1', customer_ref: ref, variables: { vip: true } },
      ['variables', 'vip'],
    ],
    [
      'end',
      'a non-E.164 ani in identity hints',
      { call_id: 'CA1', identity_hints: { ani: '555-1234' } },
      ['identity_hints', 'ani'],
    ],
  ] as const)('%s with %s answers 400 with the issue path', async (operation, _, body, path) => {
    const response = await post(operation, body);
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toContain('application/json');
    expect(await response.json()).toEqual({
      error: 'Bad Request',
      message: 'Validation failed',
      details: { issues: [{ path, message: expect.any(String) }] },
    });
    expect(emulator.customers()).toHaveLength(0);
    expect(emulator.usage).toEqual({ start: 0, end: 0 });
  });

  it('says which identity hints are needed', async () => {
    const body = (await (await post('start', { call_id: 'CA1', identity_hints: {} })).json()) as {
      details: { issues: { message: string }[] };
    };
    expect(body.details.issues[0]?.message).toBe(
      'identity_hints must include ani, external_ids, or customer_ref',
    );
  });

  it('reports every issue of a request at once', async () => {
    const response = await post('start', { call_id: '', identity_hints: { ani: '4155551234' } });
    const body = (await response.json()) as { details: { issues: { path: unknown[] }[] } };
    expect(body.details.issues.map((issue) => issue.path)).toEqual([['call_id'], ['identity_hints', 'ani']]);
  });

  it('answers 400 to a body that is not JSON', async () => {
    const response = await post('start', '{"call_id":');
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: 'Bad Request', message: expect.any(String) });
  });

  it('answers 400 with an issue to an end for an unknown customer_ref, which the client carries', async () => {
    const error = await rejectionOf(client().calls.end({ call_id: 'CA1', customer_ref: 'cust_unknown' }));
    expect(isStickyCallsError(error, BadRequestError)).toBe(true);
    expect((error as BadRequestError).issues).toEqual([
      { path: ['customer_ref'], message: expect.any(String) },
    ]);
  });
});

describe('conflicts (409)', () => {
  it('refuses a repeated call_id on start, leaving the first call as it was', async () => {
    const sticky = client();
    const first = await sticky.calls.start(startParams('CA1', ANI));
    const error = await rejectionOf(sticky.calls.start(startParams('CA1', OTHER_ANI)));
    expect(isStickyCallsError(error, ConflictError)).toBe(true);
    expect(error).toMatchObject({ status: 409, body: { error: 'Conflict', message: expect.any(String) } });
    expect(emulator.customers().map((c) => c.customerRef)).toEqual([first.customer_ref]);
    expect(emulator.usage).toEqual({ start: 1, end: 0 });
  });

  it('refuses a second end of the same call', async () => {
    const sticky = client();
    const ctx = await sticky.calls.start(startParams('CA1'));
    await sticky.calls.end({ call_id: 'CA1', customer_ref: ctx.customer_ref, intent: 'billing' });
    const response = await post('end', { call_id: 'CA1', customer_ref: ctx.customer_ref, intent: 'billing' });
    expect(response.status).toBe(409);
    expect(await response.json()).toEqual({ error: 'Conflict', message: expect.any(String) });
    await expect(sticky.calls.end({ call_id: 'CA1', customer_ref: ctx.customer_ref })).rejects.toBeInstanceOf(
      ConflictError,
    );
    // The refused ends counted no attempt.
    expect(emulator.customers()[0]?.intents.get('billing')).toEqual({ status: 'open', attemptCount: 1 });
  });

  it('refuses a start for a call_id that an end without start already used', async () => {
    const sticky = client();
    await sticky.calls.end({ call_id: 'CA1', identity_hints: { ani: ANI } });
    await expect(sticky.calls.start(startParams('CA1'))).rejects.toBeInstanceOf(ConflictError);
  });
});

describe('monthly quota (402)', () => {
  it('answers 402 once the successful calls use it up; failed requests do not count', async () => {
    const limited = serve({ monthlyQuota: 2 });
    const sticky = client();
    const ctx = await sticky.calls.start(startParams('CA1'));
    await expect(sticky.calls.start(startParams('CA1'))).rejects.toBeInstanceOf(ConflictError);
    await expect(sticky.calls.end({ call_id: 'CA1', customer_ref: 'cust_unknown' })).rejects.toBeInstanceOf(
      BadRequestError,
    );
    await expect(
      client({ apiKey: 'sk_test_unknown' }).calls.start(startParams('CA2')),
    ).rejects.toBeInstanceOf(AuthenticationError);
    expect(limited.usage).toEqual({ start: 1, end: 0 });

    await sticky.calls.end({ call_id: 'CA1', customer_ref: ctx.customer_ref });
    expect(limited.usage).toEqual({ start: 1, end: 1 });

    const error = await rejectionOf(sticky.calls.start(startParams('CA3')));
    expect(isStickyCallsError(error, InsufficientCreditsError)).toBe(true);
    expect(error).toMatchObject({
      status: 402,
      body: { error: 'Payment Required', message: expect.any(String) },
    });
    expect(limited.usage).toEqual({ start: 1, end: 1 });
    expect(limited.customers()).toHaveLength(1);
    expect(limited.requests.at(-1)?.status).toBe(402);
  });
});

describe('rate limit (429)', () => {
  it('answers 429 with Retry-After in seconds past the limit, and recovers after 60 s', async () => {
    const limited = createEmulator({ now, rateLimitPerMinute: 2 });
    const start = (id: string) => post('start', startParams(id), { target: limited });

    expect((await start('CA1')).status).toBe(200);
    advance(30 * SECOND);
    expect((await start('CA2')).status).toBe(200);

    const refused = await start('CA3');
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('30');
    expect(await refused.json()).toEqual({ error: 'Too Many Requests', message: expect.any(String) });

    advance(20 * SECOND);
    expect((await start('CA3')).headers.get('retry-after')).toBe('10');

    advance(10 * SECOND);
    expect((await start('CA3')).status).toBe(200);
    // The window rolls: the request at +30 s still counts until +90 s.
    const again = await start('CA4');
    expect(again.status).toBe(429);
    expect(again.headers.get('retry-after')).toBe('30');
    expect(limited.usage).toEqual({ start: 3, end: 0 });
  });

  it('makes the client fail at once with the wait the API asked for, and succeed after the window', async () => {
    serve({ rateLimitPerMinute: 1 });
    const sticky = client({ timeout: 1000 });
    await sticky.calls.start(startParams('CA1'));
    const error = await rejectionOf(sticky.calls.start(startParams('CA2')));
    expect(isStickyCallsError(error, RateLimitError)).toBe(true);
    expect(error).toMatchObject({ status: 429, retryAfterMs: 60_000 });

    advance(60 * SECOND);
    await expect(sticky.calls.start(startParams('CA2'))).resolves.toMatchObject({ call_id: 'CA2' });
  });
});

describe('injected faults', () => {
  it('answers a status fault with an error body and no Retry-After, and the request does not land', async () => {
    emulator.inject({ type: 'status', status: 503 });
    const response = await post('start', startParams('CA1'));
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBeNull();
    expect(await response.json()).toEqual({ error: expect.any(String), message: expect.any(String) });
    expect(emulator.customers()).toHaveLength(0);
    expect(emulator.usage).toEqual({ start: 0, end: 0 });
    // The same call_id is free: the faulted request was never stored.
    expect((await post('start', startParams('CA1'))).status).toBe(200);
  });

  it.each([
    [2, '2'],
    ['Sat, 07 Feb 2026 10:00:05 GMT', 'Sat, 07 Feb 2026 10:00:05 GMT'],
  ] as const)('sends retryAfter %j as the Retry-After header', async (retryAfter, header) => {
    emulator.inject({ type: 'status', status: 429, retryAfter });
    const response = await post('start', startParams());
    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toBe(header);
  });

  it('answers a status fault with the given body', async () => {
    emulator.inject({ type: 'status', status: 500, body: { error: 'boom', trace: 'x' } });
    const response = await post('start', startParams());
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ error: 'boom', trace: 'x' });
  });

  it('answers a 402 fault with the quota error, which the client does not retry', async () => {
    emulator.inject({ type: 'status', status: 402, times: 3 });
    const error = await rejectionOf(client().calls.start(startParams()));
    expect(isStickyCallsError(error, InsufficientCreditsError)).toBe(true);
    expect(error).toMatchObject({ body: { error: 'Payment Required', message: expect.any(String) } });
    expect(emulator.requests).toHaveLength(1);
  });

  it('holds a hang until clearFaults() releases it as a dropped connection', async () => {
    emulator.inject({ type: 'hang' });
    const pending = post('start', startParams());
    expect(await within(pending, 100)).toBe(PENDING);
    emulator.clearFaults();
    const response = await within(pending, 1000);
    expect(response).not.toBe(PENDING);
    expect((response as Response).type).toBe('error');
    expect(emulator.customers()).toHaveLength(0);
  });

  it('holds a hang until the request is aborted', async () => {
    emulator.inject({ type: 'hang' });
    const controller = new AbortController();
    const pending = post('start', startParams(), { signal: controller.signal });
    expect(await within(pending, 100)).toBe(PENDING);
    controller.abort();
    const response = await within(pending, 1000);
    expect(response).not.toBe(PENDING);
    expect((response as Response).type).toBe('error');
  });

  it('gives up a hang after maxHangMs', async () => {
    const short = createEmulator({ maxHangMs: 100 });
    short.inject({ type: 'hang' });
    const response = await within(post('start', startParams(), { target: short }), 1500);
    expect(response).not.toBe(PENDING);
    expect((response as Response).type).toBe('error');
  });

  it('lets the client abandon a hung attempt and succeed on the retry', async () => {
    emulator.inject({ type: 'hang' });
    const ctx = await client({ timeout: 1500, attemptTimeout: 200 }).calls.start(startParams('CA1'));
    expect(ctx.identity.confidence).toBe(0);
    expect(emulator.customers()).toHaveLength(1);
  });

  it('answers normally after a delay', async () => {
    emulator.inject({ type: 'delay', ms: 250 });
    const started = performance.now();
    const response = await post('start', startParams('CA1'));
    expect(performance.now() - started).toBeGreaterThanOrEqual(200);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ call_id: 'CA1', customer_ref: expect.any(String) });
  });

  it('streams a slow body in chunks spread over the time given', async () => {
    emulator.inject({ type: 'slow_body', ms: 300 });
    const started = performance.now();
    const response = await post('start', startParams('CA1'));
    const headersAt = performance.now() - started;
    expect(response.status).toBe(200);
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const chunks: Uint8Array[] = [];
    for (let next = await reader.read(); !next.done; next = await reader.read()) chunks.push(next.value);
    const bodyAt = performance.now() - started;

    expect(chunks.length).toBeGreaterThan(1);
    expect(bodyAt - headersAt).toBeGreaterThanOrEqual(200);
    const text = Buffer.concat(chunks).toString('utf8');
    expect(JSON.parse(text)).toMatchObject({
      call_id: 'CA1',
      customer_ref: expect.any(String),
      identity: {},
    });
  });

  it('lets a client whose attempt timeout is shorter than a slow body retry; the end had landed', async () => {
    const sticky = client({ timeout: 1500, attemptTimeout: 150 });
    const ctx = await sticky.calls.start(startParams('CA1'));
    emulator.inject({ type: 'slow_body', ms: 800, operation: 'end' });
    const saved = await sticky.calls.end({
      call_id: 'CA1',
      customer_ref: ctx.customer_ref,
      intent: 'billing',
    });
    expect(saved).toMatchObject({ call_id: 'CA1', already_saved: true });
    expect(emulator.requests.filter((r) => r.operation === 'end').map((r) => r.status)).toEqual([200, 409]);
  });

  it('answers 200 with a body that is not JSON for malformed_json; the call still landed', async () => {
    emulator.inject({ type: 'malformed_json', times: 2 });
    const response = await post('start', startParams('CA1'));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('application/json');
    const text = await response.text();
    expect(() => JSON.parse(text)).toThrow();

    const error = await rejectionOf(client().calls.start(startParams('CA2')));
    expect(isStickyCallsError(error, ResponseValidationError)).toBe(true);
    expect(error).toMatchObject({ status: 200, code: 'invalid_response' });
    expect(emulator.usage).toEqual({ start: 2, end: 0 });
    await expect(client().calls.start(startParams('CA2'))).rejects.toBeInstanceOf(ConflictError);
  });

  it('renames customer_ref to customerRef for a default schema_drift', async () => {
    emulator.inject({ type: 'schema_drift' });
    const response = await post('start', startParams('CA1'));
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      call_id: 'CA1',
      customerRef: expect.any(String),
      identity: expect.any(Object),
    });
    expect(body).not.toHaveProperty('customer_ref');

    emulator.inject({ type: 'schema_drift' });
    const error = await rejectionOf(client().calls.start(startParams('CA2')));
    expect(isStickyCallsError(error, ResponseValidationError)).toBe(true);
    expect((error as ResponseValidationError).issues).toContainEqual({
      path: ['customer_ref'],
      message: expect.any(String),
    });
  });

  it('answers a schema_drift with the body given', async () => {
    emulator.inject({ type: 'schema_drift', body: { customer: { ref: 'cust_1' }, confidence: 'high' } });
    const response = await post('start', startParams('CA1'));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ customer: { ref: 'cust_1' }, confidence: 'high' });
  });

  it('drops the connection for network_error; the request does not land', async () => {
    emulator.inject({ type: 'network_error' });
    const response = await post('start', startParams('CA1'));
    expect(response.type).toBe('error');

    emulator.inject({ type: 'network_error' });
    const error = await rejectionOf(client({ retry: false }).calls.start(startParams('CA1')));
    expect(isStickyCallsError(error, APIConnectionError)).toBe(true);
    expect(error).toMatchObject({ code: 'network_error' });
    expect(emulator.customers()).toHaveLength(0);
    expect(emulator.usage).toEqual({ start: 0, end: 0 });
  });

  it('applies a fault to one request by default, then answers normally', async () => {
    emulator.inject({ type: 'status', status: 500 });
    const statuses = [];
    for (const id of ['CA1', 'CA2']) statuses.push((await post('start', startParams(id))).status);
    expect(statuses).toEqual([500, 200]);
  });

  it('applies a fault to `times` requests', async () => {
    emulator.inject({ type: 'status', status: 503, times: 2 });
    const statuses = [];
    for (const id of ['CA1', 'CA2', 'CA3']) statuses.push((await post('start', startParams(id))).status);
    expect(statuses).toEqual([503, 503, 200]);
  });

  it('applies a fault scoped to an operation to that operation only', async () => {
    emulator.inject({ type: 'status', status: 500, operation: 'end' });
    const sticky = client({ retry: false });
    const ctx = await sticky.calls.start(startParams('CA1'));
    await expect(sticky.calls.end({ call_id: 'CA1', customer_ref: ctx.customer_ref })).rejects.toBeInstanceOf(
      InternalServerError,
    );
    await expect(sticky.calls.end({ call_id: 'CA1', customer_ref: ctx.customer_ref })).resolves.toMatchObject(
      {
        already_saved: false,
      },
    );
  });

  it('queues faults in order, each operation taking the first that applies to it', async () => {
    emulator.inject({ type: 'status', status: 502, operation: 'end' });
    emulator.inject({ type: 'status', status: 500 });
    emulator.inject({ type: 'status', status: 503 });
    const ref = 'cust_x';
    const statuses = [
      (await post('start', startParams('CA1'))).status,
      (await post('start', startParams('CA2'))).status,
      (await post('end', { call_id: 'CA3', customer_ref: ref })).status,
      (await post('start', startParams('CA4'))).status,
    ];
    expect(statuses).toEqual([500, 503, 502, 200]);
  });

  it('clearFaults() removes queued faults', async () => {
    emulator.inject({ type: 'status', status: 500, times: 5 });
    emulator.clearFaults();
    expect((await post('start', startParams())).status).toBe(200);
  });
});

describe('status faults of any status', () => {
  it.each([204, 205, 304])(
    'answers %i as asked, with no body, and the request does not land',
    async (status) => {
      emulator.inject({ type: 'status', status, retryAfter: 3 });
      const response = await post('start', startParams('CA1'));
      expect(response.status).toBe(status);
      expect(response.body).toBeNull();
      expect(response.headers.get('retry-after')).toBe('3');
      expect(emulator.requests.map((r) => r.status)).toEqual([status]);
      expect((await post('start', startParams('CA1'))).status).toBe(200);
    },
  );

  it.each([200, 201, 226, 300, 302, 418, 451, 499, 511, 599])(
    'answers %i as asked, with an error body',
    async (status) => {
      emulator.inject({ type: 'status', status });
      const response = await post('start', startParams());
      expect(response.status).toBe(status);
      expect(await response.json()).toEqual({ error: expect.any(String), message: expect.any(String) });
    },
  );

  it('answers 204 through the client: a start with no body breaks the contract, an end is a save', async () => {
    emulator.inject({ type: 'status', status: 204, times: 2 });
    const error = await rejectionOf(client({ retry: false }).calls.start(startParams('CA1')));
    expect(isStickyCallsError(error, ResponseValidationError)).toBe(true);
    expect(error).toMatchObject({ status: 204 });
    await expect(
      client({ retry: false }).calls.end({ call_id: 'CA2', identity_hints: { ani: ANI } }),
    ).resolves.toMatchObject({ call_id: 'CA2', already_saved: false });
  });

  it('answers 304 through the client as an APIError of that status', async () => {
    emulator.inject({ type: 'status', status: 304 });
    const error = await rejectionOf(client({ retry: false }).calls.start(startParams()));
    expect(isStickyCallsError(error, APIError)).toBe(true);
    expect(error).toMatchObject({ status: 304, body: '' });
  });
});

describe('inject refuses a fault it could not answer, saying why', () => {
  const KNOWN = 'status, hang, delay, slow_body, malformed_json, schema_drift, network_error';

  it.each([
    ['an unknown type', { type: 'timeout' }],
    ['a type in another case', { type: 'Status', status: 500 }],
    ['no type', { status: 500 }],
    ['a type that is not text', { type: 5 }],
  ])('%s, listing the known types', (_name, fault) => {
    expect(() => emulator.inject(fault as never)).toThrow(TypeError);
    expect(() => emulator.inject(fault as never)).toThrow(KNOWN);
  });

  it.each([null, undefined, 'status', 500])('a fault that is not an object: %j', (fault) => {
    expect(() => emulator.inject(fault as never)).toThrow(TypeError);
    expect(() => emulator.inject(fault as never)).toThrow(KNOWN);
  });

  it.each([
    ['a status below 200', { type: 'status', status: 199 }, 'status'],
    ['a 1xx status', { type: 'status', status: 101 }, 'status'],
    ['a status above 599', { type: 'status', status: 600 }, 'status'],
    ['a status that is not whole', { type: 'status', status: 500.5 }, 'status'],
    ['a status as text', { type: 'status', status: '500' }, 'status'],
    ['no status', { type: 'status' }, 'status'],
    ['NaN as status', { type: 'status', status: Number.NaN }, 'status'],
    ['a NaN retryAfter', { type: 'status', status: 429, retryAfter: Number.NaN }, 'retryAfter'],
    [
      'an infinite retryAfter',
      { type: 'status', status: 429, retryAfter: Number.POSITIVE_INFINITY },
      'retryAfter',
    ],
    [
      'a retryAfter with a line break',
      { type: 'status', status: 429, retryAfter: '1\r\nx-forged: 1' },
      'retryAfter',
    ],
    ['a retryAfter that is an object', { type: 'status', status: 429, retryAfter: { s: 1 } }, 'retryAfter'],
    ['a body that is not JSON data', { type: 'status', status: 500, body: BigInt(10) }, 'body'],
    [
      'a body that holds itself',
      {
        type: 'status',
        status: 500,
        body: (() => {
          const o: Record<string, unknown> = {};
          o.o = o;
          return o;
        })(),
      },
      'body',
    ],
    ['a schema_drift body that is a function', { type: 'schema_drift', body: () => 1 }, 'body'],
    ['a delay with no ms', { type: 'delay' }, 'ms'],
    ['a delay with a negative ms', { type: 'delay', ms: -1 }, 'ms'],
    ['a delay with ms as text', { type: 'delay', ms: '100' }, 'ms'],
    ['a delay with an infinite ms', { type: 'delay', ms: Number.POSITIVE_INFINITY }, 'ms'],
    ['a slow_body with NaN ms', { type: 'slow_body', ms: Number.NaN }, 'ms'],
    ['a hang with ms (a hang has none: maxHangMs bounds it)', { type: 'hang', ms: 100 }, 'ms'],
    ['a misspelt field', { type: 'status', status: 500, time: 2 }, 'time'],
    ['a field of another type', { type: 'network_error', status: 500 }, 'status'],
    ['times of 0', { type: 'hang', times: 0 }, 'times'],
    ['times that is not whole', { type: 'hang', times: 1.5 }, 'times'],
    ['times as text', { type: 'hang', times: '2' }, 'times'],
    ['infinite times', { type: 'hang', times: Number.POSITIVE_INFINITY }, 'times'],
    ['an unknown operation', { type: 'hang', operation: 'both' }, 'operation'],
  ])('%s, naming the field', (_name, fault, field) => {
    let error: unknown;
    try {
      emulator.inject(fault as never);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toContain(field);
  });

  it('queues nothing for a refused fault: the next request is answered normally', async () => {
    expect(() => emulator.inject({ type: 'status', status: 600 })).toThrow(TypeError);
    expect(() => emulator.inject({ type: 'bogus' } as never)).toThrow(TypeError);
    expect((await post('start', startParams())).status).toBe(200);
  });
});

describe('names that are special to JavaScript', () => {
  const NAMES = ['__proto__', 'constructor', 'prototype'];
  const raw = (operation: string, text: string): Promise<Response> => post(operation, text);

  it('keeps variables named __proto__, constructor and prototype, counts them, and returns them', async () => {
    const first = (await (await post('start', startParams('CA1'))).json()) as { customer_ref: string };
    const saved = await raw(
      'end',
      `{"call_id":"CA1","customer_ref":"${first.customer_ref}","variables":{"__proto__":"a","constructor":"b","prototype":"c","name":"Ada"}}`,
    );
    expect(saved.status).toBe(200);
    expect(await saved.json()).toMatchObject({ variables_updated: 4 });

    const text = await (await post('start', startParams('CA2'))).text();
    const variables = (JSON.parse(text) as { variables: Record<string, { value: string }> }).variables;
    expect(Object.keys(variables)).toEqual([...NAMES, 'name']);
    expect(NAMES.map((name) => Object.getOwnPropertyDescriptor(variables, name)?.value.value)).toEqual([
      'a',
      'b',
      'c',
    ]);
    expect(text).toContain('"__proto__":{"value":"a"');
    expect(({} as Record<string, unknown>).value).toBeUndefined();
  });

  it('keeps an intent named __proto__ and its attempts', async () => {
    const first = (await (await post('start', startParams('CA1'))).json()) as { customer_ref: string };
    await raw('end', `{"call_id":"CA1","customer_ref":"${first.customer_ref}","intent":"__proto__"}`);
    const second = (await (await post('start', startParams('CA2'))).json()) as { open_intents: unknown[] };
    expect(second.open_intents).toEqual([{ intent: '__proto__', status: 'open', attempt_count: 1 }]);
  });

  it.each(NAMES)('identifies a caller by an external id named %s', async (name) => {
    const hints = `{"external_ids":{"${name}":"C-7"}}`;
    const first = (await (await raw('start', `{"call_id":"CA1","identity_hints":${hints}}`)).json()) as {
      customer_ref: string;
    };
    const second = (await (await raw('start', `{"call_id":"CA2","identity_hints":${hints}}`)).json()) as {
      customer_ref: string;
      identity: { sources: string[] };
    };
    expect(second.customer_ref).toBe(first.customer_ref);
    expect(second.identity.sources).toContain('external_id');
  });
});

describe('reset()', () => {
  it('forgets customers, calls, usage, requests and queued faults', async () => {
    const sticky = client();
    const first = await sticky.calls.start(startParams('CA1'));
    await sticky.calls.end({
      call_id: 'CA1',
      customer_ref: first.customer_ref,
      intent: 'billing',
      variables: { a: 'b' },
    });
    emulator.inject({ type: 'status', status: 500, times: 5 });

    emulator.reset();
    expect(emulator.customers()).toEqual([]);
    expect(emulator.usage).toEqual({ start: 0, end: 0 });
    expect(emulator.requests).toEqual([]);

    // Same call_id and number: no 409, no fault, a new caller with nothing saved.
    const again = await client({ retry: false }).calls.start(startParams('CA1'));
    expect(again.customer_ref).not.toBe(first.customer_ref);
    expect(again).toMatchObject({ identity: { confidence: 0 }, open_intents: [], variables: {} });
    expect(emulator.requests.map((r) => r.status)).toEqual([200]);
  });

  it('releases a hanging request', async () => {
    emulator.inject({ type: 'hang' });
    const hanging = post('start', startParams('CA9'));
    expect(await within(hanging, 50)).toBe(PENDING);
    emulator.reset();
    const response = await within(hanging, 1000);
    expect(response).not.toBe(PENDING);
    expect((response as Response).type).toBe('error');
  });

  it('gives back a used-up quota', async () => {
    const limited = serve({ monthlyQuota: 1 });
    await client().calls.start(startParams('CA1'));
    await expect(client().calls.start(startParams('CA2'))).rejects.toBeInstanceOf(InsufficientCreditsError);
    limited.reset();
    await expect(client().calls.start(startParams('CA2'))).resolves.toMatchObject({ call_id: 'CA2' });
  });
});

describe('requests', () => {
  it('records operation, body and status of each request, oldest first, without the Authorization header', async () => {
    const key = 'sk_test_secret_key_9876';
    const recorder = serve({ apiKeys: [key] });
    const ctx = await client({ apiKey: key }).calls.start(startParams('CA1'));
    await rejectionOf(
      client({ apiKey: 'sk_test_other_key_5432' }).calls.end({ call_id: 'CA1', customer_ref: 'x' }),
    );
    await post('start', 'not json', { key, target: recorder });

    expect(recorder.requests).toEqual([
      { operation: 'start', body: startParams('CA1'), status: 200, at: new Date(T0) },
      { operation: 'end', body: { call_id: 'CA1', customer_ref: 'x' }, status: 401, at: new Date(T0) },
      { operation: 'start', body: 'not json', status: 400, at: new Date(T0) },
    ]);
    expect(ctx.customer_ref).toEqual(expect.any(String));
    const recorded = JSON.stringify(recorder.requests);
    expect(recorded).not.toContain(key);
    expect(recorded).not.toContain('sk_test_other_key_5432');
    expect(recorded.toLowerCase()).not.toContain('bearer');
  });

  it('answers 404 to an unknown route and records it', async () => {
    const response = await emulator.handle(
      new Request(`${BASE_URL}/v1/customers`, {
        method: 'POST',
        headers: { authorization: `Bearer ${API_KEY}` },
        body: '{}',
      }),
    );
    expect(response.status).toBe(404);
    expect(emulator.requests.map((r) => r.status)).toEqual([404]);
  });
});

describe('edge cases of the emulator itself', () => {
  it('answers a JSON null body with 400 rather than failing', async () => {
    const response = await post('start', null);
    expect(response.status).toBe(400);
    expect(emulator.requests.map((r) => r.status)).toEqual([400]);
  });

  it('does not hold a request whose client has already gone', async () => {
    const quick = createEmulator({ maxHangMs: 5000 });
    quick.inject({ type: 'hang' });
    const started = performance.now();
    await post('start', startParams(), { target: quick, signal: AbortSignal.abort() }).catch(() => undefined);
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('leaves no record of a hanging request released by reset()', async () => {
    emulator.inject({ type: 'hang' });
    const pending = post('start', startParams()).catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 20));
    emulator.reset();
    await pending;
    expect(emulator.requests).toEqual([]);
  });

  it('refuses a fault that would answer no request', () => {
    expect(() => emulator.inject({ type: 'status', status: 500, times: 0 })).toThrow('times');
  });

  it.each([
    ['a number as an external id', { external_ids: { crm: 5 } }, 'identity_hints.external_ids.crm'],
    ['an array as external_ids', { external_ids: ['crm'] }, 'identity_hints.external_ids'],
    ['a number as customer_ref', { customer_ref: 5 }, 'identity_hints.customer_ref'],
  ])('answers 400 for %s', async (_name, hints, path) => {
    const response = await post('start', { call_id: 'CA1', identity_hints: hints });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { details: { issues: { path: string[] }[] } };
    expect(body.details.issues.map((issue) => issue.path.join('.'))).toContain(path);
  });
});
