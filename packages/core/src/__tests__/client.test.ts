import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpResponse, http, passthrough } from 'msw';
import { describe, expect, it } from 'vitest';
import {
  APIError,
  ConfigurationError,
  checkClientOptions,
  createStickyCallsClient,
  isStickyCallsError,
  RequestValidationError,
  ResponseValidationError,
} from '../index.js';
import { BASE_URL, rejectionOf, startParams, useEmulator } from './kit.js';

const { emulator, server, client } = useEmulator();

describe('calls.start', () => {
  it('answers a new caller with a fresh customer_ref and no context', async () => {
    const ctx = await client().calls.start(startParams());
    expect(ctx.call_id).toBe('CA0001');
    expect(ctx.customer_ref).toMatch(/.+/);
    expect(ctx.identity).toEqual({ confidence: 0, level: 'low', sources: [], recommendation: 'ignore' });
    expect(ctx.open_intents).toEqual([]);
    expect(ctx.variables).toEqual({});
  });

  it('recognises a returning caller and returns what the last call saved', async () => {
    const sticky = client();
    const first = await sticky.calls.start(startParams('CA1'));
    await sticky.calls.end({
      call_id: 'CA1',
      customer_ref: first.customer_ref,
      intent: 'refund_request',
      intent_status: 'open',
      variables: { name: 'Ada Lovelace', amount: 42.5, vip: true },
    });
    const second = await sticky.calls.start({ ...startParams('CA2'), telco: { line_type: 'mobile' } });

    expect(second.customer_ref).toBe(first.customer_ref);
    expect(second.identity.confidence).toBeGreaterThanOrEqual(0.5);
    expect(second.identity.recommendation).toBe('reuse');
    expect(second.identity.sources).toContain('ani:mobile');
    expect(second.open_intents).toEqual([{ intent: 'refund_request', status: 'open', attempt_count: 1 }]);
    expect(second.variables.name?.value).toBe('Ada Lovelace');
    expect(second.variables.amount?.value).toBe('42.5');
    expect(second.variables.vip?.value).toBe('true');
  });

  it('sends the key as a Bearer header and the documented JSON body', async () => {
    let seen: { auth: string | null; type: string | null; body: unknown } | undefined;
    server.use(
      http.post(`${BASE_URL}/v1/calls/start`, async ({ request }) => {
        seen = {
          auth: request.headers.get('authorization'),
          type: request.headers.get('content-type'),
          body: await request.json(),
        };
        return HttpResponse.json({ customer_ref: 'cust_abc123' });
      }),
    );
    await client({ apiKey: 'sk_prod_secret_value_1234' }).calls.start({
      call_id: 'CA9',
      identity_hints: { ani: '+14155551234', external_ids: { crm_id: 'C-7' } },
      telco: { line_type: 'mobile' },
    });
    expect(seen).toEqual({
      auth: 'Bearer sk_prod_secret_value_1234',
      type: 'application/json',
      body: {
        call_id: 'CA9',
        identity_hints: { ani: '+14155551234', external_ids: { crm_id: 'C-7' } },
        telco: { line_type: 'mobile' },
      },
    });
  });
});

describe('request validation: a bad request throws naming the field, and nothing is sent', () => {
  const cases: [string, unknown, string][] = [
    ['empty call_id', { call_id: '', identity_hints: { ani: '+14155551234' } }, 'call_id'],
    [
      'call_id over 128 characters',
      { call_id: 'x'.repeat(129), identity_hints: { ani: '+14155551234' } },
      'call_id',
    ],
    ['no identity hint', { call_id: 'CA1', identity_hints: {} }, 'identity_hints'],
    ['empty external_ids only', { call_id: 'CA1', identity_hints: { external_ids: {} } }, 'identity_hints'],
    [
      'withheld caller as ani',
      { call_id: 'CA1', identity_hints: { ani: 'anonymous' } },
      'identity_hints.ani',
    ],
    [
      'a keypad-spelt withheld number as ani',
      { call_id: 'CA1', identity_hints: { ani: '+266696687' } },
      'identity_hints.ani',
    ],
    [
      'national number as ani',
      { call_id: 'CA1', identity_hints: { ani: '4155551234' } },
      'identity_hints.ani',
    ],
    ['unknown line type', { ...startParams(), telco: { line_type: 'satellite' } }, 'telco.line_type'],
    ['a camelCase key', { callId: 'CA1', identity_hints: { ani: '+14155551234' } }, 'callId'],
    ['not an object', 'CA1', ''],
  ];
  it.each(cases)('start: %s', async (_name, params, field) => {
    const error = await rejectionOf(client().calls.start(params as never));
    expect(isStickyCallsError(error, RequestValidationError)).toBe(true);
    const issues = (error as RequestValidationError).issues;
    expect(issues.map((issue) => issue.path.join('.')).join(' ') + (error as Error).message).toContain(field);
    expect((error as Error).message).toContain('nothing was sent');
    expect(emulator.requests).toHaveLength(0);
  });

  const endCases: [string, unknown, string][] = [
    ['no customer_ref nor identity_hints', { call_id: 'CA1', intent: 'x' }, 'customer_ref'],
    ['an empty intent', { call_id: 'CA1', customer_ref: 'c', intent: '' }, 'intent'],
    ['an empty intent_status', { call_id: 'CA1', customer_ref: 'c', intent_status: ' ' }, 'intent_status'],
    [
      'an object as a variable value',
      { call_id: 'CA1', customer_ref: 'c', variables: { a: { b: 1 } } },
      'variables.a',
    ],
    [
      'NaN as a variable value',
      { call_id: 'CA1', customer_ref: 'c', variables: { a: Number.NaN } },
      'variables.a',
    ],
    [
      'null as a variable value',
      { call_id: 'CA1', customer_ref: 'c', variables: { a: null } },
      'variables.a',
    ],
    [
      'intent_is_open instead of intent_status',
      { call_id: 'CA1', customer_ref: 'c', intent_is_open: true },
      'intent_is_open',
    ],
  ];
  it.each(endCases)('end: %s', async (_name, params, field) => {
    const error = await rejectionOf(client().calls.end(params as never));
    expect(error).toBeInstanceOf(RequestValidationError);
    const text = `${(error as RequestValidationError).issues.map((i) => i.path.join('.')).join(' ')} ${(error as Error).message}`;
    expect(text).toContain(field);
    expect(emulator.requests).toHaveLength(0);
  });
});

describe('calls.end', () => {
  it('sends variable values as strings and passes unknown intent statuses through', async () => {
    let body: unknown;
    server.use(
      http.post(`${BASE_URL}/v1/calls/end`, async ({ request }) => {
        body = await request.json();
        return HttpResponse.json({ call_id: 'CA1', customer_ref: 'cust_1' });
      }),
    );
    await client().calls.end({
      call_id: 'CA1',
      customer_ref: 'cust_1',
      intent: 'billing',
      intent_status: 'escalated',
      variables: { amount: 12, vip: false, name: 'Jo' },
    });
    expect(body).toEqual({
      call_id: 'CA1',
      customer_ref: 'cust_1',
      intent: 'billing',
      intent_status: 'escalated',
      variables: { amount: '12', vip: 'false', name: 'Jo' },
    });
  });

  it('saves against identity_hints when there was no start', async () => {
    const result = await client().calls.end({
      call_id: 'CA-batch-1',
      identity_hints: { ani: '+442071838750' },
      intent: 'delivery',
      intent_status: 'abandoned',
    });
    expect(result.already_saved).toBe(false);
    expect(result.customer_ref).toEqual(expect.any(String));
    expect(emulator.customers()).toHaveLength(1);
  });

  it('treats any 2xx as saved, even with a body it cannot read', async () => {
    server.use(http.post(`${BASE_URL}/v1/calls/end`, () => new HttpResponse('OK', { status: 200 })));
    const result = await client().calls.end({ call_id: 'CA1', customer_ref: 'cust_1', intent: 'x' });
    expect(result).toMatchObject({
      call_id: 'CA1',
      customer_ref: 'cust_1',
      already_saved: false,
      call_end: null,
    });
  });
});

describe('responses are read leniently, per the contract', () => {
  const answer = (body: unknown) =>
    server.use(http.post(`${BASE_URL}/v1/calls/start`, () => HttpResponse.json(body as never)));

  it('keeps unknown enum strings, reads null confidence as 0 and derives what is missing', async () => {
    answer({
      customer_ref: 'cust_abc123',
      identity: {
        confidence: null,
        level: 'extreme',
        recommendation: 'escalate',
        sources: ['ani:mobile', 7],
      },
    });
    const ctx = await client().calls.start(startParams('CA5'));
    expect(ctx.call_id).toBe('CA5');
    expect(ctx.identity).toEqual({
      confidence: 0,
      level: 'extreme',
      sources: ['ani:mobile'],
      recommendation: 'escalate',
    });
    expect(ctx.open_intents).toEqual([]);
    expect(ctx.variables).toEqual({});
    expect(ctx.call_start).toBeNull();
  });

  it('derives level and recommendation from confidence when absent', async () => {
    answer({ customer_ref: 'c', identity: { confidence: 0.42 } });
    const ctx = await client().calls.start(startParams());
    expect(ctx.identity.level).toBe('low');
    expect(ctx.identity.recommendation).toBe('confirm');
  });

  it('normalises plain-string variables and tolerates partial intents', async () => {
    answer({
      customer_ref: 'c',
      identity: { confidence: 0.9 },
      variables: {
        name: 'Jo',
        tier: { value: 'gold', source: 'crm', ttl_seconds: 60 },
        bad: { nope: 1 },
        count: 3,
      },
      open_intents: [{ intent: 'refund' }, { status: 'open' }, 'junk', { intent: 'move', attempt_count: 4 }],
    });
    const ctx = await client().calls.start(startParams());
    expect(ctx.variables).toEqual({
      name: { value: 'Jo', source: null, ttl_seconds: null },
      tier: { value: 'gold', source: 'crm', ttl_seconds: 60 },
      count: { value: '3', source: null, ttl_seconds: null },
    });
    expect(ctx.open_intents).toEqual([
      { intent: 'refund', status: 'open', attempt_count: null },
      { intent: 'move', status: 'open', attempt_count: 4 },
    ]);
  });

  it.each([
    ['no customer_ref', { identity: { confidence: 1 } }, 'customer_ref'],
    ['an array', [1, 2], 'not a JSON object'],
    ['a renamed field', { customerRef: 'c' }, 'customer_ref'],
  ])('throws a schema error that says what was wrong: %s', async (_name, body, says) => {
    answer(body);
    const error = await rejectionOf(client().calls.start(startParams()));
    expect(error).toBeInstanceOf(ResponseValidationError);
    expect((error as Error).message).toContain(says);
    expect((error as ResponseValidationError).retryable).toBe(false);
  });

  it('throws a schema error for a body that is not JSON', async () => {
    emulator.inject({ type: 'malformed_json' });
    const error = await rejectionOf(client().calls.start(startParams()));
    expect(error).toBeInstanceOf(ResponseValidationError);
    expect((error as Error).message).toContain('not JSON');
  });
});

describe('redirects', () => {
  /**
   * A server that redirects the API's routes to a page answering 200, as a captive
   * portal or a moved host does; over real HTTP, where fetch would follow it.
   */
  async function redirecting(
    status: number,
  ): Promise<{ url: string; seen: string[]; close: () => Promise<void> }> {
    const seen: string[] = [];
    const server = createServer((req, res) => {
      seen.push(`${req.method} ${req.url} ${req.headers.authorization ?? '-'}`);
      if (req.url?.startsWith('/v1/')) {
        res.writeHead(status, { location: '/welcome' }).end();
      } else {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"customer_ref":"portal"}');
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    return {
      url: `http://127.0.0.1:${port}`,
      seen,
      close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    };
  }

  it.each([301, 302, 303, 307, 308])(
    'never follows a %i: calls.end is not taken as saved, the key goes nowhere else',
    async (status) => {
      const site = await redirecting(status);
      // Over real HTTP: msw lets these through to the server.
      server.use(http.all(`${site.url}/*`, () => passthrough()));
      try {
        const sticky = createStickyCallsClient({
          apiKey: 'sk_test_emulator',
          baseUrl: site.url,
          retry: false,
        });
        const error = await rejectionOf(
          sticky.calls.end({ call_id: 'CA1', customer_ref: 'cust_1', intent: 'billing' }),
        );
        expect(isStickyCallsError(error, APIError)).toBe(true);
        expect(error).toMatchObject({ status, retryable: false });
        expect((error as Error).message).toContain('redirect');
        expect((error as Error).message).toContain('baseUrl');
        expect(site.seen).toEqual(['POST /v1/calls/end Bearer sk_test_emulator']);
      } finally {
        await site.close();
      }
    },
  );
});

describe('client options', () => {
  it.each([
    ['no apiKey', {}, 'apiKey'],
    ['a blank apiKey', { apiKey: '  ' }, 'apiKey'],
    ['a baseUrl that is not http', { apiKey: 'k', baseUrl: 'ftp://x' }, 'baseUrl'],
    ['a zero timeout', { apiKey: 'k', timeout: 0 }, 'timeout'],
    ['a negative end timeout', { apiKey: 'k', timeout: { end: -1 } }, 'timeout.end'],
    ['negative retries', { apiKey: 'k', retry: { maxRetries: -1 } }, 'retry.maxRetries'],
  ])('refuses %s with a ConfigurationError naming it', (_name, options, field) => {
    expect(() => createStickyCallsClient(options as never)).toThrow(ConfigurationError);
    expect(() => createStickyCallsClient(options as never)).toThrow(field);
  });

  it.each([
    ['a baseUrl that is not http', { baseUrl: 'ftp://x' }, 'baseUrl'],
    ['an attempt timeout of zero', { attemptTimeout: { start: 0 } }, 'attemptTimeout.start'],
    ['retry that is a number', { retry: 3 }, 'retry'],
    ['a fetch that is not a function', { fetch: 'fetch' }, 'fetch'],
    ['a header with a line break', { headers: { 'x-a': 'a\nb' } }, 'headers'],
  ])('checkClientOptions refuses %s as the client would, without a key', (_name, options, field) => {
    expect(() => checkClientOptions(options as never)).toThrow(ConfigurationError);
    expect(() => checkClientOptions(options as never)).toThrow(field);
    expect(() => createStickyCallsClient({ ...(options as object), apiKey: 'k' } as never)).toThrow(field);
  });

  it('checkClientOptions accepts what the client accepts', () => {
    expect(() =>
      checkClientOptions({
        baseUrl: BASE_URL,
        timeout: { start: 3000 },
        retry: false,
        headers: { 'x-team': 'a' },
      }),
    ).not.toThrow();
    expect(() => checkClientOptions({})).not.toThrow();
  });

  describe('never quotes a setting that may be a secret', () => {
    // What a key pasted into the wrong setting (STICKY_CALLS_BASE_URL, a header) looks like.
    const PASTED = 'sk_prod_PASTEDsecret_9f8e7d6c5b4a';
    const cases: [string, Record<string, unknown>, string][] = [
      ['a key as baseUrl', { baseUrl: PASTED }, 'baseUrl'],
      ['a key with spaces as baseUrl', { baseUrl: ` ${PASTED} x` }, 'baseUrl'],
      [
        'a baseUrl with the key as its password',
        { baseUrl: `https://user:${PASTED}@api.example.test` },
        'baseUrl',
      ],
      [
        'a baseUrl with the key as its user name',
        { baseUrl: `https://${PASTED}@api.example.test` },
        'baseUrl',
      ],
      ['a baseUrl that is not a string', { baseUrl: { href: PASTED } }, 'baseUrl'],
      [
        'a header value with a line break',
        { headers: { 'x-api-key': `${PASTED}\n` } },
        'header number 1 of 1',
      ],
      [
        'a header value with a NUL',
        { headers: { 'x-a': 'ok', 'x-app': `flex\u0000${PASTED}` } },
        'header number 2 of 2',
      ],
      ['a header value past Latin-1', { headers: { 'x-app': `${PASTED}\u20ac` } }, 'headers'],
      ['a header value that is not text', { headers: { 'x-app': { key: PASTED } } }, 'headers'],
      ['the key as a header name', { headers: { [`${PASTED} `]: 'x' } }, 'headers'],
      ['the key as a header name with a bad value', { headers: { [PASTED]: 'a\nb' } }, 'headers'],
      ['the key as fetch', { fetch: PASTED }, 'fetch'],
      ['retry as a string', { retry: PASTED }, 'retry'],
      ['headers as a string', { headers: PASTED }, 'headers'],
      ['the key as retry.maxRetries', { retry: { maxRetries: PASTED } }, 'retry.maxRetries'],
      ['the key as a timeout', { timeout: PASTED }, 'timeout'],
      ['the key as timeout.end', { timeout: { end: PASTED } }, 'timeout.end'],
      ['the key as attemptTimeout.start', { attemptTimeout: { start: PASTED } }, 'attemptTimeout.start'],
    ];

    it.each(cases)('%s: refused naming the setting, the value not shown', (_name, options, setting) => {
      let error: unknown;
      try {
        createStickyCallsClient({ apiKey: 'sk_test_emulator', ...options } as never);
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(ConfigurationError);
      const { message, stack } = error as Error;
      expect(message).toContain(setting);
      const shown = `${message}\n${stack}\n${String(error)}\n${JSON.stringify(error)}`;
      expect(shown).not.toContain(PASTED);
      expect(shown).not.toContain('PASTEDsecret');
    });

    it('names the timeout given per call, without its value', async () => {
      const error = await rejectionOf(
        client().calls.start(startParams(), { timeout: PASTED as unknown as number }),
      );
      expect(error).toBeInstanceOf(ConfigurationError);
      expect((error as Error).message).toContain('timeout');
      expect(`${(error as Error).message}\n${(error as Error).stack}`).not.toContain(PASTED);
    });

    it('shows a number, which is no secret, to say what was wrong', () => {
      expect(() => createStickyCallsClient({ apiKey: 'k', timeout: -5 })).toThrow('got -5');
    });
  });

  it('sends extra headers but never lets them replace the Authorization header', async () => {
    let seen: [string | null, string | null] | undefined;
    server.use(
      http.post(`${BASE_URL}/v1/calls/start`, ({ request }) => {
        seen = [request.headers.get('authorization'), request.headers.get('x-app')];
        return HttpResponse.json({ customer_ref: 'c' });
      }),
    );
    await client({ headers: { Authorization: 'Bearer other', 'x-app': 'flex' } }).calls.start(startParams());
    expect(seen).toEqual(['Bearer sk_test_emulator', 'flex']);
  });

  it('uses the injected fetch', async () => {
    const urls: string[] = [];
    const sticky = client({
      fetch: (input, init) => {
        urls.push(input instanceof Request ? input.url : String(input));
        return fetch(input, init);
      },
    });
    await sticky.calls.start(startParams());
    expect(urls).toEqual([`${BASE_URL}/v1/calls/start`]);
  });
});
