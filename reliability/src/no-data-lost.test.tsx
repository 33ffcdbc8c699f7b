// @vitest-environment jsdom
/**
 * No data lost, end to end: the Flex plugin (registerCallerContext in flex-react's typed
 * Flex fake) posts the agent's wrap-up to the real save Function, which saves through
 * the real client to the emulator. When the save fails, the wrap-up stays on the task's
 * attributes, unsaved, and is saved later by the notification's Retry or by the wrap-up
 * event Function (TaskRouter's safety net); whichever comes second finds it saved, and
 * the API records it once.
 */
import { createStickyCallsClient, readWrapUp } from '@stickycalls/core';
import { registerCallerContext } from '@stickycalls/flex-react';
import {
  createCallerContextHandler,
  createSaveContextHandler,
  createWrapupEventHandler,
} from '@stickycalls/twilio-function-adapter';
import { FakeResponse, stubTokenValidator } from '@stickycalls/twilio-function-adapter/testing';
import { act, cleanup, fireEvent, within } from '@testing-library/react';
import { HttpResponse, http } from 'msw';
import { afterEach, describe, expect, it } from 'vitest';
import {
  completeTask,
  createFakeFlex,
  type FakeFlex,
  FakeTask,
  renderSlot,
  wrapUpForm,
} from '../../packages/flex-react/src/__tests__/fake-flex.js';
import { NOTIFICATION_IDS } from '../../packages/flex-react/src/wrap-up-saver.js';
import {
  API_KEY,
  BASE_URL,
  CALLER,
  callSid,
  captureBody,
  emulatedApi,
  FLEX_TOKEN,
  functionContext,
  handlerOptions,
  run,
  WORKER_SID,
} from './kit.js';

const SAVE_URL = 'https://sticky-calls-1234.twil.io/save-context';
const TASK_SID = `WT${'3'.repeat(32)}`;

const saveFunction = createSaveContextHandler({
  ...handlerOptions,
  Response: FakeResponse,
  timeoutMs: 1000,
  validateToken: stubTokenValidator({ [FLEX_TOKEN]: { worker_sid: WORKER_SID, roles: ['agent'] } }),
  canActOnTask: () => true,
});
/** The save Function at its URL: each request runs the real handler. */
const saveRoute = http.post(SAVE_URL, async ({ request }) => {
  const event = (await request.json()) as Record<string, unknown>;
  const answer = await run(saveFunction, event);
  return new HttpResponse(JSON.stringify(answer.body), {
    status: answer.statusCode,
    headers: { 'Content-Type': 'application/json' },
  });
});
const { emulator } = emulatedApi(saveRoute);
afterEach(() => cleanup());

const sticky = createStickyCallsClient({ apiKey: API_KEY, baseUrl: BASE_URL });

/** A returning caller with an open refund request, on a wrapping voice task, as the start Function left it. */
async function wrappingTask(): Promise<{ task: FakeTask; callId: string }> {
  const first = await sticky.calls.start({ call_id: callSid(), identity_hints: { ani: CALLER } });
  await sticky.calls.end({
    call_id: first.call_id ?? '',
    customer_ref: first.customer_ref,
    intent: 'refund_request',
    intent_status: 'open',
  });
  const callId = callSid();
  const start = createCallerContextHandler({ ...handlerOptions, Response: FakeResponse });
  const answer = await run(start, { CallSid: callId, From: CALLER, To: '+18005550100' }, functionContext());
  const attributes = { call_sid: callId, from: CALLER, direction: 'inbound', ...(answer.body as object) };
  return { task: new FakeTask({ taskSid: TASK_SID, status: 'wrapping', attributes }), callId };
}

function register(flex: FakeFlex) {
  return registerCallerContext(
    flex,
    { user: { token: FLEX_TOKEN }, strings: {} },
    { saveContextUrl: SAVE_URL, completionTimeoutMs: 600, retryTimeoutMs: 3000 },
  );
}

function agentFillsWrapUp(): void {
  const form = within(wrapUpForm());
  fireEvent.click(form.getByRole('radio', { name: /^Refund request/ }));
  fireEvent.click(form.getByRole('radio', { name: 'Resolved' }));
  fireEvent.change(form.getByLabelText('Summary note'), { target: { value: 'Refund issued to the card' } });
}

async function until(condition: () => boolean, what: string): Promise<void> {
  await act(async () => {
    for (let i = 0; i < 300 && !condition(); i += 1) await new Promise((resolve) => setTimeout(resolve, 10));
  });
  if (!condition()) throw new Error(`timed out waiting for ${what}`);
}

const wrapUpOnTask = (task: FakeTask) => readWrapUp(task.attributes);
/** What the API holds for the caller: the intent's status and attempts, and the saved summary. */
const apiHolds = () => {
  const customer = emulator.customers()[0];
  return {
    intent: customer?.intents.get('refund_request'),
    summary: customer?.variables.get('summary')?.value,
  };
};
const SAVED = { intent: { status: 'resolved', attemptCount: 1 }, summary: 'Refund issued to the card' };

/** The agent completes the task while the API refuses every save: the task completes, the wrap-up stays on it. */
async function completeWhileTheApiFails(flex: FakeFlex, task: FakeTask): Promise<void> {
  renderSlot(flex.TaskCanvas.Content, task);
  agentFillsWrapUp();
  emulator.inject({ type: 'status', status: 503, operation: 'end', times: 1000 });
  const endsBefore = emulator.usage.end;
  const outcome = await completeTask(flex, task);
  expect(outcome).toEqual({ aborted: false, abortedLate: false });
  const stored = wrapUpOnTask(task);
  expect(stored).toMatchObject({
    state: 'ready',
    wrapUp: { intent: 'refund_request', intent_status: 'resolved', saved: false },
  });
  expect(emulator.usage.end).toBe(endsBefore);
  expect(flex.Notifications.activeIds()).toContain(NOTIFICATION_IDS.saveFailed);
  emulator.clearFaults();
}

function taskEvent(task: FakeTask, type = 'task.completed') {
  const event = { EventType: type, TaskSid: task.taskSid, TaskAttributes: JSON.stringify(task.attributes) };
  captureBody(event);
  return event;
}

describe('a wrap-up whose save fails is not lost', () => {
  it('stays on the task, and the Retry action saves it; the safety net then leaves it alone', async () => {
    const flex = createFakeFlex();
    const dispose = register(flex);
    const { task } = await wrappingTask();
    await completeWhileTheApiFails(flex, task);

    flex.Notifications.clickAction(NOTIFICATION_IDS.saveFailed);
    await until(
      () => flex.Notifications.activeIds().includes(NOTIFICATION_IDS.saved),
      'the saved notification',
    );
    expect(wrapUpOnTask(task)).toMatchObject({ state: 'ready', wrapUp: { saved: true } });
    expect(apiHolds()).toEqual(SAVED);
    const ends = emulator.usage.end;

    const net = await run(
      createWrapupEventHandler({ ...handlerOptions, Response: FakeResponse }),
      taskEvent(task),
    );
    expect(net.statusCode).toBe(204);
    expect(emulator.usage.end).toBe(ends);
    expect(apiHolds()).toEqual(SAVED);
    dispose();
  });

  it('stays on the task, and the wrap-up event saves it once, however often it is delivered; a later Retry finds it saved', async () => {
    const flex = createFakeFlex();
    const dispose = register(flex);
    const { task } = await wrappingTask();
    await completeWhileTheApiFails(flex, task);
    const ends = emulator.usage.end;

    const event = taskEvent(task);
    const warm = createWrapupEventHandler({ ...handlerOptions, Response: FakeResponse });
    expect((await run(warm, event)).statusCode).toBe(204);
    expect(apiHolds()).toEqual(SAVED);
    expect(emulator.usage.end).toBe(ends + 1);
    // Redelivered, to the same instance and to a cold one, and as reservation.wrapup too.
    expect((await run(warm, event)).statusCode).toBe(204);
    const cold = createWrapupEventHandler({ ...handlerOptions, Response: FakeResponse });
    expect((await run(cold, taskEvent(task, 'reservation.wrapup'))).statusCode).toBe(204);
    expect(emulator.usage.end).toBe(ends + 1);

    // The agent's Retry, afterwards: already saved, nothing saved twice.
    flex.Notifications.clickAction(NOTIFICATION_IDS.saveFailed);
    await until(
      () => flex.Notifications.activeIds().includes(NOTIFICATION_IDS.alreadySaved),
      'the already-saved notice',
    );
    expect(wrapUpOnTask(task)).toMatchObject({ state: 'ready', wrapUp: { saved: true } });
    expect(emulator.usage.end).toBe(ends + 1);
    expect(apiHolds()).toEqual(SAVED);
    dispose();
  });

  it('is saved at completion when the API works (the control case), and once', async () => {
    const flex = createFakeFlex();
    const dispose = register(flex);
    const { task } = await wrappingTask();
    renderSlot(flex.TaskCanvas.Content, task);
    agentFillsWrapUp();
    const ends = emulator.usage.end;
    await completeTask(flex, task);
    expect(wrapUpOnTask(task)).toMatchObject({ state: 'ready', wrapUp: { saved: true } });
    expect(emulator.usage.end).toBe(ends + 1);
    expect(apiHolds()).toEqual(SAVED);
    dispose();
  });
});
