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
import type { RegisterCallerContextOptions, SaveEvent } from '../register-options.js';
import { registerCallerContext } from '../registerCallerContext.js';
import type { SaveFailureReason } from '../save-wrap-up.js';
import { DEFAULT_STRINGS, fillTemplate } from '../strings.js';
import { NOTIFICATION_IDS } from '../wrap-up-saver.js';
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
  taskCompleted,
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
  failedFinal: () =>
    HttpResponse.json(
      { status: 'failed', retryable: false, code: 'rejected', message: 'could not save' },
      { status: 502 },
    ),
  /** A 200 from something that is not the save Function (a wrong URL, a proxy's page). */
  notTheFunction: () => HttpResponse.html('<!doctype html><title>OK</title>', { status: 200 }),
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

const TASK_SID_B = 'WT11111111111111111111111111111111';
const CALL_SID_B = 'CA11111111111111111111111111111111';

/** A second call in wrap-up, of another caller's call. */
function otherTask(): FakeTask {
  return new FakeTask({
    taskSid: TASK_SID_B,
    taskChannelUniqueName: 'voice',
    attributes: voiceAttributes({ call_sid: CALL_SID_B }),
  });
}

/** A promise the test opens: holds the save Function's answer until then. */
function gate(): { opened: Promise<void>; open: () => void } {
  const control = { open: (): void => undefined };
  const opened = new Promise<void>((resolve) => {
    control.open = resolve;
  });
  return { opened, open: () => control.open() };
}

/** Lets real time pass inside `act`, for checking that nothing more happens. */
const settle = () =>
  act(async () => {
    await new Promise((resolve) => setTimeout(resolve, 30));
  });

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

  it('takes already_saved (another task of the call saved first) as saved, and tells the agent', async () => {
    const fn = saveFunction(answers.alreadySaved);
    const { flex, task, saves } = setup();
    renderSlot(flex.TaskCanvas.Content, task);
    agentFillsWrapUp();

    expect(await completeTask(flex, task)).toEqual({ aborted: false, abortedLate: false });
    expect(fn.requests).toHaveLength(1);
    expect(task.writes.map(wrapUpOf)).toEqual([
      { ...EXPECTED_WRAP_UP, saved: false },
      { ...EXPECTED_WRAP_UP, saved: true },
    ]);
    expect(wrapUpOf(task.attributes)).toEqual({ ...EXPECTED_WRAP_UP, saved: true });
    expect(formStatus()).toBe('Saved.');
    expect(saves[0]?.result).toEqual({ ok: true, status: 'already_saved', attempts: 1 });
    expect(flex.Notifications.activeIds()).toEqual([NOTIFICATION_IDS.alreadySaved]);
    const warning = flex.Notifications.active(NOTIFICATION_IDS.alreadySaved);
    expect(warning).toMatchObject({ type: 'warning', timeout: 10_000, context: { taskSid: TASK_SID } });
    expect(warning.context).toEqual({ taskSid: TASK_SID });
    expect(flex.Notifications.text(warning)).toBe(DEFAULT_STRINGS.StickyCallsNotifyAlreadySaved);
  });

  it('has the task say saved: true by the time completion goes ahead', async () => {
    fakeClock();
    saveFunction(answers.saved);
    const { flex, task } = setup();
    task.writeDelayMs = 800; // TaskRouter answers each write after 0.8 s
    renderSlot(flex.TaskCanvas.Content, task);
    agentFillsWrapUp();

    const completion = await completeOverTime(flex, task, 0);
    await actUntil(() => task.writes.length === 2, 'the saved: true write');
    // Posted and saved; the mark is on its way to TaskRouter: completion waits for it.
    expect(task.writes.map(wrapUpOf)).toEqual([
      { ...EXPECTED_WRAP_UP, saved: false },
      { ...EXPECTED_WRAP_UP, saved: true },
    ]);
    expect(wrapUpOf(task.attributes)).toEqual({ ...EXPECTED_WRAP_UP, saved: false });
    await completion.advance(700);
    expect(completion.outcome()).toBeUndefined();

    await completion.advance(200);
    expect(completion.outcome()).toEqual({ aborted: false, abortedLate: false });
    expect(wrapUpOf(task.attributes)).toEqual({ ...EXPECTED_WRAP_UP, saved: true });
  });

  it('goes ahead, saved, when marking the task saved fails (the wrap-up stays on it unmarked)', async () => {
    fakeClock();
    const { flex, task, saves } = setup();
    saveFunction(() => {
      task.writeBehaviour = 'hang'; // TaskRouter stops answering after the first write
      return answers.saved();
    });
    renderSlot(flex.TaskCanvas.Content, task);
    agentFillsWrapUp();

    // The mark's write is given 2 s (at most half of what the 5 s deadline leaves).
    const completion = await completeOverTime(flex, task, 1900);
    expect(task.writes).toHaveLength(2);
    expect(completion.outcome()).toBeUndefined();
    await completion.advance(200);
    expect(completion.outcome()).toEqual({ aborted: false, abortedLate: false });
    expect(wrapUpOf(task.attributes)).toEqual({ ...EXPECTED_WRAP_UP, saved: false });
    expect(formStatus()).toBe('Saved.');
    expect(saves).toEqual([expect.objectContaining({ result: { ok: true, status: 'saved', attempts: 1 } })]);
    expect(flex.Notifications.history).toEqual([]);
    expect(warn).toHaveBeenCalledWith('[sticky-calls] the wrap-up could not be stored on the task');
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
    // Stored once, never marked saved: nothing was posted.
    expect(task.writes).toHaveLength(1);
    expect(formStatus()).toBe(DEFAULT_STRINGS.StickyCallsWrapUpStored);
    expect(summaryField().disabled).toBe(true);
    expect(flex.Notifications.history).toEqual([]);
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

    expect(await completeTask(flex, task)).toEqual({ aborted: true, abortedLate: false });
    expect(fn.requests).toEqual([]);
    expect(task.writes).toHaveLength(1);
    const notStored = flex.Notifications.active(NOTIFICATION_IDS.notStored);
    expect(notStored.context).toEqual({ taskSid: TASK_SID, reason: 'not_stored' });
    expect(flex.Notifications.text(notStored)).toBe(
      fillTemplate(DEFAULT_STRINGS.StickyCallsNotifyNotStored, {
        reason: DEFAULT_STRINGS.StickyCallsSaveReason_not_stored,
      }),
    );
    expect(flex.Notifications.activeIds()).toEqual([NOTIFICATION_IDS.notStored]);
    // Editable again, the draft kept.
    expect(formStatus()).toBe('');
    expect(summaryField().disabled).toBe(false);
    expect((within(wrapUpForm()).getByLabelText(/^Intent/) as HTMLInputElement).value).toBe(
      'Billing question',
    );
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
    expect(failed).toMatchObject({ type: 'error', timeout: 0, closeButton: true });
    expect(failed.context).toEqual({ taskSid: TASK_SID, reason: 'failed', stored: true });
    expect(flex.Notifications.text(failed)).toBe(
      fillTemplate(DEFAULT_STRINGS.StickyCallsNotifySaveFailed, {
        reason: DEFAULT_STRINGS.StickyCallsSaveReason_failed,
      }),
    );
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

  it('warns instead of confirming when a Retry finds the call already saved from another task', async () => {
    const fn = saveFunction(answers.notConfigured);
    const { flex, task } = setup();
    renderSlot(flex.TaskCanvas.Content, task);
    agentFillsWrapUp();
    await completeTask(flex, task);

    fn.answer(answers.alreadySaved);
    flex.Notifications.clickAction(NOTIFICATION_IDS.saveFailed);
    await actUntil(
      () => flex.Notifications.activeIds().includes(NOTIFICATION_IDS.alreadySaved),
      'the already-saved warning',
    );

    expect(fn.requests).toHaveLength(2);
    expect(flex.Notifications.activeIds()).toEqual([NOTIFICATION_IDS.alreadySaved]);
    expect(flex.Notifications.shownIds()).toEqual([
      NOTIFICATION_IDS.saveFailed,
      NOTIFICATION_IDS.alreadySaved,
    ]);
    expect(flex.Notifications.active(NOTIFICATION_IDS.alreadySaved).context).toEqual({ taskSid: TASK_SID });
    expect(wrapUpOf(task.attributes)).toEqual({ ...EXPECTED_WRAP_UP, saved: true });
    expect(formStatus()).toBe('Saved.');
  });

  it('reports a Function it cannot reach as network_error', async () => {
    fakeClock();
    const unreachable: typeof fetch = () => Promise.reject(new TypeError('Failed to fetch'));
    const { flex, task, saves } = setup({ completionTimeoutMs: 600, fetch: unreachable });
    renderSlot(flex.TaskCanvas.Content, task);
    agentFillsWrapUp();

    const completion = await completeOverTime(flex, task, 600);

    expect(completion.outcome()).toEqual({ aborted: false, abortedLate: false });
    const failed = flex.Notifications.active(NOTIFICATION_IDS.saveFailed);
    expect(failed.context).toEqual({ taskSid: TASK_SID, reason: 'network_error', stored: true });
    expect(flex.Notifications.text(failed)).toBe(
      fillTemplate(DEFAULT_STRINGS.StickyCallsNotifySaveFailed, {
        reason: DEFAULT_STRINGS.StickyCallsSaveReason_network_error,
      }),
    );
    expect(saves[0]?.result).toMatchObject({ ok: false, reason: 'network_error', httpStatus: null });
    expect(saves[0]?.result.attempts).toBeGreaterThanOrEqual(2);
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

  it.each<[string, Answer, SaveFailureReason]>([
    ['400 invalid', answers.invalid, 'invalid'],
    ['503 not_configured', answers.notConfigured, 'not_configured'],
    ['403 forbidden with the same token', answers.forbidden, 'forbidden'],
    ['502 retryable: false', answers.failedFinal, 'failed'],
    ['a 200 that is not the save Function’s answer', answers.notTheFunction, 'unexpected_answer'],
  ])('does not retry %s: the task completes, the wrap-up stays on it', async (_name, answer, reason) => {
    const fn = saveFunction(answer);
    const { flex, task, saves } = setup();
    renderSlot(flex.TaskCanvas.Content, task);
    agentFillsWrapUp();

    expect(await completeTask(flex, task)).toEqual({ aborted: false, abortedLate: false });
    expect(fn.requests).toHaveLength(1);
    expect(task.writes.map(wrapUpOf)).toEqual([{ ...EXPECTED_WRAP_UP, saved: false }]);
    expect(wrapUpOf(task.attributes)).toEqual({ ...EXPECTED_WRAP_UP, saved: false });
    expect(formStatus()).toBe(DEFAULT_STRINGS.StickyCallsWrapUpSaveFailed);
    expect(flex.Notifications.activeIds()).toEqual([NOTIFICATION_IDS.saveFailed]);
    const failed = flex.Notifications.active(NOTIFICATION_IDS.saveFailed);
    // The context carries the reason's code; the text says it in the agent's words.
    expect(failed.context).toEqual({ taskSid: TASK_SID, reason, stored: true });
    expect(flex.Notifications.text(failed)).toBe(
      fillTemplate(DEFAULT_STRINGS.StickyCallsNotifySaveFailed, {
        reason: DEFAULT_STRINGS[`StickyCallsSaveReason_${reason}`],
      }),
    );
    expect(saves).toEqual([
      expect.objectContaining({ storedOnTask: true, result: expect.objectContaining({ ok: false, reason }) }),
    ]);
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
    expect(notStored.context).toEqual({ taskSid: TASK_SID, reason: 'not_configured' });
    expect(flex.Notifications.text(notStored)).toBe(
      fillTemplate(DEFAULT_STRINGS.StickyCallsNotifyNotStored, {
        reason: DEFAULT_STRINGS.StickyCallsSaveReason_not_configured,
      }),
    );
    expect(formStatus()).toBe('');
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
    const failed = flex.Notifications.active(NOTIFICATION_IDS.saveFailed);
    expect(failed.context).toEqual({ taskSid: TASK_SID, reason: 'timeout', stored: true });
    expect(flex.Notifications.text(failed)).toBe(
      fillTemplate(DEFAULT_STRINGS.StickyCallsNotifySaveFailed, {
        reason: DEFAULT_STRINGS.StickyCallsSaveReason_timeout,
      }),
    );
    expect(formStatus()).toBe(DEFAULT_STRINGS.StickyCallsWrapUpSaveFailed);
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
    // Not on the task either: the notification and the form say so (only this browser holds it now).
    const failed = flex.Notifications.active(NOTIFICATION_IDS.saveFailed);
    expect(failed.context).toEqual({ taskSid: TASK_SID, reason: 'timeout', stored: false });
    expect(flex.Notifications.text(failed)).toBe(
      fillTemplate(DEFAULT_STRINGS.StickyCallsNotifySaveFailedUnstored, {
        reason: DEFAULT_STRINGS.StickyCallsSaveReason_timeout,
      }),
    );
    expect(formStatus()).toBe(DEFAULT_STRINGS.StickyCallsWrapUpUnstored);
    expect(summaryField().disabled).toBe(false);

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

  it('moves the focus to the issues on every refused completion, not only the first', async () => {
    const fn = saveFunction(answers.saved);
    const { flex, task } = setup();
    renderSlot(flex.TaskCanvas.Content, task);

    expect(await completeTask(flex, task)).toEqual({ aborted: true, abortedLate: false });
    expect(document.activeElement).toBe(within(wrapUpForm()).getByRole('alert'));

    // The agent looks elsewhere and completes again without fixing anything.
    summaryField().focus();
    expect(document.activeElement).toBe(summaryField());
    expect(await completeTask(flex, task)).toEqual({ aborted: true, abortedLate: false });
    expect(document.activeElement).toBe(within(wrapUpForm()).getByRole('alert'));
    expect(flex.Notifications.shownIds()).toEqual([NOTIFICATION_IDS.invalid, NOTIFICATION_IDS.invalid]);
    expect(fn.requests).toEqual([]);
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

  it('still gives the panel a tab in a Flex without withTaskContext (the tab then has no task)', () => {
    const { flex, task } = setup({ placement: 'TaskCanvasTabs' }, { flex: { withTaskContext: false } });
    expect('withTaskContext' in flex).toBe(false);
    renderSlot(flex.TaskCanvasTabs.Content, task);
    const tabPanel = screen.getByRole('tabpanel', { name: 'Caller context' });
    const panel = within(tabPanel).getByRole('region', { name: 'Caller context' });
    expect(panel.textContent).toContain(DEFAULT_STRINGS.StickyCallsAbsent);
    expect(panel.textContent).not.toContain(CUSTOMER_REF);
  });

  it('leaves wrap-up and saving out with wrapUp: false, needing no saveContextUrl', () => {
    const flex = createFakeFlex();
    const dispose = registerCallerContext(flex, createFakeManager('token-1'), {
      saveContextUrl: '',
      wrapUp: false,
    });
    expect(flex.TaskCanvas.Content.keys()).toEqual(['sticky-calls-panel']);
    expect(flex.Actions.listenerCount('beforeCompleteTask')).toBe(0);
    expect(flex.Actions.listenerCount('afterCompleteTask')).toBe(0);
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

/** Nothing of a registration is left in Flex: no content, listeners, notifications or strings. */
function expectNothingAdded(flex: FakeFlex, manager: FakeManager) {
  expect(flex.TaskCanvas.Content.keys()).toEqual([]);
  expect(flex.TaskInfoPanel.Content.keys()).toEqual([]);
  expect(flex.TaskCanvasTabs.Content.keys()).toEqual([]);
  expect(flex.Actions.listenerCount('beforeCompleteTask')).toBe(0);
  expect(flex.Actions.listenerCount('afterCompleteTask')).toBe(0);
  expect(flex.Notifications.registeredNotifications.size).toBe(0);
  expect(manager.strings).toEqual({});
}

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
    [
      'completionTimeoutMs too short',
      { completionTimeoutMs: 100 },
      {},
      /completionTimeoutMs must be a number of milliseconds from 500 to 10000/,
    ],
    [
      'completionTimeoutMs over 10 s',
      { completionTimeoutMs: 10_001 },
      {},
      /completionTimeoutMs must be a number of milliseconds from 500 to 10000/,
    ],
    [
      'completionTimeoutMs not a number',
      { completionTimeoutMs: Number.NaN },
      {},
      /completionTimeoutMs must be/,
    ],
    [
      'retryTimeoutMs too long',
      { retryTimeoutMs: 120_000 },
      {},
      /retryTimeoutMs must be a number of milliseconds from 500 to 60000/,
    ],
    ['retryTimeoutMs too short', { retryTimeoutMs: 499 }, {}, /retryTimeoutMs must be/],
    [
      'retryTimeoutMs a string',
      { retryTimeoutMs: '8000' as unknown as number },
      {},
      /retryTimeoutMs must be/,
    ],
    [
      'wrapUp.dispositions not an array',
      { wrapUp: { dispositions: 'resolved' as unknown as string[] } },
      {},
      /wrapUp\.dispositions must be an array of non-empty strings/,
    ],
    [
      'wrapUp.dispositions with a blank one',
      { wrapUp: { dispositions: ['resolved', '  '] } },
      {},
      /wrapUp\.dispositions must be/,
    ],
    [
      'wrapUp.dispositions with a number',
      { wrapUp: { dispositions: ['resolved', 42 as unknown as string] } },
      {},
      /wrapUp\.dispositions must be/,
    ],
    [
      'wrapUp.maxSummaryLength 0',
      { wrapUp: { maxSummaryLength: 0 } },
      {},
      /wrapUp\.maxSummaryLength must be a whole number from 1 to 3000/,
    ],
    [
      'wrapUp.maxSummaryLength over 3000',
      { wrapUp: { maxSummaryLength: 3001 } },
      {},
      /wrapUp\.maxSummaryLength must be/,
    ],
    [
      'wrapUp.maxSummaryLength not whole',
      { wrapUp: { maxSummaryLength: 99.5 } },
      {},
      /wrapUp\.maxSummaryLength must be/,
    ],
    [
      'wrapUp.maxSummaryLength a string',
      { wrapUp: { maxSummaryLength: '280' as unknown as number } },
      {},
      /wrapUp\.maxSummaryLength must be/,
    ],
    ['sortOrder a string', { sortOrder: 'first' as unknown as number }, {}, /: sortOrder must be a number/],
    ['sortOrder NaN', { sortOrder: Number.NaN }, {}, /: sortOrder must be a number/],
    [
      'wrapUp.sortOrder a string',
      { wrapUp: { sortOrder: '7' as unknown as number } },
      {},
      /wrapUp\.sortOrder must be a number/,
    ],
    [
      'wrapUp.sortOrder Infinity',
      { wrapUp: { sortOrder: Number.POSITIVE_INFINITY } },
      {},
      /wrapUp\.sortOrder must be a number/,
    ],
    [
      'showPanel not a function',
      { showPanel: 'voice' as unknown as () => boolean },
      {},
      /showPanel must be a function/,
    ],
    ['fetch not a function', { fetch: {} as unknown as typeof fetch }, {}, /fetch must be a function/],
    ['onSave not a function', { onSave: true as unknown as () => void }, {}, /onSave must be a function/],
    [
      'strings not an object',
      { strings: 'fr' as unknown as Record<string, string> },
      {},
      /strings must be an object of string overrides/,
    ],
    ['strings null', { strings: null as unknown as Record<string, string> }, {}, /strings must be an object/],
    [
      'wrapUp true',
      { wrapUp: true as unknown as false },
      {},
      /wrapUp must be an object of options, or false/,
    ],
    ['wrapUp null', { wrapUp: null as unknown as false }, {}, /wrapUp must be an object/],
    ['wrapUp an array', { wrapUp: [] as unknown as false }, {}, /wrapUp must be an object/],
  ])('throws a ConfigurationError for %s, adding nothing', (_name, options, fake, message) => {
    const flex = createFakeFlex(fake);
    const manager = createFakeManager('token-1');
    const register = () => registerCallerContext(flex, manager, { saveContextUrl: SAVE_URL, ...options });
    expect(register).toThrow(ConfigurationError);
    expect(register).toThrow(message);
    expectNothingAdded(flex, manager);
  });

  it.each<[string, Partial<RegisterCallerContextOptions>]>([
    ['completionTimeoutMs 500', { completionTimeoutMs: 500 }],
    ['completionTimeoutMs 10000', { completionTimeoutMs: 10_000 }],
    ['retryTimeoutMs 500', { retryTimeoutMs: 500 }],
    ['retryTimeoutMs 60000', { retryTimeoutMs: 60_000 }],
    ['wrapUp.maxSummaryLength 1', { wrapUp: { maxSummaryLength: 1 } }],
    ['wrapUp.maxSummaryLength 3000', { wrapUp: { maxSummaryLength: 3000 } }],
    ['negative sort orders', { sortOrder: -1, wrapUp: { sortOrder: -2.5 } }],
    ['dispositions', { wrapUp: { dispositions: ['resolved', 'callback'] } }],
  ])('accepts %s', (_name, options) => {
    const flex = createFakeFlex();
    expect(() =>
      registerCallerContext(flex, createFakeManager('token-1'), { saveContextUrl: SAVE_URL, ...options }),
    ).not.toThrow();
    expect(flex.TaskCanvas.Content.keys()).toEqual(['sticky-calls-panel', 'sticky-calls-wrap-up']);
  });

  it.each(['Actions', 'Notifications'] as const)(
    'throws a ConfigurationError when flex.%s is missing, adding nothing',
    (name) => {
      const flex = { ...createFakeFlex(), [name]: undefined } as unknown as FakeFlex;
      const manager = createFakeManager('token-1');
      const register = () => registerCallerContext(flex, manager, { saveContextUrl: SAVE_URL });
      expect(register).toThrow(ConfigurationError);
      expect(register).toThrow(`flex.${name} is missing: pass the \`flex\` from init`);
      expect(flex.TaskCanvas.Content.keys()).toEqual([]);
      expect(manager.strings).toEqual({});
    },
  );

  it('throws a ConfigurationError when registered twice without the first cleanup, leaving the first as it was', async () => {
    const fn = saveFunction(answers.saved);
    const flex = createFakeFlex();
    const manager = createFakeManager('token-1');
    registerCallerContext(flex, manager, { saveContextUrl: SAVE_URL });
    const registered = new Map(flex.Notifications.registeredNotifications);
    const strings = { ...manager.strings };

    const again = () => registerCallerContext(flex, manager, { saveContextUrl: SAVE_URL });
    expect(again).toThrow(ConfigurationError);
    expect(again).toThrow(
      `registerCallerContext: notification ${NOTIFICATION_IDS.invalid} is already registered: call the cleanup function of the earlier registerCallerContext first`,
    );

    expect(flex.TaskCanvas.Content.keys()).toEqual(['sticky-calls-panel', 'sticky-calls-wrap-up']);
    expect(flex.Actions.listenerCount('beforeCompleteTask')).toBe(1);
    expect(flex.Actions.listenerCount('afterCompleteTask')).toBe(1);
    expect(flex.Notifications.registeredNotifications).toEqual(registered);
    expect(manager.strings).toEqual(strings);
    // The first registration still works: one listener, one save.
    const task = voiceTask();
    renderSlot(flex.TaskCanvas.Content, task);
    agentFillsWrapUp();
    expect(await completeTask(flex, task)).toEqual({ aborted: false, abortedLate: false });
    expect(fn.requests).toHaveLength(1);
  });

  it('takes back the notifications it had registered when a later one is taken', () => {
    const flex = createFakeFlex();
    const manager = createFakeManager('token-1');
    // Another plugin (or a leftover registration) holds the last of its ids.
    const theirs = { id: NOTIFICATION_IDS.saveFailed, content: 'theirs' };
    flex.Notifications.registerNotification(theirs);

    const register = () => registerCallerContext(flex, manager, { saveContextUrl: SAVE_URL });
    expect(register).toThrow(ConfigurationError);
    expect(register).toThrow(`notification ${NOTIFICATION_IDS.saveFailed} is already registered`);
    expect([...flex.Notifications.registeredNotifications.entries()]).toEqual([
      [NOTIFICATION_IDS.saveFailed, theirs],
    ]);
    expect(flex.Notifications.dismissedById).not.toContain(NOTIFICATION_IDS.saveFailed);
    expect(flex.TaskCanvas.Content.keys()).toEqual([]);
    expect(flex.Actions.listenerCount('beforeCompleteTask')).toBe(0);
    expect(flex.Actions.listenerCount('afterCompleteTask')).toBe(0);
    expect(manager.strings).toEqual({});
  });

  it('takes back everything it added when adding to a slot fails midway, and rethrows', () => {
    const flex = createFakeFlex();
    const manager = createFakeManager('token-1');
    const refused = new Error('this slot refuses content');
    flex.TaskInfoPanel.Content.add = () => {
      throw refused;
    };

    const register = () =>
      registerCallerContext(flex, manager, {
        saveContextUrl: SAVE_URL,
        wrapUp: { placement: 'TaskInfoPanel' },
      });
    expect(register).toThrow(refused);
    // The panel had been added to the task canvas, the listeners, notifications and strings before.
    expectNothingAdded(flex, manager);
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
    expect(flex.Actions.listenerCount('beforeCompleteTask')).toBe(1);
    expect(flex.Actions.listenerCount('afterCompleteTask')).toBe(1);
    expect(await completeTask(flex, task)).toMatchObject({ aborted: true });
    expect(flex.Notifications.activeIds()).toEqual([NOTIFICATION_IDS.invalid]);
    manager.strings.StickyCallsPanelTitle = 'Changed by the admin';

    dispose();

    expect(flex.TaskCanvas.Content.keys()).toEqual([]);
    view.update();
    expect(screen.queryByRole('region', { name: 'Wrap-up' })).toBeNull();
    expect(flex.Actions.listenerCount('beforeCompleteTask')).toBe(0);
    expect(flex.Actions.listenerCount('afterCompleteTask')).toBe(0);
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

describe('registerCallerContext: notifications', () => {
  /** A notification as registered; throws when it is not. */
  const registered = (flex: FakeFlex, id: string) => {
    const found = flex.Notifications.registeredNotifications.get(id);
    if (found === undefined) throw new Error(`${id} is not registered`);
    return found;
  };

  it('registers one notification per outcome, the failure with a Retry action', () => {
    const { flex } = setup();
    expect([...flex.Notifications.registeredNotifications.keys()].sort()).toEqual(
      Object.values(NOTIFICATION_IDS).sort(),
    );
    expect(registered(flex, NOTIFICATION_IDS.invalid)).toMatchObject({ type: 'warning', timeout: 8000 });
    expect(registered(flex, NOTIFICATION_IDS.notStored)).toMatchObject({ type: 'error', timeout: 0 });
    expect(registered(flex, NOTIFICATION_IDS.saved)).toMatchObject({ type: 'success', timeout: 4000 });
    expect(registered(flex, NOTIFICATION_IDS.alreadySaved)).toMatchObject({
      type: 'warning',
      timeout: 10_000,
    });
    const failed = registered(flex, NOTIFICATION_IDS.saveFailed);
    expect(failed).toMatchObject({ type: 'error', timeout: 0, closeButton: true });
    expect(failed.actions).toHaveLength(1);
  });

  const CODES = [
    'timeout',
    'network_error',
    'forbidden',
    'invalid',
    'not_configured',
    'failed',
    'unexpected_answer',
    'not_stored',
  ] as const satisfies readonly (SaveFailureReason | 'not_stored')[];

  it.each(CODES)('words the reason code %s with its StickyCallsSaveReason_ string', (code) => {
    const { flex } = setup();
    const reason = DEFAULT_STRINGS[`StickyCallsSaveReason_${code}`];
    const text = (id: string, context: Record<string, unknown>) =>
      flex.Notifications.text({ ...registered(flex, id), context });

    expect(text(NOTIFICATION_IDS.saveFailed, { taskSid: TASK_SID, reason: code, stored: true })).toBe(
      fillTemplate(DEFAULT_STRINGS.StickyCallsNotifySaveFailed, { reason }),
    );
    expect(text(NOTIFICATION_IDS.saveFailed, { taskSid: TASK_SID, reason: code, stored: false })).toBe(
      fillTemplate(DEFAULT_STRINGS.StickyCallsNotifySaveFailedUnstored, { reason }),
    );
    expect(text(NOTIFICATION_IDS.notStored, { taskSid: TASK_SID, reason: code })).toBe(
      fillTemplate(DEFAULT_STRINGS.StickyCallsNotifyNotStored, { reason }),
    );
  });

  it.each<[string, Record<string, unknown>]>([
    ['a code it does not know', { reason: 'teapot' }],
    ['English instead of a code', { reason: 'not configured' }],
    ['no code', {}],
  ])('words %s as the save failing', (_name, context) => {
    const { flex } = setup();
    const failed = registered(flex, NOTIFICATION_IDS.saveFailed);
    expect(flex.Notifications.text({ ...failed, context: { taskSid: TASK_SID, ...context } })).toBe(
      fillTemplate(DEFAULT_STRINGS.StickyCallsNotifySaveFailed, {
        reason: DEFAULT_STRINGS.StickyCallsSaveReason_failed,
      }),
    );
  });

  it('takes the reason strings from the strings option and manager.strings', async () => {
    saveFunction(answers.notConfigured);
    const { flex, manager, task } = setup(
      { strings: { StickyCallsSaveReason_not_configured: 'falta configurar la Function' } },
      {
        strings: {
          StickyCallsNotifySaveFailed: 'No se guardó: {{reason}}.',
          StickyCallsSaveReason_not_configured: 'ignored: the option wins',
        },
      },
    );
    renderSlot(flex.TaskCanvas.Content, task);
    agentFillsWrapUp();
    await completeTask(flex, task);

    const failed = flex.Notifications.active(NOTIFICATION_IDS.saveFailed);
    expect(failed.context).toEqual({ taskSid: TASK_SID, reason: 'not_configured', stored: true });
    expect(flex.Notifications.text(failed)).toBe('No se guardó: falta configurar la Function.');
    // An admin's later change shows the next time the notification renders.
    manager.strings.StickyCallsNotifySaveFailed = 'Sin guardar ({{reason}})';
    expect(flex.Notifications.text(failed)).toBe('Sin guardar (falta configurar la Function)');
  });
});

describe('registerCallerContext: one completion or retry per task at a time', () => {
  it('aborts a second CompleteTask while the first is saving, posting once', async () => {
    const held = gate();
    const fn = saveFunction(async () => {
      await held.opened;
      return answers.saved();
    });
    const { flex, task } = setup();
    renderSlot(flex.TaskCanvas.Content, task);
    agentFillsWrapUp();
    let first: ActionOutcome | undefined;
    await act(async () => {
      void flex.Actions.invoke('CompleteTask', { task }).then((outcome) => {
        first = outcome;
      });
    });
    await actUntil(() => fn.requests.length === 1, 'the first POST');

    expect(await completeTask(flex, task)).toEqual({ aborted: true, abortedLate: false });
    expect(first).toBeUndefined();
    expect(formStatus()).toBe(DEFAULT_STRINGS.StickyCallsWrapUpSaving);

    held.open();
    await actUntil(() => first !== undefined, 'the first completion');
    expect(first).toEqual({ aborted: false, abortedLate: false });
    expect(fn.requests).toHaveLength(1);
    expect(task.writes.map(wrapUpOf)).toEqual([
      { ...EXPECTED_WRAP_UP, saved: false },
      { ...EXPECTED_WRAP_UP, saved: true },
    ]);
    expect(flex.Notifications.history).toEqual([]);
  });

  it('runs one Retry at a time: a second click, or a CompleteTask, while it runs does nothing', async () => {
    const fn = saveFunction(answers.notConfigured);
    const { flex, task } = setup();
    renderSlot(flex.TaskCanvas.Content, task);
    agentFillsWrapUp();
    await completeTask(flex, task);
    const failed = flex.Notifications.active(NOTIFICATION_IDS.saveFailed);

    const held = gate();
    fn.answer(async () => {
      await held.opened;
      return answers.saved();
    });
    flex.Notifications.clickAction(failed);
    await actUntil(() => fn.requests.length === 2, 'the Retry POST');
    expect(flex.Notifications.activeIds()).toEqual([]);
    expect(formStatus()).toBe(DEFAULT_STRINGS.StickyCallsWrapUpSaving);

    // The same notification's button again (clicked twice, or before the bar caught up).
    flex.Notifications.clickAction(failed);
    expect(await completeTask(flex, task)).toEqual({ aborted: true, abortedLate: false });
    await settle();
    expect(fn.requests).toHaveLength(2);

    held.open();
    await actUntil(
      () => flex.Notifications.activeIds().includes(NOTIFICATION_IDS.saved),
      'the saved notification',
    );
    expect(fn.requests).toHaveLength(2);
    expect(flex.Notifications.shownIds()).toEqual([NOTIFICATION_IDS.saveFailed, NOTIFICATION_IDS.saved]);
    expect(wrapUpOf(task.attributes)).toEqual({ ...EXPECTED_WRAP_UP, saved: true });

    // Saved: nothing is left to retry.
    flex.Notifications.clickAction(failed);
    await settle();
    expect(fn.requests).toHaveLength(2);
  });

  it('posts nothing on Retry once the task says saved: true (the safety net saved it), dropping the failure', async () => {
    const fn = saveFunction(answers.notConfigured);
    const { flex, task, saves } = setup();
    renderSlot(flex.TaskCanvas.Content, task);
    agentFillsWrapUp();
    await completeTask(flex, task);
    const failed = flex.Notifications.active(NOTIFICATION_IDS.saveFailed);

    // Meanwhile the server-side safety net saved it and marked the task.
    task.attributes = { ...task.attributes, [WRAP_UP_ATTRIBUTE_KEY]: { ...EXPECTED_WRAP_UP, saved: true } };
    fn.answer(answers.saved);
    flex.Notifications.clickAction(failed);
    await settle();

    expect(fn.requests).toHaveLength(1);
    expect(task.writes).toHaveLength(1);
    expect(saves).toHaveLength(1);
    expect(flex.Notifications.activeIds()).toEqual([]);
    expect(flex.Notifications.shownIds()).toEqual([NOTIFICATION_IDS.saveFailed]);
    // The form no longer claims it will be retried.
    expect(formStatus()).toBe(DEFAULT_STRINGS.StickyCallsWrapUpSaved);

    // Dropped for good: another click does nothing either.
    flex.Notifications.clickAction(failed);
    await settle();
    expect(fn.requests).toHaveLength(1);
  });

  it('drops the earlier failed save, and its Retry, when the task is completed again', async () => {
    const fn = saveFunction(answers.notConfigured);
    const { flex, task } = setup();
    renderSlot(flex.TaskCanvas.Content, task);
    agentFillsWrapUp();
    expect(await completeTask(flex, task)).toEqual({ aborted: false, abortedLate: false });
    const failed = flex.Notifications.active(NOTIFICATION_IDS.saveFailed);

    // Flex could not complete the task (TaskRouter refused it): the agent completes it again.
    fn.answer(answers.saved);
    expect(await completeTask(flex, task)).toEqual({ aborted: false, abortedLate: false });

    expect(fn.requests).toHaveLength(2);
    expect(flex.Notifications.activeIds()).toEqual([]);
    expect(flex.Notifications.shownIds()).toEqual([NOTIFICATION_IDS.saveFailed]);
    expect(task.writes.map(wrapUpOf)).toEqual([
      { ...EXPECTED_WRAP_UP, saved: false },
      { ...EXPECTED_WRAP_UP, saved: false },
      { ...EXPECTED_WRAP_UP, saved: true },
    ]);
    expect(formStatus()).toBe('Saved.');
    // The old notification's Retry has nothing left to save.
    flex.Notifications.clickAction(failed);
    await settle();
    expect(fn.requests).toHaveLength(2);
  });

  it('shows one failure for a task completed again that fails again', async () => {
    const fn = saveFunction(answers.notConfigured);
    const { flex, task } = setup();
    renderSlot(flex.TaskCanvas.Content, task);
    agentFillsWrapUp();
    await completeTask(flex, task);
    const first = flex.Notifications.active(NOTIFICATION_IDS.saveFailed);
    fn.answer(answers.invalid);
    await completeTask(flex, task);

    expect(fn.requests).toHaveLength(2);
    expect(flex.Notifications.shownIds()).toEqual([NOTIFICATION_IDS.saveFailed, NOTIFICATION_IDS.saveFailed]);
    expect(flex.Notifications.activeNotifications).toHaveLength(1);
    const second = flex.Notifications.active(NOTIFICATION_IDS.saveFailed);
    expect(second).not.toBe(first);
    expect(second.context).toEqual({ taskSid: TASK_SID, reason: 'invalid', stored: true });
  });
});

describe('registerCallerContext: each failed task has its own notification', () => {
  /** Two tasks whose saves fail (502, not retried), each with its failure notification. */
  async function twoFailedTasks(fake: FakeFlexOptions) {
    const fn = saveFunction(answers.failedFinal);
    const { flex, task } = setup({}, { flex: fake });
    const taskB = otherTask();
    const view = renderSlot(flex.TaskCanvas.Content, task);
    agentFillsWrapUp();
    await completeTask(flex, task);
    view.update(taskB);
    agentFillsWrapUp();
    await completeTask(flex, taskB);
    const failedA = flex.Notifications.active(NOTIFICATION_IDS.saveFailed, TASK_SID);
    const failedB = flex.Notifications.active(NOTIFICATION_IDS.saveFailed, TASK_SID_B);
    expect(flex.Notifications.activeNotifications).toEqual([failedA, failedB]);
    expect(failedA.context).toEqual({ taskSid: TASK_SID, reason: 'failed', stored: true });
    expect(failedB.context).toEqual({ taskSid: TASK_SID_B, reason: 'failed', stored: true });
    fn.answer(answers.saved);
    return { fn, flex, task, taskB, failedA, failedB };
  }

  it("retries one task's save leaving the other's notification and Retry (dismissNotification)", async () => {
    const { fn, flex, task, taskB, failedA, failedB } = await twoFailedTasks({});

    flex.Notifications.clickAction(failedA);
    await actUntil(
      () => flex.Notifications.activeIds().includes(NOTIFICATION_IDS.saved),
      'the saved notification',
    );

    // B's notification is the one first shown: never dismissed, never shown again.
    expect(flex.Notifications.activeNotifications[0]).toBe(failedB);
    expect(flex.Notifications.activeIds()).toEqual([NOTIFICATION_IDS.saveFailed, NOTIFICATION_IDS.saved]);
    expect(flex.Notifications.active(NOTIFICATION_IDS.saved).context).toEqual({ taskSid: TASK_SID });
    expect(flex.Notifications.dismissedById).toEqual([]);
    expect(wrapUpOf(task.attributes)).toMatchObject({ saved: true });
    expect(wrapUpOf(taskB.attributes)).toMatchObject({ saved: false });

    flex.Notifications.clickAction(failedB);
    await actUntil(() => wrapUpOf(taskB.attributes) !== undefined && taskB.writes.length === 2, 'B saved');
    expect(fn.requests.map((body) => [body.TaskSid, body.call_id])).toEqual([
      [TASK_SID, CALL_SID],
      [TASK_SID_B, CALL_SID_B],
      [TASK_SID, CALL_SID],
      [TASK_SID_B, CALL_SID_B],
    ]);
    expect(wrapUpOf(taskB.attributes)).toMatchObject({ call_id: CALL_SID_B, saved: true });
    expect(flex.Notifications.activeIds()).toEqual([NOTIFICATION_IDS.saved, NOTIFICATION_IDS.saved]);
  });

  it("shows the other task's failure again with its own reason, in a Flex without dismissNotification", async () => {
    const fn = saveFunction(answers.notConfigured);
    const { flex, task } = setup({}, { flex: { dismissNotification: false } });
    const taskB = otherTask();
    const view = renderSlot(flex.TaskCanvas.Content, task);
    agentFillsWrapUp();
    await completeTask(flex, task);
    view.update(taskB);
    agentFillsWrapUp();
    await completeTask(flex, taskB);
    fn.answer(answers.saved);

    flex.Notifications.clickAction(flex.Notifications.active(NOTIFICATION_IDS.saveFailed, TASK_SID));
    await actUntil(
      () => flex.Notifications.activeIds().includes(NOTIFICATION_IDS.saved),
      'the saved notification',
    );
    expect(flex.Notifications.active(NOTIFICATION_IDS.saveFailed, TASK_SID_B).context).toEqual({
      taskSid: TASK_SID_B,
      reason: 'not_configured',
      stored: true,
    });
  });

  it("shows the other task's failure again after dismissing by id, in a Flex without dismissNotification", async () => {
    const { fn, flex, taskB, failedA, failedB } = await twoFailedTasks({ dismissNotification: false });
    expect(flex.Notifications.dismissNotification).toBeUndefined();

    flex.Notifications.clickAction(failedA);
    await actUntil(
      () => flex.Notifications.activeIds().includes(NOTIFICATION_IDS.saved),
      'the saved notification',
    );

    expect(flex.Notifications.dismissedById).toEqual([NOTIFICATION_IDS.saveFailed]);
    const shownAgain = flex.Notifications.active(NOTIFICATION_IDS.saveFailed, TASK_SID_B);
    expect(shownAgain).not.toBe(failedB);
    expect(shownAgain.context).toEqual({ taskSid: TASK_SID_B, reason: 'failed', stored: true });
    expect(flex.Notifications.activeIds()).toEqual([NOTIFICATION_IDS.saveFailed, NOTIFICATION_IDS.saved]);

    flex.Notifications.clickAction(shownAgain);
    await actUntil(() => taskB.writes.length === 2, 'B saved');
    expect(fn.requests.map((body) => body.TaskSid)).toEqual([TASK_SID, TASK_SID_B, TASK_SID, TASK_SID_B]);
    expect(wrapUpOf(taskB.attributes)).toMatchObject({ call_id: CALL_SID_B, saved: true });
    expect(flex.Notifications.activeIds()).toEqual([NOTIFICATION_IDS.saved, NOTIFICATION_IDS.saved]);
  });
});

describe('registerCallerContext: after completion', () => {
  it('forgets the draft of a saved wrap-up once the task is completed', async () => {
    saveFunction(answers.saved);
    const { flex, task } = setup();
    renderSlot(flex.TaskCanvas.Content, task);
    agentFillsWrapUp();
    await completeTask(flex, task);
    expect(summaryField().value).toBe('Refund issued to the card');

    await taskCompleted(flex, task);

    // A form still mounted for the task reads the store: the draft and its phase are gone.
    expect(summaryField().value).toBe('');
    expect(formStatus()).toBe('');
    expect(within(wrapUpForm()).queryAllByLabelText('Name')).toEqual([]);
  });

  it('keeps the draft of a failed save, for its Retry', async () => {
    const fn = saveFunction(answers.notConfigured);
    const { flex, task } = setup();
    renderSlot(flex.TaskCanvas.Content, task);
    agentFillsWrapUp();
    await completeTask(flex, task);

    await taskCompleted(flex, task);

    expect(summaryField().value).toBe('Refund issued to the card');
    expect(formStatus()).toBe(DEFAULT_STRINGS.StickyCallsWrapUpSaveFailed);
    fn.answer(answers.saved);
    flex.Notifications.clickAction(NOTIFICATION_IDS.saveFailed);
    await actUntil(
      () => flex.Notifications.activeIds().includes(NOTIFICATION_IDS.saved),
      'the saved notification',
    );
    expect(fn.requests.at(-1)).toEqual({ ...EXPECTED_BODY, Token: 'token-1' });
    // Saved by the Retry of a completed task: its draft is forgotten then.
    await actUntil(() => summaryField().value === '', 'the draft forgotten');
    expect(formStatus()).toBe('');
  });

  it('keeps the draft of a save still running when completion went ahead at the deadline', async () => {
    fakeClock();
    saveFunction(answers.hang);
    const { flex, task } = setup({ completionTimeoutMs: 600 });
    task.writeBehaviour = 'hang';
    renderSlot(flex.TaskCanvas.Content, task);
    agentFillsWrapUp();
    const completion = await completeOverTime(flex, task, 600);
    expect(completion.outcome()).toEqual({ aborted: false, abortedLate: false });
    expect(formStatus()).toBe(DEFAULT_STRINGS.StickyCallsWrapUpSaving);

    await taskCompleted(flex, task);
    expect(summaryField().value).toBe('Refund issued to the card');

    // The save then fails: the draft is still there, and Retry can keep it.
    await completion.advance(1000);
    expect(flex.Notifications.activeIds()).toEqual([NOTIFICATION_IDS.saveFailed]);
    expect(summaryField().value).toBe('Refund issued to the card');
    expect(formStatus()).toBe(DEFAULT_STRINGS.StickyCallsWrapUpUnstored);
  });

  it('leaves an afterCompleteTask without a task alone', async () => {
    const { flex } = setup();
    await act(async () => {
      await flex.Actions.invokeAfter('CompleteTask', {});
      await flex.Actions.invokeAfter('CompleteTask', { task: null });
    });
    expect(flex.Notifications.showCalls).toEqual([]);
  });
});

describe('registerCallerContext: which completions the listener checks', () => {
  it.each(['assigned', 'accepted', 'completed'])(
    'leaves completing a task that is %s alone: the form was not shown',
    async (status) => {
      const fn = saveFunction(answers.saved);
      const task = voiceTask(voiceAttributes(), status);
      const { flex } = setup({}, { task });

      expect(await completeTask(flex, task)).toEqual({ aborted: false, abortedLate: false });
      expect(fn.requests).toEqual([]);
      expect(task.writes).toEqual([]);
      expect(flex.Notifications.showCalls).toEqual([]);
    },
  );

  it('checks a task whose status is not known', async () => {
    const fn = saveFunction(answers.saved);
    const task = voiceTask();
    (task as { status?: string | undefined }).status = undefined;
    const { flex } = setup({}, { task });

    expect(await completeTask(flex, task)).toEqual({ aborted: true, abortedLate: false });
    expect(flex.Notifications.activeIds()).toEqual([NOTIFICATION_IDS.invalid]);
    expect(fn.requests).toEqual([]);
  });
});
