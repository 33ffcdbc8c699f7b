/**
 * registerCallerContext wired into a fake Flex (fake-flex.tsx), the agent filling the
 * rendered wrap-up form, and completion running the `beforeCompleteTask` listener.
 *
 * The save Function is a Twilio Function (`createSaveContextHandler`) that cannot run
 * here, so msw answers its HTTP requests with the status codes and bodies it documents:
 * 200 `saved`/`already_saved`, 400 `invalid`, 403 `forbidden`, 502 `failed` with
 * `retryable`, 503 `not_configured`.
 */
import {
  ATTRIBUTE_KEY,
  ConfigurationError,
  degradedTaskAttributes,
  type StartCallResponse,
  startCallResponseSchema,
  toTaskAttributes,
  WRAP_UP_ATTRIBUTE_KEY,
} from '@stickycalls/core';
import { act, cleanup, fireEvent, screen, within } from '@testing-library/react';
import { delay, HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import {
  afterAll,
  afterEach,
  beforeAll,
  beforeEach,
  describe,
  expect,
  it,
  type MockInstance,
  vi,
} from 'vitest';
import type { FlexTask } from '../flex-types.js';
import {
  NOTIFICATION_IDS,
  type RegisterCallerContextOptions,
  registerCallerContext,
  type SaveEvent,
} from '../registerCallerContext.js';
import { DEFAULT_STRINGS } from '../strings.js';
import {
  type ActionOutcome,
  completeTask,
  createFakeFlex,
  createFakeManager,
  type FakeFlex,
  type FakeFlexOptions,
  type FakeManager,
  FakeTask,
  renderSlot,
  wrapUpForm,
} from './fake-flex.js';

const SAVE_URL = 'https://sticky-calls-1234.twil.io/save-context';
const TASK_SID = 'WT0123456789abcdef0123456789abcdef';
const CALL_SID = 'CA0123456789abcdef0123456789abcdef';
const CUSTOMER_REF = 'a1b2c3d4-e5f6-7890-abcd-ef1234567890';

// ---------------------------------------------------------------------------
// The save Function, at the HTTP boundary

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterAll(() => server.close());

type Answer = (body: Record<string, unknown>, attempt: number) => Response | Promise<Response>;

const answers = {
  saved: () => HttpResponse.json({ status: 'saved', call_id: CALL_SID, customer_ref: CUSTOMER_REF }),
  alreadySaved: () =>
    HttpResponse.json({ status: 'already_saved', call_id: CALL_SID, customer_ref: CUSTOMER_REF }),
  failed: () =>
    HttpResponse.json(
      { status: 'failed', retryable: true, code: 'unavailable', message: 'could not save; try again' },
      { status: 502 },
    ),
  forbidden: () =>
    HttpResponse.json(
      { status: 'forbidden', retryable: false, message: 'the Flex token is invalid or expired' },
      { status: 403 },
    ),
  invalid: () =>
    HttpResponse.json(
      { status: 'invalid', retryable: false, errors: [{ path: ['intent'], message: 'intent is empty' }] },
      { status: 400 },
    ),
  notConfigured: () =>
    HttpResponse.json(
      { status: 'not_configured', retryable: false, message: 'the save Function is not configured' },
      { status: 503 },
    ),
  hang: async () => {
    await delay('infinite');
    return HttpResponse.json({ status: 'saved' });
  },
} satisfies Record<string, Answer>;

/** The save Function: records each request's JSON body; `answer` changes how it answers. */
function saveFunction(answer: Answer) {
  const requests: Record<string, unknown>[] = [];
  let current = answer;
  server.use(
    http.post(SAVE_URL, async ({ request }) => {
      const body = (await request.json()) as Record<string, unknown>;
      requests.push(body);
      return current(body, requests.length);
    }),
  );
  return {
    requests,
    answer(next: Answer) {
      current = next;
    },
  };
}

// ---------------------------------------------------------------------------
// Tasks and registration

function callerContext(): Record<string, unknown> {
  const parsed = startCallResponseSchema.parse({
    call_id: CALL_SID,
    customer_ref: CUSTOMER_REF,
    call_start: '2026-02-07T10:30:00.000Z',
    identity: { confidence: 0.9, level: 'very_high', sources: ['ani:mobile'], recommendation: 'reuse' },
    open_intents: [{ intent: 'refund_request', status: 'open', attempt_count: 2 }],
    variables: { name: { value: 'Jane Doe', source: null, ttl_seconds: 2_592_000 } },
  });
  const response: StartCallResponse = { ...parsed, call_id: CALL_SID };
  return { ...toTaskAttributes(response) };
}

/** A voice task's attributes as Flex and the Studio flow leave them: call, conference, caller context. */
function voiceAttributes(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    call_sid: CALL_SID,
    from: '+14155551234',
    to: '+18005550100',
    direction: 'inbound',
    conference: { sid: 'CF0123456789abcdef0123456789abcdef', participants: { worker: 'CA1' } },
    ...callerContext(),
    ...extra,
  };
}

function voiceTask(attributes: Record<string, unknown> = voiceAttributes(), status = 'wrapping'): FakeTask {
  return new FakeTask({ taskSid: TASK_SID, status, taskChannelUniqueName: 'voice', attributes });
}

interface Setup {
  flex: FakeFlex;
  manager: FakeManager;
  task: FakeTask;
  dispose: () => void;
  saves: SaveEvent[];
}

function setup(
  options: Partial<RegisterCallerContextOptions> = {},
  fake: { flex?: FakeFlexOptions; task?: FakeTask; strings?: Record<string, string> } = {},
): Setup {
  const flex = createFakeFlex(fake.flex);
  const manager = createFakeManager('token-1', fake.strings);
  const saves: SaveEvent[] = [];
  const dispose = registerCallerContext(flex, manager, {
    saveContextUrl: SAVE_URL,
    onSave: (event) => saves.push(event),
    ...options,
  });
  return { flex, manager, task: fake.task ?? voiceTask(), dispose, saves };
}

/** The wrap-up in a task's attributes, and the attributes without it. */
const wrapUpOf = (attributes: Record<string, unknown> | undefined) => attributes?.[WRAP_UP_ATTRIBUTE_KEY];
const withoutWrapUp = (attributes: Record<string, unknown> | undefined) => {
  const { [WRAP_UP_ATTRIBUTE_KEY]: _wrapUp, ...rest } = attributes ?? {};
  return rest;
};

// ---------------------------------------------------------------------------
// The agent

interface Filled {
  summary?: string;
  disposition?: string;
  details?: readonly (readonly [string, string])[];
}

/** Fills the wrap-up form as an agent: the caller's open intent, resolved, a note, a disposition, details. */
function agentFillsWrapUp({
  summary = 'Refund issued to the card',
  disposition = 'refunded',
  details = [['order_id', 'A-1001']],
}: Filled = {}) {
  const form = within(wrapUpForm());
  fireEvent.click(form.getByRole('radio', { name: /^Refund request/ }));
  fireEvent.click(form.getByRole('radio', { name: 'Resolved' }));
  fireEvent.change(form.getByLabelText('Summary note'), { target: { value: summary } });
  fireEvent.change(form.getByLabelText('Disposition'), { target: { value: disposition } });
  details.forEach(([name, value], index) => {
    fireEvent.click(form.getByRole('button', { name: 'Add a detail' }));
    const names = form.getAllByLabelText('Name');
    const values = form.getAllByLabelText('Value');
    fireEvent.change(names[index] as HTMLElement, { target: { value: name } });
    fireEvent.change(values[index] as HTMLElement, { target: { value } });
  });
}

const EXPECTED_WRAP_UP = {
  call_id: CALL_SID,
  customer_ref: CUSTOMER_REF,
  intent: 'refund_request',
  intent_status: 'resolved',
  variables: { summary: 'Refund issued to the card', disposition: 'refunded', order_id: 'A-1001' },
};

const EXPECTED_BODY = { ...EXPECTED_WRAP_UP, TaskSid: TASK_SID };

/** The summary note's field in the wrap-up form. */
const summaryField = () => within(wrapUpForm()).getByLabelText('Summary note') as HTMLTextAreaElement;

/** The text of the form's status line (`Saving…`, `Saved.`, …). */
const formStatus = () => within(wrapUpForm()).getByRole('status').textContent;

// ---------------------------------------------------------------------------
// Time

const fakeClock = () => vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });

/** Starts completing the task inside `act`, lets `ms` of (fake) time pass, and tells how it stands. */
async function completeOverTime(
  flex: FakeFlex,
  task: FakeTask,
  ms: number,
): Promise<{ outcome: () => ActionOutcome | undefined; advance: (ms: number) => Promise<void> }> {
  let outcome: ActionOutcome | undefined;
  const advance = async (step: number) => {
    await act(async () => {
      await vi.advanceTimersByTimeAsync(step);
    });
  };
  await act(async () => {
    void flex.Actions.invoke('CompleteTask', { task }).then((result) => {
      outcome = result;
    });
    await vi.advanceTimersByTimeAsync(ms);
  });
  return { outcome: () => outcome, advance };
}

/** Waits inside `act` until `condition` holds (fake or real time), so React applies what happens meanwhile. */
async function actUntil(condition: () => boolean, what: string): Promise<void> {
  await act(async () => {
    for (let i = 0; i < 200 && !condition(); i += 1) {
      if (vi.isFakeTimers()) await vi.advanceTimersByTimeAsync(10);
      else await new Promise((resolve) => setTimeout(resolve, 5));
    }
  });
  if (!condition()) throw new Error(`timed out waiting for ${what}`);
}

let warn: MockInstance<typeof console.warn>;
beforeEach(() => {
  warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
});
afterEach(() => {
  cleanup();
  server.resetHandlers();
  vi.restoreAllMocks();
});

// ---------------------------------------------------------------------------

describe('registerCallerContext: a wrap-up saved at completion', () => {
  it('stores it on the task, posts it with the token of that moment, then records it saved', async () => {
    const fn = saveFunction(answers.saved);
    const { flex, manager, task, saves } = setup();
    const before = structuredClone(task.attributes);
    renderSlot(flex.TaskCanvas.Content, task);
    agentFillsWrapUp();
    manager.user.token = 'token-2'; // Flex refreshed the token after init

    const outcome = await completeTask(flex, task);

    expect(outcome).toEqual({ aborted: false, abortedLate: false });
    expect(fn.requests).toEqual([{ ...EXPECTED_BODY, Token: 'token-2' }]);
    // Stored first (saved: false), then marked saved; each write the whole object, merged.
    expect(task.writes.map(wrapUpOf)).toEqual([
      { ...EXPECTED_WRAP_UP, saved: false },
      { ...EXPECTED_WRAP_UP, saved: true },
    ]);
    for (const write of task.writes) expect(withoutWrapUp(write)).toEqual(before);
    expect(task.attributes[ATTRIBUTE_KEY]).toEqual(before[ATTRIBUTE_KEY]);
    expect(wrapUpOf(task.attributes)).toEqual({ ...EXPECTED_WRAP_UP, saved: true });
    expect(formStatus()).toBe('Saved.');
    expect(summaryField().disabled).toBe(true);
    expect(flex.Notifications.history).toEqual([]);
    expect(saves).toEqual([
      {
        taskSid: TASK_SID,
        callId: CALL_SID,
        result: { ok: true, status: 'saved', attempts: 1 },
        storedOnTask: true,
      },
    ]);
  });

  it('merges into the attributes as they are at each write, keeping what changed meanwhile', async () => {
    const { flex, task } = setup();
    saveFunction(() => {
      // A transfer recorded by Flex while the save is in flight.
      task.attributes = { ...task.attributes, transfers: { outgoing: { to: 'WK1' } } };
      return answers.saved();
    });
    renderSlot(flex.TaskCanvas.Content, task);
    agentFillsWrapUp();

    await completeTask(flex, task);

    expect(task.attributes.transfers).toEqual({ outgoing: { to: 'WK1' } });
    expect(task.attributes.conference).toEqual(voiceAttributes().conference);
    expect(wrapUpOf(task.attributes)).toMatchObject({ saved: true });
  });

  it('takes already_saved as saved', async () => {
    saveFunction(answers.alreadySaved);
    const { flex, task, saves } = setup();
    renderSlot(flex.TaskCanvas.Content, task);
    agentFillsWrapUp();

    expect(await completeTask(flex, task)).toMatchObject({ aborted: false });
    expect(wrapUpOf(task.attributes)).toMatchObject({ saved: true });
    expect(saves[0]?.result).toEqual({ ok: true, status: 'already_saved', attempts: 1 });
  });

  it('does not save a wrap-up again once it is saved', async () => {
    const fn = saveFunction(answers.saved);
    const task = voiceTask(
      voiceAttributes({ [WRAP_UP_ATTRIBUTE_KEY]: { ...EXPECTED_WRAP_UP, saved: true } }),
    );
    const { flex } = setup({}, { task });

    expect(await completeTask(flex, task)).toEqual({ aborted: false, abortedLate: false });
    expect(fn.requests).toEqual([]);
    expect(task.writes).toEqual([]);
    expect(flex.Notifications.history).toEqual([]);
  });

  it('leaves a task that is not a call alone', async () => {
    const fn = saveFunction(answers.saved);
    const chat = new FakeTask({
      taskSid: TASK_SID,
      taskChannelUniqueName: 'chat',
      attributes: { channelSid: 'CH1', from: 'web-visitor' },
    });
    const { flex } = setup({}, { task: chat });
    renderSlot(flex.TaskCanvas.Content, chat);

    expect(screen.queryByRole('region', { name: 'Wrap-up' })).toBeNull();
    expect(await completeTask(flex, chat)).toEqual({ aborted: false, abortedLate: false });
    expect(fn.requests).toEqual([]);
    expect(chat.writes).toEqual([]);
  });

  it('keeps the wrap-up of a caller nobody can name on the task only, posting nothing', async () => {
    const fn = saveFunction(answers.saved);
    // A withheld number: the call-start Function wrote a degraded context and no customer.
    const task = voiceTask({
      call_sid: CALL_SID,
      from: 'anonymous',
      ...degradedTaskAttributes('no_identity_hints'),
    });
    const { flex } = setup({}, { task });
    renderSlot(flex.TaskCanvas.Content, task);
    const form = within(wrapUpForm());
    fireEvent.click(form.getByRole('radio', { name: 'Something else' }));
    fireEvent.change(form.getByLabelText(/^Intent/), { target: { value: 'Billing question' } });
    fireEvent.click(form.getByRole('radio', { name: 'Still open' }));

    expect(await completeTask(flex, task)).toMatchObject({ aborted: false });
    expect(fn.requests).toEqual([]);
    expect(wrapUpOf(task.attributes)).toEqual({
      call_id: CALL_SID,
      intent: 'billing_question',
      intent_status: 'open',
      saved: false,
    });
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('the caller is unknown'));
    expect(screen.getByRole('status').textContent).toBe(DEFAULT_STRINGS.StickyCallsWrapUpStored);
  });

  it('keeps the task open when the wrap-up of a caller nobody can name cannot be stored on it', async () => {
    const fn = saveFunction(answers.saved);
    const task = voiceTask({
      call_sid: CALL_SID,
      from: 'anonymous',
      ...degradedTaskAttributes('no_identity_hints'),
    });
    task.writeBehaviour = 'fail';
    const { flex } = setup({}, { task });
    renderSlot(flex.TaskCanvas.Content, task);
    const form = within(wrapUpForm());
    fireEvent.click(form.getByRole('radio', { name: 'Something else' }));
    fireEvent.change(form.getByLabelText(/^Intent/), { target: { value: 'Billing question' } });
    fireEvent.click(form.getByRole('radio', { name: 'Resolved' }));

    expect(await completeTask(flex, task)).toMatchObject({ aborted: true });
    expect(fn.requests).toEqual([]);
    expect(flex.Notifications.active(NOTIFICATION_IDS.notStored).context).toMatchObject({
      taskSid: TASK_SID,
    });
  });

  it('does not add the wrap-up to a call that did not go through Sticky Calls (an outbound call)', async () => {
    const fn = saveFunction(answers.saved);
    const outbound = voiceTask({ call_sid: CALL_SID, to: '+14155550000', direction: 'outbound' });
    const { flex } = setup({}, { task: outbound });
    renderSlot(flex.TaskCanvas.Content, outbound);

    expect(screen.queryByRole('region', { name: 'Wrap-up' })).toBeNull();
    expect(await completeTask(flex, outbound)).toEqual({ aborted: false, abortedLate: false });
    expect(fn.requests).toEqual([]);
    expect(outbound.writes).toEqual([]);
  });
});

describe('registerCallerContext: a save that fails', () => {
  it('retries a failing Function within the completion time, lets the task complete, and saves on Retry', async () => {
    fakeClock();
    const fn = saveFunction(answers.failed);
    const { flex, task, saves } = setup({ completionTimeoutMs: 600 });
    renderSlot(flex.TaskCanvas.Content, task);
    agentFillsWrapUp();

    const completion = await completeOverTime(flex, task, 600);

    expect(completion.outcome()).toEqual({ aborted: false, abortedLate: false });
    expect(fn.requests.length).toBeGreaterThanOrEqual(2);
    for (const body of fn.requests) expect(body).toEqual({ ...EXPECTED_BODY, Token: 'token-1' });
    // The data stays on the task, unsaved, for the TaskRouter safety net.
    expect(wrapUpOf(task.attributes)).toEqual({ ...EXPECTED_WRAP_UP, saved: false });
    expect(formStatus()).toBe(DEFAULT_STRINGS.StickyCallsWrapUpSaveFailed);
    const failed = flex.Notifications.active(NOTIFICATION_IDS.saveFailed);
    expect(failed).toMatchObject({ type: 'error', context: { taskSid: TASK_SID, reason: 'failed' } });
    expect(flex.Notifications.text(failed)).toContain('was not saved (failed)');
    expect(saves[0]).toMatchObject({
      storedOnTask: true,
      result: { ok: false, reason: 'failed', httpStatus: 502 },
    });

    fn.answer(answers.saved);
    const attempts = fn.requests.length;
    const label = flex.Notifications.clickAction(NOTIFICATION_IDS.saveFailed);
    await actUntil(
      () => flex.Notifications.activeIds().includes(NOTIFICATION_IDS.saved),
      'the saved notification',
    );

    expect(label).toBe('Retry');
    expect(fn.requests).toHaveLength(attempts + 1);
    expect(flex.Notifications.activeIds()).toEqual([NOTIFICATION_IDS.saved]);
    expect(wrapUpOf(task.attributes)).toEqual({ ...EXPECTED_WRAP_UP, saved: true });
    expect(formStatus()).toBe('Saved.');
    expect(saves.at(-1)).toMatchObject({ storedOnTask: true, result: { ok: true, status: 'saved' } });
  });

  it('keeps the Retry action working while the Function still fails', async () => {
    const fn = saveFunction(answers.notConfigured);
    const { flex, task } = setup({ retryTimeoutMs: 500 });
    renderSlot(flex.TaskCanvas.Content, task);
    agentFillsWrapUp();
    await completeTask(flex, task);
    expect(flex.Notifications.shownIds()).toEqual([NOTIFICATION_IDS.saveFailed]);

    flex.Notifications.clickAction(NOTIFICATION_IDS.saveFailed);
    await actUntil(() => flex.Notifications.history.length === 2, 'the second failure');

    expect(fn.requests).toHaveLength(2);
    expect(flex.Notifications.activeIds()).toEqual([NOTIFICATION_IDS.saveFailed]);
    expect(formStatus()).toBe(DEFAULT_STRINGS.StickyCallsWrapUpSaveFailed);
  });

  it.each([
    ['400 invalid', answers.invalid, 'invalid'],
    ['503 not_configured', answers.notConfigured, 'not configured'],
    ['403 forbidden with the same token', answers.forbidden, 'forbidden'],
  ])('does not retry %s: the task completes, the wrap-up stays on it', async (_name, answer, reason) => {
    const fn = saveFunction(answer);
    const { flex, task } = setup();
    renderSlot(flex.TaskCanvas.Content, task);
    agentFillsWrapUp();

    expect(await completeTask(flex, task)).toEqual({ aborted: false, abortedLate: false });
    expect(fn.requests).toHaveLength(1);
    expect(wrapUpOf(task.attributes)).toEqual({ ...EXPECTED_WRAP_UP, saved: false });
    const failed = flex.Notifications.active(NOTIFICATION_IDS.saveFailed);
    expect(failed.context).toEqual({ taskSid: TASK_SID, reason, stored: true });
    expect(flex.Notifications.text(failed)).toContain(`(${reason})`);
  });

  it('retries with the token Flex refreshed when the first answer is 403', async () => {
    const { flex, manager, task } = setup();
    const fn = saveFunction((_body, attempt) => {
      if (attempt > 1) return answers.saved();
      manager.user.token = 'token-2'; // the token expired; Flex refreshed it meanwhile
      return answers.forbidden();
    });
    renderSlot(flex.TaskCanvas.Content, task);
    agentFillsWrapUp();

    expect(await completeTask(flex, task)).toMatchObject({ aborted: false });
    expect(fn.requests.map((body) => body.Token)).toEqual(['token-1', 'token-2']);
    expect(wrapUpOf(task.attributes)).toMatchObject({ saved: true });
    expect(flex.Notifications.history).toEqual([]);
  });

  it('sends the refreshed token when the agent retries after a 403', async () => {
    const { flex, manager, task } = setup();
    const fn = saveFunction((body) => (body.Token === 'token-2' ? answers.saved() : answers.forbidden()));
    renderSlot(flex.TaskCanvas.Content, task);
    agentFillsWrapUp();
    await completeTask(flex, task);
    expect(fn.requests.map((body) => body.Token)).toEqual(['token-1']);

    manager.user.token = 'token-2';
    flex.Notifications.clickAction(NOTIFICATION_IDS.saveFailed);
    await actUntil(
      () => wrapUpOf(task.attributes) !== undefined && task.writes.length === 2,
      'the saved wrap-up',
    );

    expect(fn.requests.map((body) => body.Token)).toEqual(['token-1', 'token-2']);
    expect(wrapUpOf(task.attributes)).toMatchObject({ saved: true });
  });
});

describe('registerCallerContext: a wrap-up neither stored nor saved', () => {
  it('keeps the task open when TaskRouter refuses the attributes and the save fails', async () => {
    const fn = saveFunction(answers.notConfigured);
    const { flex, task } = setup();
    task.writeBehaviour = 'fail';
    renderSlot(flex.TaskCanvas.Content, task);
    agentFillsWrapUp();

    expect(await completeTask(flex, task)).toEqual({ aborted: true, abortedLate: false });
    expect(fn.requests).toHaveLength(1);
    expect(task.writes).toHaveLength(1);
    expect(wrapUpOf(task.attributes)).toBeUndefined();
    const notStored = flex.Notifications.active(NOTIFICATION_IDS.notStored);
    expect(notStored.context).toEqual({ taskSid: TASK_SID, reason: 'not configured' });
    expect(flex.Notifications.text(notStored)).toContain('The task stays open');
    // The form is editable again, the draft kept: completing again stores and saves it.
    expect(summaryField().value).toBe('Refund issued to the card');
    expect(summaryField().disabled).toBe(false);

    task.writeBehaviour = 'store';
    fn.answer(answers.saved);
    expect(await completeTask(flex, task)).toEqual({ aborted: false, abortedLate: false });
    expect(wrapUpOf(task.attributes)).toEqual({ ...EXPECTED_WRAP_UP, saved: true });
  });

  it('keeps the task open, within the completion time, when the save keeps failing', async () => {
    fakeClock();
    const fn = saveFunction(answers.failed);
    const { flex, task } = setup({ completionTimeoutMs: 600 });
    task.writeBehaviour = 'fail';
    renderSlot(flex.TaskCanvas.Content, task);
    agentFillsWrapUp();

    const completion = await completeOverTime(flex, task, 600);

    expect(completion.outcome()).toEqual({ aborted: true, abortedLate: false });
    expect(fn.requests.length).toBeGreaterThanOrEqual(2);
    expect(flex.Notifications.activeIds()).toEqual([NOTIFICATION_IDS.notStored]);
  });
});

describe('registerCallerContext: completion is never held past completionTimeoutMs', () => {
  it('completes when the Function does not answer, and tells the agent it was not saved', async () => {
    fakeClock();
    saveFunction(answers.hang);
    const { flex, task } = setup({ completionTimeoutMs: 600 });
    renderSlot(flex.TaskCanvas.Content, task);
    agentFillsWrapUp();

    const completion = await completeOverTime(flex, task, 600);

    expect(completion.outcome()).toEqual({ aborted: false, abortedLate: false });
    expect(wrapUpOf(task.attributes)).toEqual({ ...EXPECTED_WRAP_UP, saved: false });
    expect(flex.Notifications.active(NOTIFICATION_IDS.saveFailed).context).toEqual({
      taskSid: TASK_SID,
      reason: 'timeout',
      stored: true,
    });
  });

  it('lets the task complete at the deadline when TaskRouter and the Function both hang', async () => {
    fakeClock();
    const fn = saveFunction(answers.hang);
    const { flex, task } = setup({ completionTimeoutMs: 600 });
    task.writeBehaviour = 'hang';
    renderSlot(flex.TaskCanvas.Content, task);
    agentFillsWrapUp();

    const completion = await completeOverTime(flex, task, 599);
    expect(completion.outcome()).toBeUndefined();
    await completion.advance(1);
    expect(completion.outcome()).toEqual({ aborted: false, abortedLate: false });

    // The task has completed: what follows must not pretend it is still open.
    await completion.advance(5000);
    expect(completion.outcome()).toEqual({ aborted: false, abortedLate: false });
    expect(flex.Notifications.shownIds()).not.toContain(NOTIFICATION_IDS.notStored);
    expect(flex.Notifications.activeIds()).toEqual([NOTIFICATION_IDS.saveFailed]);
    // Not on the task either: the notification says so (only this browser holds it now).
    expect(flex.Notifications.active(NOTIFICATION_IDS.saveFailed).context).toMatchObject({ stored: false });

    // The agent can still save it.
    task.writeBehaviour = 'store';
    fn.answer(answers.saved);
    flex.Notifications.clickAction(NOTIFICATION_IDS.saveFailed);
    await actUntil(
      () => flex.Notifications.activeIds().includes(NOTIFICATION_IDS.saved),
      'the saved notification',
    );
    expect(fn.requests.at(-1)).toEqual({ ...EXPECTED_BODY, Token: 'token-1' });
    expect(wrapUpOf(task.attributes)).toEqual({ ...EXPECTED_WRAP_UP, saved: true });
  });

  it('decides within the default 5 s: neither stored nor saved keeps the task open', async () => {
    fakeClock();
    saveFunction(answers.hang);
    const { flex, task } = setup();
    task.writeBehaviour = 'hang';
    renderSlot(flex.TaskCanvas.Content, task);
    agentFillsWrapUp();

    const completion = await completeOverTime(flex, task, 4000);
    expect(completion.outcome()).toBeUndefined();
    await completion.advance(1000);
    expect(completion.outcome()).toEqual({ aborted: true, abortedLate: false });
    expect(flex.Notifications.activeIds()).toEqual([NOTIFICATION_IDS.notStored]);
  });
});

describe('registerCallerContext: an invalid draft', () => {
  it('stops completion, warns the agent and shows the issues in the form; completes once fixed', async () => {
    const fn = saveFunction(answers.saved);
    const { flex, task } = setup();
    renderSlot(flex.TaskCanvas.Content, task);

    expect(await completeTask(flex, task)).toEqual({ aborted: true, abortedLate: false });

    expect(fn.requests).toEqual([]);
    expect(task.writes).toEqual([]);
    const invalid = flex.Notifications.active(NOTIFICATION_IDS.invalid);
    expect(invalid).toMatchObject({ type: 'warning', context: { taskSid: TASK_SID } });
    expect(flex.Notifications.text(invalid)).toBe(DEFAULT_STRINGS.StickyCallsNotifyInvalid);
    const issues = within(wrapUpForm()).getByRole('alert');
    expect(issues.textContent).toContain(DEFAULT_STRINGS.StickyCallsWrapUpErrors);
    expect(issues.textContent).toContain(DEFAULT_STRINGS.StickyCallsErrorIntentRequired);

    agentFillsWrapUp();
    expect(within(wrapUpForm()).queryByRole('alert')).toBeNull();
    expect(await completeTask(flex, task)).toEqual({ aborted: false, abortedLate: false });
    expect(fn.requests).toHaveLength(1);
  });

  it('names a detail without a value', async () => {
    saveFunction(answers.saved);
    const { flex, task } = setup();
    renderSlot(flex.TaskCanvas.Content, task);
    agentFillsWrapUp({ details: [['order_id', '']] });

    expect(await completeTask(flex, task)).toMatchObject({ aborted: true });
    expect(within(wrapUpForm()).getByRole('alert').textContent).toContain('Detail 1 needs a value.');
  });
});

describe('registerCallerContext: the token stays secret', () => {
  it('never shows the token in console output, notifications or onSave', async () => {
    const log = vi.spyOn(console, 'log');
    const info = vi.spyOn(console, 'info');
    const error = vi.spyOn(console, 'error');
    const { flex, manager, task, saves } = setup();
    const fn = saveFunction((_body, attempt) => {
      if (attempt === 1) {
        manager.user.token = 'secret-token-2';
        return answers.forbidden();
      }
      return answers.notConfigured();
    });
    manager.user.token = 'secret-token-1';
    renderSlot(flex.TaskCanvas.Content, task);
    agentFillsWrapUp();
    await completeTask(flex, task);
    flex.Notifications.clickAction(NOTIFICATION_IDS.saveFailed);
    await actUntil(() => flex.Notifications.history.length === 2, 'the failed retry');

    expect(fn.requests.map((body) => body.Token)).toContain('secret-token-2');
    const seen = JSON.stringify([
      [warn, log, info, error].flatMap((spy) => spy.mock.calls.map((args) => args.map(String))),
      flex.Notifications.history.map((notification) => notification.context),
      flex.Notifications.history.map((notification) => flex.Notifications.text(notification)),
      saves,
      task.attributes,
    ]);
    expect(warn).toHaveBeenCalled();
    expect(seen).not.toMatch(/secret-token/);
  });
});

describe('registerCallerContext: placement', () => {
  it('adds the panel and the wrap-up capture to the task canvas by default, panel first', () => {
    const { flex } = setup();
    expect(flex.TaskCanvas.Content.keys()).toEqual(['sticky-calls-panel', 'sticky-calls-wrap-up']);
    expect(flex.TaskCanvas.Content.entry('sticky-calls-panel').options?.sortOrder).toBe(0);
    expect(flex.TaskCanvas.Content.entry('sticky-calls-wrap-up').options?.sortOrder).toBe(1000);
    expect(flex.TaskInfoPanel.Content.keys()).toEqual([]);
    expect(flex.TaskCanvasTabs.Content.keys()).toEqual([]);
  });

  it('takes the sort orders it is given', () => {
    const { flex } = setup({ sortOrder: -5, wrapUp: { sortOrder: 7 } });
    expect(flex.TaskCanvas.Content.entry('sticky-calls-panel').options?.sortOrder).toBe(-5);
    expect(flex.TaskCanvas.Content.entry('sticky-calls-wrap-up').options?.sortOrder).toBe(7);
  });

  it('puts the panel in the task info panel', () => {
    const { flex, task } = setup({ placement: 'TaskInfoPanel' });
    expect(flex.TaskInfoPanel.Content.keys()).toEqual(['sticky-calls-panel']);
    expect(flex.TaskCanvas.Content.keys()).toEqual(['sticky-calls-wrap-up']);

    renderSlot(flex.TaskInfoPanel.Content, task);
    const panel = screen.getByRole('region', { name: 'Caller context' });
    expect(panel.textContent).toContain(CUSTOMER_REF);
  });

  it('puts the wrap-up capture in the task info panel', () => {
    const { flex, task } = setup({ wrapUp: { placement: 'TaskInfoPanel' } });
    expect(flex.TaskInfoPanel.Content.keys()).toEqual(['sticky-calls-wrap-up']);
    renderSlot(flex.TaskInfoPanel.Content, task);
    expect(screen.getAllByRole('region', { name: 'Wrap-up' })).toHaveLength(1);
  });

  it('gives the panel a tab of its own, the task reaching it through withTaskContext', () => {
    const { flex, task } = setup({ placement: 'TaskCanvasTabs', sortOrder: 3 });
    expect(flex.TaskCanvasTabs.Content.keys()).toEqual(['sticky-calls-tab']);
    const tab = flex.TaskCanvasTabs.Content.entry('sticky-calls-tab');
    expect(tab.element.type).toBe(flex.Tab);
    expect(tab.element.props).toMatchObject({ uniqueName: 'sticky-calls-tab', label: 'Caller context' });
    expect(tab.options?.sortOrder).toBe(3);

    renderSlot(flex.TaskCanvasTabs.Content, task);
    const tabPanel = screen.getByRole('tabpanel', { name: 'Caller context' });
    expect(within(tabPanel).getByRole('region', { name: 'Caller context' }).textContent).toContain(
      CUSTOMER_REF,
    );
  });

  it('leaves wrap-up and saving out with wrapUp: false, needing no saveContextUrl', () => {
    const flex = createFakeFlex();
    const dispose = registerCallerContext(flex, createFakeManager('token-1'), {
      saveContextUrl: '',
      wrapUp: false,
    });
    expect(flex.TaskCanvas.Content.keys()).toEqual(['sticky-calls-panel']);
    expect(flex.Actions.listenerCount('beforeCompleteTask')).toBe(0);
    expect(flex.Notifications.registeredNotifications.size).toBe(0);
    dispose();
    expect(flex.TaskCanvas.Content.keys()).toEqual([]);
  });
});

describe('registerCallerContext: which tasks show what', () => {
  const chat = (attributes: Record<string, unknown>) =>
    new FakeTask({ taskSid: TASK_SID, status: 'accepted', taskChannelUniqueName: 'chat', attributes });

  it.each<[string, FlexTask | null, boolean]>([
    ['a voice task with caller context', voiceTask(), true],
    ['a voice task without caller context', voiceTask({ call_sid: CALL_SID, from: '+14155551234' }), true],
    ['a chat task with caller context', chat(callerContext()), true],
    ['a chat task without caller context', chat({ from: 'web-visitor' }), false],
    ['no task', null, false],
  ])('the panel, for %s', (_name, task, shown) => {
    const { flex } = setup();
    const panelIf = flex.TaskCanvas.Content.entry('sticky-calls-panel').options?.if;
    expect(panelIf?.({ task })).toBe(shown);

    renderSlot(flex.TaskCanvas.Content, task);
    expect(screen.queryAllByRole('region', { name: 'Caller context' })).toHaveLength(shown ? 1 : 0);
  });

  it('the panel, with showPanel: as it decides, and hidden when it throws', () => {
    const { flex } = setup({ showPanel: (task) => task.taskChannelUniqueName === 'chat' });
    const panelIf = flex.TaskCanvas.Content.entry('sticky-calls-panel').options?.if;
    expect(panelIf?.({ task: voiceTask() })).toBe(false);
    expect(panelIf?.({ task: chat({}) })).toBe(true);

    const throwing = setup({
      showPanel: () => {
        throw new Error('bad rule');
      },
    });
    const throwingIf = throwing.flex.TaskCanvas.Content.entry('sticky-calls-panel').options?.if;
    expect(throwingIf?.({ task: voiceTask() })).toBe(false);
  });

  it.each<[string, FakeTask, boolean]>([
    ['a voice task in wrap-up', voiceTask(), true],
    ['a voice task still on the call', voiceTask(voiceAttributes(), 'accepted'), false],
    ['a completed voice task', voiceTask(voiceAttributes(), 'completed'), false],
    [
      'a task in wrap-up that is not a call',
      new FakeTask({ taskSid: TASK_SID, status: 'wrapping', taskChannelUniqueName: 'chat', attributes: {} }),
      false,
    ],
  ])('the wrap-up capture, for %s', (_name, task, shown) => {
    const { flex } = setup({}, { task });
    renderSlot(flex.TaskCanvas.Content, task);
    expect(screen.queryAllByRole('region', { name: 'Wrap-up' })).toHaveLength(shown ? 1 : 0);
  });
});

describe('registerCallerContext: options', () => {
  it.each<[string, Partial<RegisterCallerContextOptions>, FakeFlexOptions, RegExp]>([
    ['saveContextUrl missing', { saveContextUrl: '' }, {}, /saveContextUrl is required/],
    ['saveContextUrl not a URL', { saveContextUrl: 'save-context' }, {}, /saveContextUrl is not a URL/],
    [
      'saveContextUrl over http:// to another host',
      { saveContextUrl: 'http://sticky-calls-1234.twil.io/save-context' },
      {},
      /saveContextUrl must be https:\/\//,
    ],
    ['an unknown placement', { placement: 'MainHeader' as 'TaskCanvas' }, {}, /placement "MainHeader"/],
    ['TaskCanvasTabs without flex.Tab', { placement: 'TaskCanvasTabs' }, { tab: false }, /needs flex\.Tab/],
    [
      'an unknown wrapUp.placement',
      { wrapUp: { placement: 'Nowhere' as 'TaskCanvas' } },
      {},
      /wrapUp\.placement "Nowhere"/,
    ],
    [
      'wrapUp.placement TaskCanvasTabs',
      { wrapUp: { placement: 'TaskCanvasTabs' as 'TaskCanvas' } },
      {},
      /wrapUp\.placement "TaskCanvasTabs"/,
    ],
    ['completionTimeoutMs too short', { completionTimeoutMs: 100 }, {}, /completionTimeoutMs must be/],
    [
      'completionTimeoutMs not a number',
      { completionTimeoutMs: Number.NaN },
      {},
      /completionTimeoutMs must be/,
    ],
    ['retryTimeoutMs too long', { retryTimeoutMs: 120_000 }, {}, /retryTimeoutMs must be/],
  ])('throws a ConfigurationError for %s, adding nothing', (_name, options, fake, message) => {
    const flex = createFakeFlex(fake);
    const manager = createFakeManager('token-1');
    const register = () => registerCallerContext(flex, manager, { saveContextUrl: SAVE_URL, ...options });
    expect(register).toThrow(ConfigurationError);
    expect(register).toThrow(message);
    expect(flex.TaskCanvas.Content.keys()).toEqual([]);
    expect(flex.Actions.listenerCount('beforeCompleteTask')).toBe(0);
    expect(manager.strings).toEqual({});
  });

  it('throws a ConfigurationError without flex or manager', () => {
    const manager = createFakeManager('token-1');
    const options = { saveContextUrl: SAVE_URL };
    const missingFlex = null as unknown as FakeFlex;
    const missingManager = undefined as unknown as FakeManager;
    expect(() => registerCallerContext(missingFlex, manager, options)).toThrow(/`flex`/);
    expect(() => registerCallerContext(createFakeFlex(), missingManager, options)).toThrow(/`manager`/);
  });

  it.each(['http://localhost:3000/save-context', 'http://127.0.0.1:3000/save-context'])(
    'accepts %s for local development',
    (saveContextUrl) => {
      expect(() =>
        registerCallerContext(createFakeFlex(), createFakeManager('t'), { saveContextUrl }),
      ).not.toThrow();
    },
  );
});

describe('registerCallerContext: strings', () => {
  it('adds its defaults to manager.strings where unset, keeping what the admin set', () => {
    const { manager } = setup({}, { strings: { StickyCallsRetry: 'Réessayer', FlexOwnString: 'Flex' } });
    expect(manager.strings.StickyCallsPanelTitle).toBe(DEFAULT_STRINGS.StickyCallsPanelTitle);
    expect(manager.strings.StickyCallsRetry).toBe('Réessayer');
    expect(manager.strings.FlexOwnString).toBe('Flex');
  });

  it('shows manager.strings overrides in the panel and form, the strings option over them', () => {
    const { flex, manager, task } = setup(
      { strings: { StickyCallsWrapUpTitle: 'Clôture' } },
      {
        strings: {
          StickyCallsPanelTitle: 'Contexte de l’appelant',
          StickyCallsWrapUpTitle: 'Ignored: the option wins',
        },
      },
    );
    const view = renderSlot(flex.TaskCanvas.Content, task);
    expect(screen.getAllByRole('heading', { name: 'Contexte de l’appelant' })).toHaveLength(1);
    expect(screen.getAllByRole('region', { name: 'Clôture' })).toHaveLength(1);

    // An admin changing manager.strings later: the next render shows it.
    manager.strings.StickyCallsTierReuse = 'Client connu';
    view.update();
    expect(screen.getByRole('region', { name: 'Contexte de l’appelant' }).textContent).toContain(
      'Client connu',
    );
  });

  it('labels the Retry action from manager.strings', async () => {
    saveFunction(answers.notConfigured);
    const { flex, task } = setup({}, { strings: { StickyCallsRetry: 'Réessayer' } });
    renderSlot(flex.TaskCanvas.Content, task);
    agentFillsWrapUp();
    await completeTask(flex, task);
    const label = flex.Notifications.clickAction(NOTIFICATION_IDS.saveFailed);
    await actUntil(() => flex.Notifications.history.length === 2, 'the retry');
    expect(label).toBe('Réessayer');
  });
});

describe('registerCallerContext: the function it returns', () => {
  it('removes the content, the listener, the notifications and the strings it added', async () => {
    const fn = saveFunction(answers.saved);
    const { flex, manager, task, dispose } = setup({}, { strings: { StickyCallsRetry: 'Réessayer' } });
    const view = renderSlot(flex.TaskCanvas.Content, task);
    expect(await completeTask(flex, task)).toMatchObject({ aborted: true });
    expect(flex.Notifications.activeIds()).toEqual([NOTIFICATION_IDS.invalid]);
    manager.strings.StickyCallsPanelTitle = 'Changed by the admin';

    dispose();

    expect(flex.TaskCanvas.Content.keys()).toEqual([]);
    view.update();
    expect(screen.queryByRole('region', { name: 'Wrap-up' })).toBeNull();
    expect(flex.Actions.listenerCount('beforeCompleteTask')).toBe(0);
    expect(await completeTask(flex, task)).toEqual({ aborted: false, abortedLate: false });
    expect(fn.requests).toEqual([]);
    expect(task.writes).toEqual([]);
    expect(flex.Notifications.registeredNotifications.size).toBe(0);
    expect(flex.Notifications.activeIds()).toEqual([]);
    expect(manager.strings).toEqual({
      StickyCallsRetry: 'Réessayer',
      StickyCallsPanelTitle: 'Changed by the admin',
    });
    expect(() => dispose()).not.toThrow();
  });

  it('removes content by key in a Flex whose add returns nothing', () => {
    const { flex, dispose } = setup({ placement: 'TaskInfoPanel' }, { flex: { addReturnsCleanup: false } });
    expect(flex.TaskInfoPanel.Content.keys()).toEqual(['sticky-calls-panel']);
    expect(flex.TaskCanvas.Content.keys()).toEqual(['sticky-calls-wrap-up']);
    dispose();
    expect(flex.TaskInfoPanel.Content.keys()).toEqual([]);
    expect(flex.TaskCanvas.Content.keys()).toEqual([]);
  });

  it('shows nothing for a save that ends after it was called', async () => {
    fakeClock();
    saveFunction(answers.hang);
    const { flex, task, dispose } = setup({ completionTimeoutMs: 600 });
    task.writeBehaviour = 'hang';
    renderSlot(flex.TaskCanvas.Content, task);
    agentFillsWrapUp();
    const completion = await completeOverTime(flex, task, 600);
    dispose();
    await completion.advance(5000);
    expect(flex.Notifications.showCalls).toEqual([]);
  });
});
