import { ATTRIBUTE_KEY, WRAP_UP_ATTRIBUTE_KEY } from '@stickycalls/core';
import { delay, HttpResponse, http } from 'msw';
import { describe, expect, it, vi } from 'vitest';
import { createSaveContextHandler, createTaskRouter, type SaveContextHandlerOptions } from '../index.js';
import { FakeResponse, invoke, stubTokenValidator, TEST_WORKER_SID } from '../testing/index.js';
import {
  ACCOUNT_SID,
  AGENT_TOKEN,
  API_KEY,
  BASE_URL,
  CALLER,
  callSid,
  OTHER_AGENT_TOKEN,
  OTHER_WORKER_SID,
  SUPERVISOR_TOKEN,
  SUPERVISOR_WORKER_SID,
  twilioClient,
  useApi,
} from './kit.js';
import { logged } from './setup.js';

const { emulator, taskRouter, server, context, routedCall } = useApi();
const validateToken = stubTokenValidator({
  [AGENT_TOKEN]: { worker_sid: TEST_WORKER_SID, roles: ['agent'], identity: 'ada' },
  [OTHER_AGENT_TOKEN]: { worker_sid: OTHER_WORKER_SID, roles: ['agent'], identity: 'grace' },
  [SUPERVISOR_TOKEN]: { worker_sid: SUPERVISOR_WORKER_SID, roles: ['supervisor'] },
  'flex-token-not-a-worker': { roles: ['admin'] },
});
// Tokens named like Object.prototype's members are still unknown tokens.
const inherited = 'constructor';
const saver = (options: SaveContextHandlerOptions = {}) =>
  createSaveContextHandler({
    Response: FakeResponse,
    validateToken,
    client: { retry: { initialDelayMs: 10 } },
    ...options,
  });

const WRAP_UP = {
  intent: 'refund_request',
  intent_status: 'open',
  variables: { summary: 'Label sent', amount: 20 },
};

async function save(event: Record<string, unknown>, handler = saver(), ctx = context()) {
  return invoke(handler, { context: ctx, event: { Token: AGENT_TOKEN, ...event } });
}

const ends = () => emulator.requests.filter((request) => request.operation === 'end');
const updates = () => taskRouter.requests.filter((request) => request.method === 'POST');
const wrapUpOn = (taskSid: string) => taskRouter.attributes(taskSid)[WRAP_UP_ATTRIBUTE_KEY];
const complete = (taskSid: string) => taskRouter.setStatus(taskSid, 'completed', 'completed');
/** When the task's call started, as the call-start lookup wrote it: each save's `last_contact_at`. */
const callStartOf = (taskSid: string) =>
  (taskRouter.attributes(taskSid)[ATTRIBUTE_KEY] as { call_start: string | null }).call_start;

/** A refused request: 403 with its code, CORS, and nothing saved or written anywhere. */
function expectRefused(answer: Awaited<ReturnType<typeof save>>, code: string) {
  expect(answer.statusCode).toBe(403);
  expect(answer.body).toMatchObject({ status: 'forbidden', code, retryable: false });
  expect(answer.headers['Access-Control-Allow-Origin']).toBe('https://flex.twilio.com');
  expect(ends()).toEqual([]);
  expect(updates()).toEqual([]);
}

describe('storing before completion, saving after', () => {
  it('stores on the task, then saves once the task completed, bound to the task’s call and customer', async () => {
    const { callId, taskSid, customerRef } = await routedCall();
    const stored = await save({ TaskSid: taskSid, action: 'store', wrap_up: WRAP_UP });
    expect(stored).toMatchObject({
      statusCode: 200,
      body: { status: 'stored', call_id: callId, saveable: true, retryable: false },
      callbackCalls: 1,
    });
    expect(wrapUpOn(taskSid)).toEqual({
      call_id: callId,
      customer_ref: customerRef,
      intent: 'refund_request',
      intent_status: 'open',
      variables: { summary: 'Label sent', amount: '20' },
      saved: false,
    });
    expect(ends()).toEqual([]);

    complete(taskSid);
    const saved = await save({ TaskSid: taskSid, wrap_up: WRAP_UP });
    expect(saved).toMatchObject({
      statusCode: 200,
      body: { status: 'saved', call_id: callId, customer_ref: customerRef },
    });
    expect(saved.headers['Access-Control-Allow-Origin']).toBe('https://flex.twilio.com');
    expect(ends().map((request) => request.body)).toEqual([
      {
        call_id: callId,
        customer_ref: customerRef,
        intent: 'refund_request',
        intent_status: 'open',
        variables: { summary: 'Label sent', amount: '20', last_contact_at: callStartOf(taskSid) },
      },
    ]);
    expect(callStartOf(taskSid)).toEqual(expect.any(String));
    expect(wrapUpOn(taskSid)).toMatchObject({ call_id: callId, saved: true });
    // Everything else on the task is as Studio and Flex left it.
    expect(taskRouter.attributes(taskSid)).toMatchObject({ call_sid: callId, from: CALLER, type: 'inbound' });
    const customer = emulator.customers()[0];
    expect(customer?.intents.get('refund_request')).toEqual({ status: 'open', attemptCount: 1 });
  });

  it('answers not_completed (409, retryable) to a save before completion, and saves nothing', async () => {
    const { taskSid } = await routedCall();
    const answer = await save({ TaskSid: taskSid, wrap_up: WRAP_UP });
    expect(answer).toMatchObject({
      statusCode: 409,
      body: { status: 'not_completed', retryable: true },
    });
    expect(ends()).toEqual([]);
    expect(updates()).toEqual([]);
  });

  it('saves a canceled task’s wrap-up too', async () => {
    const { taskSid } = await routedCall();
    taskRouter.setStatus(taskSid, 'canceled');
    const answer = await save({ TaskSid: taskSid, wrap_up: WRAP_UP });
    expect(answer.body).toMatchObject({ status: 'saved' });
  });

  it('answers saved to this very wrap-up and already_saved to another, without calling the API, when the task says it was saved', async () => {
    const { taskSid, callId, customerRef } = await routedCall();
    complete(taskSid);
    await save({ TaskSid: taskSid, wrap_up: WRAP_UP });
    const before = updates().length;
    // A repeat (its first answer was lost, or the safety net saved it first): the same wrap-up.
    const again = await save({
      TaskSid: taskSid,
      wrap_up: { ...WRAP_UP, variables: { amount: 20, summary: ' Label sent' } },
    });
    expect(again).toMatchObject({
      statusCode: 200,
      body: { status: 'saved', call_id: callId, customer_ref: customerRef },
    });
    const other = await save({ TaskSid: taskSid, wrap_up: { ...WRAP_UP, intent_status: 'resolved' } });
    expect(other).toMatchObject({
      statusCode: 200,
      body: { status: 'already_saved', call_id: callId, customer_ref: customerRef },
    });
    expect(ends()).toHaveLength(1);
    expect(updates()).toHaveLength(before);
    // A later store does not overwrite what was saved.
    const store = await save({
      TaskSid: taskSid,
      action: 'store',
      wrap_up: { intent: 'other', intent_status: 'open' },
    });
    expect(store.body).toMatchObject({ status: 'already_saved' });
    expect(wrapUpOn(taskSid)).toMatchObject({ intent: 'refund_request', saved: true });
  });

  it('answers already_saved when the API has an end for the call already (409)', async () => {
    const { taskSid, callId, customerRef } = await routedCall();
    await fetch(`${BASE_URL}/v1/calls/end`, {
      method: 'POST',
      headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        call_id: callId,
        customer_ref: customerRef,
        intent: 'x',
        intent_status: 'open',
      }),
    });
    complete(taskSid);
    const answer = await save({ TaskSid: taskSid, wrap_up: WRAP_UP });
    expect(answer).toMatchObject({ statusCode: 200, body: { status: 'already_saved', call_id: callId } });
    expect(ends().map((request) => request.status)).toEqual([200, 409]);
    expect(wrapUpOn(taskSid)).toMatchObject({ saved: true });
  });

  it.each([
    ['this very wrap-up', {}, 'saved'],
    ['another wrap-up', { intent_status: 'resolved' }, 'already_saved'],
  ] as const)(
    'answers by what the task marks saved when the safety net saved and marked %s while the save was on its way',
    async (_name, marked, status) => {
      const { taskSid, callId, customerRef } = await routedCall();
      await save({ TaskSid: taskSid, action: 'store', wrap_up: WRAP_UP });
      complete(taskSid);
      // The safety net's calls.end lands first (the save meets 409)…
      await fetch(`${BASE_URL}/v1/calls/end`, {
        method: 'POST',
        headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          call_id: callId,
          customer_ref: customerRef,
          ...WRAP_UP,
          variables: { summary: 'Label sent', amount: '20' },
          ...marked,
        }),
      });
      // …and it marks the task saved just before the save marks it.
      taskRouter.beforeNextUpdate((sid) =>
        taskRouter.write(sid, (attributes) => ({
          ...attributes,
          [WRAP_UP_ATTRIBUTE_KEY]: {
            ...(attributes[WRAP_UP_ATTRIBUTE_KEY] as Record<string, unknown>),
            ...marked,
            saved: true,
          },
        })),
      );
      const answer = await save({ TaskSid: taskSid, wrap_up: WRAP_UP });
      expect(answer).toMatchObject({ statusCode: 200, body: { status, call_id: callId } });
      expect(ends().map((request) => request.status)).toEqual([200, 409]);
      // What the safety net marked stays.
      expect(wrapUpOn(taskSid)).toMatchObject({
        ...WRAP_UP,
        ...marked,
        variables: { amount: '20' },
        saved: true,
      });
    },
  );

  it("accepts the vendor guide's field names: the task is found from CallSid", async () => {
    const { callId, taskSid, customerRef } = await routedCall();
    complete(taskSid);
    const answer = await save({
      CallSid: callId,
      CustomerRef: customerRef,
      Intent: 'billing_inquiry',
      IntentStatus: 'closed',
      AgentNotes: 'Explained the invoice',
      Disposition: 'resolved',
    });
    expect(answer.body).toMatchObject({ status: 'saved', call_id: callId });
    expect(ends()[0]?.body).toEqual({
      call_id: callId,
      customer_ref: customerRef,
      intent: 'billing_inquiry',
      intent_status: 'resolved',
      variables: {
        summary: 'Explained the invoice',
        disposition: 'resolved',
        last_contact_at: callStartOf(taskSid),
      },
    });
    const list = taskRouter.requests.find((request) => request.path.endsWith('/Tasks'));
    expect(list?.query.EvaluateTaskAttributes).toBe(`call_sid == "${callId}"`);
    expect(wrapUpOn(taskSid)).toMatchObject({ saved: true });
  });

  it('finds the task this worker holds when the call has several (a transfer)', async () => {
    const { callId, taskSid } = await routedCall();
    const attributes = taskRouter.attributes(taskSid);
    const other = taskRouter.addTask({
      attributes,
      assignmentStatus: 'completed',
      reservations: [{ workerSid: OTHER_WORKER_SID, status: 'completed' }],
    });
    complete(taskSid);
    const answer = await save({ call_id: callId, intent: 'x', intent_status: 'open' });
    expect(answer.body).toMatchObject({ status: 'saved' });
    expect(wrapUpOn(taskSid)).toMatchObject({ saved: true });
    expect(taskRouter.attributes(other)[WRAP_UP_ATTRIBUTE_KEY]).toBeUndefined();
  });

  it('accepts variable names such as order-id', async () => {
    const { taskSid } = await routedCall();
    complete(taskSid);
    const answer = await save({
      TaskSid: taskSid,
      wrap_up: { intent: 'order_status', intent_status: 'open', variables: { 'order-id': 'A-1001' } },
    });
    expect(answer.body).toMatchObject({ status: 'saved' });
    expect(ends()[0]?.body).toMatchObject({ variables: { 'order-id': 'A-1001' } });
  });

  it('keeps the wrap-up of a caller nothing names on the task only (stored, not saveable)', async () => {
    const { taskSid, callId } = await routedCall({ from: 'anonymous' });
    const stored = await save({ TaskSid: taskSid, action: 'store', wrap_up: WRAP_UP });
    expect(stored.body).toMatchObject({ status: 'stored', call_id: callId, saveable: false });
    complete(taskSid);
    const saved = await save({ TaskSid: taskSid, wrap_up: WRAP_UP });
    expect(saved).toMatchObject({ statusCode: 200, body: { status: 'stored', saveable: false } });
    expect(ends()).toEqual([]);
    expect(wrapUpOn(taskSid)).toMatchObject({ call_id: callId, customer_ref: null, saved: false });
  });

  it('saves against the caller’s number, read from the task, when the call-start lookup failed', async () => {
    emulator.inject({ type: 'status', status: 503, operation: 'start', times: 10 });
    const { taskSid, callId } = await routedCall();
    emulator.clearFaults();
    complete(taskSid);
    const answer = await save({ TaskSid: taskSid, wrap_up: WRAP_UP });
    expect(answer.body).toMatchObject({ status: 'saved', call_id: callId });
    expect(ends()[0]?.body).toMatchObject({ call_id: callId, identity_hints: { ani: CALLER } });
  });

  it('answers task_gone (410) when TaskRouter no longer has the task', async () => {
    const { taskSid } = await routedCall();
    taskRouter.remove(taskSid);
    const answer = await save({ TaskSid: taskSid, wrap_up: WRAP_UP });
    expect(answer).toMatchObject({ statusCode: 410, body: { status: 'task_gone', retryable: false } });
    expect(ends()).toEqual([]);
  });

  it('answers 400 naming each bad field with its code, before asking TaskRouter', async () => {
    const { taskSid } = await routedCall();
    const answer = await save({
      TaskSid: taskSid,
      wrap_up: { intent: 'x', variables: { a: { nested: true }, 'bad name': 'v' } },
    });
    expect(answer.statusCode).toBe(400);
    expect(answer.headers['Access-Control-Allow-Origin']).toBe('https://flex.twilio.com');
    const errors = (answer.body as { errors: { path: (string | number)[]; code?: string }[] }).errors;
    expect(errors.map((error) => [error.path.join('.'), error.code])).toEqual(
      expect.arrayContaining([
        ['intent_status', 'status_required'],
        ['variables.a', 'variable_value'],
        ['variables.bad name', 'variable_name'],
      ]),
    );
    expect(taskRouter.requests).toEqual([]);
  });

  it('answers 400 too_long when the wrap-up does not fit in the task’s attributes', async () => {
    const { taskSid } = await routedCall();
    const answer = await save({
      TaskSid: taskSid,
      action: 'store',
      // Each value within its 1,000 characters; together too long for the task.
      wrap_up: {
        variables: {
          summary: 'x'.repeat(1000),
          disposition: 'y'.repeat(1000),
          a: 'z'.repeat(1000),
          b: 'w'.repeat(1000),
        },
      },
    });
    expect(answer).toMatchObject({ statusCode: 400, body: { status: 'invalid' } });
    expect((answer.body as { errors: { code?: string }[] }).errors[0]?.code).toBe('too_long');
    expect(updates()).toEqual([]);
  });

  it.each([
    ['a retryable failure', { type: 'status', status: 503 } as const, true, 'server_error'],
    ['a refused key', { type: 'status', status: 401 } as const, false, 'unauthorized'],
  ])(
    'answers 502 with the retryable flag for %s, keeping the wrap-up on the task',
    async (_name, fault, retryable, code) => {
      const { taskSid, callId } = await routedCall();
      complete(taskSid);
      emulator.inject({ ...fault, operation: 'end', times: 10 });
      const answer = await save({ TaskSid: taskSid, wrap_up: WRAP_UP }, saver({ timeoutMs: 2000 }));
      expect(answer).toMatchObject({ statusCode: 502, body: { status: 'failed', retryable, code } });
      expect(answer.headers['Access-Control-Allow-Origin']).toBe('https://flex.twilio.com');
      expect(wrapUpOn(taskSid)).toMatchObject({ call_id: callId, saved: false });
    },
  );

  it.each([
    [
      'a refused key (its masked hint)',
      { type: 'status', status: 401 } as const,
      'unauthorized',
      false,
      'sk_test_',
    ],
    [
      'the API’s error body',
      {
        type: 'status',
        status: 400,
        body: { error: 'bad_request', message: 'rejected by rule 7 on db-host-12' },
      } as const,
      'bad_request',
      false,
      'db-host-12',
    ],
    [
      'the API’s failure',
      { type: 'status', status: 503, body: { error: 'unavailable', message: 'db-host-12 is down' } } as const,
      'server_error',
      true,
      'db-host-12',
    ],
  ])(
    'answers a failed save with its code and a fixed message, keeping %s in the log only',
    async (_name, fault, code, retryable, detail) => {
      const { taskSid } = await routedCall();
      complete(taskSid);
      emulator.inject({ ...fault, operation: 'end', times: 10 });
      const answer = await save({ TaskSid: taskSid, wrap_up: WRAP_UP }, saver({ timeoutMs: 2000 }));
      expect(answer).toMatchObject({ statusCode: 502, body: { status: 'failed', retryable, code } });
      const { message } = answer.body as { message: string };
      expect(message).not.toContain(detail);
      expect(message).not.toMatch(/calls\.end|\(\d{3}\)/);
      expect(logged.filter((line) => line.includes('not saved')).at(-1)).toContain(detail);
    },
  );

  it('gives one message for a code, whatever the API said', async () => {
    const messages: unknown[] = [];
    for (const body of [{ message: 'first' }, { message: 'second' }, 'plain text']) {
      const { taskSid } = await routedCall();
      complete(taskSid);
      emulator.inject({ type: 'status', status: 400, body, operation: 'end', times: 10 });
      const answer = await save({ TaskSid: taskSid, wrap_up: WRAP_UP });
      expect(answer.body).toMatchObject({ code: 'bad_request' });
      messages.push((answer.body as { message: string }).message);
      emulator.clearFaults();
    }
    expect(new Set(messages).size).toBe(1);
  });

  it('answers 503 when STICKY_CALLS_API_KEY is missing', async () => {
    const { taskSid } = await routedCall();
    complete(taskSid);
    const answer = await save(
      { TaskSid: taskSid, wrap_up: WRAP_UP },
      saver(),
      context({ STICKY_CALLS_API_KEY: '' }),
    );
    expect(answer).toMatchObject({ statusCode: 503, body: { status: 'not_configured' } });
  });
});

describe('TaskRouter round trips', () => {
  it('reads the task and the worker’s reservations on it side by side: one round trip, not two', async () => {
    const { taskSid } = await routedCall();
    complete(taskSid);
    // Every TaskRouter answer takes 150 ms; when each read starts is noted first.
    const started: { path: string; at: number }[] = [];
    server.use(
      http.get('https://taskrouter.twilio.com/*', async ({ request }) => {
        started.push({ path: new URL(request.url).pathname, at: performance.now() });
        await delay(150);
      }),
    );
    const answer = await save({ TaskSid: taskSid, wrap_up: WRAP_UP });
    expect(answer).toMatchObject({ statusCode: 200, body: { status: 'saved' } });
    const at = (suffix: string) => started.find((read) => read.path.endsWith(suffix))?.at ?? Number.NaN;
    expect(at('/Reservations') - at(`/Tasks/${taskSid}`)).toBeLessThan(100);
  });

  it('leaves the reservations to a custom access check, which may never ask for them', async () => {
    const { taskSid } = await routedCall();
    complete(taskSid);
    const before = taskRouter.requests.length;
    const answer = await save({ TaskSid: taskSid, wrap_up: WRAP_UP }, saver({ canActOnTask: () => true }));
    expect(answer).toMatchObject({ statusCode: 200, body: { status: 'saved' } });
    expect(taskRouter.requests.slice(before).filter((r) => r.path.endsWith('/Reservations'))).toEqual([]);
  });
});

describe('a store meets another writer', () => {
  it('keeps what another writer put on the task between the fetch and the update (412, fetched again)', async () => {
    const { taskSid } = await routedCall();
    taskRouter.beforeNextUpdate((sid) =>
      taskRouter.write(sid, (attributes) => ({ ...attributes, transfer_note: 'kept' })),
    );
    const answer = await save({ TaskSid: taskSid, action: 'store', wrap_up: WRAP_UP });
    expect(answer.body).toMatchObject({ status: 'stored' });
    expect(taskRouter.attributes(taskSid)).toMatchObject({
      transfer_note: 'kept',
      [WRAP_UP_ATTRIBUTE_KEY]: { intent: 'refund_request', saved: false },
    });
    expect(updates().map((request) => request.status)).toEqual([412, 200]);
    // Each update named the version it was merged into.
    expect(updates().every((request) => request.ifMatch !== null)).toBe(true);
  });

  it('gives up after three conflicts with a retryable 502', async () => {
    const { taskSid } = await routedCall();
    const meddle = (sid: string) =>
      taskRouter.write(sid, (attributes) => ({ ...attributes, n: Math.random() }));
    for (let i = 0; i < 3; i += 1) taskRouter.beforeNextUpdate(meddle);
    const answer = await save({ TaskSid: taskSid, action: 'store', wrap_up: WRAP_UP });
    expect(answer).toMatchObject({
      statusCode: 502,
      body: { status: 'failed', retryable: true, code: 'conflict' },
    });
    expect(updates().map((request) => request.status)).toEqual([412, 412, 412]);
  });

  it('refuses when the task was moved to another call meanwhile', async () => {
    const { taskSid } = await routedCall();
    taskRouter.beforeNextUpdate((sid) =>
      taskRouter.write(sid, (attributes) => ({ ...attributes, call_sid: callSid() })),
    );
    const answer = await save({
      TaskSid: taskSid,
      action: 'store',
      wrap_up: WRAP_UP,
      call_id: taskRouter.attributes(taskSid).call_sid,
    });
    expect(answer).toMatchObject({ statusCode: 403, body: { status: 'forbidden', code: 'other_call' } });
  });
});

describe('a task fetched without an ETag is never written without If-Match', () => {
  /** TaskRouter answers the task's first `times` fetches without an ETag. */
  const withoutETag = (times: number) => {
    let fetched = 0;
    return http.get(
      'https://taskrouter.twilio.com/v1/Workspaces/:workspace/Tasks/:task',
      async ({ request }) => {
        const response = await taskRouter.handle(request);
        fetched += 1;
        if (fetched > times) return response;
        const headers = new Headers(response.headers);
        headers.delete('etag');
        return new Response(await response.text(), { status: response.status, headers });
      },
    );
  };
  const taskFetches = (taskSid: string) =>
    taskRouter.requests.filter((request) => request.method === 'GET' && request.path.endsWith(taskSid));

  it('fetches the task once more, then answers a retryable 502 conflict, writing nothing', async () => {
    server.use(withoutETag(Number.POSITIVE_INFINITY));
    const { taskSid } = await routedCall();
    const answer = await save({ TaskSid: taskSid, action: 'store', wrap_up: WRAP_UP });
    expect(answer).toMatchObject({
      statusCode: 502,
      body: { status: 'failed', retryable: true, code: 'conflict' },
    });
    expect(updates()).toEqual([]);
    expect(taskFetches(taskSid)).toHaveLength(2);
    expect(wrapUpOn(taskSid)).toBeUndefined();
  });

  it('writes with the ETag of the fetch that brought one', async () => {
    server.use(withoutETag(1));
    const { taskSid } = await routedCall();
    const answer = await save({ TaskSid: taskSid, action: 'store', wrap_up: WRAP_UP });
    expect(answer.body).toMatchObject({ status: 'stored' });
    // The second fetch's ETag (the task's revision 0).
    expect(updates().map((request) => [request.status, request.ifMatch])).toEqual([[200, '0']]);
  });

  it('keeps the unsaved wrap-up off the task rather than write it blind after a failed save', async () => {
    const { taskSid } = await routedCall();
    complete(taskSid);
    server.use(withoutETag(Number.POSITIVE_INFINITY));
    emulator.inject({ type: 'status', status: 503, operation: 'end', times: 10 });
    const answer = await save({ TaskSid: taskSid, wrap_up: WRAP_UP }, saver({ timeoutMs: 2000 }));
    expect(answer.body).toMatchObject({ status: 'failed', code: 'server_error' });
    expect(updates()).toEqual([]);
  });

  it('the port refuses an update without an ETag, before any request', async () => {
    const { taskSid } = await routedCall();
    const port = createTaskRouter(context());
    if (port instanceof Error) throw port;
    await expect(port.updateAttributes(taskSid, '{}', undefined as never)).rejects.toThrow(TypeError);
    await expect(port.updateAttributes(taskSid, '{}', '' as never)).rejects.toThrow(TypeError);
    expect(taskRouter.requests).toEqual([]);
  });
});

describe('a worker without a reservation learns nothing of the task', () => {
  const theirsCompleted = async () => {
    const theirs = await routedCall({ workerSid: OTHER_WORKER_SID });
    complete(theirs.taskSid);
    return theirs;
  };

  it.each([
    ['another call', () => ({ call_id: callSid() })],
    [
      'the task’s call and another customer',
      (theirs: { callId: string }) => ({ call_id: theirs.callId, customer_ref: 'cust_guess' }),
    ],
    [
      'the task’s own call and customer',
      (theirs: { callId: string; customerRef: string | null }) => ({
        call_id: theirs.callId,
        customer_ref: theirs.customerRef,
      }),
    ],
    ['identity hints', () => ({ identity_hints: { ani: '+14155550000' } })],
  ])('answers no_reservation to a request naming %s', async (_name, claims) => {
    const theirs = await theirsCompleted();
    expectRefused(
      await save({ TaskSid: theirs.taskSid, ...claims(theirs), wrap_up: WRAP_UP }),
      'no_reservation',
    );
  });

  it('answers no_reservation for another worker’s task that is not a Sticky Calls call', async () => {
    const taskSid = taskRouter.addTask({
      attributes: { channelType: 'web', conversationSid: `CH${'1'.repeat(32)}` },
      assignmentStatus: 'completed',
      reservations: [{ workerSid: OTHER_WORKER_SID, status: 'completed' }],
    });
    expectRefused(await save({ TaskSid: taskSid, wrap_up: WRAP_UP }), 'no_reservation');
  });

  it('runs a custom access check before the binding, with the task’s own call', async () => {
    const canActOnTask = vi.fn(() => false);
    const theirs = await theirsCompleted();
    const answer = await save(
      { TaskSid: theirs.taskSid, call_id: callSid(), wrap_up: WRAP_UP },
      saver({ canActOnTask }),
    );
    expectRefused(answer, 'no_reservation');
    expect(canActOnTask).toHaveBeenCalledWith(
      expect.objectContaining({ taskSid: theirs.taskSid, callId: theirs.callId }),
    );
  });

  it('says a task is gone only to a worker who held it, or when its reservations are gone too', async () => {
    const mine = await routedCall();
    const theirs = await theirsCompleted();
    // TaskRouter answers 404 for the task, while its reservations are still listed.
    server.use(
      http.get('https://taskrouter.twilio.com/v1/Workspaces/:workspace/Tasks/:task', () =>
        HttpResponse.json({ code: 20404, message: 'not found', status: 404 }, { status: 404 }),
      ),
    );
    expectRefused(await save({ TaskSid: theirs.taskSid, wrap_up: WRAP_UP }), 'no_reservation');
    expect((await save({ TaskSid: mine.taskSid, wrap_up: WRAP_UP })).body).toMatchObject({
      status: 'task_gone',
    });
    // A removed task has no reservations either: gone, whoever asks.
    server.resetHandlers();
    taskRouter.remove(theirs.taskSid);
    expect((await save({ TaskSid: theirs.taskSid, wrap_up: WRAP_UP })).statusCode).toBe(410);
  });
});

describe('a save is bound to a task the agent holds: forgeries answer 403 and save nothing', () => {
  it('refuses a request that names no task and no call (400 naming TaskSid)', async () => {
    const { customerRef } = await routedCall();
    const answer = await save({ customer_ref: customerRef, intent: 'x', intent_status: 'open' });
    expect(answer.statusCode).toBe(400);
    expect(JSON.stringify(answer.body)).toContain('TaskSid');
    expect(ends()).toEqual([]);
    expect(taskRouter.requests).toEqual([]);
  });

  it('refuses an empty TaskSid with another agent’s call', async () => {
    const theirs = await routedCall({ workerSid: OTHER_WORKER_SID });
    complete(theirs.taskSid);
    const answer = await save({
      TaskSid: '',
      call_id: theirs.callId,
      customer_ref: theirs.customerRef,
      intent: 'x',
      intent_status: 'open',
    });
    expectRefused(answer, 'no_task');
  });

  it('refuses another agent’s task', async () => {
    const theirs = await routedCall({ workerSid: OTHER_WORKER_SID });
    complete(theirs.taskSid);
    expectRefused(await save({ TaskSid: theirs.taskSid, wrap_up: WRAP_UP }), 'no_reservation');
  });

  it('refuses another agent’s call named the guide’s way', async () => {
    const theirs = await routedCall({ workerSid: OTHER_WORKER_SID });
    complete(theirs.taskSid);
    const answer = await save({
      CallSid: theirs.callId,
      CustomerRef: theirs.customerRef,
      Intent: 'x',
      IntentStatus: 'open',
    });
    expectRefused(answer, 'no_task');
  });

  it('refuses a body whose call_id is not the task’s call', async () => {
    const mine = await routedCall();
    const theirs = await routedCall({ workerSid: OTHER_WORKER_SID });
    complete(mine.taskSid);
    const answer = await save({ TaskSid: mine.taskSid, call_id: theirs.callId, wrap_up: WRAP_UP });
    expectRefused(answer, 'other_call');
  });

  it('refuses a body whose customer_ref is not the task’s customer', async () => {
    const mine = await routedCall();
    complete(mine.taskSid);
    const answer = await save({ TaskSid: mine.taskSid, customer_ref: 'cust_someone_else', wrap_up: WRAP_UP });
    expectRefused(answer, 'other_customer');
  });

  it('refuses identity hints in the body (they are read from the task)', async () => {
    const mine = await routedCall();
    complete(mine.taskSid);
    const answer = await save({
      TaskSid: mine.taskSid,
      identity_hints: { ani: '+14155550000' },
      wrap_up: WRAP_UP,
    });
    expectRefused(answer, 'other_customer');
  });

  it('refuses a task that is not a call (a chat task, no call_sid)', async () => {
    const taskSid = taskRouter.addTask({
      attributes: { channelType: 'web', conversationSid: `CH${'1'.repeat(32)}` },
      assignmentStatus: 'completed',
      reservations: [{ workerSid: TEST_WORKER_SID, status: 'completed' }],
    });
    expectRefused(await save({ TaskSid: taskSid, wrap_up: WRAP_UP }), 'not_sticky_call');
  });

  it('refuses a call task that never went through Sticky Calls (no caller context)', async () => {
    const taskSid = taskRouter.addTask({
      attributes: { call_sid: callSid(), from: CALLER, direction: 'inbound' },
      assignmentStatus: 'completed',
      reservations: [{ workerSid: TEST_WORKER_SID, status: 'completed' }],
    });
    expectRefused(await save({ TaskSid: taskSid, wrap_up: WRAP_UP }), 'not_sticky_call');
  });

  it.each([
    ['accepted', 200],
    ['wrapping', 200],
    ['completed', 200],
    ['pending', 403],
    ['rejected', 403],
    ['timeout', 403],
    ['canceled', 403],
  ])('reservation %s → %i', async (reservation, status) => {
    const { taskSid } = await routedCall({ reservation });
    complete(taskSid);
    taskRouter.task(taskSid)?.reservations.forEach((r) => {
      r.status = reservation;
    });
    const answer = await save({ TaskSid: taskSid, wrap_up: WRAP_UP });
    expect(answer.statusCode).toBe(status);
    if (status === 403) expectRefused(answer, 'no_reservation');
  });

  it('lets no supervisor through without a reservation, by default', async () => {
    const { taskSid } = await routedCall();
    complete(taskSid);
    expectRefused(
      await save({ Token: SUPERVISOR_TOKEN, TaskSid: taskSid, wrap_up: WRAP_UP }),
      'no_reservation',
    );
  });

  it('takes a custom access check, which cannot lift the binding to the task’s call', async () => {
    const canActOnTask = vi.fn(
      async (request: { roles: readonly string[]; holdsReservation: () => Promise<boolean> }) =>
        request.roles.includes('supervisor') || (await request.holdsReservation()),
    );
    const handler = saver({ canActOnTask });
    const { taskSid, callId } = await routedCall();
    complete(taskSid);
    const answer = await save({ Token: SUPERVISOR_TOKEN, TaskSid: taskSid, wrap_up: WRAP_UP }, handler);
    expect(answer.body).toMatchObject({ status: 'saved', call_id: callId });
    expect(canActOnTask).toHaveBeenCalledWith(
      expect.objectContaining({ taskSid, callId, workerSid: SUPERVISOR_WORKER_SID, roles: ['supervisor'] }),
    );

    const other = await routedCall();
    complete(other.taskSid);
    const before = ends().length;
    const forged = await save(
      { Token: SUPERVISOR_TOKEN, TaskSid: other.taskSid, call_id: callId, wrap_up: WRAP_UP },
      handler,
    );
    expect(forged.body).toMatchObject({ status: 'forbidden', code: 'other_call' });
    expect(ends()).toHaveLength(before);
  });

  it('asks TaskRouter for the reservations once per request', async () => {
    const { callId, taskSid } = await routedCall();
    complete(taskSid);
    await save({ CallSid: callId, Intent: 'x', IntentStatus: 'open' });
    expect(taskRouter.requests.filter((request) => request.path.endsWith('/Reservations'))).toHaveLength(1);
  });
});

describe('one deadline for the whole answer', () => {
  it('answers within timeoutMs when the token check is slow and the API hangs', async () => {
    const { taskSid } = await routedCall();
    complete(taskSid);
    emulator.inject({ type: 'hang', times: 10 });
    const slowCheck = async () => {
      await new Promise((resolve) => setTimeout(resolve, 600));
      return { worker_sid: TEST_WORKER_SID, roles: ['agent'] };
    };
    const started = performance.now();
    const answer = await save(
      { TaskSid: taskSid, wrap_up: WRAP_UP },
      saver({ timeoutMs: 2500, validateToken: slowCheck }),
    );
    expect(performance.now() - started).toBeLessThan(2500 + 500);
    expect(answer).toMatchObject({
      statusCode: 502,
      body: { status: 'failed', retryable: true, code: 'timeout' },
    });
  });

  it('answers a retryable 502 when the token check itself hangs', async () => {
    const hanging = () => new Promise<never>(() => undefined);
    const started = performance.now();
    const answer = await save(
      { TaskSid: `WT${'1'.repeat(32)}` },
      saver({ timeoutMs: 1000, validateToken: hanging }),
    );
    expect(performance.now() - started).toBeLessThan(1000 + 500);
    expect(answer).toMatchObject({ statusCode: 502, body: { status: 'failed', retryable: true } });
  });

  it('answers a retryable 502 when TaskRouter hangs', async () => {
    server.use(http.all('https://taskrouter.twilio.com/*', () => delay('infinite')));
    const started = performance.now();
    const answer = await save(
      { TaskSid: `WT${'1'.repeat(32)}`, wrap_up: WRAP_UP },
      saver({ timeoutMs: 1000 }),
    );
    expect(performance.now() - started).toBeLessThan(1000 + 500);
    expect(answer).toMatchObject({
      statusCode: 502,
      body: { status: 'failed', retryable: true, code: 'unavailable' },
    });
  });
});

describe('TaskRouter’s settings and failures', () => {
  const TASK = { TaskSid: `WT${'1'.repeat(32)}`, wrap_up: WRAP_UP };

  it('answers not_configured, and logs what to set, without TWILIO_WORKSPACE_SID', async () => {
    const answer = await save(TASK, saver(), context({ TWILIO_WORKSPACE_SID: '' }));
    expect(answer).toMatchObject({ statusCode: 503, body: { status: 'not_configured' } });
    expect(logged.some((line) => line.includes('TWILIO_WORKSPACE_SID'))).toBe(true);
  });

  it('answers not_configured when getTwilioClient() fails or is missing', async () => {
    const throwing = context({
      getTwilioClient: () => {
        throw new Error(`username is required ${'test-auth-token'}`);
      },
    });
    expect((await save(TASK, saver(), throwing)).body).toMatchObject({ status: 'not_configured' });
    expect((await save(TASK, saver(), context({ getTwilioClient: undefined }))).body).toMatchObject({
      status: 'not_configured',
    });
  });

  it('answers not_configured when TaskRouter refuses the account’s credentials', async () => {
    const { taskSid } = await routedCall();
    const wrongToken = context({ getTwilioClient: () => twilioClient(ACCOUNT_SID, 'wrong-auth-token') });
    const answer = await save({ ...TASK, TaskSid: taskSid }, saver(), wrongToken);
    expect(answer).toMatchObject({ statusCode: 503, body: { status: 'not_configured' } });
    expect(logged.at(-1)).toContain('ACCOUNT_SID and AUTH_TOKEN');
  });

  it.each([
    ['a 500', 500, true],
    ['a dropped connection', 'network' as const, true],
    ['a 400', 400, false],
  ])('answers 502 for %s from TaskRouter, without Twilio’s error', async (_name, failure, retryable) => {
    const { taskSid } = await routedCall();
    taskRouter.fail(failure);
    const onError = vi.fn();
    const answer = await save({ ...TASK, TaskSid: taskSid }, saver({ onError }));
    expect(answer).toMatchObject({
      statusCode: 502,
      body: { status: 'failed', retryable, code: 'unavailable' },
    });
    const reported = onError.mock.calls[0]?.[0] as Error;
    expect(reported.name).toBe('TaskRouterError');
    expect(JSON.stringify(reported)).not.toMatch(/Basic|authorization/i);
    expect(Object.keys(reported)).not.toContain('cause');
  });
});

describe('who may save: the token', () => {
  it.each([
    ['no token', { Token: undefined }, 'no_token'],
    ['an invalid or expired token', { Token: 'flex-token-expired' }, 'invalid_token'],
    ['a token that is not a worker’s', { Token: 'flex-token-not-a-worker' }, 'not_a_worker'],
    ['a token named like an inherited property', { Token: inherited }, 'invalid_token'],
  ])('refuses %s with 403 and CORS headers', async (_name, event, code) => {
    const { taskSid } = await routedCall();
    complete(taskSid);
    const answer = await save({ TaskSid: taskSid, wrap_up: WRAP_UP, ...event });
    expect(answer.statusCode).toBe(403);
    expect(answer.body).toMatchObject({ status: 'forbidden', code, retryable: false });
    expect(answer.headers['Access-Control-Allow-Origin']).toBe('https://flex.twilio.com');
    expect(ends()).toEqual([]);
    // The token is checked first: TaskRouter is not even asked.
    expect(taskRouter.requests).toEqual([]);
  });

  it.each([
    ['a malformed TaskSid', { TaskSid: 'WT-not-a-sid' }, 'TaskSid'],
    ['a TaskSid that is not a string', { TaskSid: ['WT1'] }, 'TaskSid'],
    ['an empty TaskSid with a bad task_sid', { TaskSid: '', task_sid: 'WTbad' }, 'TaskSid'],
    ['a CallSid that is not a call sid', { CallSid: 'CA") or true or ("' }, 'CallSid'],
    ['an unknown action', { TaskSid: `WT${'1'.repeat(32)}`, action: 'delete' }, 'action'],
  ])('answers 400 for %s', async (_name, fields, field) => {
    const answer = await save({ intent: 'x', intent_status: 'open', ...fields });
    expect(answer.statusCode).toBe(400);
    expect(JSON.stringify(answer.body)).toContain(field);
    expect(taskRouter.requests).toEqual([]);
  });

  it('echoes an allowed origin from a list', async () => {
    const handler = saver({ allowedOrigin: ['https://flex.twilio.com', 'https://agents.example.com'] });
    const answer = await save(
      { Token: undefined, request: { headers: { origin: 'https://agents.example.com' } } },
      handler,
    );
    expect(answer.headers['Access-Control-Allow-Origin']).toBe('https://agents.example.com');
    const other = await save(
      { Token: undefined, request: { headers: { origin: 'https://evil.example.com' } } },
      handler,
    );
    expect(other.headers['Access-Control-Allow-Origin']).toBe('https://flex.twilio.com');
  });
});

describe('what is logged and what is answered', () => {
  it('logs the field and code of a bad variable, never its name', async () => {
    const { taskSid } = await routedCall();
    const name = `${CALLER}\n[stickycalls] forged line`;
    const answer = await save({ TaskSid: taskSid, wrap_up: { variables: { [name]: 'x' } } });
    expect(answer.statusCode).toBe(400);
    expect(logged.at(-1)).toBe('[stickycalls] save-context: invalid request (variables: variable_name)');
  });

  it('answers a failure it did not expect as a retryable 502, with CORS', async () => {
    const taskRouterPort = () => ({
      fetchTask: async () => {
        throw new Error('a custom port failing');
      },
      findTasksByCall: async () => [],
      workerReservationStatuses: async () => [],
      updateAttributes: async () => 'updated' as const,
    });
    const answer = await save(
      { TaskSid: `WT${'1'.repeat(32)}`, wrap_up: WRAP_UP },
      saver({ taskRouter: taskRouterPort }),
    );
    expect(answer).toMatchObject({
      statusCode: 502,
      body: { status: 'failed', retryable: true, code: 'unknown', message: 'the save failed unexpectedly' },
    });
    expect(answer.headers['Access-Control-Allow-Origin']).toBe('https://flex.twilio.com');
  });
});

describe('set-up', () => {
  it.each([
    ['an origin with a trailing slash', { allowedOrigin: 'https://flex.twilio.com/' }, 'allowedOrigin'],
    ['no origin', { allowedOrigin: [] }, 'allowedOrigin'],
    ['a validateToken that is not a function', { validateToken: 'yes' }, 'validateToken'],
    ['a canActOnTask that is not a function', { canActOnTask: true }, 'canActOnTask'],
    ['a taskRouter that is not a function', { taskRouter: {} }, 'taskRouter'],
    ['a deadline past the platform’s', { timeoutMs: 12_000 }, 'timeoutMs'],
    ['broken client options', { client: { retry: { maxRetries: -1 } } }, 'retry.maxRetries'],
  ])('refuses %s when the handler is created', (_name, options, field) => {
    expect(() => createSaveContextHandler(options as never)).toThrow(field);
  });
});

describe("with Twilio's own token validator", () => {
  // Twilio IAM cannot be reached from tests: msw answers for it as IAM does.
  const iam = (valid: boolean) =>
    http.post('https://iam.twilio.com/v1/Accounts/:account/Tokens/validate', async ({ request }) => {
      const { token } = (await request.json()) as { token: string };
      return valid && token === AGENT_TOKEN
        ? HttpResponse.json({ valid: true, worker_sid: TEST_WORKER_SID, roles: ['agent'], identity: 'ada' })
        : HttpResponse.json({ valid: false, code: 20101, message: 'Invalid Access Token' });
    });

  it('saves with a valid token', async () => {
    server.use(iam(true));
    const { taskSid } = await routedCall();
    complete(taskSid);
    const handler = createSaveContextHandler({ Response: FakeResponse });
    const answer = await save({ TaskSid: taskSid, wrap_up: WRAP_UP }, handler);
    expect(answer).toMatchObject({ statusCode: 200, body: { status: 'saved' } });
  });

  it('refuses an expired token', async () => {
    server.use(iam(false));
    const handler = createSaveContextHandler({ Response: FakeResponse });
    const answer = await save({ TaskSid: `WT${'1'.repeat(32)}`, wrap_up: WRAP_UP }, handler);
    expect(answer).toMatchObject({ statusCode: 403, body: { status: 'forbidden', code: 'invalid_token' } });
  });

  it('answers not_configured when the Function has no account credentials to check tokens with', async () => {
    const handler = createSaveContextHandler({ Response: FakeResponse });
    const answer = await save(
      { TaskSid: `WT${'1'.repeat(32)}` },
      handler,
      context({ AUTH_TOKEN: undefined }),
    );
    expect(answer).toMatchObject({ statusCode: 503, body: { status: 'not_configured' } });
  });

  it.each([
    ['Authenticate', { AUTH_TOKEN: 'wrong-auth-token' }, 'ACCOUNT_SID and AUTH_TOKEN'],
    [
      'Authentication Error - invalid username',
      { AUTH_TOKEN: undefined, API_KEY: `SK${'1'.repeat(32)}`, API_SECRET: 'wrong-api-secret' },
      'API_KEY and API_SECRET',
    ],
  ])(
    'answers not_configured, logged as a configuration problem, when IAM refuses the Function’s own credentials (401 %s)',
    async (message, credentials, settings) => {
      server.use(
        http.post('https://iam.twilio.com/v1/Accounts/:account/Tokens/validate', () =>
          HttpResponse.json(
            { code: 20003, message, more_info: 'https://www.twilio.com/docs/errors/20003', status: 401 },
            { status: 401 },
          ),
        ),
      );
      const onError = vi.fn();
      const handler = createSaveContextHandler({ Response: FakeResponse, onError });
      const answer = await save(
        { TaskSid: `WT${'1'.repeat(32)}`, wrap_up: WRAP_UP },
        handler,
        context(credentials),
      );
      expect(answer).toMatchObject({ statusCode: 503, body: { status: 'not_configured' } });
      expect(onError.mock.calls[0]?.[0]).toMatchObject({ code: 'not_configured' });
      const line = logged.at(-1) as string;
      expect(line).toMatch(/not configured \(Twilio IAM refused the Function's credentials/);
      expect(line).toContain(settings);
      expect(line).not.toContain('wrong-');
      expect(taskRouter.requests).toEqual([]);
    },
  );

  it('answers a retryable 502 when Twilio IAM cannot be reached', async () => {
    server.use(
      http.post('https://iam.twilio.com/v1/Accounts/:account/Tokens/validate', () => HttpResponse.error()),
    );
    const handler = createSaveContextHandler({ Response: FakeResponse });
    const answer = await save({ TaskSid: `WT${'1'.repeat(32)}` }, handler);
    expect(answer).toMatchObject({ statusCode: 502, body: { status: 'failed', retryable: true } });
  });
});
