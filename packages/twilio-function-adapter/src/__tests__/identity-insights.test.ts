/**
 * The agent's identity check through the save Function and the safety net, the variables
 * only the server writes, and Flex Insights' `conversations` attributes: against the
 * emulator and the TaskRouter stand-in through msw.
 */
import { ATTRIBUTE_KEY, bindToTask, WRAP_UP_ATTRIBUTE_KEY, withWrapUp, wrapUpFor } from '@stickycalls/core';
import { describe, expect, it } from 'vitest';
import {
  createSaveContextHandler,
  createWrapupEventHandler,
  type SaveContextHandlerOptions,
} from '../index.js';
import { FakeResponse, invoke, stubTokenValidator, TEST_WORKER_SID } from '../testing/index.js';
import { AGENT_TOKEN, OTHER_WORKER_SID, useApi } from './kit.js';
import { logged } from './setup.js';

const { emulator, taskRouter, context, callTask } = useApi();
const validateToken = stubTokenValidator({
  [AGENT_TOKEN]: { worker_sid: TEST_WORKER_SID, roles: ['agent'], identity: 'ada' },
});
const handlerOptions = { Response: FakeResponse, client: { retry: { initialDelayMs: 10 } } };
const saver = (options: SaveContextHandlerOptions = {}) =>
  createSaveContextHandler({ ...handlerOptions, validateToken, ...options });

const WRAP_UP = {
  intent: 'address_change',
  intent_status: 'resolved',
  variables: { summary: 'New address taken', disposition: 'address_updated' },
};
/** When the agent decided: after the call started (it is under way), before the save. */
const VERIFIED_AT = () => new Date().toISOString();

const ends = () => emulator.requests.filter((request) => request.operation === 'end');
const wrapUpOn = (taskSid: string) =>
  taskRouter.attributes(taskSid)[WRAP_UP_ATTRIBUTE_KEY] as Record<string, unknown>;
const complete = (taskSid: string) => taskRouter.setStatus(taskSid, 'completed', 'completed');

/** A call's task the agent holds, with `extra` attributes (a `conversations` object, padding). */
async function heldCall(extra: Record<string, unknown> = {}) {
  const call = await callTask();
  const attributes = { ...call.attributes, ...extra };
  const taskSid = taskRouter.addTask({
    attributes,
    assignmentStatus: 'wrapping',
    reservations: [{ workerSid: TEST_WORKER_SID, status: 'wrapping' }],
  });
  const context = attributes[ATTRIBUTE_KEY] as { call_start: string; level: string };
  return { ...call, taskSid, attributes, callStart: context.call_start, level: context.level };
}

async function save(event: Record<string, unknown>, handler = saver()) {
  return invoke(handler, { context: context(), event: { Token: AGENT_TOKEN, ...event } });
}

/** The task's completion, as TaskRouter's event callback posts it to the safety net. */
async function safetyNet(taskSid: string) {
  return invoke(createWrapupEventHandler(handlerOptions), {
    context: context(),
    event: {
      EventType: 'task.completed',
      Sid: `EV${'1'.repeat(32)}`,
      TaskSid: taskSid,
      TaskAttributes: JSON.stringify(taskRouter.attributes(taskSid)),
    },
  });
}

describe('a verified caller', () => {
  it('is recorded on the task by the worker of the token, never the request’s', async () => {
    const { taskSid } = await heldCall();
    const at = VERIFIED_AT();
    const stored = await save({
      TaskSid: taskSid,
      action: 'store',
      wrap_up: {
        ...WRAP_UP,
        identity_check: { outcome: 'verified', at, by: OTHER_WORKER_SID, method: 'agent' },
      },
    });
    expect(stored.body).toMatchObject({ status: 'stored', saveable: true });
    expect(wrapUpOn(taskSid).identity_check).toEqual({
      outcome: 'verified',
      at,
      by: TEST_WORKER_SID,
      method: 'agent',
    });
  });

  it('takes a time from a clock ahead as the server’s now, and one before the call as the call’s start', async () => {
    const { taskSid, callStart } = await heldCall();
    const before = Date.now();
    await save({
      TaskSid: taskSid,
      action: 'store',
      wrap_up: { ...WRAP_UP, identity_check: { outcome: 'verified', at: '2099-01-01T00:00:00.000Z' } },
    });
    const ahead = Date.parse(String((wrapUpOn(taskSid).identity_check as { at: string }).at));
    expect(ahead).toBeGreaterThanOrEqual(before);
    expect(ahead).toBeLessThanOrEqual(Date.now());

    const early = await heldCall();
    await save({
      TaskSid: early.taskSid,
      action: 'store',
      wrap_up: { ...WRAP_UP, identity_check: { outcome: 'verified', at: '2001-01-01T00:00:00.000Z' } },
    });
    expect((wrapUpOn(early.taskSid).identity_check as { at: string }).at).toBe(early.callStart);
    expect(callStart).toEqual(expect.any(String));
  });

  it('is saved with when the contact happened and who verified the caller, when and how', async () => {
    const { taskSid, callId, customerRef, callStart } = await heldCall();
    const at = VERIFIED_AT();
    const check = { outcome: 'verified', at };
    await save({ TaskSid: taskSid, action: 'store', wrap_up: { ...WRAP_UP, identity_check: check } });
    complete(taskSid);
    const saved = await save({ TaskSid: taskSid, wrap_up: { ...WRAP_UP, identity_check: check } });
    expect(saved.body).toMatchObject({ status: 'saved', call_id: callId, customer_ref: customerRef });
    expect(ends().map((request) => request.body)).toEqual([
      {
        call_id: callId,
        customer_ref: customerRef,
        intent: 'address_change',
        intent_status: 'resolved',
        variables: {
          ...WRAP_UP.variables,
          last_contact_at: callStart,
          identity_verified_at: at,
          identity_verified_by: TEST_WORKER_SID,
          identity_verified_how: 'agent',
        },
      },
    ]);
    // The next call's screen pop reads them back.
    const customer = emulator.customers().find((candidate) => candidate.variables.has('last_contact_at'));
    expect(customer?.variables.get('identity_verified_by')?.value).toBe(TEST_WORKER_SID);
    // The same wrap-up again is this very one; another identity check is another wrap-up.
    expect(
      (await save({ TaskSid: taskSid, wrap_up: { ...WRAP_UP, identity_check: check } })).body,
    ).toMatchObject({ status: 'saved' });
    expect((await save({ TaskSid: taskSid, wrap_up: WRAP_UP })).body).toMatchObject({
      status: 'already_saved',
    });
    expect(ends()).toHaveLength(1);
  });

  it('is saved by the safety net with the worker the save Function recorded', async () => {
    const { taskSid, callStart } = await heldCall();
    const at = VERIFIED_AT();
    await save({
      TaskSid: taskSid,
      action: 'store',
      wrap_up: { ...WRAP_UP, identity_check: { outcome: 'verified', at } },
    });
    complete(taskSid);
    expect((await safetyNet(taskSid)).statusCode).toBe(204);
    expect(ends().map((request) => (request.body as { variables: unknown }).variables)).toEqual([
      {
        ...WRAP_UP.variables,
        last_contact_at: callStart,
        identity_verified_at: at,
        identity_verified_by: TEST_WORKER_SID,
        identity_verified_how: 'agent',
      },
    ]);
    // Marked saved on the task, identity check and all.
    expect(wrapUpOn(taskSid)).toMatchObject({ saved: true, identity_check: { outcome: 'verified', at } });
  });
});

describe('“Not this caller”: nothing is written into the matched customer’s memory', () => {
  const rejected = () => ({ ...WRAP_UP, identity_check: { outcome: 'rejected', at: VERIFIED_AT() } });

  it('the save Function keeps it on the task only (stored, not saveable) and sends no calls.end', async () => {
    const { taskSid, callId, customerRef } = await heldCall();
    const wrapUp = rejected();
    const stored = await save({ TaskSid: taskSid, action: 'store', wrap_up: wrapUp });
    expect(stored.body).toMatchObject({ status: 'stored', call_id: callId, saveable: false });
    complete(taskSid);
    const saved = await save({ TaskSid: taskSid, wrap_up: wrapUp });
    expect(saved).toMatchObject({ statusCode: 200, body: { status: 'stored', saveable: false } });
    expect(ends()).toEqual([]);
    expect(wrapUpOn(taskSid)).toMatchObject({
      call_id: callId,
      customer_ref: customerRef,
      identity_check: { outcome: 'rejected', by: TEST_WORKER_SID, method: 'agent' },
      saved: false,
    });
    expect(logged.join('\n')).toContain('not the matched customer');
  });

  it('the safety net sends no calls.end for it either', async () => {
    const { taskSid } = await heldCall();
    await save({ TaskSid: taskSid, action: 'store', wrap_up: rejected() });
    complete(taskSid);
    const answer = await safetyNet(taskSid);
    expect(answer.statusCode).toBe(204);
    expect(ends()).toEqual([]);
    expect(wrapUpOn(taskSid)).toMatchObject({ saved: false });
  });
});

describe('names only the server writes', () => {
  it.each(['last_contact_at', 'identity_verified_by'])(
    'refuses a wrap-up naming %s (400 variable_name), writing nothing',
    async (name) => {
      const { taskSid } = await heldCall();
      const answer = await save({
        TaskSid: taskSid,
        action: 'store',
        wrap_up: { ...WRAP_UP, variables: { [name]: 'forged' } },
      });
      expect(answer).toMatchObject({
        statusCode: 400,
        body: { status: 'invalid', errors: [{ code: 'variable_name', path: ['variables', name] }] },
      });
      expect(String((answer.body as { errors: { message: string }[] }).errors[0]?.message)).toContain(
        'written by Sticky Calls',
      );
      expect(taskRouter.attributes(taskSid)[WRAP_UP_ATTRIBUTE_KEY]).toBeUndefined();
    },
  );

  it('refuses a malformed identity check (400 naming identity_check)', async () => {
    const { taskSid } = await heldCall();
    const answer = await save({
      TaskSid: taskSid,
      action: 'store',
      wrap_up: { ...WRAP_UP, identity_check: { outcome: 'probably', at: 'now' } },
    });
    expect(answer).toMatchObject({
      statusCode: 400,
      body: { status: 'invalid', errors: [{ code: 'other', path: ['identity_check'] }] },
    });
  });

  it('dates the contact by the save when the call’s start is unknown', async () => {
    emulator.inject({ type: 'status', status: 503, operation: 'start', times: 10 });
    const { taskSid } = await heldCall();
    emulator.clearFaults();
    complete(taskSid);
    const before = Date.now();
    await save({ TaskSid: taskSid, wrap_up: WRAP_UP });
    const [end] = ends();
    const sent = (end?.body as { variables?: Record<string, string> } | undefined)?.variables
      ?.last_contact_at;
    expect(Date.parse(String(sent))).toBeGreaterThanOrEqual(before - 1);
    expect(Date.parse(String(sent))).toBeLessThanOrEqual(Date.now());
  });
});

describe('Flex Insights: conversations attributes', () => {
  it('writes the disposition as conversations.outcome by default, merged with the task’s own', async () => {
    const { taskSid } = await heldCall({ conversations: { conversation_label_1: 'kept', outcome: 'old' } });
    await save({ TaskSid: taskSid, action: 'store', wrap_up: WRAP_UP });
    expect(taskRouter.attributes(taskSid).conversations).toEqual({
      conversation_label_1: 'kept',
      outcome: 'address_updated',
    });
  });

  it('writes nothing without a disposition, and nothing with insights: false', async () => {
    const plain = await heldCall();
    await save({ TaskSid: plain.taskSid, action: 'store', wrap_up: { intent: 'x', intent_status: 'open' } });
    expect(taskRouter.attributes(plain.taskSid).conversations).toBeUndefined();
    const off = await heldCall();
    await save({ TaskSid: off.taskSid, action: 'store', wrap_up: WRAP_UP }, saver({ insights: false }));
    expect(taskRouter.attributes(off.taskSid).conversations).toBeUndefined();
  });

  it('writes the intent and the identity level into the conversation attributes the admin names', async () => {
    const handler = saver({
      insights: { intent: 'conversation_attribute_3', identity: 'conversation_attribute_4' },
    });
    const cases = [
      [{ outcome: 'verified', at: VERIFIED_AT() }, 'verified'],
      [{ outcome: 'rejected', at: VERIFIED_AT() }, 'not_verified'],
      [undefined, null],
    ] as const;
    for (const [check, level] of cases) {
      const call = await heldCall();
      const wrapUp = check === undefined ? WRAP_UP : { ...WRAP_UP, identity_check: check };
      await save({ TaskSid: call.taskSid, action: 'store', wrap_up: wrapUp }, handler);
      expect(taskRouter.attributes(call.taskSid).conversations).toEqual({
        outcome: 'address_updated',
        conversation_attribute_3: 'address_change',
        // Without a check, the match's own level (very_high, high, medium, low).
        conversation_attribute_4: level ?? call.level,
      });
    }
  });

  it('is written only by the store: neither the save nor the safety net writes it', async () => {
    const { taskSid } = await heldCall();
    complete(taskSid);
    await save({ TaskSid: taskSid, wrap_up: WRAP_UP });
    expect(ends()).toHaveLength(1);
    expect(taskRouter.attributes(taskSid).conversations).toBeUndefined();

    const netted = await heldCall();
    taskRouter.write(netted.taskSid, (attributes) => ({
      ...attributes,
      [WRAP_UP_ATTRIBUTE_KEY]: {
        call_id: netted.callId,
        customer_ref: netted.customerRef,
        ...WRAP_UP,
        saved: false,
      },
    }));
    complete(netted.taskSid);
    await safetyNet(netted.taskSid);
    expect(ends()).toHaveLength(2);
    expect(wrapUpOn(netted.taskSid)).toMatchObject({ saved: true });
    expect(taskRouter.attributes(netted.taskSid).conversations).toBeUndefined();
  });

  it('leaves the conversations attributes out, and still stores the wrap-up, when they would pass 4,096 characters', async () => {
    const padding = 'p'.repeat(2400);
    const call = await heldCall({ transfer_note: padding });
    const bound = bindToTask(call.attributes);
    if (!bound.ok) throw new Error(bound.message);
    // A note that leaves room for the wrap-up and 20 characters, less than the outcome needs.
    const sizeWith = (note: string) =>
      JSON.stringify(
        (
          withWrapUp(
            call.attributes,
            wrapUpFor(bound.call, { ...WRAP_UP, variables: { ...WRAP_UP.variables, summary: note } }, false),
          ) as { attributes: unknown }
        ).attributes,
      ).length;
    const note = 'n'.repeat(4096 - 20 - sizeWith(''));
    expect(sizeWith(note)).toBe(4096 - 20);
    const wrapUp = { ...WRAP_UP, variables: { ...WRAP_UP.variables, summary: note } };
    const stored = await save({ TaskSid: call.taskSid, action: 'store', wrap_up: wrapUp });
    expect(stored.body).toMatchObject({ status: 'stored' });
    expect(wrapUpOn(call.taskSid)).toMatchObject({ variables: { summary: note } });
    expect(taskRouter.attributes(call.taskSid).conversations).toBeUndefined();
    expect(logged.join('\n')).toMatch(/conversations attributes left out/);
  });

  it.each<[string, unknown, string]>([
    ['insights that are not an object', 'on', 'insights'],
    ['an outcome that is not true or false', { outcome: 'yes' }, 'insights.outcome'],
    ['an intent attribute past the tenth', { intent: 'conversation_attribute_11' }, 'insights.intent'],
    ['an identity attribute that is not one', { identity: 'conversation_label_1' }, 'insights.identity'],
    [
      'one attribute for both',
      { intent: 'conversation_attribute_2', identity: 'conversation_attribute_2' },
      'insights.identity',
    ],
  ])('refuses %s when the handler is created', (_name, insights, field) => {
    expect(() => createSaveContextHandler({ insights } as never)).toThrow(field);
  });
});
