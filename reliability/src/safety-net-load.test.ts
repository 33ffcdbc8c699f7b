/**
 * Safety net load: what the wrap-up event Function costs the Sticky Calls API when
 * Event Streams delivers the same event many times at once, and when it delivers a
 * batch larger than the account's rate limit allows. Event Streams is at-least-once
 * and redelivers a whole batch on a non-2xx answer (there is no per-event
 * acknowledgement), so a delivery must start no more saves than the bound, stop once
 * the API says 429, ask for a redelivery, and the redeliveries must cost only what was
 * not saved. The API is the emulator limited to 100 requests a minute on a clock the
 * test moves; TaskRouter is the adapter's stand-in, reached through the real Twilio
 * client; both behind msw.
 */
import { WRAP_UP_ATTRIBUTE_KEY } from '@stickycalls/core';
import { createEmulator, type Emulator } from '@stickycalls/core/testing';
import { stickyCallsHandlers } from '@stickycalls/core/testing/msw';
import { createWrapupEventHandler } from '@stickycalls/twilio-function-adapter';
import { FakeResponse } from '@stickycalls/twilio-function-adapter/testing';
import {
  createTaskRouterStandIn,
  taskRouterHandlers,
} from '@stickycalls/twilio-function-adapter/testing/taskrouter';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  ACCOUNT_SID,
  API_KEY,
  AUTH_TOKEN,
  BASE_URL,
  captureBody,
  completeTask,
  emulatedApi,
  handlerOptions,
  type RoutedCall,
  routedCall,
  run,
  WORKSPACE_SID,
} from './kit.js';
import { notes } from './notes.js';

const PER_MINUTE = 100;
const BATCH = 500;
/** The bound the Functions are given: the adapter's default. */
const BOUND = 8;

let clock = Date.parse('2026-03-02T09:00:00Z');
/** Moves the API's clock past its rolling rate-limit window. */
const nextWindow = (): void => {
  clock += 61_000;
};

/** The API, limited to 100 requests a minute, and what it held at once. */
const limited = createEmulator({
  apiKeys: [API_KEY],
  rateLimitPerMinute: PER_MINUTE,
  now: () => new Date(clock),
});
const load = { inFlight: 0, maxInFlight: 0, rateLimited: false, endsStartedAfter429: 0 };
const resetLoad = (): void => {
  Object.assign(load, { inFlight: 0, maxInFlight: 0, rateLimited: false, endsStartedAfter429: 0 });
};
const measured: Emulator = {
  ...limited,
  async handle(request) {
    const end = new URL(request.url).pathname.endsWith('/end');
    if (end && load.rateLimited) load.endsStartedAfter429 += 1;
    load.inFlight += 1;
    load.maxInFlight = Math.max(load.maxInFlight, load.inFlight);
    try {
      const response = await limited.handle(request);
      if (end && response.status === 429) load.rateLimited = true;
      return response;
    } finally {
      load.inFlight -= 1;
    }
  },
};
/** This file's TaskRouter: kept across the cases, unlike the kit's, so one batch is built once. */
const tasks = createTaskRouterStandIn({
  accountSid: ACCOUNT_SID,
  authToken: AUTH_TOKEN,
  workspaceSid: WORKSPACE_SID,
});
emulatedApi(...stickyCallsHandlers(measured, BASE_URL), ...taskRouterHandlers(tasks));

/** Requests before this index belong to an earlier case. */
let from = 0;
const ends = () => limited.requests.slice(from).filter((request) => request.operation === 'end');
const endedCallIds = () =>
  ends()
    .filter((end) => end.status === 200)
    .map((end) => (end.body as { call_id: string }).call_id);
/**
 * The Function, with the longest deadline Functions allow: the figures then depend on the
 * rate limit, not on how fast this machine runs a hundred saves through msw.
 */
const TIMEOUT_MS = 9000;
const handler = () =>
  createWrapupEventHandler({
    ...handlerOptions,
    Response: FakeResponse,
    concurrency: BOUND,
    timeoutMs: TIMEOUT_MS,
  });
/** A delivery, and how long it took to answer. */
async function deliver(safetyNet: ReturnType<typeof handler>, event: Record<string, unknown>) {
  const started = performance.now();
  const answer = await run(safetyNet, event);
  const ms = Math.round(performance.now() - started);
  expect(ms).toBeLessThan(TIMEOUT_MS);
  return { statusCode: answer.statusCode, ms };
}

/**
 * A completed call's task with the agent's stored wrap-up on it, and the CloudEvent
 * Event Streams sends for its completion. Each call starts in a window of its own.
 */
async function completedWithWrapUp(): Promise<{ call: RoutedCall; cloudEvent: Record<string, unknown> }> {
  const call = await routedCall(tasks);
  nextWindow();
  tasks.write(call.taskSid, (attributes) => ({
    ...attributes,
    [WRAP_UP_ATTRIBUTE_KEY]: {
      call_id: call.callId,
      customer_ref: call.customerRef,
      intent: 'refund_request',
      intent_status: 'open',
      variables: { summary: 'Label sent' },
      saved: false,
    },
  }));
  completeTask(tasks, call.taskSid);
  const cloudEvent = {
    specversion: '1.0',
    type: 'com.twilio.taskrouter.task.completed',
    id: `EZ${call.taskSid.slice(2)}`,
    data: {
      payload: {
        eventtype: 'task.completed',
        task_sid: call.taskSid,
        task_attributes: JSON.stringify(tasks.attributes(call.taskSid)),
      },
    },
  };
  captureBody(cloudEvent);
  return { call, cloudEvent };
}

/** A batch of CloudEvents as Twilio's runtime hands it to a Function: spread by index. */
const delivery = (cloudEvents: readonly Record<string, unknown>[]) =>
  Object.fromEntries(cloudEvents.map((cloudEvent, index) => [String(index), cloudEvent]));

describe('one event delivered twenty times at once', () => {
  it('reaches the API once from a warm instance: one calls.end, every delivery answered 204', async () => {
    const { call, cloudEvent } = await completedWithWrapUp();
    from = limited.requests.length;
    const safetyNet = handler();
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => run(safetyNet, delivery([cloudEvent]))),
    );
    expect(answers.map((answer) => answer.statusCode)).toEqual(Array(20).fill(204));
    expect(ends().map((end) => end.status)).toEqual([200]);
    expect(endedCallIds()).toEqual([call.callId]);
    notes.push(`20 concurrent deliveries of one event: ${ends().length} calls.end`);
  });
});

describe(`a batch of ${BATCH} events against an API allowing ${PER_MINUTE} requests a minute`, () => {
  const batch: { call: RoutedCall; cloudEvent: Record<string, unknown> }[] = [];
  const safetyNet = handler();
  const event = () => delivery(batch.map((one) => one.cloudEvent));

  beforeAll(async () => {
    for (let index = 0; index < BATCH; index += 1) batch.push(await completedWithWrapUp());
    nextWindow();
    from = limited.requests.length;
  }, 60_000);

  it(`delivers it once: at most ${BOUND} saves in flight, none started after the first 429 beyond those under way, 503`, async () => {
    resetLoad();
    const answer = await deliver(safetyNet, event());
    expect(answer.statusCode).toBe(503);
    expect(load.maxInFlight).toBeLessThanOrEqual(BOUND);
    expect(load.rateLimited).toBe(true);
    // Only saves already under way when the first 429 came may still reach the API.
    expect(load.endsStartedAfter429).toBeLessThan(BOUND);
    expect(endedCallIds()).toHaveLength(PER_MINUTE);
    expect(ends().length).toBeLessThanOrEqual(PER_MINUTE + BOUND);
    notes.push(
      `${BATCH}-event batch at ${PER_MINUTE}/min: in flight at most ${load.maxInFlight} (bound ${BOUND}); ` +
        `first delivery ${ends().length} calls.end (${endedCallIds().length} saved), ` +
        `${load.endsStartedAfter429} started after the first 429, answered in ${answer.ms} ms`,
    );
  });

  it('redelivered after each window, it costs only what was not saved: 500 calls.end landed, none twice', async () => {
    const perDelivery: number[] = [ends().length];
    let answer = { statusCode: 503, ms: 0 };
    while (answer.statusCode === 503 && perDelivery.length < 10) {
      nextWindow();
      resetLoad();
      const before = ends().length;
      answer = await deliver(safetyNet, event());
      perDelivery.push(ends().length - before);
      expect(load.maxInFlight).toBeLessThanOrEqual(BOUND);
    }
    expect(answer.statusCode).toBe(204);
    for (const calls of perDelivery) expect(calls).toBeLessThanOrEqual(PER_MINUTE + BOUND);
    const landed = endedCallIds();
    expect(landed).toHaveLength(BATCH);
    expect(new Set(landed).size).toBe(BATCH);
    expect(new Set(landed)).toEqual(new Set(batch.map((one) => one.call.callId)));
    // The warm instance remembered what it saved: no redelivery even met a 409.
    expect(ends().filter((end) => end.status === 409)).toEqual([]);
    // Each task now says its wrap-up is saved.
    expect(
      batch.filter(
        (one) =>
          (tasks.attributes(one.call.taskSid)[WRAP_UP_ATTRIBUTE_KEY] as { saved?: unknown }).saved === true,
      ),
    ).toHaveLength(BATCH);
    notes.push(`calls.end per delivery: ${perDelivery.join(', ')} (${perDelivery.length} deliveries)`);
  });

  it('given to a cold instance once all are saved, it sends nothing to the API: each task says saved', async () => {
    expect(endedCallIds()).toHaveLength(BATCH);
    nextWindow();
    const before = ends().length;
    const answer = await deliver(handler(), event());
    expect(answer.statusCode).toBe(204);
    expect(ends().length - before).toBe(0);
    notes.push(`a cold instance given the saved batch: 0 calls.end, answered in ${answer.ms} ms`);
  });
});
