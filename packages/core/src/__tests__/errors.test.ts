import { inspect } from 'node:util';
import { HttpResponse, http } from 'msw';
import { describe, expect, it, vi } from 'vitest';
import {
  APIConnectionError,
  APIError,
  AuthenticationError,
  BadRequestError,
  ConfigurationError,
  InternalServerError,
  isStickyCallsError,
  maskApiKey,
  RateLimitError,
  StickyCallsError,
} from '../index.js';
import { BASE_URL, rejectionOf, startParams, useEmulator } from './kit.js';

const SECRET_KEY = 'sk_prod_9f8e7d6c5b4a39281706abcdEFGH';
const { emulator, server, client } = useEmulator({ apiKeys: [SECRET_KEY] });

/** Every way an error can be turned into text: message, stack, JSON, inspect, the cause chain. */
function everythingPrintable(error: unknown): string {
  const parts = [
    String(error),
    JSON.stringify(error),
    inspect(error, { depth: Number.POSITIVE_INFINITY, showHidden: true }),
  ];
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    parts.push(
      e.message,
      e.stack ?? '',
      inspect(e.cause, { depth: Number.POSITIVE_INFINITY, showHidden: true }),
    );
  }
  return parts.join('\n');
}

describe('the API key never leaks', () => {
  const failures: [string, () => void][] = [
    ['401 (wrong key)', () => undefined],
    ['402', () => emulator.inject({ type: 'status', status: 402 })],
    ['429 with Retry-After', () => emulator.inject({ type: 'status', status: 429, retryAfter: 60 })],
    ['500 echoing the Authorization header', () => echoAuthorization(500)],
    ['400 echoing the Authorization header', () => echoAuthorization(400)],
    ['network error', () => emulator.inject({ type: 'network_error', times: 5 })],
    ['timeout', () => emulator.inject({ type: 'hang', times: 5 })],
    ['schema drift', () => emulator.inject({ type: 'schema_drift' })],
    ['malformed JSON', () => emulator.inject({ type: 'malformed_json' })],
  ];

  function echoAuthorization(status: number) {
    server.use(
      http.post(`${BASE_URL}/v1/calls/start`, ({ request }) =>
        HttpResponse.json(
          { error: 'Echo', message: `got ${request.headers.get('authorization')}` },
          { status },
        ),
      ),
    );
  }

  it.each(failures)('%s: not in message, cause, toJSON, inspect or hook events', async (name, arrange) => {
    arrange();
    const logged: string[] = [];
    const log = (event: unknown) =>
      logged.push(inspect(event, { depth: Number.POSITIVE_INFINITY, showHidden: true }));
    const apiKey = name.startsWith('401') ? `${SECRET_KEY}-wrong` : SECRET_KEY;
    const error = await rejectionOf(
      client({
        apiKey,
        timeout: 400,
        hooks: { onRequest: log, onResponse: log, onRetry: log, onComplete: log },
      }).calls.start(startParams()),
    );
    expect(isStickyCallsError(error)).toBe(true);
    const printed = everythingPrintable(error) + logged.join('\n');
    expect(printed).not.toContain(SECRET_KEY);
    expect(printed).not.toContain(SECRET_KEY.slice(8, -4));
  });

  it('a 401 message names the setting to check and only a masked key', async () => {
    const error = await rejectionOf(client({ apiKey: `${SECRET_KEY}X` }).calls.start(startParams()));
    expect(isStickyCallsError(error, AuthenticationError)).toBe(true);
    expect((error as Error).message).toContain('STICKY_CALLS_API_KEY');
    expect((error as Error).message).toContain('sk_prod_…FGHX');
  });

  it('a fetch that throws an error holding the key has it replaced', async () => {
    const leaky = vi.fn(async () => {
      throw new TypeError(`request with Bearer ${SECRET_KEY} failed`);
    });
    const error = await rejectionOf(
      client({ apiKey: SECRET_KEY, fetch: leaky, retry: false }).calls.start(startParams()),
    );
    expect(error).toBeInstanceOf(APIConnectionError);
    expect(everythingPrintable(error)).not.toContain(SECRET_KEY);
  });
});

describe('maskApiKey', () => {
  it.each([
    ['sk_test_51HxYzAbCdEf9876', 'sk_test_…9876'],
    ['sk_prod_abc', 'sk_prod_…'],
    ['plainkeywithoutprefix1234', '…1234'],
    ['short', '…'],
    ['sk_liveSecretPartNoDigits_x123456789abcd', '…abcd'],
    ['prod_AbCdEfGhIjKlMnOpQrStUv_x9y8', '…x9y8'],
  ])('%s → %s', (key, masked) => {
    expect(maskApiKey(key)).toBe(masked);
  });
});

describe('isStickyCallsError', () => {
  it('tells error classes apart, subclasses included', () => {
    const error = new RateLimitError('start', {}, 'limited', 1000);
    expect(isStickyCallsError(error)).toBe(true);
    expect(isStickyCallsError(error, RateLimitError)).toBe(true);
    expect(isStickyCallsError(error, APIError)).toBe(true);
    expect(isStickyCallsError(error, StickyCallsError)).toBe(true);
    expect(isStickyCallsError(error, BadRequestError)).toBe(false);
    expect(isStickyCallsError(new Error('x'))).toBe(false);
    expect(isStickyCallsError(null)).toBe(false);
    expect(isStickyCallsError({ name: 'RateLimitError', code: 'rate_limited' })).toBe(false);
  });

  it('recognises errors from another copy of the package', async () => {
    // A second instance of the module, as a second copy of the package would give.
    const specifier = '../errors.js?copy';
    const copy = (await import(/* @vite-ignore */ specifier)) as typeof import('../errors.js');
    const foreign = new copy.InternalServerError('end', 503, {}, 'down', 'server_error', true);
    expect(foreign).not.toBeInstanceOf(InternalServerError);
    expect(isStickyCallsError(foreign)).toBe(true);
    expect(isStickyCallsError(foreign, InternalServerError)).toBe(true);
    expect(isStickyCallsError(foreign, APIError)).toBe(true);
    expect(isStickyCallsError(foreign, RateLimitError)).toBe(false);
    expect(foreign.name).toBe('InternalServerError');
  });
});

describe('keys that could leak some other way', () => {
  it('refuses a key with a line break without quoting it', () => {
    let error: unknown;
    try {
      client({ apiKey: `${SECRET_KEY}\nsecond-line` });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(everythingPrintable(error)).not.toContain(SECRET_KEY);
  });

  it.each([
    [
      'a plain object cause with headers',
      () =>
        new TypeError('fetch failed', {
          cause: { url: 'x', headers: { authorization: `Bearer ${SECRET_KEY}` } },
        }),
    ],
    [
      'an AggregateError holding the key',
      () =>
        new TypeError('fetch failed', {
          cause: new AggregateError([new Error(`Bearer ${SECRET_KEY}`)], 'many'),
        }),
    ],
  ])('withholds %s', async (_name, makeError) => {
    const leaky = async () => {
      throw makeError();
    };
    const onComplete = vi.fn();
    const error = await rejectionOf(
      client({ apiKey: SECRET_KEY, fetch: leaky, retry: false, hooks: { onComplete } }).calls.start(
        startParams(),
      ),
    );
    expect(error).toBeInstanceOf(APIConnectionError);
    expect(everythingPrintable(error)).not.toContain(SECRET_KEY);
    expect(
      inspect(onComplete.mock.calls, { depth: Number.POSITIVE_INFINITY, showHidden: true }),
    ).not.toContain(SECRET_KEY);
  });
});
