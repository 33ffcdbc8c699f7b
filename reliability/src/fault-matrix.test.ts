/**
 * Fault matrix: each endpoint that reaches the Sticky Calls API, against each fault the
 * API or the network can throw at it. What users depend on:
 *   - call start (caller-context Function): Studio always gets 200 with the same keys,
 *     degraded with a reason code, within the Function's deadline;
 *   - wrap-up save (save Function, for a completed task in the TaskRouter stand-in,
 *     reached through the real Twilio client): the plugin gets saved / already_saved,
 *     or a JSON error whose `retryable` says whether to try again, within the deadline,
 *     and the wrap-up stays on the task, unsaved, when the save failed;
 *   - safety net (wrap-up event Function, given the task's attributes as Studio, Send to
 *     Flex and the save Function left them): 204 when the wrap-up is saved or a retry
 *     cannot help, 503 (redeliver) when one can.
 *
 * "Oversize" is two cases: the API answering 413 to a large wrap-up (the client sends
 * it: nothing caps variables before sending), and a request the client refuses before
 * sending (a task whose call_sid is over 128 characters), where no request may reach
 * the API. "Connection reset" is the emulator's network_error fault.
 */
import { ATTRIBUTE_KEY, readWrapUp, WRAP_UP_ATTRIBUTE_KEY } from '@stickycalls/core';
import type { Fault } from '@stickycalls/core/testing';
import {
  createCallerContextHandler,
  createSaveContextHandler,
  createWrapupEventHandler,
} from '@stickycalls/twilio-function-adapter';
import { FakeResponse, stubTokenValidator } from '@stickycalls/twilio-function-adapter/testing';
import { describe, expect, it } from 'vitest';
import {
  CALLER,
  callSid,
  completeTask,
  emulatedApi,
  FLEX_TOKEN,
  handlerOptions,
  routedCall,
  run,
  taskEvent,
  WORKER_SID,
} from './kit.js';

const { emulator, taskRouter } = emulatedApi();

type FaultName =
  | '5xx'
  | '429 with Retry-After'
  | '429 without Retry-After'
  | 'connection reset'
  | 'hang'
  | 'slow body'
  | 'malformed JSON'
  | 'schema drift'
  | '401'
  | '402'
  | '409'
  | 'oversize: API answers 413'
  | 'oversize: refused before sending';

/** The faults, as injected; `undefined` for the case that needs no fault (refused before sending). */
const FAULTS: Record<FaultName, Fault | undefined> = {
  '5xx': { type: 'status', status: 503 },
  '429 with Retry-After': { type: 'status', status: 429, retryAfter: 30 },
  '429 without Retry-After': { type: 'status', status: 429 },
  'connection reset': { type: 'network_error' },
  hang: { type: 'hang' },
  'slow body': { type: 'slow_body', ms: 3000 },
  'malformed JSON': { type: 'malformed_json' },
  'schema drift': { type: 'schema_drift' },
  '401': { type: 'status', status: 401 },
  '402': { type: 'status', status: 402 },
  '409': { type: 'status', status: 409 },
  'oversize: API answers 413': { type: 'status', status: 413 },
  'oversize: refused before sending': undefined,
};
const NAMES = Object.keys(FAULTS) as FaultName[];

const START_TIMEOUT = 400;
const SAVE_TIMEOUT = 1000;
/** What a Function may take past its deadline to answer (scheduling, the answer itself). */
const SLACK = 400;
const LONG_CALL_ID = `CA${'0'.repeat(140)}`;
/**
 * A large wrap-up within every limit of the SDK (values of 1,000 characters, the most
 * one may be): too large for the task's attributes, and for an API that answers 413.
 */
const LARGE_VARIABLES = Object.fromEntries(
  Array.from({ length: 4 }, (_, i) => [`note_${i}`, 'x'.repeat(1000)]),
);

function inject(name: FaultName, operation: 'start' | 'end'): void {
  const fault = FAULTS[name];
  if (fault !== undefined) emulator.inject({ ...fault, operation, times: 20 });
}

/** Requests the API had seen before the case's own. */
let baseline = 0;
const ends = () => emulator.requests.slice(baseline).filter((r) => r.operation === 'end');
const savedIntent = (intent: string) => emulator.customers()[0]?.intents.get(intent);

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await work();
  return { value, ms: performance.now() - started };
}

// ---------------------------------------------------------------------------

describe('call start: the caller-context Function answers 200, degraded with a reason, in time', () => {
  const handler = createCallerContextHandler({
    ...handlerOptions,
    Response: FakeResponse,
    timeoutMs: START_TIMEOUT,
  });
  const reasons: Record<FaultName, string> = {
    '5xx': 'server_error',
    '429 with Retry-After': 'rate_limited',
    '429 without Retry-After': 'rate_limited',
    'connection reset': 'network_error',
    hang: 'timeout',
    'slow body': 'timeout',
    'malformed JSON': 'invalid_response',
    'schema drift': 'invalid_response',
    '401': 'unauthorized',
    '402': 'quota_exceeded',
    '409': 'conflict',
    'oversize: API answers 413': 'api_error',
    'oversize: refused before sending': 'invalid_request',
  };

  it.each(NAMES)('%s', async (name) => {
    inject(name, 'start');
    const callId = name === 'oversize: refused before sending' ? LONG_CALL_ID : callSid();
    const { value: answer, ms } = await timed(() => run(handler, { CallSid: callId, From: CALLER }));
    expect(ms).toBeLessThan(START_TIMEOUT + SLACK);
    expect(answer).toMatchObject({ statusCode: 200, callbackCalls: 1 });
    const attributes = answer.body as Record<string, unknown>;
    expect(attributes[ATTRIBUTE_KEY]).toMatchObject({ status: 'degraded', reason: reasons[name] });
    expect(attributes).toMatchObject({ identity_level: 'none', customer_ref: expect.any(String) });
    if (name === 'oversize: refused before sending') expect(emulator.requests).toHaveLength(0);
    if (name === '429 with Retry-After') expect(emulator.requests).toHaveLength(1); // no wait past the deadline
  });

  it('answers a healthy API with the context (the control case)', async () => {
    const answer = await run(handler, { CallSid: callSid(), From: CALLER });
    expect((answer.body as Record<string, unknown>)[ATTRIBUTE_KEY]).toMatchObject({ status: 'ok' });
  });
});

// ---------------------------------------------------------------------------

type SaveOutcome =
  | { status: 200; body: 'saved' | 'already_saved' }
  | { status: 502; retryable: boolean; code: string };

describe('wrap-up save: the save Function answers saved, or an error that says whether to retry, in time', () => {
  const handler = createSaveContextHandler({
    ...handlerOptions,
    Response: FakeResponse,
    timeoutMs: SAVE_TIMEOUT,
    validateToken: stubTokenValidator({ [FLEX_TOKEN]: { worker_sid: WORKER_SID, roles: ['agent'] } }),
  });
  const outcomes: Record<FaultName, SaveOutcome> = {
    '5xx': { status: 502, retryable: true, code: 'server_error' },
    '429 with Retry-After': { status: 502, retryable: true, code: 'rate_limited' },
    '429 without Retry-After': { status: 502, retryable: true, code: 'rate_limited' },
    'connection reset': { status: 502, retryable: true, code: 'network_error' },
    hang: { status: 502, retryable: true, code: 'timeout' },
    'slow body': { status: 502, retryable: true, code: 'timeout' },
    'malformed JSON': { status: 200, body: 'saved' },
    'schema drift': { status: 200, body: 'saved' },
    '401': { status: 502, retryable: false, code: 'unauthorized' },
    '402': { status: 502, retryable: false, code: 'quota_exceeded' },
    '409': { status: 200, body: 'already_saved' },
    'oversize: API answers 413': { status: 502, retryable: false, code: 'api_error' },
    'oversize: refused before sending': { status: 502, retryable: false, code: 'invalid_request' },
  };

  it.each(NAMES)('%s', async (name) => {
    const call = await routedCall(taskRouter, {
      ...(name === 'oversize: refused before sending' ? { callId: LONG_CALL_ID } : {}),
    });
    const oversize = name.startsWith('oversize');
    const event = {
      Token: FLEX_TOKEN,
      TaskSid: call.taskSid,
      wrap_up: {
        intent: 'refund_request',
        intent_status: 'open',
        variables: oversize ? LARGE_VARIABLES : { amount: 20 },
      },
    };
    // As the plugin does: stored on the task before the completion (an oversize one does not fit).
    const stored = await run(handler, { ...event, action: 'store' });
    expect(stored.body).toMatchObject(oversize ? { status: 'invalid' } : { status: 'stored' });
    completeTask(taskRouter, call.taskSid);
    baseline = emulator.requests.length;
    inject(name, 'end');
    const { value: answer, ms } = await timed(() => run(handler, event));
    const expected = outcomes[name];
    expect(ms).toBeLessThan(SAVE_TIMEOUT + SLACK);
    expect(answer.callbackCalls).toBe(1);
    expect(answer.statusCode).toBe(expected.status);
    if (expected.status === 200) {
      expect(answer.body).toMatchObject({ status: expected.body, call_id: call.callId });
    } else {
      expect(answer.body).toMatchObject({
        status: 'failed',
        retryable: expected.retryable,
        code: expected.code,
        message: expect.any(String),
      });
    }
    if (name === 'oversize: refused before sending') expect(ends()).toHaveLength(0);
    if (expected.status === 200 && expected.body === 'saved') {
      expect(savedIntent('refund_request')).toEqual({ status: 'open', attemptCount: 1 });
      expect(readWrapUp(taskRouter.attributes(call.taskSid))).toMatchObject({ wrapUp: { saved: true } });
    }
    if (expected.status === 502 && !oversize) {
      // Not saved: the wrap-up stays on the task as stored, unsaved, for a Retry or the safety net.
      expect(readWrapUp(taskRouter.attributes(call.taskSid))).toMatchObject({
        state: 'ready',
        wrapUp: { call_id: call.callId, intent: 'refund_request', saved: false },
      });
    }
  });

  it('saves against a healthy API (the control case)', async () => {
    const call = await routedCall(taskRouter);
    completeTask(taskRouter, call.taskSid);
    const answer = await run(handler, {
      Token: FLEX_TOKEN,
      TaskSid: call.taskSid,
      wrap_up: { intent: 'x', intent_status: 'open' },
    });
    expect(answer).toMatchObject({ statusCode: 200, body: { status: 'saved', call_id: call.callId } });
  });
});

// ---------------------------------------------------------------------------

describe('safety net: the wrap-up event Function saves, or asks for a redelivery only when it can help', () => {
  const handler = () =>
    createWrapupEventHandler({ ...handlerOptions, Response: FakeResponse, timeoutMs: SAVE_TIMEOUT });
  /** 204 = done (saved, or a redelivery cannot help); 503 = redeliver. `saved`: the API has the wrap-up. */
  const outcomes: Record<FaultName, { status: 204 | 503; saved: boolean }> = {
    '5xx': { status: 503, saved: false },
    '429 with Retry-After': { status: 503, saved: false },
    '429 without Retry-After': { status: 503, saved: false },
    'connection reset': { status: 503, saved: false },
    hang: { status: 503, saved: false },
    // The API saved it and only its answer was slow: a redelivery meets 409, already saved.
    'slow body': { status: 503, saved: true },
    'malformed JSON': { status: 204, saved: true },
    'schema drift': { status: 204, saved: true },
    '401': { status: 204, saved: false },
    '402': { status: 204, saved: false },
    '409': { status: 204, saved: false },
    'oversize: API answers 413': { status: 204, saved: false },
    'oversize: refused before sending': { status: 204, saved: false },
  };

  it.each(NAMES)('%s', async (name) => {
    const call = await routedCall(taskRouter, {
      ...(name === 'oversize: refused before sending' ? { callId: LONG_CALL_ID } : {}),
    });
    baseline = emulator.requests.length;
    inject(name, 'end');
    const oversize = name.startsWith('oversize');
    // What the save Function stored on the task before completion, bound to the task's call.
    const wrapUp = {
      call_id: call.callId,
      customer_ref: call.customerRef,
      intent: 'refund_request',
      intent_status: 'open',
      variables: oversize ? LARGE_VARIABLES : { amount: '20' },
      saved: false,
    };
    const event = taskEvent(call.taskSid, { ...call.attributes, [WRAP_UP_ATTRIBUTE_KEY]: wrapUp });
    const expected = outcomes[name];
    const { value: answer, ms } = await timed(() => run(handler(), event));
    expect(ms).toBeLessThan(SAVE_TIMEOUT + SLACK);
    expect(answer).toMatchObject({ statusCode: expected.status, callbackCalls: 1 });
    expect(savedIntent('refund_request')).toEqual(
      expected.saved ? { status: 'open', attemptCount: 1 } : undefined,
    );
    if (name === 'oversize: refused before sending') expect(ends()).toHaveLength(0);
  });

  it('saves against a healthy API (the control case)', async () => {
    const call = await routedCall(taskRouter);
    const wrapUp = {
      call_id: call.callId,
      customer_ref: call.customerRef,
      intent: 'x',
      intent_status: 'open',
      saved: false,
    };
    const answer = await run(
      handler(),
      taskEvent(call.taskSid, { ...call.attributes, [WRAP_UP_ATTRIBUTE_KEY]: wrapUp }),
    );
    expect(answer.statusCode).toBe(204);
    expect(savedIntent('x')).toEqual({ status: 'open', attemptCount: 1 });
  });
});
