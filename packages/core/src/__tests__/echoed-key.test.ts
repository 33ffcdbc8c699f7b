/**
 * An answer that echoes the API key back, written the way some encoder or server wrote
 * it: JSON escapes (`\/`, every character as `\uXXXX`, the HTML-safe `\u003d` for `=`),
 * percent-encoding in a URL, HTML character references in an error page. Once decoded
 * it is the key again, and whatever the client hands on (the error's message, `body`,
 * `issues`, its cause, the hooks' events, a 2xx answer's data) must not hold it in any
 * form. The key holds the characters encoders escape (`/ = + < > & '`).
 */
import { inspect } from 'node:util';
import { HttpResponse, http } from 'msw';
import { describe, expect, it } from 'vitest';
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
import { BASE_URL, rejectionOf, startParams, useEmulator } from './kit.js';

const KEY = "sk_test_Ab/9+x=Q<7>&'Zy2k";
const { server, client } = useEmulator({ apiKeys: [KEY] });

const hex = (char: string): string => char.charCodeAt(0).toString(16).padStart(4, '0');
const HTML_SAFE = new Set(['<', '>', '&', '=', "'"]);

/** The key as it sits inside a JSON string in the answer's text, each way an encoder may write it. */
const JSON_FORMS: readonly [string, string][] = [
  ['as it is', KEY],
  ['with \\/ for /', KEY.replace(/\//g, '\\/')],
  ['every character \\u-escaped', [...KEY].map((c) => `\\u${hex(c)}`).join('')],
  ['every character \\u-escaped, upper-case hex', [...KEY].map((c) => `\\u${hex(c).toUpperCase()}`).join('')],
  [
    'HTML-safe (\\u003d, \\u003c, \\u0026, …) with \\/',
    [...KEY].map((c) => (HTML_SAFE.has(c) ? `\\u${hex(c)}` : c === '/' ? '\\/' : c)).join(''),
  ],
  [
    'mixed: every other character \\u-escaped, \\/ for /',
    [...KEY].map((c, i) => (c === '/' ? '\\/' : i % 2 === 0 ? `\\u${hex(c)}` : c)).join(''),
  ],
  ['percent-encoded in a URL', encodeURIComponent(KEY)],
  ['percent-encoded, upper and lower case mixed', encodeURIComponent(KEY).replace(/%2F/g, '%2f')],
  [
    '\\u-escaped twice (an escaped JSON text inside a string)',
    [...KEY].map((c) => `\\\\u${hex(c)}`).join(''),
  ],
];

/** The key in a body that is not JSON: an HTML error page, a truncated JSON text. */
const TEXT_FORMS: readonly [string, string][] = [
  ['an HTML page with the key as it is', `<html><body>Bearer ${KEY}</body></html>`],
  [
    'an HTML page with character references',
    `<html><body>Bearer ${KEY.replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/'/g, '&#39;')
      .replace(/\//g, '&#x2F;')
      .replace(/=/g, '&#61;')}</body></html>`,
  ],
  [
    'a truncated JSON text with the key \\u-escaped',
    `{"message":"Bearer ${[...KEY].map((c) => `\\u${hex(c)}`).join('')}`,
  ],
  ['a proxy page with the key percent-encoded', `502 Bad Gateway: GET /?api_key=${encodeURIComponent(KEY)}`],
  // Past 1,000 characters a text body is cut: the cut must never leave a part of the key.
  ['a long text with the key across the 1,000th character', `${'x'.repeat(975)}Bearer ${KEY} and more`],
  [
    'a long text with the key \\u-escaped across the 1,000th character',
    `${'x'.repeat(879)}Bearer ${[...KEY].map((c) => `\\u${hex(c)}`).join('')} and more`,
  ],
];

/** An error answer with the escaped key in every place the client reads or keeps. */
function errorBody(escaped: string): string {
  return `{"error":"Echo ${escaped}","message":"got Bearer ${escaped}","details":{"issues":[{"path":["${escaped}",0],"message":"bad ${escaped}"}]},"echo":{"${escaped}":["${escaped}",{"auth":"Bearer ${escaped}"}]}}`;
}

/** A 2xx answer to `start` that breaks the contract, with the escaped key where zod's issues could quote it. */
function driftedBody(escaped: string): string {
  return `{"call_id":"${escaped}","customerRef":"${escaped}","customer_ref":{"${escaped}":"${escaped}"},"identity":"${escaped}","variables":{"${escaped}":{"value":5}},"open_intents":"${escaped}","${escaped}":"${escaped}"}`;
}

const STATUSES: readonly [
  number,
  (abstract new (...args: never[]) => APIError) & { readonly errorName: string },
][] = [
  [400, BadRequestError],
  [401, AuthenticationError],
  [402, InsufficientCreditsError],
  [409, ConflictError],
  [429, RateLimitError],
  [500, InternalServerError],
  [503, InternalServerError],
];

/** `text` with every escape a reader might undo undone, twice over: what a person could recover. */
function decoded(text: string): string {
  let current = text;
  for (let round = 0; round < 3; round += 1) {
    current = current
      .replace(/\\u([0-9a-fA-F]{4})/g, (_m, code: string) => String.fromCharCode(Number.parseInt(code, 16)))
      .replace(/\\x([0-9a-fA-F]{2})/g, (_m, code: string) => String.fromCharCode(Number.parseInt(code, 16)))
      .replace(/\\(.)/g, '$1')
      .replace(/%([0-9a-fA-F]{2})/g, (_m, code: string) => String.fromCharCode(Number.parseInt(code, 16)))
      .replace(/&#[xX]([0-9a-fA-F]+);?/g, (_m, code: string) =>
        String.fromCharCode(Number.parseInt(code, 16)),
      )
      .replace(/&#(\d+);?/g, (_m, code: string) => String.fromCharCode(Number.parseInt(code, 10)))
      .replace(/&(amp|lt|gt|quot|apos);/g, (_m, name: string) => ENTITIES[name] ?? '');
  }
  return current;
}
const ENTITIES: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** Every way an error reaches a log or a user: message, stack, String, JSON, inspect, body, issues, causes. */
function printable(error: unknown, events: readonly unknown[] = []): string {
  const e = error as { body?: unknown; issues?: unknown };
  const parts = [
    String(error),
    JSON.stringify(error),
    JSON.stringify(e.body) ?? '',
    JSON.stringify(e.issues) ?? '',
    inspect(error, { depth: Number.POSITIVE_INFINITY, showHidden: true }),
    inspect(events, { depth: Number.POSITIVE_INFINITY, showHidden: true }),
  ];
  for (let current: unknown = error; current instanceof Error; current = current.cause) {
    parts.push(current.message, current.stack ?? '');
  }
  return parts.join('\n');
}

/** No key, and no telling part of it, in `text` or in `text` decoded. */
function expectNoKey(text: string): void {
  for (const view of [text, decoded(text)]) {
    expect(view).not.toContain(KEY);
    expect(view).not.toContain(KEY.slice(8));
    expect(view).not.toContain(KEY.slice(8, 18));
    expect(view).not.toContain(KEY.slice(14));
  }
}

function answer(status: number, text: string, type = 'application/json'): void {
  server.use(
    http.post(
      `${BASE_URL}/v1/calls/:operation`,
      () => new HttpResponse(text, { status, headers: { 'content-type': type } }),
    ),
  );
}

async function failure(operation: 'start' | 'end' = 'start'): Promise<{ error: unknown; events: unknown[] }> {
  const events: unknown[] = [];
  const log = (event: unknown): void => {
    events.push(event);
  };
  const sticky = client({
    apiKey: KEY,
    retry: false,
    hooks: { onRequest: log, onResponse: log, onRetry: log, onComplete: log },
  });
  const error = await rejectionOf(
    operation === 'start'
      ? sticky.calls.start(startParams())
      : sticky.calls.end({ call_id: 'CA1', customer_ref: 'cust_1', intent: 'billing' }),
  );
  return { error, events };
}

describe('an error answer echoing the key in a JSON escape form', () => {
  const cases = STATUSES.flatMap(([status, kind]) =>
    JSON_FORMS.map(([form, escaped]) => [status, form, escaped, kind] as const),
  );

  it.each(cases)(
    '%i, key %s: not in message, body, issues, String, inspect or hook events',
    async (status, _form, escaped, kind) => {
      answer(status, errorBody(escaped));
      const { error, events } = await failure();
      expect(isStickyCallsError(error, kind)).toBe(true);
      expect(error).toMatchObject({ status });
      expectNoKey(printable(error, events));
    },
  );

  it('keeps what is not the key, marking where the key was', async () => {
    answer(400, errorBody([...KEY].map((c) => `\\u${hex(c)}`).join('')));
    const { error } = await failure();
    expect(error).toMatchObject({
      message: expect.stringContaining('got Bearer [redacted]'),
      body: {
        error: 'Echo [redacted]',
        details: { issues: [{ path: ['[redacted]', 0], message: 'bad [redacted]' }] },
        echo: { '[redacted]': ['[redacted]', { auth: 'Bearer [redacted]' }] },
      },
      issues: [{ path: ['[redacted]', 0], message: 'bad [redacted]' }],
    });
  });

  it('replaces a percent-encoded key in a decoded string, keeping the rest', async () => {
    answer(400, `{"error":"Bad","message":"see https://x.test/?k=${encodeURIComponent(KEY)}&page=2"}`);
    const { error } = await failure();
    expect((error as Error).message).toContain('see https://x.test/?k=[redacted]&page=2');
  });

  it.each(JSON_FORMS)('a 409 answering calls.end, key %s', async (_form, escaped) => {
    answer(409, errorBody(escaped));
    const { error, events } = await failure('end');
    expect(isStickyCallsError(error, ConflictError)).toBe(true);
    expectNoKey(printable(error, events));
  });
});

describe('an error answer that is not JSON, echoing the key', () => {
  const cases = [400, 401, 500, 502].flatMap((status) =>
    TEXT_FORMS.map(([form, text]) => [status, form, text] as const),
  );

  it.each(cases)('%i, %s', async (status, _form, text) => {
    answer(status, text, 'text/html');
    const { error, events } = await failure();
    expect(isStickyCallsError(error, APIError)).toBe(true);
    expect(error).toMatchObject({ status });
    expectNoKey(printable(error, events));
  });

  it('keeps the rest of the page, marking where the key was', async () => {
    answer(
      502,
      `<p>upstream said: Bearer ${KEY.replace(/&/g, '&amp;').replace(/</g, '&lt;')} is not allowed</p>`,
      'text/html',
    );
    const { error } = await failure();
    expect((error as APIError).body).toBe('<p>upstream said: Bearer [redacted] is not allowed</p>');
  });
});

describe('a 2xx answer echoing the key', () => {
  it.each(JSON_FORMS)(
    'that breaks the contract, key %s: ResponseValidationError issues never quote it',
    async (_form, escaped) => {
      answer(200, driftedBody(escaped));
      const { error, events } = await failure();
      expect(isStickyCallsError(error, ResponseValidationError)).toBe(true);
      expect((error as ResponseValidationError).issues.length).toBeGreaterThan(0);
      expectNoKey(printable(error, events));
    },
  );

  it.each(TEXT_FORMS)('that is not JSON, %s', async (_form, text) => {
    answer(200, text, 'text/html');
    const { error, events } = await failure();
    expect(isStickyCallsError(error, ResponseValidationError)).toBe(true);
    expectNoKey(printable(error, events));
  });

  it.each(JSON_FORMS)(
    'that follows the contract, key %s: the data handed back holds no key',
    async (_form, escaped) => {
      answer(
        200,
        `{"call_id":"CA0001","customer_ref":"cust_1","identity":{"confidence":0.9,"level":"very_high","sources":["${escaped}"],"recommendation":"reuse"},"open_intents":[{"intent":"${escaped}","status":"open","attempt_count":1}],"variables":{"${escaped}":{"value":"Bearer ${escaped}","source":null,"ttl_seconds":60}}}`,
      );
      const context = await client({ apiKey: KEY, retry: false }).calls.start(startParams());
      expect(context.customer_ref).toBe('cust_1');
      expectNoKey(inspect(context, { depth: Number.POSITIVE_INFINITY }));
      expectNoKey(JSON.stringify(context));
    },
  );
});

describe('a network error holding the key', () => {
  const causes: [string, () => unknown][] = [
    [
      'the key \\u-escaped in its message',
      () => new Error(`{"auth":"Bearer ${[...KEY].map((c) => `\\u${hex(c)}`).join('')}"}`),
    ],
    [
      'the key with \\/ in a nested cause',
      () => new Error('outer', { cause: new Error(`Bearer ${KEY.replace(/\//g, '\\/')}`) }),
    ],
    [
      'the key percent-encoded in a url property',
      () =>
        Object.assign(new Error('connect failed'), { url: `https://x.test/?k=${encodeURIComponent(KEY)}` }),
    ],
    ['the key as a property name', () => Object.assign(new Error('odd'), { [KEY]: true })],
    [
      'the key in a Map',
      () => Object.assign(new Error('odd'), { seen: new Map([['authorization', `Bearer ${KEY}`]]) }),
    ],
    ['the key in a Set', () => Object.assign(new Error('odd'), { seen: new Set([`Bearer ${KEY}`]) })],
    [
      'the key under a symbol',
      () => Object.assign(new Error('odd'), { [Symbol('request')]: `Bearer ${KEY}` }),
    ],
  ];

  it.each(causes)('withholds a cause with %s', async (_name, makeCause) => {
    const leaky = async (): Promise<Response> => {
      throw new TypeError(`fetch failed: ${[...KEY].map((c) => `\\u${hex(c)}`).join('')}`, {
        cause: makeCause(),
      });
    };
    const events: unknown[] = [];
    const error = await rejectionOf(
      client({
        apiKey: KEY,
        fetch: leaky,
        retry: false,
        hooks: { onComplete: (e) => events.push(e) },
      }).calls.start(startParams()),
    );
    expect(isStickyCallsError(error, APIConnectionError)).toBe(true);
    expectNoKey(printable(error, events));
  });

  it('keeps a cause that holds no key, as it was', async () => {
    const cause = new Error('ECONNRESET');
    const leaky = async (): Promise<Response> => {
      throw new TypeError('fetch failed', { cause });
    };
    const error = await rejectionOf(
      client({ apiKey: KEY, fetch: leaky, retry: false }).calls.start(startParams()),
    );
    expect((error as Error).cause).toBeInstanceOf(TypeError);
    expect(((error as Error).cause as Error).cause).toBe(cause);
  });
});
