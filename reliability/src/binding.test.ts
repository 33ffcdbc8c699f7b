/**
 * Binding: nothing can make a save land on a call or customer other than the task's
 * own. The save Function reads the call and the customer from the task in TaskRouter,
 * whatever the request says, and saves only for the agent's own task once it completed;
 * the safety net saves only wrap-ups naming their task's own call and customer. Each
 * case runs twice: in process (the handlers, Twilio IAM and TaskRouter behind msw, the
 * save Function's real Twilio client answered by the TaskRouter stand-in) and against
 * the built Functions in Twilio's own local runtime (twilio-run, with IAM and TaskRouter
 * answered by the same stand-ins). For each refusal: the status, the answer's code, no
 * `calls.end` on the emulator and no write to TaskRouter.
 */
import { ATTRIBUTE_KEY, WRAP_UP_ATTRIBUTE_KEY } from '@stickycalls/core';
import { createSaveContextHandler, createWrapupEventHandler } from '@stickycalls/twilio-function-adapter';
import { FakeResponse } from '@stickycalls/twilio-function-adapter/testing';
import { HttpResponse, http } from 'msw';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  callSid,
  emulatedApi,
  FLEX_TOKEN,
  handlerOptions,
  OTHER_WORKER_SID,
  type RoutedCall,
  routedCall,
  run,
  taskEvent,
  WORKER_SID,
} from './kit.js';
import { type FunctionAnswer, startService, type TwilioRun } from './twilio-run.js';

/** Another caller: another customer of the same contact centre. */
const OTHER_CALLER = '+14155550199';
/** What Twilio IAM says of the suite's agent token. */
const TOKENS: Readonly<Record<string, object>> = {
  [FLEX_TOKEN]: { worker_sid: WORKER_SID, roles: ['agent'], identity: 'ada' },
};
const iam = http.post('https://iam.twilio.com/v1/Accounts/:account/Tokens/validate', async ({ request }) => {
  const { token } = (await request.json()) as { token: string };
  return Object.hasOwn(TOKENS, token)
    ? HttpResponse.json({ valid: true, ...TOKENS[token] })
    : HttpResponse.json({ valid: false, code: 20101, message: 'Invalid Access Token' });
});
const { emulator, taskRouter } = emulatedApi(iam);

const WRAP_UP = { intent: 'refund_request', intent_status: 'open', variables: { summary: 'Label sent' } };

type Target = 'save-context' | 'wrapup-event';
/** Sends a request to a Function: the save Function takes JSON, the safety net TaskRouter's form. */
type Send = (target: Target, body: Record<string, unknown>) => Promise<FunctionAnswer>;

/** A case: its tasks, the request, what it must answer, and whether it is a refusal. */
interface BindingCase {
  readonly name: string;
  prepare(): Promise<{
    readonly target: Target;
    readonly body: Record<string, unknown>;
    /** Further checks once it answered. */
    readonly verify?: () => void;
  }>;
  readonly expected: { readonly status: number; readonly body?: Record<string, unknown> };
  /** Nothing may be saved and nothing written. */
  readonly refused: boolean;
}

const agentCall = (options: Parameters<typeof routedCall>[1] = {}) => routedCall(taskRouter, options);
/** The agent's own call, completed: a save is what the agent's browser sends next. */
/** When the call started, as its task says: the `last_contact_at` every save carries. */
const callStartOf = (call: RoutedCall): unknown =>
  (call.attributes[ATTRIBUTE_KEY] as { call_start?: unknown } | undefined)?.call_start;
const mine = (): Promise<RoutedCall> =>
  agentCall({ reservation: 'completed', assignmentStatus: 'completed' });
/** Another agent's call, of another customer. */
const theirs = () =>
  agentCall({
    workerSid: OTHER_WORKER_SID,
    from: OTHER_CALLER,
    reservation: 'completed',
    assignmentStatus: 'completed',
  });
const save = (body: Record<string, unknown>) => ({
  target: 'save-context' as const,
  body: { Token: FLEX_TOKEN, ...body },
});
const forbidden = (code: string) => ({ status: 403, body: { status: 'forbidden', code, retryable: false } });
const noTask = { status: 400, body: { status: 'invalid', errors: [{ path: ['TaskSid'] }] } };

const CASES: readonly BindingCase[] = [
  {
    name: 'no TaskSid and no CallSid',
    prepare: async () => {
      await mine();
      return save({ wrap_up: WRAP_UP });
    },
    expected: noTask,
    refused: true,
  },
  {
    name: 'TaskSid ""',
    prepare: async () => {
      await mine();
      return save({ TaskSid: '', wrap_up: WRAP_UP });
    },
    expected: noTask,
    refused: true,
  },
  {
    name: 'the TaskSid of another agent’s task',
    prepare: async () => save({ TaskSid: (await theirs()).taskSid, wrap_up: WRAP_UP }),
    expected: forbidden('no_reservation'),
    refused: true,
  },
  {
    name: 'the CallSid of another agent’s call (the vendor guide’s request)',
    prepare: async () => {
      await mine();
      const other = await theirs();
      return save({
        CallSid: other.callId,
        CustomerRef: other.customerRef,
        Intent: 'refund_request',
        IntentStatus: 'open',
      });
    },
    expected: forbidden('no_task'),
    refused: true,
  },
  {
    name: 'a body call_id that is not the task’s call_sid',
    prepare: async () => {
      const own = await mine();
      const other = await theirs();
      return save({ TaskSid: own.taskSid, call_id: other.callId, wrap_up: WRAP_UP });
    },
    expected: forbidden('other_call'),
    refused: true,
  },
  {
    name: 'a body customer_ref that is not the task’s customer',
    prepare: async () => {
      const own = await mine();
      const other = await theirs();
      return save({ TaskSid: own.taskSid, customer_ref: other.customerRef, wrap_up: WRAP_UP });
    },
    expected: forbidden('other_customer'),
    refused: true,
  },
  {
    name: 'identity_hints in the body',
    prepare: async () => {
      const own = await mine();
      return save({ TaskSid: own.taskSid, identity_hints: { ani: OTHER_CALLER }, wrap_up: WRAP_UP });
    },
    expected: forbidden('other_customer'),
    refused: true,
  },
  {
    name: 'a task with no call_sid (a chat task)',
    prepare: async () => {
      const taskSid = taskRouter.addTask({
        attributes: { channelType: 'web', conversationSid: `CH${'1'.repeat(32)}`, from: 'ada@example.com' },
        assignmentStatus: 'completed',
        reservations: [{ workerSid: WORKER_SID, status: 'completed' }],
      });
      return save({ TaskSid: taskSid, wrap_up: WRAP_UP });
    },
    expected: forbidden('not_sticky_call'),
    refused: true,
  },
  {
    name: 'a task with a call_sid but no caller context (never went through Sticky Calls)',
    prepare: async () => {
      const taskSid = taskRouter.addTask({
        attributes: { type: 'inbound', call_sid: callSid(), from: OTHER_CALLER, direction: 'inbound' },
        assignmentStatus: 'completed',
        reservations: [{ workerSid: WORKER_SID, status: 'completed' }],
      });
      return save({ TaskSid: taskSid, wrap_up: WRAP_UP });
    },
    expected: forbidden('not_sticky_call'),
    refused: true,
  },
  {
    name: 'a save for a task not completed yet',
    prepare: async () => save({ TaskSid: (await agentCall()).taskSid, wrap_up: WRAP_UP }),
    expected: { status: 409, body: { status: 'not_completed', retryable: true } },
    refused: true,
  },
  {
    name: 'the safety net given a wrap-up attribute naming another call',
    prepare: async () => {
      const own = await mine();
      const other = await theirs();
      const wrapUp = { ...WRAP_UP, call_id: other.callId, customer_ref: other.customerRef, saved: false };
      return {
        target: 'wrapup-event',
        body: taskEvent(own.taskSid, { ...own.attributes, [WRAP_UP_ATTRIBUTE_KEY]: wrapUp }),
      };
    },
    expected: { status: 204 },
    refused: true,
  },
  {
    name: 'the safety net given a wrap-up attribute naming another customer',
    prepare: async () => {
      const own = await mine();
      const other = await theirs();
      const wrapUp = { ...WRAP_UP, call_id: own.callId, customer_ref: other.customerRef, saved: false };
      return {
        target: 'wrapup-event',
        body: taskEvent(own.taskSid, { ...own.attributes, [WRAP_UP_ATTRIBUTE_KEY]: wrapUp }),
      };
    },
    expected: { status: 204 },
    refused: true,
  },
  {
    name: 'a store racing a concurrent writer: the other writer’s attribute survives',
    prepare: async () => {
      const own = await agentCall();
      taskRouter.beforeNextUpdate((sid) =>
        taskRouter.write(sid, (attributes) => ({ ...attributes, transfer_note: 'kept' })),
      );
      const updatesBefore = taskRouter.requests.length;
      return {
        ...save({ TaskSid: own.taskSid, action: 'store', wrap_up: WRAP_UP }),
        verify: () => {
          expect(taskRouter.attributes(own.taskSid)).toMatchObject({
            transfer_note: 'kept',
            call_sid: own.callId,
            [WRAP_UP_ATTRIBUTE_KEY]: {
              call_id: own.callId,
              customer_ref: own.customerRef,
              intent: 'refund_request',
              saved: false,
            },
          });
          const updates = taskRouter.requests.slice(updatesBefore).filter((r) => r.method === 'POST');
          expect(updates.map((r) => [r.status, r.ifMatch !== null])).toEqual([
            [412, true],
            [200, true],
          ]);
          expect(emulator.requests.filter((r) => r.operation === 'end')).toEqual([]);
        },
      };
    },
    expected: { status: 200, body: { status: 'stored', saveable: true } },
    refused: false,
  },
  {
    name: 'the agent’s own completed task, naming nothing else (the control case): saved, once',
    prepare: async () => {
      const own = await mine();
      const endsBefore = emulator.requests.length;
      return {
        ...save({ TaskSid: own.taskSid, wrap_up: WRAP_UP }),
        verify: () => {
          const ends = emulator.requests.slice(endsBefore).filter((r) => r.operation === 'end');
          expect(ends.map((r) => [r.status, r.body])).toEqual([
            [
              200,
              {
                call_id: own.callId,
                customer_ref: own.customerRef,
                ...WRAP_UP,
                // Dated by the server with the call's start, as the task says.
                variables: { ...WRAP_UP.variables, last_contact_at: callStartOf(own) },
              },
            ],
          ]);
          expect(callStartOf(own)).toEqual(expect.any(String));
        },
      };
    },
    expected: { status: 200, body: { status: 'saved' } },
    refused: false,
  },
];

/** Runs a case through `send` and checks it. */
async function check(bindingCase: BindingCase, send: Send): Promise<void> {
  const request = await bindingCase.prepare();
  const before = { api: emulator.requests.length, taskRouter: taskRouter.requests.length };
  const answer = await send(request.target, request.body);
  // What happened, should a case fail: the answer and what TaskRouter was asked.
  const story = () =>
    JSON.stringify({
      answer,
      taskRouter: taskRouter.requests
        .slice(before.taskRouter)
        .map((r) => ({ method: r.method, path: r.path, status: r.status, ifMatch: r.ifMatch })),
    });
  expect(answer.status, story()).toBe(bindingCase.expected.status);
  if (bindingCase.expected.body === undefined) expect(answer.body, story()).toBeUndefined();
  else expect(answer.body, story()).toMatchObject(bindingCase.expected.body);
  if (bindingCase.refused) {
    expect(emulator.requests.slice(before.api).filter((r) => r.operation === 'end')).toEqual([]);
    expect(taskRouter.requests.slice(before.taskRouter).filter((r) => r.method !== 'GET')).toEqual([]);
  }
  request.verify?.();
}

const byName = CASES.map((bindingCase) => [bindingCase.name, bindingCase] as const);

describe('in process: the handlers, IAM and TaskRouter behind msw', () => {
  const saveFunction = createSaveContextHandler({ ...handlerOptions, Response: FakeResponse });
  const send: Send = async (target, body) => {
    const handler =
      target === 'save-context'
        ? saveFunction
        : createWrapupEventHandler({ ...handlerOptions, Response: FakeResponse });
    const answer = await run(handler, body);
    return {
      status: answer.statusCode,
      body: answer.body === '' ? undefined : (answer.body as Record<string, unknown>),
    };
  };
  it.each(byName)('%s', (_name, bindingCase) => check(bindingCase, send));
});

describe('in twilio-run: the built Functions in Twilio’s local runtime', () => {
  let runtime: TwilioRun | undefined;
  beforeAll(async () => {
    runtime = await startService({
      functions: {
        'save-context.js': 'createSaveContextHandler()',
        'wrapup-event.protected.js': 'createWrapupEventHandler()',
      },
      tokens: TOKENS,
      emulator,
      taskRouter,
    });
  }, 60_000);
  afterAll(() => runtime?.stop());

  const send: Send = (target, body) => {
    if (runtime === undefined) throw new Error('twilio-run did not start');
    return target === 'save-context'
      ? runtime.post('/save-context', body)
      : runtime.post('/wrapup-event', body, 'form');
  };
  it.each(byName)('%s', (_name, bindingCase) => check(bindingCase, send));
});
