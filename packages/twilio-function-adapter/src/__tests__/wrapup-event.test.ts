import { WRAP_UP_ATTRIBUTE_KEY } from '@stickycalls/core';
import { describe, expect, it } from 'vitest';
import { createWrapupEventHandler } from '../index.js';
import { FakeResponse, invoke } from '../testing/index.js';
import { CALLER, callSid, useApi } from './kit.js';
import { logged } from './setup.js';

const { emulator, context, startedCall } = useApi();
const handlerOptions = { Response: FakeResponse, client: { retry: { initialDelayMs: 10 } } };

const attributesWith = (wrapUp: Record<string, unknown>) =>
  JSON.stringify({ call_sid: wrapUp.call_id, from: CALLER, [WRAP_UP_ATTRIBUTE_KEY]: wrapUp });

/** A workspace event callback, form-encoded as TaskRouter posts it. */
const callback = (eventType: string, wrapUp: Record<string, unknown>) => ({
  EventType: eventType,
  Sid: `EV${'1'.repeat(32)}`,
  TaskSid: `WT${'2'.repeat(32)}`,
  TaskAttributes: attributesWith(wrapUp),
});

const ends = () => emulator.requests.filter((r) => r.operation === 'end');

describe('the wrap-up safety net', () => {
  it('saves an unsaved wrap-up when the task completes, and answers 204', async () => {
    const { callId, customerRef } = await startedCall();
    const handler = createWrapupEventHandler(handlerOptions);
    const wrapUp = {
      call_id: callId,
      customer_ref: customerRef,
      intent: 'refund_request',
      intent_status: 'open',
      variables: { summary: 'Label sent' },
      saved: false,
    };
    const answer = await invoke(handler, { context: context(), event: callback('task.completed', wrapUp) });
    expect(answer.statusCode).toBe(204);
    expect(ends().map((r) => r.status)).toEqual([200]);
    expect(emulator.customers()[0]?.variables.get('summary')?.value).toBe('Label sent');
  });

  it('saves once when the same event arrives twice', async () => {
    const { callId, customerRef } = await startedCall();
    const event = callback('reservation.wrapup', { call_id: callId, customer_ref: customerRef, intent: 'x' });
    const handler = createWrapupEventHandler(handlerOptions);
    await invoke(handler, { context: context(), event });
    const again = await invoke(handler, { context: context(), event });
    expect(again.statusCode).toBe(204);
    // The warm instance remembers: the second delivery does not reach the API.
    expect(ends()).toHaveLength(1);
    // A cold instance meets the API's 409 and reads it as already saved.
    const cold = await invoke(createWrapupEventHandler(handlerOptions), { context: context(), event });
    expect(cold.statusCode).toBe(204);
    expect(ends().map((r) => r.status)).toEqual([200, 409]);
    expect(emulator.customers()[0]?.intents.get('x')).toEqual({ status: 'open', attemptCount: 1 });
  });

  it('leaves alone a wrap-up the plugin already saved, tasks without one, and other events', async () => {
    const handler = createWrapupEventHandler(handlerOptions);
    const saved = callback('task.completed', { call_id: 'CA1', customer_ref: 'c', intent: 'x', saved: true });
    const other = callback('task.created', { call_id: 'CA2', customer_ref: 'c', intent: 'x' });
    for (const event of [
      saved,
      other,
      { EventType: 'task.completed', TaskAttributes: '{"call_sid":"CA3"}' },
      {},
    ]) {
      expect((await invoke(handler, { context: context(), event })).statusCode).toBe(204);
    }
    expect(emulator.requests).toHaveLength(0);
  });

  it('reads Event Streams CloudEvents', async () => {
    const { callId, customerRef } = await startedCall();
    const cloudEvent = {
      specversion: '1.0',
      type: 'com.twilio.taskrouter.task.completed',
      id: `EV${'3'.repeat(32)}`,
      data: {
        payload: {
          eventtype: 'task.completed',
          task_attributes: attributesWith({ call_id: callId, customer_ref: customerRef, intent: 'move' }),
        },
      },
    };
    const answer = await invoke(createWrapupEventHandler(handlerOptions), {
      context: context(),
      event: { 0: cloudEvent },
    });
    expect(answer.statusCode).toBe(204);
    expect(ends()).toHaveLength(1);
  });

  it('asks for a redelivery (503) when a save failed in a way a retry may fix', async () => {
    const { callId, customerRef } = await startedCall();
    emulator.inject({ type: 'status', status: 503, times: 10 });
    const handler = createWrapupEventHandler({ ...handlerOptions, timeoutMs: 1000 });
    const answer = await invoke(handler, {
      context: context(),
      event: callback('task.completed', { call_id: callId, customer_ref: customerRef }),
    });
    expect(answer.statusCode).toBe(503);
  });

  it('saves a batch side by side, within one deadline', async () => {
    const a = await startedCall();
    const b = await startedCall();
    emulator.inject({ type: 'hang', times: 10 });
    const cloudEvent = (callId: string, customerRef: string) => ({
      type: 'com.twilio.taskrouter.task.completed',
      data: { payload: { task_attributes: attributesWith({ call_id: callId, customer_ref: customerRef }) } },
    });
    const started = performance.now();
    const answer = await invoke(createWrapupEventHandler({ ...handlerOptions, timeoutMs: 1000 }), {
      context: context(),
      event: { 0: cloudEvent(a.callId, a.customerRef), 1: cloudEvent(b.callId, b.customerRef) },
    });
    expect(performance.now() - started).toBeLessThan(1000 + 500);
    expect(answer.statusCode).toBe(503);
  });

  it('saves number variables, and a wrap-up whose start failed against the caller’s number', async () => {
    const handler = createWrapupEventHandler(handlerOptions);
    const event = callback('task.completed', {
      call_id: callSid(),
      customer_ref: null,
      intent: 'x',
      variables: { amount: 42 },
    });
    expect((await invoke(handler, { context: context(), event })).statusCode).toBe(204);
    expect(ends().map((r) => r.status)).toEqual([200]);
    expect(ends()[0]?.body).toMatchObject({ identity_hints: { ani: CALLER }, variables: { amount: '42' } });
  });

  it('logs a wrap-up it cannot read instead of dropping it quietly', async () => {
    const handler = createWrapupEventHandler(handlerOptions);
    const event = {
      EventType: 'task.completed',
      TaskAttributes: JSON.stringify({ [WRAP_UP_ATTRIBUTE_KEY]: { intent: 'x' } }),
    };
    expect((await invoke(handler, { context: context(), event })).statusCode).toBe(204);
    expect(logged.at(-1)).toContain('unreadable');
  });

  it('refuses event types that are not a list', () => {
    expect(() => createWrapupEventHandler({ eventTypes: 'task.completed' as never })).toThrow('eventTypes');
    expect(() => createWrapupEventHandler({ eventTypes: [] })).toThrow('eventTypes');
  });

  it('answers 204 when a retry cannot help', async () => {
    emulator.inject({ type: 'status', status: 401, times: 10 });
    const handler = createWrapupEventHandler(handlerOptions);
    const answer = await invoke(handler, {
      context: context(),
      event: callback('task.completed', { call_id: 'CA9', customer_ref: 'c' }),
    });
    expect(answer.statusCode).toBe(204);
  });
});
