/**
 * Auth: the save Function, with Twilio's own token validator (Twilio IAM answered by
 * msw as it answers) and its default task rule, refuses missing, malformed, expired and
 * foreign tokens and a worker saving a task that is not theirs, with 403, and makes no
 * call to the Sticky Calls API when it refuses.
 */
import { createSaveContextHandler } from '@stickycalls/twilio-function-adapter';
import { FakeResponse } from '@stickycalls/twilio-function-adapter/testing';
import { HttpResponse, http } from 'msw';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  emulatedApi,
  FLEX_TOKEN,
  functionContext,
  handlerOptions,
  run,
  startedCall,
  WORKER_SID,
} from './kit.js';

const EXPIRED = 'eyJhbGciOiJIUzI1NiJ9.expired.signature';
const FOREIGN = 'eyJhbGciOiJIUzI1NiJ9.other-account.signature';
const NOT_A_WORKER = 'eyJhbGciOiJIUzI1NiJ9.api-user.signature';
const OTHER_WORKER = `WK${'9'.repeat(32)}`;
const TASK_SID = `WT${'a'.repeat(32)}`;

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

const { emulator } = emulatedApi(iam);
beforeEach(() => {
  asked.length = 0;
});

/** TaskRouter, as the default rule reads it: the task's call and this worker's reservations. */
function taskRouter(reservations: Record<string, string[]>, callOfTask: string) {
  return {
    taskrouter: {
      v1: {
        workspaces: () => ({
          tasks: () => ({
            fetch: async () => ({ attributes: JSON.stringify({ call_sid: callOfTask }) }),
            reservations: {
              list: async ({ workerSid }: { workerSid: string }) =>
                (reservations[workerSid] ?? []).map((reservationStatus) => ({ reservationStatus })),
            },
          }),
        }),
      },
    },
  };
}

const handler = createSaveContextHandler({ ...handlerOptions, Response: FakeResponse, timeoutMs: 2000 });

/** Requests the API had seen before the save under test. */
let baseline = 0;
const sinceSave = () => emulator.requests.slice(baseline);

async function save(token: unknown, task?: { reservations: Record<string, string[]>; callOfTask?: string }) {
  const { callId, customerRef } = await startedCall();
  baseline = emulator.requests.length;
  const context = functionContext(
    task === undefined
      ? {}
      : {
          TWILIO_WORKSPACE_SID: `WS${'c'.repeat(32)}`,
          getTwilioClient: () => taskRouter(task.reservations, task.callOfTask ?? callId),
        },
  );
  const answer = await run(
    handler,
    {
      ...(token === undefined ? {} : { Token: token }),
      ...(task === undefined ? {} : { TaskSid: TASK_SID }),
      call_id: callId,
      customer_ref: customerRef,
      intent: 'refund_request',
    },
    context,
  );
  return { answer, callId };
}

function expectRefused(answer: { statusCode: number; body: unknown }) {
  expect(answer.statusCode).toBe(403);
  expect(answer.body).toMatchObject({ status: 'forbidden', retryable: false, message: expect.any(String) });
  expect(sinceSave()).toEqual([]);
}

describe('the save Function refuses, and calls nothing', () => {
  it.each([
    ['no token', undefined],
    ['an empty token', ''],
  ])('a missing token: %s, without asking Twilio', async (_name, token) => {
    const { answer } = await save(token);
    expectRefused(answer);
    expect(asked).toEqual([]);
  });

  it.each([
    ['not a JWT', 'not a token at all'],
    ['a truncated JWT', 'eyJhbGciOiJIUzI1NiJ9.'],
    ['markup', '<script>alert(1)</script>'],
    ['a very long token', 'x'.repeat(20_000)],
  ])('a malformed token: %s', async (_name, token) => {
    const { answer } = await save(token);
    expectRefused(answer);
  });

  it.each([
    ['a number', 12345],
    ['an array of the valid token', [FLEX_TOKEN]],
    ['an object', { token: FLEX_TOKEN }],
  ])('a token that is not a string: %s', async (_name, token) => {
    const { answer } = await save(token);
    expectRefused(answer);
  });

  it('an expired token', async () => {
    const { answer } = await save(EXPIRED);
    expectRefused(answer);
    expect(asked).toEqual([EXPIRED]);
  });

  it("another account's token", async () => {
    const { answer } = await save(FOREIGN);
    expectRefused(answer);
  });

  it('a valid token that is not a worker’s', async () => {
    const { answer } = await save(NOT_A_WORKER);
    expectRefused(answer);
  });

  it('a worker with no reservation on the task (another worker holds it)', async () => {
    const { answer } = await save(FLEX_TOKEN, { reservations: { [OTHER_WORKER]: ['wrapping'] } });
    expectRefused(answer);
  });

  it('a worker whose reservation on the task was rejected', async () => {
    const { answer } = await save(FLEX_TOKEN, { reservations: { [WORKER_SID]: ['rejected'] } });
    expectRefused(answer);
  });

  it('a worker saving a call through a task of another call', async () => {
    const { answer } = await save(FLEX_TOKEN, {
      reservations: { [WORKER_SID]: ['wrapping'] },
      callOfTask: `CA${'e'.repeat(32)}`,
    });
    expectRefused(answer);
  });
});

describe('and saves for the worker whose task it is (the control cases)', () => {
  it('a valid token, no task named', async () => {
    const { answer, callId } = await save(FLEX_TOKEN);
    expect(answer).toMatchObject({ statusCode: 200, body: { status: 'saved', call_id: callId } });
    expect(sinceSave().filter((r) => r.operation === 'end')).toHaveLength(1);
  });

  it('a valid token and the worker’s own wrapping task', async () => {
    const { answer } = await save(FLEX_TOKEN, { reservations: { [WORKER_SID]: ['wrapping'] } });
    expect(answer).toMatchObject({ statusCode: 200, body: { status: 'saved' } });
    expect(sinceSave().filter((r) => r.operation === 'end')).toHaveLength(1);
  });
});
