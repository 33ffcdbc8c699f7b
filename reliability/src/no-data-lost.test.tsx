// @vitest-environment jsdom
/**
 * No data lost, end to end, on Flex's own runtime (`@twilio/flex-ui` 2.17.1, loaded by
 * flex-react's harness): the plugin (registerCallerContext with Flex's real Actions,
 * Notifications, NotificationBar and content stores) posts the agent's wrap-up to the
 * real save Function (in process, at its URL behind msw), which reads the task from the
 * TaskRouter stand-in through the real Twilio client and saves through the real client
 * to the emulator. Before the completion goes ahead the wrap-up is stored on the task;
 * when the save after it fails, the wrap-up stays on the task, unsaved, and is saved
 * later by the Retry of Flex's real notification or by the wrap-up event Function
 * (TaskRouter's safety net), once, however often the event is delivered; whichever
 * comes second finds it saved, and the API records it once.
 */
import { createStickyCallsClient, readWrapUp, type WrapUp } from '@stickycalls/core';
import {
  fillTemplate,
  formatPhoneNumber,
  NOTIFICATION_IDS,
  registerCallerContext,
  DEFAULT_STRINGS as S,
} from '@stickycalls/flex-react';
import { createSaveContextHandler, createWrapupEventHandler } from '@stickycalls/twilio-function-adapter';
import { FakeResponse, stubTokenValidator } from '@stickycalls/twilio-function-adapter/testing';
import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import { HttpResponse, http } from 'msw';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type CompleteTaskPayload,
  makeTask,
  markCompleted,
  renderNotificationBar,
  renderTaskSlot,
  replaceCompleteTask,
  type StandInTask,
  useFlexRuntime,
} from '../../packages/flex-react/src/__tests__/flex-runtime/harness.js';
import { loadedFlex } from '../../packages/flex-react/src/__tests__/flex-runtime/load.js';
import {
  API_KEY,
  BASE_URL,
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

const SAVE_URL = 'https://sticky-calls-1234.twil.io/save-context';

const saveFunction = createSaveContextHandler({
  ...handlerOptions,
  Response: FakeResponse,
  timeoutMs: 3000,
  validateToken: stubTokenValidator({ [FLEX_TOKEN]: { worker_sid: WORKER_SID, roles: ['agent'] } }),
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
// msw first (the file's hooks), then Flex (the describe's): Flex's offline shim of fetch wraps msw's.
const { emulator, taskRouter } = emulatedApi(saveRoute);
/** Flex's real module, once the describe's `useFlexRuntime` loaded it. */
const getFlex = loadedFlex;

let dispose: (() => void) | undefined;

const sticky = createStickyCallsClient({ apiKey: API_KEY, baseUrl: BASE_URL });

/**
 * A returning caller with an open refund request, on a voice task the agent is wrapping
 * up: in TaskRouter as Studio and the call-start Function left it, and in Flex.
 */
async function wrappingTask(): Promise<StandInTask> {
  const first = await sticky.calls.start({ call_id: callSid(), identity_hints: { ani: CALLER } });
  await sticky.calls.end({
    call_id: first.call_id ?? '',
    customer_ref: first.customer_ref,
    intent: 'refund_request',
    intent_status: 'open',
  });
  const task = makeTask({ status: 'wrapping', taskStatus: 'wrapping' });
  const call = await routedCall(taskRouter, { taskSid: task.taskSid });
  task.attributes = call.attributes;
  return task;
}

/** The plugin, registered in Flex's real runtime as a plugin's init does it. */
function register(): void {
  dispose = registerCallerContext(
    getFlex(),
    { user: { token: FLEX_TOKEN }, strings: {} },
    { saveContextUrl: SAVE_URL, completionTimeoutMs: 5000, retryTimeoutMs: 2500 },
  );
}

/** Completing in Flex: the stand-in body marks the task completed, in Flex and in TaskRouter. */
function completionGoesAhead(): { storedAtCompletion: () => WrapUp | undefined } {
  let stored: WrapUp | undefined;
  replaceCompleteTask((payload: CompleteTaskPayload) => {
    const state = readWrapUp(taskRouter.attributes(payload.task.taskSid));
    stored = state.state === 'ready' ? state.wrapUp : undefined;
    markCompleted(payload);
    completeTask(taskRouter, payload.task.taskSid);
  });
  return { storedAtCompletion: () => stored };
}

function agentFillsWrapUp(): void {
  const form = within(screen.getByRole('region', { name: S.StickyCallsWrapUpTitle }));
  fireEvent.click(form.getByRole('radio', { name: /^Refund request/ }));
  fireEvent.click(form.getByRole('radio', { name: S.StickyCallsStatus_resolved }));
  fireEvent.change(form.getByLabelText(S.StickyCallsWrapUpSummary), {
    target: { value: 'Refund issued to the card' },
  });
}

const wrapUpOnTask = (task: StandInTask) => readWrapUp(taskRouter.attributes(task.taskSid));
/** What the API holds for the caller: the intent's status and attempts, and the saved summary. */
const apiHolds = () => {
  const customer = emulator.customers()[0];
  return {
    intent: customer?.intents.get('refund_request'),
    summary: customer?.variables.get('summary')?.value,
  };
};
const SAVED = { intent: { status: 'resolved', attemptCount: 1 }, summary: 'Refund issued to the card' };
const activeIds = () => getFlex().Notifications.activeNotifications.map((shown) => shown.id);
/** What the agent reads once the wrap-up is saved: the call it belongs to, named by the caller's number. */
const SAVED_TEXT = fillTemplate(S.StickyCallsNotifySaved, {
  task: `voice call from ${formatPhoneNumber(CALLER)}`,
});
/** The saved notification's text (the number sits in an isolate of its own, so the sentence spans elements). */
const savedNotice = () =>
  screen.getByText(
    (_content, element) =>
      element !== null &&
      element.textContent === SAVED_TEXT &&
      ![...element.children].some((child) => child.textContent === SAVED_TEXT),
  );
/** The Retry button of Flex's real NotificationBar, named by Flex's "{{type}} {{task}} task" template. */
const retryButton = () =>
  screen.getByRole('button', { name: new RegExp(`^${S.StickyCallsRetry} voice call from .+ task$`) });

/**
 * The agent completes the task while the API refuses every save: the wrap-up was stored
 * on the task before the completion went ahead, the task completes, the save after it
 * fails, and Flex shows the failure with its Retry.
 */
async function completeWhileTheApiFails(task: StandInTask): Promise<void> {
  renderNotificationBar();
  renderTaskSlot(getFlex().TaskCanvas.Content, task);
  agentFillsWrapUp();
  const completion = completionGoesAhead();
  emulator.inject({ type: 'status', status: 503, operation: 'end', times: 1000 });
  const endsBefore = emulator.usage.end;

  await getFlex().Actions.invokeAction('CompleteTask', { task });
  expect(task.status).toBe('completed');
  expect(completion.storedAtCompletion()).toMatchObject({
    intent: 'refund_request',
    intent_status: 'resolved',
    variables: { summary: 'Refund issued to the card' },
    saved: false,
  });
  await waitFor(() => expect(retryButton()).toBeTruthy(), { timeout: 8000 });
  expect(activeIds()).toContain(NOTIFICATION_IDS.saveFailed);
  expect(wrapUpOnTask(task)).toMatchObject({
    state: 'ready',
    wrapUp: { intent: 'refund_request', intent_status: 'resolved', saved: false },
  });
  expect(emulator.requests.filter((r) => r.operation === 'end').length).toBeGreaterThan(0);
  expect(emulator.usage.end).toBe(endsBefore);
  expect(apiHolds().intent).toEqual({ status: 'open', attemptCount: 1 });
  emulator.clearFaults();
}

describe('a wrap-up whose save fails is not lost', () => {
  useFlexRuntime();
  // Before Flex is reset (hooks run last registered first): the plugin takes back what it added.
  afterEach(() => {
    dispose?.();
    dispose = undefined;
    localStorage.clear();
  });

  it('stays on the task, and the Retry of Flex’s notification saves it; the safety net then leaves it alone', async () => {
    register();
    const task = await wrappingTask();
    await completeWhileTheApiFails(task);

    fireEvent.click(retryButton());
    await waitFor(() => expect(savedNotice()).toBeTruthy(), { timeout: 8000 });
    expect(activeIds()).not.toContain(NOTIFICATION_IDS.saveFailed);
    expect(wrapUpOnTask(task)).toMatchObject({ state: 'ready', wrapUp: { saved: true } });
    expect(apiHolds()).toEqual(SAVED);
    const ends = emulator.usage.end;

    const net = await run(
      createWrapupEventHandler({ ...handlerOptions, Response: FakeResponse }),
      taskEvent(task.taskSid, taskRouter.attributes(task.taskSid)),
    );
    expect(net.statusCode).toBe(204);
    expect(emulator.usage.end).toBe(ends);
    expect(apiHolds()).toEqual(SAVED);
  });

  it('stays on the task, and the wrap-up event saves it once, however often it is delivered; a later Retry finds it saved', async () => {
    register();
    const task = await wrappingTask();
    await completeWhileTheApiFails(task);
    const ends = emulator.usage.end;

    // What TaskRouter sends: the task's attributes, the unsaved wrap-up on them.
    const event = taskEvent(task.taskSid, taskRouter.attributes(task.taskSid));
    const warm = createWrapupEventHandler({ ...handlerOptions, Response: FakeResponse });
    expect((await run(warm, event)).statusCode).toBe(204);
    expect(apiHolds()).toEqual(SAVED);
    expect(emulator.usage.end).toBe(ends + 1);
    // The safety net marked its save on the task.
    expect(wrapUpOnTask(task)).toMatchObject({ state: 'ready', wrapUp: { saved: true } });
    // Redelivered, to the same instance and to a cold one (which finds the task marked
    // saved), with the attributes it was first sent with.
    expect((await run(warm, event)).statusCode).toBe(204);
    const cold = createWrapupEventHandler({ ...handlerOptions, Response: FakeResponse });
    expect((await run(cold, event)).statusCode).toBe(204);
    expect(emulator.usage.end).toBe(ends + 1);

    // The agent's Retry, afterwards: this very wrap-up was saved (by the safety net), so
    // the agent is told it is saved, and nothing is saved twice.
    fireEvent.click(retryButton());
    await waitFor(() => expect(savedNotice()).toBeTruthy(), { timeout: 8000 });
    expect(activeIds()).not.toContain(NOTIFICATION_IDS.alreadySaved);
    expect(activeIds()).not.toContain(NOTIFICATION_IDS.saveFailed);
    expect(wrapUpOnTask(task)).toMatchObject({ state: 'ready', wrapUp: { saved: true } });
    expect(emulator.usage.end).toBe(ends + 1);
    expect(apiHolds()).toEqual(SAVED);
  });

  it('is stored before completion and saved after it when the API works (the control case), once', async () => {
    register();
    const task = await wrappingTask();
    renderNotificationBar();
    renderTaskSlot(getFlex().TaskCanvas.Content, task);
    agentFillsWrapUp();
    const completion = completionGoesAhead();
    const ends = emulator.usage.end;
    await getFlex().Actions.invokeAction('CompleteTask', { task });
    expect(completion.storedAtCompletion()).toMatchObject({ intent: 'refund_request', saved: false });
    await waitFor(
      () => expect(wrapUpOnTask(task)).toMatchObject({ state: 'ready', wrapUp: { saved: true } }),
      {
        timeout: 8000,
      },
    );
    expect(emulator.usage.end).toBe(ends + 1);
    expect(apiHolds()).toEqual(SAVED);
    expect(activeIds()).not.toContain(NOTIFICATION_IDS.saveFailed);
  });
});
