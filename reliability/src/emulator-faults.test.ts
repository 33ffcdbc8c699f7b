/**
 * Emulator faults: the emulator `@stickycalls/core/testing` ships plays every fault a
 * test asks of it, as asked. Every status from 200 to 599 injected is the status a raw
 * `fetch` gets back through msw (204, 205 and 304 with no body, as HTTP has them), and
 * what the real client makes of each is a typed error, or a save for a 2xx to
 * `calls.end`, never a crash. A fault it cannot play (an unknown type, a status outside
 * 200–599, an unusable `ms` or `operation`) is refused by `inject` at once, the unknown
 * type with the list of known ones, and queues nothing. A variable named `__proto__`,
 * `constructor` or `prototype`, saved with `calls/end` over raw HTTP, comes back on the
 * next `calls/start` like any other.
 */
import {
  APIError,
  AuthenticationError,
  BadRequestError,
  ConflictError,
  createStickyCallsClient,
  InsufficientCreditsError,
  InternalServerError,
  isStickyCallsError,
  RateLimitError,
  ResponseValidationError,
  type StickyCallsError,
} from '@stickycalls/core';
import { type Fault, type FaultScope, startEmulatorServer } from '@stickycalls/core/testing';
import { describe, expect, it } from 'vitest';
import { API_KEY, BASE_URL, CALLER, callSid, captureBody, captureError, emulatedApi } from './kit.js';
import { notes } from './notes.js';

/** An error class as `isStickyCallsError` takes it. */
type ErrorKind = (abstract new (...args: never[]) => StickyCallsError) & { readonly errorName: string };

const { emulator } = emulatedApi();

const KNOWN_TYPES = [
  'status',
  'hang',
  'delay',
  'slow_body',
  'malformed_json',
  'schema_drift',
  'network_error',
];
/** Statuses HTTP sends without a body. */
const NO_BODY = new Set([204, 205, 304]);

/**
 * One raw request through msw, as any HTTP client of the emulator sends it. Redirects are
 * not followed: msw's fetch interceptor follows a 301, 302, 303, 307 or 308 even with no
 * Location and fails it, where Node's fetch hands such an answer back as it came.
 */
function post(operation: 'start' | 'end', body: unknown): Promise<Response> {
  return fetch(`${BASE_URL}/v1/calls/${operation}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

const start = (callId = callSid()) => ({ call_id: callId, identity_hints: { ani: CALLER } });
const client = () => createStickyCallsClient({ apiKey: API_KEY, baseUrl: BASE_URL, retry: false });

/** What `inject` threw, or undefined when it took the fault. */
function injectError(fault: unknown): unknown {
  try {
    emulator.inject(fault as Fault & FaultScope);
  } catch (error) {
    return error;
  }
  return undefined;
}

/** The error the client throws for a status `calls.start` gets, as the API documents them. */
function expectedError(status: number): ErrorKind {
  if (status < 300) return ResponseValidationError;
  if (status === 400) return BadRequestError;
  if (status === 401) return AuthenticationError;
  if (status === 402) return InsufficientCreditsError;
  if (status === 409) return ConflictError;
  if (status === 429) return RateLimitError;
  if (status >= 500) return InternalServerError;
  return APIError;
}

describe('every status injected is the status answered', () => {
  it('200 to 599, each to a raw fetch through msw', async () => {
    const wrong: string[] = [];
    let answered = 0;
    for (let status = 200; status <= 599; status += 1) {
      emulator.inject({ type: 'status', status });
      const response = await post('start', start());
      const text = await response.text();
      captureBody(text);
      const bodyAsAsked = NO_BODY.has(status) ? text === '' : typeof JSON.parse(text).error === 'string';
      if (response.status === status && bodyAsAsked) answered += 1;
      else wrong.push(`${status} answered ${response.status} with ${JSON.stringify(text.slice(0, 60))}`);
    }
    expect(wrong).toEqual([]);
    expect(answered).toBe(400);
    // Every fault was used: none is left to answer the next request.
    expect((await post('start', start())).status).toBe(200);
    notes.push(
      `${answered} statuses answered as asked, 200 to 599 to a raw fetch through msw, ${NO_BODY.size} of them with no body`,
    );
  });

  const representative = [200, 201, 204, 205, 299, 300, 304, 399, 400, 401, 402, 404, 409, 418, 429, 499];
  const serverSide = [500, 502, 503, 504, 599];

  it.each([...representative, ...serverSide])(
    '%i: the real client’s calls.start throws the typed error for it, never crashes',
    async (status) => {
      emulator.inject({ type: 'status', status });
      let error: unknown;
      try {
        await client().calls.start(start());
      } catch (thrown) {
        error = thrown;
      }
      captureError(error);
      const kind = expectedError(status);
      expect(isStickyCallsError(error, kind), `${status}: ${String(error)}`).toBe(true);
      expect(error).toMatchObject({ status });
      if (NO_BODY.has(status) && status < 300) {
        expect((error as ResponseValidationError).issues).toEqual([
          { path: [], message: 'the body is empty' },
        ]);
      }
    },
  );

  it.each([204, 205])('%i: the real client’s calls.end takes it as a save, as any 2xx', async (status) => {
    emulator.inject({ type: 'status', status });
    const call = callSid();
    const saved = await client().calls.end({ call_id: call, customer_ref: 'cust_1', intent: 'billing' });
    expect(saved).toMatchObject({ call_id: call, customer_ref: 'cust_1', already_saved: false });
  });

  it('304: the real client’s calls.end throws an APIError with that status', async () => {
    emulator.inject({ type: 'status', status: 304 });
    let error: unknown;
    try {
      await client().calls.end({ call_id: callSid(), customer_ref: 'cust_1', intent: 'billing' });
    } catch (thrown) {
      error = thrown;
    }
    captureError(error);
    expect(isStickyCallsError(error, APIError)).toBe(true);
    expect(error).toMatchObject({ status: 304 });
  });
});

describe('inject refuses a fault it cannot play', () => {
  const unknown: [string, unknown][] = [
    ['a misspelt type', { type: 'stauts', status: 500 }],
    ['a type of another tool', { type: 'timeout' }],
    ['a type in capitals', { type: 'STATUS', status: 500 }],
    ['an empty type', { type: '' }],
    ['no type', { status: 500 }],
    ['a type that is not text', { type: 7 }],
  ];

  it.each(unknown)('%s, listing the known types', (_name, fault) => {
    const error = injectError(fault);
    expect(error).toBeInstanceOf(TypeError);
    const message = (error as TypeError).message;
    expect(message).toContain('unknown fault type');
    for (const type of KNOWN_TYPES) expect(message).toContain(type);
  });

  const bad: [string, unknown, string][] = [
    ['a status of 199', { type: 'status', status: 199 }, 'status'],
    ['a status of 100', { type: 'status', status: 100 }, 'status'],
    ['a status of 600', { type: 'status', status: 600 }, 'status'],
    ['a status of 0', { type: 'status', status: 0 }, 'status'],
    ['a status that is not whole', { type: 'status', status: 404.5 }, 'status'],
    ['a status as text', { type: 'status', status: '503' }, 'status'],
    ['no status', { type: 'status' }, 'status'],
    ['a delay with no ms', { type: 'delay' }, 'ms'],
    ['a delay with a negative ms', { type: 'delay', ms: -10 }, 'ms'],
    ['a delay with NaN ms', { type: 'delay', ms: Number.NaN }, 'ms'],
    ['a slow_body with an infinite ms', { type: 'slow_body', ms: Number.POSITIVE_INFINITY }, 'ms'],
    ['a slow_body with ms as text', { type: 'slow_body', ms: '300' }, 'ms'],
    ['an operation of both', { type: 'hang', operation: 'both' }, 'operation'],
    ['an operation in capitals', { type: 'network_error', operation: 'End' }, 'operation'],
    ['an operation as a number', { type: 'malformed_json', operation: 0 }, 'operation'],
  ];

  it.each(bad)('%s, naming the field', (_name, fault, field) => {
    const error = injectError(fault);
    expect(error).toBeInstanceOf(TypeError);
    expect((error as TypeError).message).toContain(field);
  });

  it('queues nothing it refused: as many requests as were refused are all answered normally', async () => {
    const refused = [...unknown, ...bad].map(([, fault]) => fault);
    for (const fault of refused) injectError(fault);
    const statuses: number[] = [];
    for (const _fault of refused) {
      const response = await post('start', start());
      captureBody(await response.text());
      statuses.push(response.status);
    }
    expect(statuses).toEqual(refused.map(() => 200));
    notes.push(`${refused.length} faults it cannot play refused by inject`);
  });
});

describe('variables named __proto__, constructor and prototype', () => {
  const NAMES = ['__proto__', 'constructor', 'prototype'];

  /** Saves each name with calls/end as JSON text (an object literal would set a prototype instead). */
  async function saveNames(callId: string, customerRef: string): Promise<void> {
    const variables = NAMES.map((name) => `"${name}":"kept ${name}"`).join(',');
    const response = await post(
      'end',
      `{"call_id":"${callId}","customer_ref":"${customerRef}","variables":{${variables}}}`,
    );
    const body = await response.json();
    captureBody(body);
    expect(response.status).toBe(200);
    expect(body).toMatchObject({ variables_updated: NAMES.length });
  }

  it('saved over raw HTTP, come back on the next calls/start as ordinary variables', async () => {
    const first = callSid();
    const { customer_ref: customerRef } = (await (await post('start', start(first))).json()) as {
      customer_ref: string;
    };
    await saveNames(first, customerRef);
    const text = await (await post('start', start())).text();
    captureBody(text);
    const answer = JSON.parse(text) as { customer_ref: string; variables: Record<string, unknown> };
    expect(answer.customer_ref).toBe(customerRef);
    expect(Object.keys(answer.variables).sort()).toEqual([...NAMES].sort());
    for (const name of NAMES) {
      expect(Object.getOwnPropertyDescriptor(answer.variables, name)?.value).toEqual({
        value: `kept ${name}`,
        source: null,
        ttl_seconds: expect.any(Number),
      });
    }
  });

  it('reach the real client’s calls.start as own variables', async () => {
    const first = await client().calls.start(start());
    await saveNames(first.call_id, first.customer_ref);
    const second = await client().calls.start(start());
    captureBody(second);
    expect(second.customer_ref).toBe(first.customer_ref);
    for (const name of NAMES) {
      expect(Object.getOwnPropertyDescriptor(second.variables, name)?.value).toMatchObject({
        value: `kept ${name}`,
      });
    }
  });
});

describe('through the real client, every status and over real HTTP', () => {
  /** What `calls.start` made of one injected status: the statuses its hook saw, and what it threw. */
  async function startWith(baseUrl: string, status: number): Promise<{ seen: number[]; error: unknown }> {
    emulator.inject({ type: 'status', status });
    const seen: number[] = [];
    const sticky = createStickyCallsClient({
      apiKey: API_KEY,
      baseUrl,
      retry: false,
      hooks: { onResponse: (event) => seen.push(event.status) },
    });
    try {
      await sticky.calls.start(start());
    } catch (error) {
      captureError(error);
      return { seen, error };
    }
    return { seen, error: undefined };
  }

  it('200 to 599, each to the real client’s calls.start: the status it gets, on the error it throws', async () => {
    const wrong: string[] = [];
    for (let status = 200; status <= 599; status += 1) {
      const { seen, error } = await startWith(BASE_URL, status);
      const carried = (error as { status?: unknown } | undefined)?.status;
      if (seen.length !== 1 || seen[0] !== status || carried !== status || !isStickyCallsError(error)) {
        wrong.push(`${status}: saw ${seen.join(',')}, threw ${String(error)}`);
      }
    }
    expect(wrong).toEqual([]);
    notes.push('400 statuses (200 to 599) through the real client, each answered as asked');
  });

  it.each([301, 302, 303, 307, 308])(
    '%i: a redirect is an APIError naming it, never followed',
    async (status) => {
      const { seen, error } = await startWith(BASE_URL, status);
      expect(seen).toEqual([status]);
      expect(isStickyCallsError(error, APIError)).toBe(true);
      expect((error as Error).message).toContain('redirect');
      expect(emulator.requests.map((request) => request.status)).toEqual([status]);
    },
  );

  it.each([204, 205, 304, 200, 418, 503])(
    '%i over real HTTP (the loopback server): answered as asked, the connection kept',
    async (status) => {
      const server = await startEmulatorServer({ emulator });
      try {
        const { seen } = await startWith(server.url, status);
        expect(seen).toEqual([status]);
        const next = await fetch(`${server.url}/v1/calls/start`, {
          method: 'POST',
          headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
          body: JSON.stringify(start()),
        });
        captureBody(await next.text());
        expect(next.status).toBe(200);
      } finally {
        await server.close();
      }
    },
  );

  it.each(['__proto__', 'constructor', 'prototype'])(
    'a variable named %s saved over real HTTP comes back, counted',
    async (name) => {
      const server = await startEmulatorServer({ emulator });
      const send = async (operation: string, text: string): Promise<Record<string, unknown>> => {
        const response = await fetch(`${server.url}/v1/calls/${operation}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
          body: text,
        });
        const answer = (await response.json()) as Record<string, unknown>;
        captureBody(answer);
        expect(response.status).toBe(200);
        return answer;
      };
      try {
        const callId = callSid();
        const first = await send('start', JSON.stringify(start(callId)));
        const saved = await send(
          'end',
          `{"call_id":"${callId}","customer_ref":"${String(first.customer_ref)}","variables":{"${name}":"kept","other":"too"}}`,
        );
        expect(saved.variables_updated).toBe(2);
        const next = await send('start', JSON.stringify(start()));
        const variables = next.variables as Record<string, unknown>;
        expect(Object.keys(variables).sort()).toEqual([name, 'other'].sort());
        expect(Object.getOwnPropertyDescriptor(variables, name)?.value).toMatchObject({ value: 'kept' });
      } finally {
        await server.close();
      }
    },
  );

  it.each([
    ['a hang with ms (a hang has none)', { type: 'hang', ms: 100 }, 'ms'],
    ['a misspelt field', { type: 'status', status: 500, time: 2 }, 'time'],
    ['a field another type takes', { type: 'network_error', status: 503 }, 'status'],
    [
      'a retryAfter with a line break',
      { type: 'status', status: 429, retryAfter: '1\r\nx: y' },
      'retryAfter',
    ],
    ['a body that is not JSON data', { type: 'status', status: 500, body: BigInt(1) }, 'body'],
    ['a body for a 204', { type: 'status', status: 204, body: {} }, 'body'],
    ['times of 0', { type: 'delay', ms: 1, times: 0 }, 'times'],
    ['times that is not whole', { type: 'delay', ms: 1, times: 2.5 }, 'times'],
    ['a delay past what a timer holds', { type: 'delay', ms: 2 ** 31 }, 'ms'],
  ])('refuses %s, naming the field, and queues nothing', async (_name, fault, field) => {
    const error = injectError(fault);
    expect(error).toBeInstanceOf(TypeError);
    expect((error as TypeError).message).toContain(field);
    const response = await post('start', start());
    captureBody(await response.text());
    expect(response.status).toBe(200);
  });
});
