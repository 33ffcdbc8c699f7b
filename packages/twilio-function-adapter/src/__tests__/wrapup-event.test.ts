import { ATTRIBUTE_KEY, ConfigurationError, WRAP_UP_ATTRIBUTE_KEY } from '@stickycalls/core';
import { describe, expect, it } from 'vitest';
import { createSaveContextHandler, createWrapupEventHandler } from '../index.js';
import { FakeResponse, invoke, stubTokenValidator, TEST_WORKER_SID } from '../testing/index.js';
import { AGENT_TOKEN, CALLER, callSid, useApi } from './kit.js';
import { logged } from './setup.js';

const { emulator, taskRouter, context, callTask, routedCall } = useApi();
const handlerOptions = { Response: FakeResponse, client: { retry: { initialDelayMs: 10 } } };

/** A call's task with a wrap-up stored on it; `wrapUp` fields override the call's own. */
async function taskWithWrapUp(wrapUp: Record<string, unknown> = {}, options: { from?: string } = {}) {
  const call = await callTask(options);
  const stored = {
    call_id: call.callId,
    customer_ref: call.customerRef,
    intent: 'refund_request',
    intent_status: 'open',
    variables: { summary: 'Label sent' },
    saved: false,
    ...wrapUp,
  };
  return { ...call, attributes: JSON.stringify({ ...call.attributes, [WRAP_UP_ATTRIBUTE_KEY]: stored }) };
}

/** A workspace event callback, form-encoded as TaskRouter posts it. */
const callback = (eventType: string, attributes: string) => ({
  EventType: eventType,
  Sid: `EV${'1'.repeat(32)}`,
  TaskSid: `WT${'2'.repeat(32)}`,
  TaskAttributes: attributes,
});

const ends = () => emulator.requests.filter((r) => r.operation === 'end');

describe('the wrap-up safety net', () => {
  it('saves an unsaved wrap-up when the task completes, and answers 204', async () => {
    const { callId, customerRef, attributes } = await taskWithWrapUp();
    const callStart = (JSON.parse(attributes)[ATTRIBUTE_KEY] as { call_start: string }).call_start;
    const handler = createWrapupEventHandler(handlerOptions);
    const answer = await invoke(handler, {
      context: context(),
      event: callback('task.completed', attributes),
    });
    expect(answer.statusCode).toBe(204);
    expect(ends().map((r) => r.status)).toEqual([200]);
    expect(ends()[0]?.body).toEqual({
      call_id: callId,
      customer_ref: customerRef,
      intent: 'refund_request',
      intent_status: 'open',
      // When the contact happened, written by the safety net as by the save Function.
      variables: { summary: 'Label sent', last_contact_at: callStart },
    });
    expect(callStart).toEqual(expect.any(String));
    expect(emulator.customers()[0]?.variables.get('summary')?.value).toBe('Label sent');
  });

  it('saves once when the same event arrives twice', async () => {
    const { attributes } = await taskWithWrapUp({ intent: 'x' });
    const event = callback('task.completed', attributes);
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

  it('leaves alone a wrap-up already saved, tasks without one, and other events', async () => {
    const handler = createWrapupEventHandler(handlerOptions);
    const saved = await taskWithWrapUp({ saved: true });
    const other = await taskWithWrapUp();
    const plain = await callTask();
    const before = emulator.requests.length;
    for (const event of [
      callback('task.completed', saved.attributes),
      callback('task.created', other.attributes),
      callback('task.completed', JSON.stringify(plain.attributes)),
      {},
    ]) {
      expect((await invoke(handler, { context: context(), event })).statusCode).toBe(204);
    }
    expect(emulator.requests).toHaveLength(before);
  });

  it('reads Event Streams CloudEvents', async () => {
    const { attributes } = await taskWithWrapUp({ intent: 'move' });
    const cloudEvent = {
      specversion: '1.0',
      type: 'com.twilio.taskrouter.task.completed',
      id: `EV${'3'.repeat(32)}`,
      data: { payload: { eventtype: 'task.completed', task_attributes: attributes } },
    };
    const answer = await invoke(createWrapupEventHandler(handlerOptions), {
      context: context(),
      event: { 0: cloudEvent },
    });
    expect(answer.statusCode).toBe(204);
    expect(ends()).toHaveLength(1);
  });

  it('takes the deadline of the delivery it gets by default: 9 s for a workspace callback, 4.5 s for Event Streams', async () => {
    // TaskRouter waits 15 s for an event callback but a Function stops at 10 s; an Event
    // Streams webhook sink waits 5 s. The TaskRouter port reads the time left at each
    // request: what it reads first is the delivery's whole window, less the answer's margin.
    const windows: number[] = [];
    const handler = createWrapupEventHandler({
      ...handlerOptions,
      taskRouter: (_context, { timeoutMs }) => {
        windows.push(timeoutMs?.() ?? Number.NaN);
        return new ConfigurationError('no TaskRouter in this test');
      },
    });
    const form = await taskWithWrapUp({ intent: 'callback_path' });
    const single = await taskWithWrapUp({ intent: 'event_streams_path' });
    const answers = [
      await invoke(handler, { context: context(), event: callback('task.completed', form.attributes) }),
      // One CloudEvent, unbatched, as a sink created with "batch_events": false sends it.
      await invoke(handler, {
        context: context(),
        event: {
          specversion: '1.0',
          type: 'com.twilio.taskrouter.task.completed',
          id: `EV${'4'.repeat(32)}`,
          data: { payload: { eventtype: 'task.completed', task_attributes: single.attributes } },
        },
      }),
    ];
    expect(answers.map((answer) => answer.statusCode)).toEqual([204, 204]);
    expect(ends().map((r) => r.status)).toEqual([200, 200]);
    const [callbackWindow = 0, eventStreamsWindow = 0] = windows;
    expect(callbackWindow).toBeGreaterThan(8000);
    expect(callbackWindow).toBeLessThanOrEqual(9000 - 250);
    expect(eventStreamsWindow).toBeGreaterThan(3500);
    expect(eventStreamsWindow).toBeLessThanOrEqual(4500 - 250);
  });

  it('asks for a redelivery (503) when a save failed in a way a retry may fix', async () => {
    const { attributes } = await taskWithWrapUp();
    emulator.inject({ type: 'status', status: 503, times: 10 });
    const handler = createWrapupEventHandler({ ...handlerOptions, timeoutMs: 1000 });
    const answer = await invoke(handler, {
      context: context(),
      event: callback('task.completed', attributes),
    });
    expect(answer.statusCode).toBe(503);
  });

  it('saves a batch side by side, within one deadline', async () => {
    const a = await taskWithWrapUp();
    const b = await taskWithWrapUp();
    emulator.inject({ type: 'hang', times: 10 });
    const cloudEvent = (attributes: string) => ({
      type: 'com.twilio.taskrouter.task.completed',
      data: { payload: { task_attributes: attributes } },
    });
    const started = performance.now();
    const answer = await invoke(createWrapupEventHandler({ ...handlerOptions, timeoutMs: 1000 }), {
      context: context(),
      event: { 0: cloudEvent(a.attributes), 1: cloudEvent(b.attributes) },
    });
    expect(performance.now() - started).toBeLessThan(1000 + 500);
    expect(answer.statusCode).toBe(503);
  });

  it('saves number variables, and a wrap-up whose start failed against the task’s caller number', async () => {
    emulator.inject({ type: 'status', status: 503, operation: 'start', times: 10 });
    const { callId, attributes } = await taskWithWrapUp({ variables: { amount: 42 } });
    emulator.clearFaults();
    // An earlier version stored the caller's hints in the wrap-up: the task's own `from` counts.
    const withOldHints = JSON.stringify({
      ...JSON.parse(attributes),
      [WRAP_UP_ATTRIBUTE_KEY]: {
        ...JSON.parse(attributes)[WRAP_UP_ATTRIBUTE_KEY],
        identity_hints: { ani: '+14155550000' },
      },
    });
    const handler = createWrapupEventHandler(handlerOptions);
    expect(
      (await invoke(handler, { context: context(), event: callback('task.completed', withOldHints) }))
        .statusCode,
    ).toBe(204);
    expect(ends().map((r) => r.status)).toEqual([200]);
    expect(ends()[0]?.body).toMatchObject({
      call_id: callId,
      identity_hints: { ani: CALLER },
      variables: { amount: '42' },
    });
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
    const { attributes } = await taskWithWrapUp();
    emulator.inject({ type: 'status', status: 401, times: 10 });
    const handler = createWrapupEventHandler(handlerOptions);
    const answer = await invoke(handler, {
      context: context(),
      event: callback('task.completed', attributes),
    });
    expect(answer.statusCode).toBe(204);
  });
});

describe('the safety net saves only what its own task names', () => {
  const refusedCases: [string, () => Promise<string>][] = [
    ['a wrap-up naming another call', async () => (await taskWithWrapUp({ call_id: callSid() })).attributes],
    [
      'a wrap-up naming another customer',
      async () => (await taskWithWrapUp({ customer_ref: 'cust_someone_else' })).attributes,
    ],
    [
      'a wrap-up on a task that is not a Sticky Calls call',
      async () =>
        JSON.stringify({
          channelType: 'web',
          [WRAP_UP_ATTRIBUTE_KEY]: {
            call_id: callSid(),
            customer_ref: 'cust_1',
            intent: 'x',
            intent_status: 'open',
          },
        }),
    ],
    [
      'a wrap-up on a call task without caller context',
      async () => {
        const callId = callSid();
        return JSON.stringify({
          call_sid: callId,
          from: CALLER,
          [WRAP_UP_ATTRIBUTE_KEY]: { call_id: callId, intent: 'x', intent_status: 'open' },
        });
      },
    ],
    ['an invalid wrap-up', async () => (await taskWithWrapUp({ variables: { 'bad name': 'v' } })).attributes],
  ];

  it.each(refusedCases)('refuses %s: logged, nothing sent, 204', async (_name, attributesOf) => {
    const attributes = await attributesOf();
    const before = ends().length;
    const handler = createWrapupEventHandler(handlerOptions);
    const answer = await invoke(handler, {
      context: context(),
      event: callback('task.completed', attributes),
    });
    expect(answer.statusCode).toBe(204);
    expect(ends()).toHaveLength(before);
    expect(logged.at(-1)).toMatch(/wrapup-event task=WT2+: wrap-up not saved/);
  });

  it('still saves the other wrap-ups of the batch', async () => {
    const forged = await taskWithWrapUp({ call_id: callSid() });
    const genuine = await taskWithWrapUp();
    const cloudEvent = (attributes: string) => ({
      type: 'com.twilio.taskrouter.task.completed',
      data: { payload: { task_attributes: attributes } },
    });
    const answer = await invoke(createWrapupEventHandler(handlerOptions), {
      context: context(),
      event: { 0: cloudEvent(forged.attributes), 1: cloudEvent(genuine.attributes) },
    });
    expect(answer.statusCode).toBe(204);
    expect(ends().map((r) => (r.body as { call_id: string }).call_id)).toEqual([genuine.callId]);
  });
});

describe('the safety net and the agent’s own save, on an ordinary call', () => {
  const WRAP_UP = { intent: 'refund_request', intent_status: 'open', variables: { summary: 'Label sent' } };
  const saveFunction = createSaveContextHandler({
    ...handlerOptions,
    validateToken: stubTokenValidator({ [AGENT_TOKEN]: { worker_sid: TEST_WORKER_SID, roles: ['agent'] } }),
  });
  const agentSaves = async (taskSid: string, fields: Record<string, unknown> = WRAP_UP, action = 'save') =>
    (
      await invoke(saveFunction, {
        context: context(),
        event: { Token: AGENT_TOKEN, TaskSid: taskSid, action, wrap_up: fields },
      })
    ).body;
  const completed = (taskSid: string) => taskRouter.setStatus(taskSid, 'completed', 'completed');
  /** The agent stored the wrap-up and completed the task: what `task.completed` carries. */
  const storedAndCompleted = async () => {
    const call = await routedCall();
    expect(await agentSaves(call.taskSid, WRAP_UP, 'store')).toMatchObject({ status: 'stored' });
    completed(call.taskSid);
    const event = callback('task.completed', JSON.stringify(taskRouter.attributes(call.taskSid)));
    return { ...call, event: { ...event, TaskSid: call.taskSid } };
  };
  const wrapUpOn = (taskSid: string) => taskRouter.attributes(taskSid)[WRAP_UP_ATTRIBUTE_KEY];

  it('fetches the task again and sends nothing when the agent’s save marked it saved meanwhile', async () => {
    const { taskSid, event } = await storedAndCompleted();
    expect(await agentSaves(taskSid)).toMatchObject({ status: 'saved' });
    const answer = await invoke(createWrapupEventHandler(handlerOptions), { context: context(), event });
    expect(answer.statusCode).toBe(204);
    expect(ends().map((r) => r.status)).toEqual([200]);
    expect(logged.at(-1)).toContain('already saved (the task says so)');
  });

  it('marks its own save on the task (If-Match), so the agent’s save of the same wrap-up answers saved', async () => {
    const { taskSid, callId, customerRef, event } = await storedAndCompleted();
    const writesBefore = taskRouter.requests.filter((r) => r.method === 'POST').length;
    const answer = await invoke(createWrapupEventHandler(handlerOptions), { context: context(), event });
    expect(answer.statusCode).toBe(204);
    expect(wrapUpOn(taskSid)).toEqual({
      call_id: callId,
      customer_ref: customerRef,
      ...WRAP_UP,
      saved: true,
    });
    const writes = taskRouter.requests.filter((r) => r.method === 'POST').slice(writesBefore);
    expect(writes.map((r) => [r.status, r.ifMatch !== null])).toEqual([[200, true]]);

    expect(await agentSaves(taskSid)).toMatchObject({
      status: 'saved',
      call_id: callId,
      customer_ref: customerRef,
    });
    // The agent changed it after the safety net saved it: that one was not saved.
    expect(await agentSaves(taskSid, { ...WRAP_UP, intent_status: 'resolved' })).toMatchObject({
      status: 'already_saved',
    });
    expect(ends().map((r) => r.status)).toEqual([200]);
  });

  it('keeps what another writer put on the task while it marked it saved', async () => {
    const { taskSid, event } = await storedAndCompleted();
    taskRouter.beforeNextUpdate((sid) =>
      taskRouter.write(sid, (attributes) => ({ ...attributes, transfer_note: 'kept' })),
    );
    await invoke(createWrapupEventHandler(handlerOptions), { context: context(), event });
    expect(taskRouter.attributes(taskSid)).toMatchObject({
      transfer_note: 'kept',
      [WRAP_UP_ATTRIBUTE_KEY]: { saved: true },
    });
  });

  it('does not mark a wrap-up the API had already (a 409 may be another task’s end)', async () => {
    const { taskSid, event } = await storedAndCompleted();
    emulator.inject({ type: 'status', status: 409, operation: 'end' });
    const answer = await invoke(createWrapupEventHandler(handlerOptions), { context: context(), event });
    expect(answer.statusCode).toBe(204);
    expect(wrapUpOn(taskSid)).toMatchObject({ saved: false });
  });

  it('saves as the event says when TaskRouter cannot be reached or fetched', async () => {
    const first = await storedAndCompleted();
    const before = taskRouter.requests.length;
    const withoutWorkspace = await invoke(createWrapupEventHandler(handlerOptions), {
      context: context({ TWILIO_WORKSPACE_SID: undefined }),
      event: first.event,
    });
    expect(withoutWorkspace.statusCode).toBe(204);
    expect(taskRouter.requests.length).toBe(before);
    expect(logged.some((line) => line.includes('saving without fetching the tasks again'))).toBe(true);

    const second = await storedAndCompleted();
    taskRouter.fail(500);
    const failing = await invoke(createWrapupEventHandler(handlerOptions), {
      context: context(),
      event: second.event,
    });
    expect(failing.statusCode).toBe(204);
    expect(ends().map((r) => (r.body as { call_id: string }).call_id)).toEqual([first.callId, second.callId]);
  });

  it('saves on task.completed only, by default: a wrap-up being edited is not saved early', async () => {
    const call = await routedCall();
    expect(await agentSaves(call.taskSid, WRAP_UP, 'store')).toMatchObject({ status: 'stored' });
    const attributes = JSON.stringify(taskRouter.attributes(call.taskSid));
    const handler = createWrapupEventHandler(handlerOptions);
    for (const type of ['task.wrapup', 'reservation.wrapup', 'reservation.completed']) {
      const answer = await invoke(handler, {
        context: context(),
        event: { ...callback(type, attributes), TaskSid: call.taskSid },
      });
      expect(answer.statusCode).toBe(204);
    }
    expect(ends()).toEqual([]);
    // Still an option.
    const early = createWrapupEventHandler({ ...handlerOptions, eventTypes: ['task.wrapup'] });
    await invoke(early, {
      context: context(),
      event: { ...callback('task.wrapup', attributes), TaskSid: call.taskSid },
    });
    expect(ends().map((r) => r.status)).toEqual([200]);
  });

  it('refuses a taskRouter option that is not a function', () => {
    expect(() => createWrapupEventHandler({ taskRouter: {} as never })).toThrow('taskRouter');
  });
});
