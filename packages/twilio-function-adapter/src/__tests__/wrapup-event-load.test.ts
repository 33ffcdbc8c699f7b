/**
 * The safety net under load: the same event delivered many times at once, batches
 * larger than the API's rate limit allows, batches larger than the deadline allows.
 * Event Streams redelivers a whole batch on a non-2xx answer, so what matters is what
 * each delivery costs the API and that, over the redeliveries, every wrap-up lands once.
 */
import { WRAP_UP_ATTRIBUTE_KEY } from '@stickycalls/core';
import { createEmulator, type Emulator } from '@stickycalls/core/testing';
import { stickyCallsHandlers } from '@stickycalls/core/testing/msw';
import { describe, expect, it } from 'vitest';
import { createWrapupEventHandler, type WrapupEventHandlerOptions } from '../index.js';
import { FakeResponse, invoke } from '../testing/index.js';
import { API_KEY, BASE_URL, callSid, useApi } from './kit.js';
import { logged } from './setup.js';

const { emulator, server, context, callTask } = useApi();
const handlerOptions = { Response: FakeResponse, client: { retry: { initialDelayMs: 10 } } };

/** A call's task attributes with a wrap-up stored on them; `wrapUp` fields override the call's own. */
async function wrapUpAttributes(
  wrapUp: Record<string, unknown> = {},
): Promise<{ callId: string; attributes: string }> {
  const call = await callTask();
  const stored = {
    call_id: call.callId,
    customer_ref: call.customerRef,
    intent: 'refund_request',
    intent_status: 'open',
    variables: { summary: 'Label sent' },
    saved: false,
    ...wrapUp,
  };
  return {
    callId: call.callId,
    attributes: JSON.stringify({ ...call.attributes, [WRAP_UP_ATTRIBUTE_KEY]: stored }),
  };
}

/** One TaskRouter event as Event Streams sends it. */
const cloudEvent = (attributes: string) => ({
  specversion: '1.0',
  type: 'com.twilio.taskrouter.task.completed',
  data: { payload: { eventtype: 'task.completed', task_attributes: attributes } },
});
/** A batch of CloudEvents as Twilio's runtime hands it to a Function: spread by index. */
const batch = (attributes: readonly string[]) =>
  Object.fromEntries(attributes.map((one, index) => [String(index), cloudEvent(one)]));

/** A workspace event callback, form-encoded as TaskRouter posts it. */
const callback = (attributes: string) => ({
  EventType: 'task.completed',
  Sid: `EV${'1'.repeat(32)}`,
  TaskSid: `WT${'2'.repeat(32)}`,
  TaskAttributes: attributes,
});

/**
 * An emulator limited to `perMinute` requests on a clock the test moves, behind msw in
 * place of the file's own, counting the requests it holds at once.
 */
function rateLimitedApi(perMinute: number) {
  let clock = Date.parse('2026-03-02T09:00:00Z');
  const limited = createEmulator({
    apiKeys: [API_KEY],
    rateLimitPerMinute: perMinute,
    now: () => new Date(clock),
  });
  const load = { inFlight: 0, maxInFlight: 0 };
  const measured: Emulator = {
    ...limited,
    async handle(request) {
      load.inFlight += 1;
      load.maxInFlight = Math.max(load.maxInFlight, load.inFlight);
      try {
        return await limited.handle(request);
      } finally {
        load.inFlight -= 1;
      }
    },
  };
  server.use(...stickyCallsHandlers(measured, BASE_URL));
  let from = 0;
  return {
    limited,
    load,
    /** Moves the clock past the rate limit's rolling window. */
    nextWindow: () => {
      clock += 61_000;
    },
    /** From now on, only what follows counts. */
    mark: () => {
      from = limited.requests.length;
      load.maxInFlight = 0;
    },
    ends: () => limited.requests.slice(from).filter((request) => request.operation === 'end'),
  };
}

/** Wrap-ups stored on `count` calls started against `api`, one rate-limit window each. */
async function storedWrapUps(api: ReturnType<typeof rateLimitedApi>, count: number) {
  const stored: { callId: string; attributes: string }[] = [];
  for (let index = 0; index < count; index += 1) {
    stored.push(await wrapUpAttributes());
    api.nextWindow();
  }
  return stored;
}

const endedCallIds = (ends: readonly { status: number; body: unknown }[]) =>
  ends.filter((end) => end.status === 200).map((end) => (end.body as { call_id: string }).call_id);

describe('the safety net under load', () => {
  it('makes one calls.end for twenty concurrent deliveries of one event to a warm instance', async () => {
    const { attributes } = await wrapUpAttributes();
    const handler = createWrapupEventHandler(handlerOptions);
    const event = callback(attributes);
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => invoke(handler, { context: context(), event })),
    );
    expect(answers.map((answer) => answer.statusCode)).toEqual(Array(20).fill(204));
    expect(
      emulator.requests.filter((request) => request.operation === 'end').map((request) => request.status),
    ).toEqual([200]);
  });

  it('shares the first delivery’s failure with the deliveries waiting on it; a later one tries again', async () => {
    const { attributes } = await wrapUpAttributes();
    emulator.inject({ type: 'status', status: 503, operation: 'end', times: 50 });
    const handler = createWrapupEventHandler({
      ...handlerOptions,
      client: { retry: false },
      timeoutMs: 1000,
    });
    const event = callback(attributes);
    const answers = await Promise.all(
      Array.from({ length: 5 }, () => invoke(handler, { context: context(), event })),
    );
    expect(answers.map((answer) => answer.statusCode)).toEqual(Array(5).fill(503));
    const ends = () => emulator.requests.filter((request) => request.operation === 'end');
    expect(ends().map((request) => request.status)).toEqual([503]);

    emulator.clearFaults();
    expect((await invoke(handler, { context: context(), event })).statusCode).toBe(204);
    expect(ends().map((request) => request.status)).toEqual([503, 200]);
  });

  it('bounds a batch to `concurrency` saves at once, stops at the first 429, and redeliveries save the rest once', async () => {
    const api = rateLimitedApi(10);
    const stored = await storedWrapUps(api, 40);
    api.mark();
    const handler = createWrapupEventHandler({ ...handlerOptions, concurrency: 4 });
    const event = batch(stored.map((one) => one.attributes));

    const perDelivery: number[] = [];
    let answer = await invoke(handler, { context: context(), event });
    perDelivery.push(api.ends().length);
    expect(answer.statusCode).toBe(503);
    expect(api.load.maxInFlight).toBeLessThanOrEqual(4);
    expect(endedCallIds(api.ends())).toHaveLength(10);
    // The ten the window allows, then at most the saves already under way when the 429 came.
    expect(api.ends().length).toBeLessThanOrEqual(10 + 4);

    while (answer.statusCode === 503 && perDelivery.length < 10) {
      api.nextWindow();
      answer = await invoke(handler, { context: context(), event });
      perDelivery.push(api.ends().length - perDelivery.reduce((sum, count) => sum + count, 0));
    }
    expect(answer.statusCode).toBe(204);
    expect(perDelivery).toHaveLength(4);
    for (const count of perDelivery) expect(count).toBeLessThanOrEqual(10 + 4);
    const ended = endedCallIds(api.ends());
    expect(new Set(ended).size).toBe(40);
    expect(ended.sort()).toEqual(stored.map((one) => one.callId).sort());
    // The warm instance remembered what it saved: no redelivery even met a 409.
    expect(api.ends().filter((end) => end.status === 409)).toEqual([]);
    expect(api.load.maxInFlight).toBeLessThanOrEqual(4);
  });

  it('stops starting saves when the deadline is near, answers in time, and the redeliveries save the rest once', async () => {
    const stored = await Promise.all(Array.from({ length: 10 }, () => wrapUpAttributes()));
    emulator.inject({ type: 'delay', ms: 300, operation: 'end', times: 100 });
    const handler = createWrapupEventHandler({ ...handlerOptions, concurrency: 1, timeoutMs: 1000 });
    const event = batch(stored.map((one) => one.attributes));
    const ends = () => emulator.requests.filter((request) => request.operation === 'end');

    const started = performance.now();
    const first = await invoke(handler, { context: context(), event, settleMs: 0 });
    // The handler answers 250 ms before its 1 s deadline; the rest is room for a busy machine.
    expect(performance.now() - started).toBeLessThan(1500);
    expect(first.statusCode).toBe(503);
    expect(ends().length).toBeGreaterThan(0);
    expect(ends().length).toBeLessThan(10);

    let answer = first;
    for (let delivery = 1; answer.statusCode === 503 && delivery < 12; delivery += 1)
      answer = await invoke(handler, { context: context(), event, settleMs: 0 });
    expect(answer.statusCode).toBe(204);
    expect(ends().map((end) => end.status)).toEqual(Array(10).fill(200));
    expect(new Set(endedCallIds(ends())).size).toBe(10);
  });

  it('logs one summary line for a large batch, and a line per wrap-up for a small one', async () => {
    const genuine = await Promise.all(Array.from({ length: 28 }, () => wrapUpAttributes()));
    const forged = await Promise.all(
      Array.from({ length: 2 }, () => wrapUpAttributes({ call_id: callSid() })),
    );
    const handler = createWrapupEventHandler(handlerOptions);
    const before = logged.length;
    const answer = await invoke(handler, {
      context: context(),
      event: batch([...genuine, ...forged].map((one) => one.attributes)),
    });
    expect(answer.statusCode).toBe(204);
    const lines = logged.slice(before);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /wrapup-event: 30 wrap-ups in the batch: 28 saved, 0 already saved, 2 refused, 0 not saved, 0 left for redelivery/,
    );
    // What was refused is still named: the first warning of the batch.
    expect(lines[0]).toContain('wrap-up not saved');

    const small = await wrapUpAttributes();
    const beforeSmall = logged.length;
    await invoke(handler, { context: context(), event: batch([small.attributes]) });
    expect(logged.slice(beforeSmall)).toEqual([
      expect.stringContaining(`wrapup-event call=${small.callId}: saved by the safety net`),
    ]);
  });

  it('answers an Event Streams delivery within the 5 s its webhook sinks wait, by default', async () => {
    const { attributes } = await wrapUpAttributes();
    emulator.inject({ type: 'hang', operation: 'end', times: 10 });
    const started = performance.now();
    const answer = await invoke(createWrapupEventHandler(handlerOptions), {
      context: context(),
      event: batch([attributes]),
      settleMs: 0,
    });
    expect(performance.now() - started).toBeLessThan(5000);
    expect(answer.statusCode).toBe(503);
  }, 15_000);

  it('refuses a concurrency that is not a whole number from 1 to 100', () => {
    for (const concurrency of [0, -1, 1.5, 101, Number.NaN, '8'])
      expect(() => createWrapupEventHandler({ concurrency } as unknown as WrapupEventHandlerOptions)).toThrow(
        'concurrency',
      );
    for (const concurrency of [1, 100])
      expect(() => createWrapupEventHandler({ ...handlerOptions, concurrency })).not.toThrow();
  });
});
