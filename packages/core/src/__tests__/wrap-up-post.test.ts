/**
 * postWrapUp against the save Function's HTTP answers. The Function is a Twilio Function
 * that cannot run here, so msw answers at the HTTP boundary with the answers the core's
 * `saveAnswer` makes (the Function's own), and with what else a URL can answer: proxies'
 * 5xx, HTML pages, empty bodies, network failures.
 */
import { delay, HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  type PostWrapUpOptions,
  type PostWrapUpResult,
  postWrapUp,
  type SaveAnswer,
  saveAnswer,
  type WrapUpFields,
} from '../index.js';
import { CALL_SID, CUSTOMER_REF, TASK_SID } from './wrap-up-kit.js';

const URL = 'https://sticky-calls-1234.twil.io/save-context';
const FIELDS: WrapUpFields = {
  intent: 'refund_request',
  intent_status: 'resolved',
  variables: { summary: 'Refund issued', disposition: 'refunded' },
};

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => {
  server.resetHandlers();
  vi.useRealTimers();
  vi.restoreAllMocks();
});
afterAll(() => server.close());

interface Received {
  readonly url: string;
  readonly body: Record<string, unknown>;
  readonly text: string;
  readonly headers: Record<string, string>;
  readonly at: number;
}

type Answer = (attempt: number) => Response | Promise<Response>;

/** The save Function as msw: answers each request with `answer(attempt)`, counting from 1. */
function saveFunction(answer: Answer): Received[] {
  const received: Received[] = [];
  server.use(
    http.post(URL, async ({ request }) => {
      const text = await request.text();
      received.push({
        url: request.url,
        body: JSON.parse(text) as Record<string, unknown>,
        text,
        headers: Object.fromEntries(request.headers.entries()),
        at: Date.now(),
      });
      return answer(received.length);
    }),
  );
  return received;
}

/** One of the Function's own answers, as it sends it. */
const reply = (answer: SaveAnswer): Response => {
  const { status, body } = saveAnswer(answer);
  return HttpResponse.json(body, { status });
};

const answers = {
  saved: () => reply({ status: 'saved', call_id: CALL_SID, customer_ref: CUSTOMER_REF }),
  alreadySaved: () => reply({ status: 'already_saved', call_id: CALL_SID, customer_ref: CUSTOMER_REF }),
  stored: (saveable: boolean) => reply({ status: 'stored', call_id: CALL_SID, saveable }),
  failed: (retryable: boolean) =>
    reply({ status: 'failed', retryable, code: 'unavailable', message: 'could not save; try again' }),
  forbidden: () => reply({ status: 'forbidden', code: 'invalid_token', message: 'the token was refused' }),
  notCompleted: () => reply({ status: 'not_completed', message: 'the task has not completed' }),
  hang: async () => {
    await delay('infinite');
    return answers.saved();
  },
};

const post = (options: Partial<PostWrapUpOptions> = {}): Promise<PostWrapUpResult> =>
  postWrapUp({
    url: URL,
    taskSid: TASK_SID,
    action: 'save',
    wrapUp: FIELDS,
    getToken: () => 'token-1',
    backoffMs: 5,
    ...options,
  });

/** Fakes the clock that postWrapUp reads (setTimeout and Date), leaving the rest real. */
const fakeClock = () => vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });

/** Tracks whether a promise has settled, for fake-clock tests. */
function track<T>(promise: Promise<T>): { readonly settled: boolean; readonly promise: Promise<T> } {
  const state = { settled: false, promise };
  void promise.then(() => {
    state.settled = true;
  });
  return state;
}

describe('postWrapUp: the request', () => {
  it.each(['save', 'store'] as const)(
    'posts %s as JSON: TaskSid, action, wrap_up and the token',
    async (action) => {
      const received = saveFunction(answers.saved);
      await post({ action });
      expect(received).toHaveLength(1);
      expect(received[0]?.headers['content-type']).toBe('application/json');
      expect(received[0]?.body).toEqual({ TaskSid: TASK_SID, action, wrap_up: FIELDS, Token: 'token-1' });
    },
  );

  it('sends the token only in the body: not in the URL, not in a header, not in the result', async () => {
    const token = 'eyJ.secret-agent-token.sig';
    const received = saveFunction((attempt) => (attempt === 1 ? answers.failed(true) : answers.saved()));
    const saved = await post({ getToken: () => token });
    expect(received).toHaveLength(2);
    for (const request of received) {
      expect(request.body.Token).toBe(token);
      expect(request.url).not.toContain('secret-agent-token');
      expect(JSON.stringify(request.headers)).not.toContain('secret-agent-token');
    }
    expect(JSON.stringify(saved)).not.toContain('secret-agent-token');

    server.resetHandlers();
    saveFunction(answers.forbidden);
    const refused = await post({ getToken: () => token });
    expect(refused).toMatchObject({ ok: false, reason: 'forbidden' });
    expect(JSON.stringify(refused)).not.toContain('secret-agent-token');
  });

  it('posts with the fetch it is given, with a signal', async () => {
    const received = saveFunction(answers.saved);
    const calls: { url: string; method: string | undefined; signal: boolean }[] = [];
    const custom: typeof fetch = (input, init) => {
      calls.push({ url: String(input), method: init?.method, signal: init?.signal instanceof AbortSignal });
      return globalThis.fetch(input, init);
    };
    await expect(post({ fetch: custom })).resolves.toMatchObject({ ok: true });
    expect(calls).toEqual([{ url: URL, method: 'POST', signal: true }]);
    expect(received).toHaveLength(1);
  });
});

describe('postWrapUp: what counts as done', () => {
  it('reports saved', async () => {
    saveFunction(answers.saved);
    await expect(post()).resolves.toEqual({ ok: true, status: 'saved', saveable: true, attempts: 1 });
  });

  it('reports already_saved as done', async () => {
    saveFunction(answers.alreadySaved);
    await expect(post()).resolves.toEqual({ ok: true, status: 'already_saved', saveable: true, attempts: 1 });
  });

  it('reports stored, and whether it can be saved later (saveable: false when nothing names the caller)', async () => {
    saveFunction((attempt) => answers.stored(attempt === 1));
    await expect(post({ action: 'store' })).resolves.toEqual({
      ok: true,
      status: 'stored',
      saveable: true,
      attempts: 1,
    });
    await expect(post({ action: 'store' })).resolves.toEqual({
      ok: true,
      status: 'stored',
      saveable: false,
      attempts: 1,
    });
  });

  it.each([
    ['a 200 whose body is not JSON', () => new HttpResponse('OK', { status: 200 }), 200],
    ['an HTML page', () => HttpResponse.html('<!doctype html><p>Welcome</p>'), 200],
    ['a 204 with no body', () => new HttpResponse(null, { status: 204 }), 204],
    ['JSON without a status', () => HttpResponse.json({ ok: true }), 200],
    ['a status that is not an answer', () => HttpResponse.json({ status: 'ok' }), 200],
    ['a status that is not a string', () => HttpResponse.json({ status: true }), 200],
    ['a JSON array', () => HttpResponse.json(['saved']), 200],
    ['the JSON string "saved"', () => HttpResponse.json('saved'), 200],
    ['JSON null', () => HttpResponse.json(null, { status: 201 }), 201],
    ['"saved" without the call it saved', () => HttpResponse.json({ status: 'saved' }), 200],
    ['"stored" without saveable', () => HttpResponse.json({ status: 'stored', call_id: CALL_SID }), 200],
    [
      'a saved answer under another 2xx than the Function uses',
      () => HttpResponse.json({ status: 'saved', call_id: CALL_SID, customer_ref: null }, { status: 202 }),
      202,
    ],
  ])('does not take %s as done: unexpected_answer, not retried', async (_name, answer, httpStatus) => {
    const received = saveFunction(answer);
    await expect(post({ deadlineMs: 5000 })).resolves.toEqual({
      ok: false,
      reason: 'unexpected_answer',
      retryable: false,
      httpStatus,
      attempts: 1,
    });
    expect(received).toHaveLength(1);
  });
});

describe('postWrapUp: retries', () => {
  it.each([
    ['a network error', () => HttpResponse.error()],
    ['a 500 that is not the Function’s answer', () => HttpResponse.json({ error: 'boom' }, { status: 500 })],
    ['502 failed, retryable', () => answers.failed(true)],
    ['503 without a JSON body', () => new HttpResponse('Service Unavailable', { status: 503 })],
    ['429', () => HttpResponse.json({ message: 'slow down' }, { status: 429 })],
    ['408', () => new HttpResponse(null, { status: 408 })],
    ['409 not_completed (TaskRouter does not show the completion yet)', () => answers.notCompleted()],
  ])('retries %s and saves when it passes', async (_name, failure) => {
    const received = saveFunction((attempt) => (attempt < 3 ? failure() : answers.saved()));
    await expect(post()).resolves.toEqual({ ok: true, status: 'saved', saveable: true, attempts: 3 });
    expect(received).toHaveLength(3);
    expect(received.every((request) => request.body.Token === 'token-1')).toBe(true);
  });

  it('reads the token again at each attempt', async () => {
    const tokens = ['token-1', 'token-2', 'token-3'];
    let reads = 0;
    const received = saveFunction((attempt) => (attempt < 3 ? answers.failed(true) : answers.saved()));
    await post({ getToken: () => tokens[Math.min(reads++, tokens.length - 1)] });
    expect(received.map((request) => request.body.Token)).toEqual(['token-1', 'token-2', 'token-3']);
  });

  it('waits at least half of backoffMs before the first retry, doubling after each', async () => {
    fakeClock();
    vi.spyOn(Math, 'random').mockReturnValue(0);
    const received = saveFunction((attempt) => (attempt < 4 ? answers.failed(true) : answers.saved()));
    const start = Date.now();
    const result = track(post({ backoffMs: 100, deadlineMs: 5000 }));
    await vi.advanceTimersByTimeAsync(1000);
    await expect(result.promise).resolves.toMatchObject({ ok: true, attempts: 4 });
    expect(received.map((request) => request.at - start)).toEqual([0, 50, 150, 350]);
  });

  it('waits at most backoffMs before the first retry, doubling after each up to 2 s, within the deadline', async () => {
    fakeClock();
    vi.spyOn(Math, 'random').mockReturnValue(0.999_999);
    const received = saveFunction(() => answers.failed(true));
    const start = Date.now();
    const result = track(post({ backoffMs: 1000, deadlineMs: 10_000 }));
    await vi.advanceTimersByTimeAsync(10_000);
    expect(result.settled).toBe(true);
    // The last wait is shortened to leave the last attempt 100 ms before the deadline.
    expect(received.map((request) => request.at - start)).toEqual([0, 1000, 3000, 5000, 7000, 9000, 9900]);
    await expect(result.promise).resolves.toEqual({
      ok: false,
      reason: 'failed',
      retryable: true,
      httpStatus: 502,
      attempts: 7,
    });
  });

  it('retries a 403 sent with no token once Flex has one', async () => {
    let token: string | undefined;
    const received = saveFunction((attempt) => {
      if (attempt === 1) {
        token = 'first-token';
        return answers.forbidden();
      }
      return answers.saved();
    });
    await expect(post({ getToken: () => token })).resolves.toMatchObject({ ok: true, attempts: 2 });
    expect(received.map((request) => request.body.Token)).toEqual(['', 'first-token']);
  });

  it('retries a 403 at once with the token Flex refreshed meanwhile', async () => {
    fakeClock();
    let token = 'expired-token';
    const received = saveFunction((attempt) => {
      if (attempt === 1) {
        token = 'refreshed-token';
        return answers.forbidden();
      }
      return answers.saved();
    });
    const result = track(post({ getToken: () => token, backoffMs: 1000 }));
    await vi.advanceTimersByTimeAsync(0);
    expect(result.settled).toBe(true);
    await expect(result.promise).resolves.toEqual({ ok: true, status: 'saved', saveable: true, attempts: 2 });
    expect(received.map((request) => request.body.Token)).toEqual(['expired-token', 'refreshed-token']);
  });

  it('retries a 403 only once, however often the token changes', async () => {
    let reads = 0;
    const received = saveFunction(answers.forbidden);
    const result = await post({ getToken: () => `token-${++reads}`, deadlineMs: 2000 });
    expect(result).toEqual({
      ok: false,
      reason: 'forbidden',
      retryable: false,
      httpStatus: 403,
      attempts: 2,
    });
    expect(received).toHaveLength(2);
  });
});

describe('postWrapUp: what is not retried', () => {
  it.each([
    [
      '400 invalid',
      () => reply({ status: 'invalid', errors: [] }),
      { reason: 'invalid', httpStatus: 400, issues: [] },
    ],
    ['413', () => new HttpResponse(null, { status: 413 }), { reason: 'invalid', httpStatus: 413 }],
    ['422', () => new HttpResponse(null, { status: 422 }), { reason: 'invalid', httpStatus: 422 }],
    ['403 forbidden, the token unchanged', answers.forbidden, { reason: 'forbidden', httpStatus: 403 }],
    ['401', () => new HttpResponse(null, { status: 401 }), { reason: 'forbidden', httpStatus: 401 }],
    [
      '503 not_configured',
      () => reply({ status: 'not_configured', message: 'the save Function is not configured' }),
      { reason: 'not_configured', httpStatus: 503 },
    ],
    [
      '410 task_gone',
      () => reply({ status: 'task_gone', message: 'the task is gone' }),
      { reason: 'task_gone', httpStatus: 410 },
    ],
    ['502 failed, retryable: false', () => answers.failed(false), { reason: 'failed', httpStatus: 502 }],
    ['404', () => new HttpResponse('Not Found', { status: 404 }), { reason: 'failed', httpStatus: 404 }],
  ])('stops after %s', async (_name, answer, expected) => {
    const received = saveFunction(answer);
    await expect(post({ deadlineMs: 5000 })).resolves.toEqual({
      ok: false,
      retryable: false,
      attempts: 1,
      ...expected,
    });
    expect(received).toHaveLength(1);
  });

  it('gives the issues of an invalid answer', async () => {
    const errors = [
      { path: ['intent_status'], message: 'intent_status is required', code: 'status_required' },
      { path: ['variables', 'order-id'], message: 'variable order-id needs a value', code: 'variable_value' },
    ];
    saveFunction(() => reply({ status: 'invalid', errors }));
    await expect(post()).resolves.toEqual({
      ok: false,
      reason: 'invalid',
      retryable: false,
      httpStatus: 400,
      attempts: 1,
      issues: errors,
    });
  });

  it('refuses at once, with no request, a wrap-up JSON cannot carry', async () => {
    const received = saveFunction(answers.saved);
    const wrapUp = { variables: { count: 1n } } as unknown as WrapUpFields;
    await expect(post({ wrapUp, deadlineMs: 5000 })).resolves.toEqual({
      ok: false,
      reason: 'invalid',
      retryable: false,
      httpStatus: null,
      attempts: 0,
    });
    expect(received).toHaveLength(0);
  });
});

describe('postWrapUp: the deadline', () => {
  it('gives up on a Function that does not answer, exactly at the deadline', async () => {
    fakeClock();
    const received = saveFunction(answers.hang);
    const result = track(post({ deadlineMs: 800 }));
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

  it('counts the retries in the same deadline: a retry that hangs ends at the first deadline', async () => {
    fakeClock();
    vi.spyOn(Math, 'random').mockReturnValue(0);
    const received = saveFunction((attempt) => (attempt === 1 ? answers.failed(true) : answers.hang()));
    const result = track(post({ deadlineMs: 1000, backoffMs: 200 }));
    await vi.advanceTimersByTimeAsync(999);
    expect(received).toHaveLength(2);
    expect(result.settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(result.settled).toBe(true);
    await expect(result.promise).resolves.toMatchObject({ ok: false, reason: 'timeout', attempts: 2 });
  });

  it('gives up on a Function failing all along within the deadline', async () => {
    fakeClock();
    const received = saveFunction(() => answers.failed(true));
    const start = Date.now();
    const result = track(post({ deadlineMs: 2000, backoffMs: 250 }));
    await vi.advanceTimersByTimeAsync(2000);
    expect(result.settled).toBe(true);
    await expect(result.promise).resolves.toEqual({
      ok: false,
      reason: 'failed',
      retryable: true,
      httpStatus: 502,
      attempts: received.length,
    });
    expect(received.length).toBeGreaterThanOrEqual(4);
    expect(received.every((request) => request.at - start < 2000)).toBe(true);
  });

  it('keeps retrying not_completed until the deadline, then reports it', async () => {
    fakeClock();
    const received = saveFunction(answers.notCompleted);
    const result = track(post({ deadlineMs: 1500, backoffMs: 100 }));
    await vi.advanceTimersByTimeAsync(1500);
    expect(result.settled).toBe(true);
    await expect(result.promise).resolves.toEqual({
      ok: false,
      reason: 'not_completed',
      retryable: true,
      httpStatus: 409,
      attempts: received.length,
    });
    expect(received.length).toBeGreaterThan(2);
  });

  it('reports network errors that last to the deadline as network_error', async () => {
    fakeClock();
    const received = saveFunction(() => HttpResponse.error());
    const result = track(post({ deadlineMs: 1000, backoffMs: 100 }));
    await vi.advanceTimersByTimeAsync(1000);
    expect(result.settled).toBe(true);
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
    await expect(post({ deadlineMs: 0 })).resolves.toEqual({
      ok: false,
      reason: 'timeout',
      retryable: true,
      httpStatus: null,
      attempts: 0,
    });
    expect(received).toHaveLength(0);
  });

  it('defaults to a 4 s deadline', async () => {
    fakeClock();
    saveFunction(answers.hang);
    const result = track(post());
    await vi.advanceTimersByTimeAsync(3999);
    expect(result.settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(result.settled).toBe(true);
  });
});

describe('postWrapUp: the abort signal', () => {
  it('makes no request when already aborted', async () => {
    const received = saveFunction(answers.saved);
    const controller = new AbortController();
    controller.abort();
    await expect(post({ signal: controller.signal })).resolves.toEqual({
      ok: false,
      reason: 'timeout',
      retryable: true,
      httpStatus: null,
      attempts: 0,
    });
    expect(received).toHaveLength(0);
  });

  it('stops a request in flight as a timeout, at once', async () => {
    fakeClock();
    const received = saveFunction(answers.hang);
    const controller = new AbortController();
    const result = track(post({ signal: controller.signal, deadlineMs: 10_000, backoffMs: 1000 }));
    await vi.advanceTimersByTimeAsync(50);
    expect(result.settled).toBe(false);
    controller.abort();
    await vi.advanceTimersByTimeAsync(0);
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

  it('stops waiting between retries, with no further request', async () => {
    fakeClock();
    const received = saveFunction(() => answers.failed(true));
    const controller = new AbortController();
    const result = track(post({ signal: controller.signal, deadlineMs: 10_000, backoffMs: 1000 }));
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

describe('postWrapUp: never throws', () => {
  it('resolves when fetch throws at once', async () => {
    const throwing: typeof fetch = () => {
      throw new TypeError('fetch is not available');
    };
    await expect(post({ fetch: throwing, deadlineMs: 50 })).resolves.toMatchObject({
      ok: false,
      reason: 'network_error',
      httpStatus: null,
    });
  });

  it('resolves when the token getter throws, sending an empty token', async () => {
    const received = saveFunction(answers.forbidden);
    const result = await post({
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
    expect(received).toHaveLength(1);
    expect(received[0]?.body.Token).toBe('');
  });
});
