/**
 * Secret echoes: a secret handed back by something the Functions talk to never comes
 * out of them. The Sticky Calls API (behind msw) echoes the key it was sent in every
 * answer it can give (400, 401, 402, 409, 429, 500, and a 2xx that breaks the
 * contract), raw and escaped as JSON encoders escape it (`\/`, every character as
 * `\uXXXX`, HTML-safe `\u003d`); the save and caller-context Functions must keep it out
 * of their answer, every log line and every error their `onError` gets. A Twilio client
 * error (its request config holds the account's Basic auth header) never reaches
 * `onError`, whatever path it takes; a key pasted into STICKY_CALLS_BASE_URL is never
 * logged; and a Flex token sent in the URL, where request logs keep it, is refused:
 * in process, and in Twilio's own local runtime (twilio-run).
 */
import { inspect } from 'node:util';
import { WRAP_UP_ATTRIBUTE_KEY } from '@stickycalls/core';
import {
  createCallerContextHandler,
  createSaveContextHandler,
  createWrapupEventHandler,
  type FunctionHandler,
  type TaskRouterPort,
} from '@stickycalls/twilio-function-adapter';
import { FakeResponse } from '@stickycalls/twilio-function-adapter/testing';
import { HttpResponse, http } from 'msw';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  API_KEY,
  AUTH_TOKEN,
  BASE_URL,
  BASIC_AUTH,
  CALLER,
  callSid,
  captured,
  captureError,
  completeTask,
  emulatedApi,
  FLEX_TOKEN,
  functionContext,
  handlerOptions,
  routedCall,
  run,
  WORKER_SID,
  WORKSPACE_SID,
} from './kit.js';
import { notes } from './notes.js';
import { startService, type TwilioRun } from './twilio-run.js';

/** A key with the characters JSON encoders escape (`/`, `=`, `+`, `<`, `>`, `&`). */
const ESCAPABLE_KEY = 'sk_test_ECHO/secret=key+reliability<&>_64c1';
/**
 * A valid token of the suite's agent that the tests send in the URL (twilio-run's request
 * log prints it, so it is not one of the suite's secrets). Shaped and sized as Flex's
 * tokens are: a JWE of about a kilobyte, longer than a wrap-up's whole body, which is
 * what lets the Function tell it did not come in the body.
 */
const URL_TOKEN = [
  'eyJhbGciOiJkaXIiLCJlbmMiOiJBMjU2R0NNIiwia2lkIjoiZmxleC1yZWxpYWJpbGl0eSJ9',
  '',
  'aXYtb2YtdGhlLXRva2Vu',
  'Y2lwaGVydGV4dA'.repeat(60),
  'dGFnLW9mLXRoZS10b2tlbg',
].join('.');
const TOKENS: Readonly<Record<string, object>> = {
  [FLEX_TOKEN]: { worker_sid: WORKER_SID, roles: ['agent'], identity: 'ada' },
  [URL_TOKEN]: { worker_sid: WORKER_SID, roles: ['agent'], identity: 'ada' },
};
const IAM_URL = 'https://iam.twilio.com/v1/Accounts/:account/Tokens/validate';
const iam = http.post(IAM_URL, async ({ request }) => {
  const { token } = (await request.json()) as { token: string };
  return Object.hasOwn(TOKENS, token)
    ? HttpResponse.json({ valid: true, ...TOKENS[token] })
    : HttpResponse.json({ valid: false, code: 20101, message: 'Invalid Access Token' });
});
const { emulator, server, taskRouter } = emulatedApi(iam);

const WRAP_UP = { intent: 'refund_request', intent_status: 'open' };

// ---------------------------------------------------------------------------
// How an API escapes what it echoes

type Escape = (key: string) => string;
const hex = (character: string) => `\\u${(character.codePointAt(0) as number).toString(16).padStart(4, '0')}`;
/** The key as it appears inside a JSON string, escaped each way. */
const ESCAPES: Readonly<Record<string, Escape>> = {
  raw: (key) => JSON.stringify(key).slice(1, -1),
  'with \\/-escapes': (key) => JSON.stringify(key).slice(1, -1).replace(/\//g, '\\/'),
  'fully \\u-escaped': (key) => [...key].map(hex).join(''),
  'HTML-safe (\\u003d)': (key) =>
    JSON.stringify(key)
      .slice(1, -1)
      .replace(/[<>&='+/]/g, hex),
};

/** Every form the key could take in any output: raw, and each escape. */
const formsOf = (key: string) => [key, ...Object.values(ESCAPES).map((escaping) => escaping(key))];

/** What the API answers, echoing the key of the request in `message`, `details` and a field of its own. */
function echoing(status: number, key: string, escaping: Escape, contractBreaking: boolean): string {
  const MARK = '@@KEY@@';
  const body = contractBreaking
    ? { customer: MARK, confidence: 'high', echoed_authorization: `Bearer ${MARK}` }
    : {
        error: 'Refused',
        message: `the key ${MARK} was refused`,
        details: { issues: [{ path: ['authorization'], message: `Bearer ${MARK}` }] },
        api_key: MARK,
      };
  return JSON.stringify({ ...body, status })
    .split(MARK)
    .join(escaping(key));
}

const ANSWERS: readonly (readonly [string, number, boolean])[] = [
  ['400', 400, false],
  ['401', 401, false],
  ['402', 402, false],
  ['409', 409, false],
  ['429', 429, false],
  ['500', 500, false],
  ['a 2xx breaking the contract', 200, true],
];

function apiEchoes(status: number, escaping: Escape, contractBreaking: boolean): void {
  server.use(
    http.post(`${BASE_URL}/v1/calls/:operation`, ({ request }) => {
      const key = (request.headers.get('authorization') ?? '').replace(/^Bearer /, '');
      return new HttpResponse(echoing(status, key, escaping, contractBreaking), {
        status,
        headers: { 'content-type': 'application/json' },
      });
    }),
  );
}

/** Everything a case produced: its answer, its log lines, the errors `onError` got. */
interface Output {
  readonly body: string;
  readonly logs: readonly string[];
  readonly errors: readonly string[];
}

function expectNone(output: Output, secrets: readonly string[]): void {
  for (const [what, texts] of [
    ['the answer', [output.body]],
    ['a log line', output.logs],
    ['an onError error', output.errors],
  ] as const) {
    for (const text of texts)
      for (const secret of secrets)
        expect(text.includes(secret), `${what} holds ${secret}: ${text}`).toBe(false);
  }
}

/** Runs `handler` and collects what it produced; `onError` errors are rendered every way they could be logged. */
async function outputOf(
  make: (onError: (error: unknown) => void) => FunctionHandler,
  event: Record<string, unknown>,
  context = functionContext(),
): Promise<Output & { statusCode: number; answer: unknown }> {
  const errors: string[] = [];
  const onError = (error: unknown) => {
    captureError(error);
    const e = error as { message?: unknown; stack?: unknown } | null;
    errors.push(
      [String(e?.message), String(e?.stack), safeJson(error), inspect(error, { depth: 8 })].join('\n'),
    );
  };
  const before = captured.logs.length;
  const answer = await run(make(onError), event, context);
  return {
    statusCode: answer.statusCode,
    answer: answer.body,
    body: JSON.stringify(answer.body) ?? '',
    logs: captured.logs.slice(before),
    errors,
  };
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? '';
  } catch {
    return '';
  }
}

const saveFunction = (onError: (error: unknown) => void) =>
  createSaveContextHandler({ ...handlerOptions, onError, Response: FakeResponse });
const callerContextFunction = (onError: (error: unknown) => void) =>
  createCallerContextHandler({ ...handlerOptions, onError, Response: FakeResponse });

// ---------------------------------------------------------------------------

describe('the API echoing the key: nothing of it comes out', () => {
  const cases = [API_KEY, ESCAPABLE_KEY].flatMap((key) =>
    Object.entries(ESCAPES).flatMap(([escapeName, escaping]) =>
      ANSWERS.flatMap(([answerName, status, breaking]) =>
        (['save-context', 'caller-context'] as const).map(
          (fn) =>
            [
              fn,
              answerName,
              escapeName,
              key === API_KEY ? 'the suite’s key' : 'a key with escapable characters',
              { key, escaping, status, breaking },
            ] as const,
        ),
      ),
    ),
  );
  notes.push(
    `${cases.length} echo cases: ${ANSWERS.length} answers × ${Object.keys(ESCAPES).length} escapes × 2 keys × 2 Functions`,
  );

  it.each(cases)(
    '%s, the API answering %s, %s, %s',
    async (fn, _answer, _escape, _key, { key, escaping, status, breaking }) => {
      const context = functionContext({ STICKY_CALLS_API_KEY: key });
      let output: Output & { statusCode: number; answer: unknown };
      if (fn === 'save-context') {
        const call = await routedCall(taskRouter, {
          reservation: 'completed',
          assignmentStatus: 'completed',
        });
        completeTask(taskRouter, call.taskSid);
        apiEchoes(status, escaping, breaking);
        output = await outputOf(
          saveFunction,
          { Token: FLEX_TOKEN, TaskSid: call.taskSid, wrap_up: WRAP_UP },
          context,
        );
        // A failure is 502 with a fixed message; a 2xx of calls.end is a save whatever it says,
        // and a 409 says the call was ended before (already saved).
        expect(output.statusCode).toBe(breaking || status === 409 ? 200 : 502);
      } else {
        apiEchoes(status, escaping, breaking);
        output = await outputOf(callerContextFunction, { CallSid: callSid(), From: CALLER }, context);
        expect(output.statusCode).toBe(200);
        expect(output.answer).toMatchObject({ sticky_calls: { status: 'degraded' } });
      }
      expect(output.logs.length).toBeGreaterThan(0);
      expectNone(output, formsOf(key));
    },
  );
});

describe('a Twilio client error never reaches onError: it holds the Basic auth header', () => {
  /**
   * The real Twilio client's requests for workers (what the rules and ports below ask)
   * failing on the network, and, with `tasks`, the save Function's own task requests too.
   */
  const unreachable = (tasks = false) => {
    server.use(
      http.all('https://taskrouter.twilio.com/v1/Workspaces/:ws/Workers/*', () => HttpResponse.error()),
    );
    if (tasks) taskRouter.fail('network', 10);
  };
  const twilioRequest = async (context: { getTwilioClient?: () => unknown }) => {
    const client = context.getTwilioClient?.() as {
      request(options: { method: string; uri: string }): Promise<unknown>;
    };
    return client.request({
      method: 'get',
      uri: `https://taskrouter.twilio.com/v1/Workspaces/${WORKSPACE_SID}/Workers/${WORKER_SID}`,
    });
  };
  /** A TaskRouter port passing the Twilio client's errors on as they are. */
  const rawPort = (context: { getTwilioClient?: () => unknown }): TaskRouterPort => ({
    fetchTask: async () => {
      await twilioRequest(context);
      return null;
    },
    findTasksByCall: async () => {
      await twilioRequest(context);
      return [];
    },
    workerReservationStatuses: async () => {
      await twilioRequest(context);
      return [];
    },
    updateAttributes: async () => {
      await twilioRequest(context);
      return 'updated';
    },
  });
  const SECRETS = [BASIC_AUTH, AUTH_TOKEN, `Basic ${BASIC_AUTH}`];

  it('the Twilio client’s error does hold it (the hazard is real)', async () => {
    unreachable();
    const error = await twilioRequest(functionContext()).then(
      () => undefined,
      (reason: unknown) => reason,
    );
    expect(inspect(error, { depth: 8 })).toContain(BASIC_AUTH);
  });

  it.each([
    [
      'a canActOnTask rule asking TaskRouter itself',
      (onError: (error: unknown) => void) =>
        createSaveContextHandler({
          ...handlerOptions,
          onError,
          Response: FakeResponse,
          canActOnTask: async ({ context }) => {
            await twilioRequest(context);
            return true;
          },
        }),
      true,
    ],
    [
      'a TaskRouter port of its own',
      (onError: (error: unknown) => void) =>
        createSaveContextHandler({ ...handlerOptions, onError, Response: FakeResponse, taskRouter: rawPort }),
      true,
    ],
    [
      'a token validator of its own',
      (onError: (error: unknown) => void) =>
        createSaveContextHandler({
          ...handlerOptions,
          onError,
          Response: FakeResponse,
          validateToken: async (_token, context) => {
            await twilioRequest(context);
            return { worker_sid: WORKER_SID };
          },
        }),
      false,
    ],
    [
      'the default TaskRouter port',
      (onError: (error: unknown) => void) =>
        createSaveContextHandler({ ...handlerOptions, onError, Response: FakeResponse }),
      true,
    ],
  ] as const)('the save Function with %s, TaskRouter unreachable', async (name, make, reports) => {
    const call = await routedCall(taskRouter, { reservation: 'completed', assignmentStatus: 'completed' });
    unreachable(name === 'the default TaskRouter port');
    const output = await outputOf(make, { Token: FLEX_TOKEN, TaskSid: call.taskSid, wrap_up: WRAP_UP });
    expect(output.statusCode).toBeGreaterThanOrEqual(400);
    if (reports) expect(output.errors.length).toBeGreaterThan(0);
    expectNone(output, SECRETS);
  });

  it('the safety net with a TaskRouter port of its own, TaskRouter unreachable', async () => {
    const call = await routedCall(taskRouter, { reservation: 'completed', assignmentStatus: 'completed' });
    unreachable();
    const wrapUp = { ...WRAP_UP, call_id: call.callId, customer_ref: call.customerRef, saved: false };
    const output = await outputOf(
      (onError) =>
        createWrapupEventHandler({ ...handlerOptions, onError, Response: FakeResponse, taskRouter: rawPort }),
      {
        EventType: 'task.completed',
        TaskSid: call.taskSid,
        TaskAttributes: JSON.stringify({ ...call.attributes, [WRAP_UP_ATTRIBUTE_KEY]: wrapUp }),
      },
    );
    expect(output.errors.length).toBeGreaterThan(0);
    expectNone(output, SECRETS);
  });

  it('the save Function with Twilio IAM unreachable', async () => {
    server.use(http.post(IAM_URL, () => HttpResponse.error()));
    const output = await outputOf(saveFunction, { Token: FLEX_TOKEN, TaskSid: `WT${'1'.repeat(32)}` });
    expect(output.statusCode).toBe(502);
    expectNone(output, SECRETS);
  });

  it('what onError gets in place of a foreign error: its class name and a fixed message, nothing else', async () => {
    const call = await routedCall(taskRouter, { reservation: 'completed', assignmentStatus: 'completed' });
    unreachable();
    const reported: unknown[] = [];
    await run(
      createSaveContextHandler({
        ...handlerOptions,
        onError: (error) => {
          captureError(error);
          reported.push(error);
        },
        Response: FakeResponse,
        taskRouter: rawPort,
      }),
      { Token: FLEX_TOKEN, TaskSid: call.taskSid, wrap_up: WRAP_UP },
    );
    const error = reported[0] as Error;
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('TypeError');
    expect('cause' in error).toBe(false);
    expect(Object.keys(error).filter((name) => name !== 'name')).toEqual([]);
  });
});

describe('a key pasted into STICKY_CALLS_BASE_URL is never logged', () => {
  const BASE_URLS = [
    ['the key itself', API_KEY],
    ['a whole .env line', `STICKY_CALLS_API_KEY=${API_KEY}`],
    ['the key in the path', `http://127.0.0.1:1/${API_KEY}`],
    ['the key as the URL’s password', `http://key:${API_KEY}@127.0.0.1:1`],
    ['the key in the query', `http://127.0.0.1:1/?key=${API_KEY}`],
  ] as const;
  it.each(BASE_URLS)('caller-context, with %s', async (_name, baseUrl) => {
    const output = await outputOf(
      callerContextFunction,
      { CallSid: callSid(), From: CALLER },
      functionContext({ STICKY_CALLS_BASE_URL: baseUrl }),
    );
    expect(output.answer).toMatchObject({ sticky_calls: { status: 'degraded' } });
    expect(output.logs.length).toBeGreaterThan(0);
    expectNone(output, formsOf(API_KEY));
  });
  it.each(BASE_URLS)('save-context, with %s', async (_name, baseUrl) => {
    const call = await routedCall(taskRouter, { reservation: 'completed', assignmentStatus: 'completed' });
    const output = await outputOf(
      saveFunction,
      { Token: FLEX_TOKEN, TaskSid: call.taskSid, wrap_up: WRAP_UP },
      functionContext({ STICKY_CALLS_BASE_URL: baseUrl }),
    );
    expect(output.statusCode).toBeGreaterThanOrEqual(500);
    expectNone(output, formsOf(API_KEY));
  });
});

describe('a Flex token in the URL is refused: request logs keep URLs', () => {
  const refusedInUrl = {
    status: 'invalid',
    errors: [{ path: ['Token'], message: expect.stringContaining('request body') }],
  };
  const json = (body: Record<string, unknown>) => JSON.stringify(body);

  describe('in process (the headers the pinned runtime handler passes)', () => {
    it.each([
      ['a request without a body (GET ?Token=…)', {}],
      [
        'a JSON body too short to hold it',
        { 'content-type': 'application/json', 'content-length': String(json({ wrap_up: WRAP_UP }).length) },
      ],
      [
        'a form body too short to hold it',
        {
          'content-type': 'application/x-www-form-urlencoded',
          'content-length': String(`TaskSid=WT${'1'.repeat(32)}&wrap_up=${json(WRAP_UP)}`.length),
        },
      ],
      ['an empty form body', { 'content-type': 'application/x-www-form-urlencoded', 'content-length': '0' }],
    ])('%s: 400, before the token is checked', async (_name, headers) => {
      const call = await routedCall(taskRouter, { reservation: 'completed', assignmentStatus: 'completed' });
      const before = { api: emulator.requests.length, taskRouter: taskRouter.requests.length };
      const output = await outputOf(saveFunction, {
        request: { headers },
        Token: URL_TOKEN,
        TaskSid: call.taskSid,
        wrap_up: WRAP_UP,
      });
      expect(output.statusCode).toBe(400);
      expect(output.answer).toMatchObject(refusedInUrl);
      expect(emulator.requests.length).toBe(before.api);
      expect(taskRouter.requests.length).toBe(before.taskRouter);
    });

    it.each([
      ['JSON', 'application/json', (body: Record<string, unknown>) => json(body)],
      [
        'form',
        'application/x-www-form-urlencoded',
        (body: Record<string, unknown>) =>
          new URLSearchParams({ ...body, wrap_up: json(WRAP_UP) } as Record<string, string>).toString(),
      ],
    ] as const)('a %s body holding it: saved', async (_name, type, encode) => {
      const call = await routedCall(taskRouter, { reservation: 'completed', assignmentStatus: 'completed' });
      const body = { Token: URL_TOKEN, TaskSid: call.taskSid, wrap_up: WRAP_UP };
      const headers = { 'content-type': type, 'content-length': String(Buffer.byteLength(encode(body))) };
      const output = await outputOf(saveFunction, { request: { headers }, ...body });
      expect(output.answer).toMatchObject({ status: 'saved' });
    });
  });

  describe('in twilio-run: the built save Function in Twilio’s local runtime', () => {
    let runtime: TwilioRun | undefined;
    beforeAll(async () => {
      runtime = await startService({
        functions: { 'save-context.js': 'createSaveContextHandler()' },
        tokens: TOKENS,
        emulator,
        taskRouter,
      });
    }, 60_000);
    afterAll(() => runtime?.stop());

    async function post(query: string, body: Record<string, unknown>, as: 'json' | 'form') {
      if (runtime === undefined) throw new Error('twilio-run did not start');
      const response = await fetch(`${runtime.url}/save-context${query}`, {
        method: 'POST',
        headers: {
          'content-type': as === 'json' ? 'application/json' : 'application/x-www-form-urlencoded',
          origin: 'https://flex.twilio.com',
        },
        body:
          as === 'json'
            ? JSON.stringify(body)
            : new URLSearchParams(
                Object.entries(body).map(([name, value]) => [
                  name,
                  typeof value === 'string' ? value : JSON.stringify(value),
                ]),
              ).toString(),
        signal: AbortSignal.timeout(15_000),
      });
      const text = await response.text();
      captured.bodies.push(text);
      return { status: response.status, body: JSON.parse(text) as Record<string, unknown> };
    }
    const completed = async () => {
      const call = await routedCall(taskRouter, { reservation: 'completed', assignmentStatus: 'completed' });
      completeTask(taskRouter, call.taskSid);
      return call;
    };

    it.each(['json', 'form'] as const)('a POST with the token in the URL and a %s body: 400', async (as) => {
      const call = await completed();
      const answer = await post(`?Token=${URL_TOKEN}`, { TaskSid: call.taskSid, wrap_up: WRAP_UP }, as);
      expect(answer).toMatchObject({ status: 400, body: refusedInUrl });
    });

    it.each(['json', 'form'] as const)('the token in a %s body: saved', async (as) => {
      const call = await completed();
      const answer = await post('', { Token: URL_TOKEN, TaskSid: call.taskSid, wrap_up: WRAP_UP }, as);
      expect(answer, JSON.stringify(answer.body)).toMatchObject({
        status: 200,
        body: { status: 'saved', call_id: call.callId },
      });
    });
  });
});
