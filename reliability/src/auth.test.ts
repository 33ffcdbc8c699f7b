/**
 * Auth: the save Function, with Twilio's own token validator (Twilio IAM answered by
 * msw as it answers), TaskRouter reached through the real Twilio client (answered by
 * the adapter's TaskRouter stand-in) and its default task rule, refuses missing,
 * malformed, expired and foreign tokens and a worker saving a task that is not theirs,
 * with 403, and makes no call to the Sticky Calls API and no write to TaskRouter when
 * it refuses. A refused token does not even reach TaskRouter.
 */
import { createSaveContextHandler } from '@stickycalls/twilio-function-adapter';
import { FakeResponse } from '@stickycalls/twilio-function-adapter/testing';
import { HttpResponse, http } from 'msw';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  completeTask,
  emulatedApi,
  FLEX_TOKEN,
  handlerOptions,
  OTHER_WORKER_SID,
  type RoutedCall,
  routedCall,
  run,
  WORKER_SID,
} from './kit.js';

const EXPIRED = 'eyJhbGciOiJIUzI1NiJ9.expired.signature';
const FOREIGN = 'eyJhbGciOiJIUzI1NiJ9.other-account.signature';
const NOT_A_WORKER = 'eyJhbGciOiJIUzI1NiJ9.api-user.signature';
const WRAP_UP = { intent: 'refund_request', intent_status: 'open' };

/** Twilio IAM's token check, as it answers: the tokens it was asked about are recorded. */
const asked: unknown[] = [];
const iam = http.post('https://iam.twilio.com/v1/Accounts/:account/Tokens/validate', async ({ request }) => {
  const { token } = (await request.json()) as { token: unknown };
  asked.push(token);
  if (token === FLEX_TOKEN) {
    return HttpResponse.json({ valid: true, worker_sid: WORKER_SID, roles: ['agent'], identity: 'ada' });
  }
  if (token === NOT_A_WORKER) return HttpResponse.json({ valid: true, identity: 'integration' });
  if (token === EXPIRED) {
    return HttpResponse.json({
      valid: false,
      code: 20104,
      message: 'Access Token expired or expiration date invalid',
    });
  }
  if (token === FOREIGN) {
    return HttpResponse.json({
      valid: false,
      code: 20151,
      message: 'Access Token is not valid for this account',
    });
  }
  return HttpResponse.json({ valid: false, code: 20101, message: 'Invalid Access Token' });
});

const { emulator, taskRouter } = emulatedApi(iam);
beforeEach(() => {
  asked.length = 0;
});

const handler = createSaveContextHandler({ ...handlerOptions, Response: FakeResponse, timeoutMs: 2000 });

/** Requests the API and TaskRouter had seen before the save under test. */
let baseline = { api: 0, taskRouter: 0 };
const sinceSave = () => emulator.requests.slice(baseline.api);
const taskRouterSinceSave = () => taskRouter.requests.slice(baseline.taskRouter);

/** The call's task, completed: a save is what the agent's browser sends next. */
async function completedCall(options: Parameters<typeof routedCall>[1] = {}): Promise<RoutedCall> {
  const call = await routedCall(taskRouter, options);
  completeTask(taskRouter, call.taskSid);
  return call;
}

async function save(token: unknown, call: RoutedCall, body: Record<string, unknown> = {}) {
  baseline = { api: emulator.requests.length, taskRouter: taskRouter.requests.length };
  const answer = await run(handler, {
    ...(token === undefined ? {} : { Token: token }),
    TaskSid: call.taskSid,
    wrap_up: WRAP_UP,
    ...body,
  });
  return { answer, callId: call.callId };
}

function expectRefused(answer: { statusCode: number; body: unknown }, code: string) {
  expect(answer.statusCode).toBe(403);
  expect(answer.body).toMatchObject({
    status: 'forbidden',
    code,
    retryable: false,
    message: expect.any(String),
  });
  expect(sinceSave()).toEqual([]);
  expect(taskRouterSinceSave().filter((request) => request.method !== 'GET')).toEqual([]);
}

/** A refused token: TaskRouter is not asked at all. */
function expectTokenRefused(answer: { statusCode: number; body: unknown }, code: string) {
  expectRefused(answer, code);
  expect(taskRouterSinceSave()).toEqual([]);
}

describe('the save Function refuses, and calls nothing', () => {
  it.each([
    ['no token', undefined],
    ['an empty token', ''],
  ])('a missing token: %s, without asking Twilio', async (_name, token) => {
    const { answer } = await save(token, await completedCall());
    expectTokenRefused(answer, 'no_token');
    expect(asked).toEqual([]);
  });

  it.each([
    ['not a JWT', 'not a token at all'],
    ['a truncated JWT', 'eyJhbGciOiJIUzI1NiJ9.'],
    ['markup', '<script>alert(1)</script>'],
    ['a very long token', 'x'.repeat(20_000)],
  ])('a malformed token: %s', async (_name, token) => {
    const { answer } = await save(token, await completedCall());
    expectTokenRefused(answer, 'invalid_token');
  });

  it.each([
    ['a number', 12345],
    ['an array of the valid token', [FLEX_TOKEN]],
    ['an object', { token: FLEX_TOKEN }],
  ])('a token that is not a string: %s', async (_name, token) => {
    const { answer } = await save(token, await completedCall());
    expectTokenRefused(answer, 'no_token');
  });

  it('an expired token', async () => {
    const { answer } = await save(EXPIRED, await completedCall());
    expectTokenRefused(answer, 'invalid_token');
    expect(asked).toEqual([EXPIRED]);
  });

  it("another account's token", async () => {
    const { answer } = await save(FOREIGN, await completedCall());
    expectTokenRefused(answer, 'invalid_token');
  });

  it('a valid token that is not a worker’s', async () => {
    const { answer } = await save(NOT_A_WORKER, await completedCall());
    expectTokenRefused(answer, 'not_a_worker');
  });

  it('a worker with no reservation on the task (another worker holds it)', async () => {
    const { answer } = await save(FLEX_TOKEN, await completedCall({ workerSid: OTHER_WORKER_SID }));
    expectRefused(answer, 'no_reservation');
  });

  it('a worker whose reservation on the task was rejected', async () => {
    const call = await completedCall();
    for (const reservation of taskRouter.task(call.taskSid)?.reservations ?? [])
      reservation.status = 'rejected';
    const { answer } = await save(FLEX_TOKEN, call);
    expectRefused(answer, 'no_reservation');
  });

  it('a worker saving a call through a task of another call', async () => {
    const mine = await completedCall();
    const theirs = await completedCall({ workerSid: OTHER_WORKER_SID });
    const { answer } = await save(FLEX_TOKEN, mine, { call_id: theirs.callId });
    expectRefused(answer, 'other_call');
  });
});

describe('and saves for the worker whose task it is (the control cases)', () => {
  it('a valid token, the call named as the vendor guide names it: the task is found among the worker’s', async () => {
    const call = await completedCall();
    const { answer, callId } = await save(FLEX_TOKEN, call, {
      TaskSid: undefined,
      wrap_up: undefined,
      CallSid: call.callId,
      Intent: 'refund_request',
      IntentStatus: 'open',
    });
    expect(answer).toMatchObject({ statusCode: 200, body: { status: 'saved', call_id: callId } });
    expect(sinceSave().filter((r) => r.operation === 'end')).toHaveLength(1);
  });

  it('a valid token and the worker’s own task: stored while wrapping, saved once completed', async () => {
    const call = await routedCall(taskRouter);
    const stored = await save(FLEX_TOKEN, call, { action: 'store' });
    expect(stored.answer).toMatchObject({
      statusCode: 200,
      body: { status: 'stored', call_id: call.callId },
    });
    expect(sinceSave()).toEqual([]);
    completeTask(taskRouter, call.taskSid);
    const { answer } = await save(FLEX_TOKEN, call);
    expect(answer).toMatchObject({ statusCode: 200, body: { status: 'saved' } });
    expect(sinceSave().filter((r) => r.operation === 'end')).toHaveLength(1);
  });
});
