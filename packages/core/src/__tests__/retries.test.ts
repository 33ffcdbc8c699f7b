/**
 * Retries, deadlines and cancellation. Elapsed-time checks use wide margins: they
 * assert that a call settles by its deadline rather than hanging, not how fast.
 */
import { HttpResponse, http } from 'msw';
import { describe, expect, it, vi } from 'vitest';
import {
  APIConnectionError,
  APITimeoutError,
  APIUserAbortError,
  AuthenticationError,
  BadRequestError,
  type ClientHooks,
  ConflictError,
  InsufficientCreditsError,
  InternalServerError,
  isStickyCallsError,
  RateLimitError,
} from '../index.js';
import { BASE_URL, rejectionOf, startParams, useEmulator } from './kit.js';

const { emulator, server, client } = useEmulator();

async function timed<T>(promise: Promise<T>): Promise<[T | unknown, number]> {
  const started = performance.now();
  const outcome = await promise.catch((error: unknown) => error);
  return [outcome, performance.now() - started];
}

describe('what is retried', () => {
  it.each([500, 502, 503, 504])('retries %i and succeeds when the API recovers', async (status) => {
    emulator.inject({ type: 'status', status, times: 2 });
    const ctx = await client().calls.start(startParams());
    expect(ctx.customer_ref).toEqual(expect.any(String));
    expect(emulator.requests.map((r) => r.status)).toEqual([status, status, 200]);
  });

  it('gives up after maxRetries with the last error', async () => {
    emulator.inject({ type: 'status', status: 503, times: 10 });
    const error = await rejectionOf(
      client({ retry: { maxRetries: 3, initialDelayMs: 1 } }).calls.start(startParams()),
    );
    expect(isStickyCallsError(error, InternalServerError)).toBe(true);
    expect(error).toMatchObject({ status: 503, code: 'server_error', retryable: true });
    expect(emulator.requests).toHaveLength(4);
  });

  it('makes a single attempt with retry: false', async () => {
    emulator.inject({ type: 'status', status: 500, times: 2 });
    await expect(client({ retry: false }).calls.start(startParams())).rejects.toBeInstanceOf(
      InternalServerError,
    );
    expect(emulator.requests).toHaveLength(1);
  });

  it.each([
    [400, BadRequestError, 'bad_request'],
    [401, AuthenticationError, 'unauthorized'],
    [402, InsufficientCreditsError, 'quota_exceeded'],
    [409, ConflictError, 'conflict'],
  ] as const)('never retries %i', async (status, ErrorClass, code) => {
    emulator.inject({ type: 'status', status, times: 5 });
    const error = await rejectionOf(client().calls.start(startParams()));
    expect(isStickyCallsError(error, ErrorClass)).toBe(true);
    expect(error).toMatchObject({ status, code, retryable: false });
    expect(emulator.requests).toHaveLength(1);
  });

  it('retries network errors', async () => {
    emulator.inject({ type: 'network_error', times: 1 });
    await client().calls.start(startParams());
    expect(emulator.requests).toHaveLength(2);
  });

  it('reports an unreachable API as a connection error once retries are spent', async () => {
    emulator.inject({ type: 'network_error', times: 5 });
    const error = await rejectionOf(client().calls.start(startParams()));
    expect(isStickyCallsError(error, APIConnectionError)).toBe(true);
    expect(error).toMatchObject({ code: 'network_error', retryable: true });
    expect((error as Error).message).toContain('api.stickycalls.test');
  });

  it('carries the API validation issues of a 400', async () => {
    server.use(
      http.post(`${BASE_URL}/v1/calls/start`, () =>
        HttpResponse.json(
          {
            error: 'Bad Request',
            message: 'Validation failed',
            details: { issues: [{ path: ['identity_hints'], message: 'identity_hints must include ani' }] },
          },
          { status: 400 },
        ),
      ),
    );
    const error = (await rejectionOf(client().calls.start(startParams()))) as BadRequestError;
    expect(error.issues).toEqual([{ path: ['identity_hints'], message: 'identity_hints must include ani' }]);
    expect(error.message).toContain('identity_hints: identity_hints must include ani');
  });
});

describe('429 and Retry-After', () => {
  it('waits as long as Retry-After asks, then retries', async () => {
    emulator.inject({ type: 'status', status: 429, retryAfter: 0.3 });
    const [ctx, elapsed] = await timed(client().calls.start(startParams()));
    expect(ctx).toMatchObject({ customer_ref: expect.any(String) });
    expect(elapsed).toBeGreaterThanOrEqual(290);
    expect(emulator.requests.map((r) => r.status)).toEqual([429, 200]);
  });

  it('reads Retry-After as an HTTP date', async () => {
    const at = new Date(Date.now() + 1500).toUTCString();
    emulator.inject({ type: 'status', status: 429, retryAfter: at });
    const hooks: ClientHooks = { onRetry: vi.fn() };
    await client({ hooks }).calls.start(startParams());
    const delay = vi.mocked(hooks.onRetry)?.mock.calls[0]?.[0].delayMs ?? 0;
    expect(delay).toBeGreaterThan(0);
    expect(delay).toBeLessThanOrEqual(1500);
  });

  it('fails at once when Retry-After is beyond the deadline, saying how long the API asked for', async () => {
    emulator.inject({ type: 'status', status: 429, retryAfter: 30 });
    const [error, elapsed] = await timed(client({ timeout: 5000 }).calls.start(startParams()));
    expect(isStickyCallsError(error, RateLimitError)).toBe(true);
    expect(error).toMatchObject({ retryAfterMs: 30_000, code: 'rate_limited' });
    expect(elapsed).toBeLessThan(2000);
    expect(emulator.requests).toHaveLength(1);
  });

  it('backs off without Retry-After', async () => {
    emulator.inject({ type: 'status', status: 429, times: 1 });
    await client().calls.start(startParams());
    expect(emulator.requests.map((r) => r.status)).toEqual([429, 200]);
  });
});

describe('one deadline per operation, retries included', () => {
  it('abandons a hung attempt and retries within the deadline', async () => {
    emulator.inject({ type: 'hang' });
    const [ctx, elapsed] = await timed(
      client({ timeout: 1000, attemptTimeout: 500 }).calls.start(startParams()),
    );
    expect(ctx).toMatchObject({ customer_ref: expect.any(String) });
    expect(elapsed).toBeGreaterThanOrEqual(450);
    expect(emulator.requests).toHaveLength(2);
  });

  it('settles with APITimeoutError by the deadline when the API keeps hanging', async () => {
    emulator.inject({ type: 'hang', times: 10 });
    const [error, elapsed] = await timed(client({ timeout: 600 }).calls.start(startParams()));
    expect(isStickyCallsError(error, APITimeoutError)).toBe(true);
    expect(error).toMatchObject({ code: 'timeout', retryable: true });
    expect(elapsed).toBeGreaterThanOrEqual(550);
    expect(elapsed).toBeLessThan(3000);
  });

  it('counts a slow body against the attempt, not only the wait for headers', async () => {
    // A start whose slow answer is abandoned has still landed, so the retry meets 409:
    // that is the API's behaviour. To see the retry succeed, only the first answer is slow.
    let attempts = 0;
    server.use(
      http.post(`${BASE_URL}/v1/calls/start`, ({ request }) => {
        attempts += 1;
        if (attempts > 1) return emulator.handle(request);
        const stream = new ReadableStream({
          start(controller) {
            controller.enqueue(new TextEncoder().encode('{"customer_ref":'));
          },
        });
        return new HttpResponse(stream, { headers: { 'content-type': 'application/json' } });
      }),
    );
    const [outcome, elapsed] = await timed(
      client({ timeout: 2000, attemptTimeout: 300 }).calls.start(startParams()),
    );
    expect(outcome).toMatchObject({ customer_ref: expect.any(String) });
    expect(attempts).toBe(2);
    expect(elapsed).toBeGreaterThanOrEqual(290);
  });

  it('does not retry when waiting would pass the deadline', async () => {
    emulator.inject({ type: 'status', status: 503, times: 5 });
    const sticky = client({ timeout: 300, retry: { initialDelayMs: 1000, maxDelayMs: 1000 } });
    const [error, elapsed] = await timed(sticky.calls.start(startParams()));
    expect(error).toBeInstanceOf(InternalServerError);
    expect(elapsed).toBeLessThan(1000);
    expect(emulator.requests).toHaveLength(1);
  });

  it('takes a per-call timeout', async () => {
    emulator.inject({ type: 'hang', times: 10 });
    const [error, elapsed] = await timed(
      client({ timeout: 60_000 }).calls.start(startParams(), { timeout: 300 }),
    );
    expect(error).toBeInstanceOf(APITimeoutError);
    expect(elapsed).toBeLessThan(3000);
  });
});

describe('cancellation', () => {
  it('rejects with APIUserAbortError when the signal fires mid-call', async () => {
    emulator.inject({ type: 'hang' });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const error = await rejectionOf(client().calls.start(startParams(), { signal: controller.signal }));
    expect(isStickyCallsError(error, APIUserAbortError)).toBe(true);
    expect(error).toMatchObject({ code: 'aborted', retryable: false });
  });

  it('sends nothing when the signal has already fired', async () => {
    const error = await rejectionOf(client().calls.start(startParams(), { signal: AbortSignal.abort() }));
    expect(error).toBeInstanceOf(APIUserAbortError);
    expect(emulator.requests).toHaveLength(0);
  });

  it('stops waiting between retries when aborted', async () => {
    emulator.inject({ type: 'status', status: 503, times: 5 });
    const controller = new AbortController();
    const sticky = client({ retry: { initialDelayMs: 2000, maxDelayMs: 2000 }, timeout: 10_000 });
    setTimeout(() => controller.abort(), 100);
    const [error, elapsed] = await timed(sticky.calls.start(startParams(), { signal: controller.signal }));
    expect(error).toBeInstanceOf(APIUserAbortError);
    expect(elapsed).toBeLessThan(1500);
  });
});

describe('end and 409', () => {
  it('reports a 409 that answers a retry as already saved: the first attempt had landed', async () => {
    // The first attempt is saved by the API but its answer is lost on the way back.
    let attempts = 0;
    server.use(
      http.post(`${BASE_URL}/v1/calls/end`, async ({ request }) => {
        attempts += 1;
        const response = await emulator.handle(request);
        return attempts === 1 ? HttpResponse.error() : response;
      }),
    );
    const sticky = client();
    const ctx = await sticky.calls.start(startParams('CA2'));
    const saved = await sticky.calls.end({
      call_id: 'CA2',
      customer_ref: ctx.customer_ref,
      intent: 'refund_request',
    });
    expect(saved).toMatchObject({ call_id: 'CA2', customer_ref: ctx.customer_ref, already_saved: true });
    expect(emulator.requests.filter((r) => r.operation === 'end').map((r) => r.status)).toEqual([200, 409]);
    expect(emulator.customers()[0]?.intents.get('refund_request')).toEqual({
      status: 'open',
      attemptCount: 1,
    });
  });

  it('throws ConflictError for a 409 on the first attempt', async () => {
    const sticky = client();
    const ctx = await sticky.calls.start(startParams('CA3'));
    await sticky.calls.end({ call_id: 'CA3', customer_ref: ctx.customer_ref });
    const error = await rejectionOf(sticky.calls.end({ call_id: 'CA3', customer_ref: ctx.customer_ref }));
    expect(isStickyCallsError(error, ConflictError)).toBe(true);
  });

  it('throws ConflictError for a 409 that answers a retried start', async () => {
    let attempts = 0;
    server.use(
      http.post(`${BASE_URL}/v1/calls/start`, async ({ request }) => {
        attempts += 1;
        const response = await emulator.handle(request);
        return attempts === 1 ? HttpResponse.error() : response;
      }),
    );
    const error = await rejectionOf(client().calls.start(startParams('CA4')));
    expect(error).toBeInstanceOf(ConflictError);
  });
});

describe('hooks', () => {
  it('reports each attempt, each retry and the outcome, with no key and no caller number', async () => {
    emulator.inject({ type: 'status', status: 503 });
    const events: [string, unknown][] = [];
    const sticky = client({
      apiKey: 'sk_test_emulator',
      hooks: {
        onRequest: (e) => events.push(['request', e]),
        onResponse: (e) => events.push(['response', e]),
        onRetry: (e) => events.push(['retry', e]),
        onComplete: (e) => events.push(['complete', e]),
      },
    });
    await sticky.calls.start(startParams('CA7'));
    expect(events.map(([type]) => type)).toEqual([
      'request',
      'response',
      'retry',
      'request',
      'response',
      'complete',
    ]);
    expect(events[1]).toEqual([
      'response',
      expect.objectContaining({ operation: 'start', callId: 'CA7', attempt: 1, status: 503 }),
    ]);
    expect(events[5]).toEqual([
      'complete',
      expect.objectContaining({ ok: true, attempts: 2, error: undefined }),
    ]);
    const logged = JSON.stringify(events);
    expect(logged).not.toContain('sk_test_emulator');
    expect(logged).not.toContain('4155551234');
  });

  it('ignores a hook that throws', async () => {
    const sticky = client({
      hooks: {
        onRequest: () => {
          throw new Error('logger down');
        },
        onComplete: () => {
          throw new Error('metrics down');
        },
      },
    });
    await expect(sticky.calls.start(startParams())).resolves.toMatchObject({ call_id: 'CA0001' });
  });
});

describe('slow answers, and fetches that ignore their signal', () => {
  it('lets one attempt use the whole deadline by default, so a slow API is not retried into a 409', async () => {
    emulator.inject({ type: 'delay', ms: 700 });
    const ctx = await client({ timeout: 1500 }).calls.start(startParams());
    expect(ctx.customer_ref).toEqual(expect.any(String));
    expect(emulator.requests.map((r) => r.status)).toEqual([200]);
  });

  it('gives a per-call timeout to the attempt too', async () => {
    emulator.inject({ type: 'delay', ms: 700 });
    const ctx = await client({ timeout: 300 }).calls.start(startParams(), { timeout: 1500 });
    expect(ctx.customer_ref).toEqual(expect.any(String));
  });

  it('settles by the deadline when fetch never settles and ignores the abort', async () => {
    const stuck = () => new Promise<Response>(() => undefined);
    const [error, elapsed] = await timed(client({ fetch: stuck, timeout: 300 }).calls.start(startParams()));
    expect(error).toBeInstanceOf(APITimeoutError);
    expect(elapsed).toBeLessThan(2000);
  });

  it('settles by the deadline and cancels a body that never ends', async () => {
    let cancelled = false;
    const endless = async () =>
      new Response(
        new ReadableStream({
          pull: () => new Promise((resolve) => setTimeout(resolve, 50)),
          cancel: () => {
            cancelled = true;
          },
        }),
      );
    const [error, elapsed] = await timed(client({ fetch: endless, timeout: 300 }).calls.start(startParams()));
    expect(error).toBeInstanceOf(APITimeoutError);
    expect(elapsed).toBeLessThan(2000);
    expect(cancelled).toBe(true);
  });
});

describe('what counts as already saved', () => {
  it('does not report a second end as saved when the attempt before the 409 was refused with 429', async () => {
    const sticky = client();
    const ctx = await sticky.calls.start(startParams('CA8'));
    await sticky.calls.end({
      call_id: 'CA8',
      customer_ref: ctx.customer_ref,
      intent: 'x',
      variables: { summary: 'first' },
    });
    emulator.inject({ type: 'status', status: 429, retryAfter: 0, operation: 'end' });
    const error = await rejectionOf(
      sticky.calls.end({
        call_id: 'CA8',
        customer_ref: ctx.customer_ref,
        intent: 'x',
        variables: { summary: 'second' },
      }),
    );
    expect(error).toBeInstanceOf(ConflictError);
    expect(emulator.customers()[0]?.variables.get('summary')?.value).toBe('first');
  });
});

describe('Retry-After on other answers', () => {
  it('honours Retry-After on a 503', async () => {
    emulator.inject({ type: 'status', status: 503, retryAfter: 0.4 });
    const onRetry = vi.fn();
    await client({ hooks: { onRetry } }).calls.start(startParams());
    expect(onRetry.mock.calls[0]?.[0].delayMs).toBe(400);
  });

  it('falls back to back-off for a negative Retry-After', async () => {
    emulator.inject({ type: 'status', status: 429, retryAfter: -3 });
    const onRetry = vi.fn();
    await client({ retry: { initialDelayMs: 100, maxDelayMs: 100 }, hooks: { onRetry } }).calls.start(
      startParams(),
    );
    expect(onRetry.mock.calls[0]?.[0].delayMs).toBeGreaterThanOrEqual(50);
  });
});

describe('outcomes as hooks and callers see them', () => {
  it('reports an answer that cannot be understood as a failure to onComplete', async () => {
    emulator.inject({ type: 'schema_drift' });
    const onComplete = vi.fn();
    await rejectionOf(client({ hooks: { onComplete } }).calls.start(startParams()));
    expect(onComplete).toHaveBeenCalledTimes(1);
    expect(onComplete.mock.calls[0]?.[0]).toMatchObject({ ok: false, error: expect.any(Error) });
  });

  it('resolves a 2xx end as saved even when a count in its body is out of range', async () => {
    server.use(
      http.post(
        `${BASE_URL}/v1/calls/end`,
        () =>
          new HttpResponse('{"intents_updated":1e400,"call_id":"CA1"}', {
            headers: { 'content-type': 'application/json' },
          }),
      ),
    );
    const result = await client().calls.end({ call_id: 'CA1', customer_ref: 'c', intent: 'x' });
    expect(result).toMatchObject({ call_id: 'CA1', intents_updated: null, already_saved: false });
  });
});
