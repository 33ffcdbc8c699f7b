/**
 * saveWrapUp against the save Function's HTTP answers. The Function is a Twilio
 * Function (`createSaveContextHandler`) that cannot run here, so msw answers at the HTTP
 * boundary with the status codes and bodies it documents: 200 `saved`/`already_saved`,
 * 400 `invalid`, 403 `forbidden`, 502 `failed` with `retryable`, 503 `not_configured`.
 */
import { delay, HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { type SaveWrapUpOptions, type SaveWrapUpResult, saveWrapUp } from '../save-wrap-up.js';

const URL = 'https://sticky-calls-1234.twil.io/save-context';
const TASK_SID = 'WT0123456789abcdef0123456789abcdef';
const BODY = {
  call_id: 'CA0123456789abcdef0123456789abcdef',
  customer_ref: 'a1b2c3d4-e5f6-7890-abcd-ef1234567890',
  intent: 'refund_request',
  intent_status: 'resolved',
  variables: { summary: 'Refund issued', disposition: 'refunded' },
};

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => {
  server.resetHandlers();
  vi.restoreAllMocks();
});
afterAll(() => server.close());

interface Received {
  readonly body: Record<string, unknown>;
  readonly contentType: string | null;
  readonly at: number;
}

type Answer = (attempt: number) => Response | Promise<Response>;

/** The save Function as msw: answers each request with `answer(attempt)`, counting from 1. */
function saveFunction(answer: Answer): Received[] {
  const received: Received[] = [];
  server.use(
    http.post(URL, async ({ request }) => {
      received.push({
        body: (await request.json()) as Record<string, unknown>,
        contentType: request.headers.get('content-type'),
        at: Date.now(),
      });
      return answer(received.length);
    }),
  );
  return received;
}

const answers = {
  saved: () => HttpResponse.json({ status: 'saved', call_id: BODY.call_id, customer_ref: BODY.customer_ref }),
  alreadySaved: () =>
    HttpResponse.json({ status: 'already_saved', call_id: BODY.call_id, customer_ref: BODY.customer_ref }),
  failed: (retryable: boolean) =>
    HttpResponse.json(
      { status: 'failed', retryable, code: 'unavailable', message: 'could not save; try again' },
      { status: 502 },
    ),
  hang: async () => {
    await delay('infinite');
    return HttpResponse.json({ status: 'saved' });
  },
};

const save = (options: Partial<SaveWrapUpOptions> = {}): Promise<SaveWrapUpResult> =>
  saveWrapUp({
    url: URL,
    body: BODY,
    taskSid: TASK_SID,
    getToken: () => 'token-1',
    backoffMs: 5,
    ...options,
  });

/** Fakes the clock that saveWrapUp reads (setTimeout and Date), leaving the rest real. */
const fakeClock = () => vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });

/** Tracks whether a promise has settled, for fake-clock tests. */
function track<T>(promise: Promise<T>): { readonly settled: boolean; readonly promise: Promise<T> } {
  const state = { settled: false, promise };
  void promise.then(() => {
    state.settled = true;
  });
  return state;
}

describe('saveWrapUp: a save', () => {
  it('posts the wrap-up as JSON with TaskSid and the token, and reports the save', async () => {
    const received = saveFunction(answers.saved);
    await expect(save()).resolves.toEqual({ ok: true, status: 'saved', attempts: 1 });
    expect(received).toHaveLength(1);
    expect(received[0]?.contentType).toBe('application/json');
    expect(received[0]?.body).toEqual({ ...BODY, TaskSid: TASK_SID, Token: 'token-1' });
  });

  it('reports already_saved as a save', async () => {
    saveFunction(answers.alreadySaved);
    await expect(save()).resolves.toEqual({ ok: true, status: 'already_saved', attempts: 1 });
  });

  it.each([
    ['a 200 whose body is not JSON', () => new HttpResponse('OK', { status: 200 }), 200],
    ['an HTML page', () => HttpResponse.html('<!doctype html><p>Welcome</p>'), 200],
    ['a 204 with no body', () => new HttpResponse(null, { status: 204 }), 204],
    ['JSON without a status', () => HttpResponse.json({ ok: true }), 200],
    ['a status that is not a save', () => HttpResponse.json({ status: 'ok' }), 200],
    ['a status that is not a string', () => HttpResponse.json({ status: true }), 200],
    ['a JSON array', () => HttpResponse.json(['saved']), 200],
    ['the JSON string "saved"', () => HttpResponse.json('saved'), 200],
    ['JSON null', () => HttpResponse.json(null, { status: 201 }), 201],
  ])('does not take %s as saved: unexpected_answer, not retried', async (_name, answer, httpStatus) => {
    const received = saveFunction(answer);
    await expect(save({ deadlineMs: 5000 })).resolves.toEqual({
      ok: false,
      reason: 'unexpected_answer',
      retryable: false,
      httpStatus,
      attempts: 1,
    });
    expect(received).toHaveLength(1);
  });

  it('takes saved and already_saved from any 2xx', async () => {
    saveFunction(() => HttpResponse.json({ status: 'already_saved' }, { status: 202 }));
    await expect(save()).resolves.toEqual({ ok: true, status: 'already_saved', attempts: 1 });
  });

  it('leaves TaskSid out when no task is given', async () => {
    const received = saveFunction(answers.saved);
    await save({ taskSid: undefined });
    expect(received[0]?.body).toEqual({ ...BODY, Token: 'token-1' });
  });

  it('posts with the fetch it is given', async () => {
    const received = saveFunction(answers.saved);
    const calls: { url: string; method: string | undefined; signal: boolean }[] = [];
    const custom: typeof fetch = (input, init) => {
      calls.push({ url: String(input), method: init?.method, signal: init?.signal instanceof AbortSignal });
      return globalThis.fetch(input, init);
    };
    await expect(save({ fetch: custom })).resolves.toMatchObject({ ok: true });
    expect(calls).toEqual([{ url: URL, method: 'POST', signal: true }]);
    expect(received).toHaveLength(1);
  });
});

describe('saveWrapUp: retries', () => {
  it.each([
    ['a network error', () => HttpResponse.error()],
    ['500', () => HttpResponse.json({ status: 'failed', retryable: true }, { status: 500 })],
    ['502 retryable', () => answers.failed(true)],
    ['503 without a JSON body', () => new HttpResponse('Service Unavailable', { status: 503 })],
    ['429', () => HttpResponse.json({ message: 'slow down' }, { status: 429 })],
    ['408', () => new HttpResponse(null, { status: 408 })],
  ])('retries %s and saves when the Function recovers', async (_name, failure) => {
    const received = saveFunction((attempt) => (attempt < 3 ? failure() : answers.saved()));
    await expect(save()).resolves.toEqual({ ok: true, status: 'saved', attempts: 3 });
    expect(received).toHaveLength(3);
    expect(received.every((request) => request.body.Token === 'token-1')).toBe(true);
  });

  it('reads the token again at each attempt', async () => {
    const tokens = ['token-1', 'token-2', 'token-3'];
    let reads = 0;
    const received = saveFunction((attempt) => (attempt < 3 ? answers.failed(true) : answers.saved()));
    await save({ getToken: () => tokens[Math.min(reads++, tokens.length - 1)] });
    expect(received.map((request) => request.body.Token)).toEqual(['token-1', 'token-2', 'token-3']);
  });

  it('waits backoffMs before the first retry and doubles it after each', async () => {
    fakeClock();
    vi.spyOn(Math, 'random').mockReturnValue(0.5); // no jitter
    const received = saveFunction((attempt) => (attempt < 4 ? answers.failed(true) : answers.saved()));
    const start = Date.now();
    const result = track(save({ backoffMs: 100, deadlineMs: 5000 }));
    await vi.advanceTimersByTimeAsync(1000);
    await expect(result.promise).resolves.toEqual({ ok: true, status: 'saved', attempts: 4 });
    expect(received.map((request) => request.at - start)).toEqual([0, 100, 300, 700]);
  });

  it('retries a 403 sent with no token once Flex has one', async () => {
    let token = '';
    const received = saveFunction((attempt) => {
      if (attempt === 1) {
        token = 'first-token';
        return HttpResponse.json({ status: 'forbidden', retryable: false }, { status: 403 });
      }
      return answers.saved();
    });
    await expect(save({ getToken: () => token })).resolves.toEqual({
      ok: true,
      status: 'saved',
      attempts: 2,
    });
    expect(received.map((request) => request.body.Token)).toEqual(['', 'first-token']);
  });

  it('retries a 403 at once with the token Flex refreshed meanwhile', async () => {
    fakeClock();
    let token = 'expired-token';
    const received = saveFunction((attempt) => {
      if (attempt === 1) {
        token = 'refreshed-token';
        return HttpResponse.json({ status: 'forbidden', retryable: false }, { status: 403 });
      }
      return answers.saved();
    });
    const result = track(save({ getToken: () => token, backoffMs: 1000 }));
    await vi.advanceTimersByTimeAsync(0);
    expect(result.settled).toBe(true);
    await expect(result.promise).resolves.toEqual({ ok: true, status: 'saved', attempts: 2 });
    expect(received.map((request) => request.body.Token)).toEqual(['expired-token', 'refreshed-token']);
  });
});

describe('saveWrapUp: what is not retried', () => {
  it.each([
    [
      '400 invalid',
      () => HttpResponse.json({ status: 'invalid', retryable: false, errors: [] }, { status: 400 }),
      { reason: 'invalid', httpStatus: 400 },
    ],
    ['413', () => new HttpResponse(null, { status: 413 }), { reason: 'invalid', httpStatus: 413 }],
    ['422', () => new HttpResponse(null, { status: 422 }), { reason: 'invalid', httpStatus: 422 }],
    [
      '403 forbidden, the token unchanged',
      () => HttpResponse.json({ status: 'forbidden', retryable: false }, { status: 403 }),
      { reason: 'forbidden', httpStatus: 403 },
    ],
    ['401', () => new HttpResponse(null, { status: 401 }), { reason: 'forbidden', httpStatus: 401 }],
    [
      '503 not_configured',
      () =>
        HttpResponse.json(
          { status: 'not_configured', retryable: false, message: 'the save Function is not configured' },
          { status: 503 },
        ),
      { reason: 'not_configured', httpStatus: 503 },
    ],
    ['502 retryable: false', () => answers.failed(false), { reason: 'failed', httpStatus: 502 }],
    ['404', () => new HttpResponse('Not Found', { status: 404 }), { reason: 'failed', httpStatus: 404 }],
  ])('stops after %s', async (_name, answer, expected) => {
    const received = saveFunction(answer);
    await expect(save()).resolves.toEqual({ ok: false, retryable: false, attempts: 1, ...expected });
    expect(received).toHaveLength(1);
  });
});

describe('saveWrapUp: the deadline', () => {
  it('gives up on a Function that does not answer exactly at the deadline', async () => {
    fakeClock();
    const received = saveFunction(answers.hang);
    const result = track(save({ deadlineMs: 800 }));
    await vi.advanceTimersByTimeAsync(799);
    expect(result.settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(result.settled).toBe(true);
    await expect(result.promise).resolves.toEqual({
      ok: false,
      reason: 'timeout',
      retryable: true,
      httpStatus: null,
      attempts: 1,
    });
    expect(received).toHaveLength(1);
  });

  it('bounds every retry: a Function failing all along is given up within the deadline', async () => {
    fakeClock();
    const received = saveFunction(() => answers.failed(true));
    const start = Date.now();
    const result = track(save({ deadlineMs: 2000, backoffMs: 250 }));
    await vi.advanceTimersByTimeAsync(2000);
    expect(result.settled).toBe(true);
    const outcome = await result.promise;
    expect(outcome).toEqual({
      ok: false,
      reason: 'failed',
      retryable: true,
      httpStatus: 502,
      attempts: received.length,
    });
    expect(received.length).toBeGreaterThanOrEqual(4);
    expect(received.every((request) => request.at - start < 2000)).toBe(true);
  });

  it('reports network errors that last to the deadline as network_error', async () => {
    fakeClock();
    const received = saveFunction(() => HttpResponse.error());
    const result = track(save({ deadlineMs: 1000, backoffMs: 100 }));
    await vi.advanceTimersByTimeAsync(1000);
    await expect(result.promise).resolves.toEqual({
      ok: false,
      reason: 'network_error',
      retryable: true,
      httpStatus: null,
      attempts: received.length,
    });
    expect(received.length).toBeGreaterThan(1);
  });

  it('makes no request with no time left', async () => {
    const received = saveFunction(answers.saved);
    await expect(save({ deadlineMs: 0 })).resolves.toEqual({
      ok: false,
      reason: 'timeout',
      retryable: true,
      httpStatus: null,
      attempts: 0,
    });
    expect(received).toHaveLength(0);
  });
});

describe('saveWrapUp: the abort signal', () => {
  it('makes no request when already aborted', async () => {
    const received = saveFunction(answers.saved);
    const controller = new AbortController();
    controller.abort();
    await expect(save({ signal: controller.signal })).resolves.toEqual({
      ok: false,
      reason: 'timeout',
      retryable: true,
      httpStatus: null,
      attempts: 0,
    });
    expect(received).toHaveLength(0);
  });

  it('stops a request in flight as a timeout', async () => {
    fakeClock();
    saveFunction(answers.hang);
    const controller = new AbortController();
    const result = track(save({ signal: controller.signal, deadlineMs: 10_000 }));
    await vi.advanceTimersByTimeAsync(50);
    expect(result.settled).toBe(false);
    controller.abort();
    await vi.advanceTimersByTimeAsync(10);
    expect(result.settled).toBe(true);
    await expect(result.promise).resolves.toMatchObject({ ok: false, reason: 'timeout', attempts: 1 });
  });

  it('stops waiting between retries, with no further request', async () => {
    fakeClock();
    const received = saveFunction(() => answers.failed(true));
    const controller = new AbortController();
    const result = track(save({ signal: controller.signal, deadlineMs: 10_000, backoffMs: 1000 }));
    await vi.advanceTimersByTimeAsync(100);
    expect(received).toHaveLength(1);
    controller.abort();
    await vi.advanceTimersByTimeAsync(0);
    expect(result.settled).toBe(true);
    // Stopped by the caller: a timeout, not the last answer's `failed`.
    await expect(result.promise).resolves.toMatchObject({ ok: false, reason: 'timeout', attempts: 1 });
    await vi.advanceTimersByTimeAsync(5000);
    expect(received).toHaveLength(1);
  });
});

describe('saveWrapUp: never throws', () => {
  it('resolves when fetch throws at once', async () => {
    const throwing: typeof fetch = () => {
      throw new TypeError('fetch is not available');
    };
    await expect(save({ fetch: throwing, deadlineMs: 50 })).resolves.toMatchObject({
      ok: false,
      reason: 'network_error',
      httpStatus: null,
    });
  });

  it('resolves when the token getter throws, sending no token', async () => {
    const received = saveFunction(() =>
      HttpResponse.json({ status: 'forbidden', retryable: false }, { status: 403 }),
    );
    const result = await save({
      getToken: () => {
        throw new Error('no session');
      },
    });
    expect(result).toEqual({
      ok: false,
      reason: 'forbidden',
      retryable: false,
      httpStatus: 403,
      attempts: 1,
    });
    expect(received[0]?.body.Token).toBe('');
  });

  it('resolves when the body cannot be serialised', async () => {
    const received = saveFunction(answers.saved);
    // Refused at once as invalid: retrying cannot make it serialisable.
    await expect(save({ body: { call_id: 'CA1', count: 1n }, deadlineMs: 5000 })).resolves.toEqual({
      ok: false,
      reason: 'invalid',
      retryable: false,
      httpStatus: null,
      attempts: 0,
    });
    expect(received).toHaveLength(0);
  });
});
