/**
 * The wrap-up session around a task's completion. Its `post` is a port the session owns
 * (the desktop binding gives it `postWrapUp` with the URL and the token), so most tests
 * give it a scripted fake whose answers are typed as `PostWrapUpResult`; the last
 * describe runs the session over the real `postWrapUp` against msw, to keep the fake honest.
 */
import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  createWrapUpSession,
  createWrapUpStore,
  EMPTY_DRAFT,
  type PostWrapUpResult,
  postWrapUp,
  type SaveFailureReason,
  saveAnswer,
  savedLength,
  WRAP_UP_LIMITS,
  type WrapUpDraft,
  type WrapUpFields,
  type WrapUpNotice,
  type WrapUpPostRequest,
  type WrapUpSaveEvent,
  type WrapUpSessionOptions,
  type WrapUpSessionTask,
} from '../index.js';
import {
  CALL_SID,
  CUSTOMER_REF,
  callTaskAttributes,
  MemoryStorage,
  OTHER_TASK_SID,
  TASK_SID,
} from './wrap-up-kit.js';

const TASK: WrapUpSessionTask = { taskSid: TASK_SID, attributes: callTaskAttributes() };
const OTHER_TASK: WrapUpSessionTask = { taskSid: OTHER_TASK_SID, attributes: callTaskAttributes() };

const DRAFT: WrapUpDraft = {
  ...EMPTY_DRAFT,
  intentChoice: 'refund_request',
  status: 'resolved',
  summary: 'Refund issued',
};
const FIELDS: WrapUpFields = {
  intent: 'refund_request',
  intent_status: 'resolved',
  variables: { summary: 'Refund issued' },
};

// What postWrapUp answers, typed as such.
const STORED = {
  ok: true,
  status: 'stored',
  saveable: true,
  attempts: 1,
} as const satisfies PostWrapUpResult;
const SAVED = { ok: true, status: 'saved', saveable: true, attempts: 1 } as const satisfies PostWrapUpResult;
const ALREADY_SAVED = {
  ok: true,
  status: 'already_saved',
  saveable: true,
  attempts: 1,
} as const satisfies PostWrapUpResult;
const KEPT = { ok: true, status: 'stored', saveable: false, attempts: 1 } as const satisfies PostWrapUpResult;
const failure = (
  reason: SaveFailureReason,
  retryable: boolean,
  httpStatus: number | null = null,
  extra: Partial<Extract<PostWrapUpResult, { ok: false }>> = {},
): PostWrapUpResult => ({ ok: false, reason, retryable, httpStatus, attempts: 1, ...extra });

type Scripted = PostWrapUpResult | Promise<PostWrapUpResult>;

/** A save Function port: records each request and answers the next scripted result. */
function fakePost(script: Scripted[]) {
  const calls: WrapUpPostRequest[] = [];
  const post = (request: WrapUpPostRequest): Promise<PostWrapUpResult> => {
    calls.push(request);
    const next = script.shift();
    return next === undefined
      ? Promise.reject(new Error(`no answer scripted for post number ${calls.length}`))
      : Promise.resolve(next);
  };
  return { post, calls };
}

function deferred<T>(): { readonly promise: Promise<T>; resolve(value: T): void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

/** A session over a store kept in a `Storage`, with a scripted post and a notice log. */
function setup(
  script: Scripted[] = [],
  options: Partial<WrapUpSessionOptions> = {},
  storage = new MemoryStorage(),
) {
  const store = createWrapUpStore({ storage });
  const { post, calls } = fakePost(script);
  const notices: WrapUpNotice[] = [];
  const session = createWrapUpSession({ post, store, notify: (notice) => notices.push(notice), ...options });
  const phases: string[] = [];
  store.subscribe(() => phases.push(store.get(TASK_SID).phase));
  return { session, store, storage, calls, notices, phases, script };
}

const kinds = (notices: readonly WrapUpNotice[]) => notices.map((notice) => notice.kind);
const actions = (calls: readonly WrapUpPostRequest[]) => calls.map((call) => call.action);

/** Lets pending promise callbacks run. */
const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('beforeComplete: a draft with issues', () => {
  it('refuses the completion: false, the issues shown, the refusal counted, an invalid notice, nothing posted', async () => {
    const { session, store, calls, notices } = setup();
    store.edit(TASK_SID, { summary: 'Refund issued' });
    await expect(session.beforeComplete(TASK)).resolves.toBe(false);
    expect(store.get(TASK_SID)).toMatchObject({
      phase: 'editing',
      refusals: 1,
      issues: [expect.objectContaining({ code: 'intent_required', path: ['intent'] })],
    });
    await expect(session.beforeComplete(TASK)).resolves.toBe(false);
    expect(store.get(TASK_SID).refusals).toBe(2);
    expect(notices).toEqual([
      { kind: 'invalid', taskSid: TASK_SID },
      { kind: 'invalid', taskSid: TASK_SID },
    ]);
    expect(calls).toEqual([]);
  });

  it('lets the rules make the intent optional', async () => {
    const { session, store, calls } = setup([STORED], { rules: { requireIntent: false } });
    store.edit(TASK_SID, { summary: 'Refund issued' });
    await expect(session.beforeComplete(TASK)).resolves.toBe(true);
    expect(calls[0]?.wrapUp).toEqual({ variables: { summary: 'Refund issued' } });
  });

  it('refuses a task that is not a Sticky Calls call, posting nothing', async () => {
    const { session, store, calls, notices } = setup();
    store.edit(TASK_SID, DRAFT);
    await expect(
      session.beforeComplete({ taskSid: TASK_SID, attributes: { call_sid: CALL_SID } }),
    ).resolves.toBe(false);
    expect(store.get(TASK_SID).issues).toEqual([expect.objectContaining({ code: 'no_call' })]);
    expect(kinds(notices)).toEqual(['invalid']);
    expect(calls).toEqual([]);
  });

  it('shows the issues the Function found, with their codes, and refuses the completion', async () => {
    const issues = [
      {
        path: ['intent_status'],
        message: 'intent_status must be open, resolved or abandoned',
        code: 'status_format',
      },
      { path: ['variables', 'order-id'], message: 'variable order-id needs a value', code: 'variable_value' },
      { path: ['variables'], message: 'too long by 12', code: 'too_long' },
      { path: ['intent'], message: 'a newer rule', code: 'rule_from_a_newer_function' },
      { path: [], message: 'no code at all' },
    ];
    const { session, store, calls, notices } = setup([failure('invalid', false, 400, { issues })]);
    store.edit(TASK_SID, DRAFT);
    await expect(session.beforeComplete(TASK)).resolves.toBe(false);
    expect(actions(calls)).toEqual(['store']);
    expect(store.get(TASK_SID)).toMatchObject({
      phase: 'editing',
      refusals: 1,
      issues: [
        { code: 'status_format', path: ['intent_status'], message: issues[0]?.message },
        {
          code: 'variable_value',
          path: ['variables', 'order-id'],
          name: 'order-id',
          message: issues[1]?.message,
        },
        { code: 'too_long', path: ['variables'], message: 'too long by 12' },
        { code: 'other', path: ['intent'], message: 'a newer rule' },
        { code: 'other', path: [], message: 'no code at all' },
      ],
    });
    expect(notices).toEqual([{ kind: 'invalid', taskSid: TASK_SID }]);
  });
});

describe('beforeComplete: a valid draft', () => {
  it('stores it on the task once, then lets the completion go ahead', async () => {
    const { session, store, calls, notices } = setup([STORED]);
    store.edit(TASK_SID, DRAFT);
    await expect(session.beforeComplete(TASK)).resolves.toBe(true);
    expect(calls).toEqual([{ taskSid: TASK_SID, action: 'store', wrapUp: FIELDS, deadlineMs: 4900 }]);
    expect(store.get(TASK_SID)).toMatchObject({
      phase: 'stored',
      fields: FIELDS,
      issues: [],
      storeFailures: 0,
    });
    expect(notices).toEqual([]);
    expect(session.busy(TASK_SID)).toBe(false);
  });

  it('clears issues an earlier refusal showed', async () => {
    const { session, store } = setup([STORED]);
    store.edit(TASK_SID, { summary: 'Refund issued' });
    await session.beforeComplete(TASK);
    store.edit(TASK_SID, { intentChoice: 'refund_request', status: 'resolved' });
    await expect(session.beforeComplete(TASK)).resolves.toBe(true);
    expect(store.get(TASK_SID).issues).toEqual([]);
  });

  it('gives the store a deadline inside completionTimeoutMs', async () => {
    const { session, store, calls } = setup([STORED], { completionTimeoutMs: 2000 });
    store.edit(TASK_SID, DRAFT);
    await session.beforeComplete(TASK);
    expect(calls[0]?.deadlineMs).toBeLessThan(2000);
    expect(calls[0]?.deadlineMs).toBeGreaterThanOrEqual(1000);
  });

  it('completes without a save when the Function says the call was saved already', async () => {
    const { session, store, storage, calls } = setup([ALREADY_SAVED]);
    store.edit(TASK_SID, DRAFT);
    await expect(session.beforeComplete(TASK)).resolves.toBe(true);
    expect(store.get(TASK_SID).phase).toBe('saved');
    await session.afterComplete(TASK_SID);
    expect(actions(calls)).toEqual(['store']);
    expect(store.get(TASK_SID).draft).toEqual(EMPTY_DRAFT);
    expect(storage.items.size).toBe(0);
  });
});

describe('beforeComplete: the Function cannot store it', () => {
  it('keeps the task open: false, a not_stored notice with the reason, the draft kept', async () => {
    const { session, store, notices } = setup([failure('not_configured', false, 503)]);
    store.edit(TASK_SID, DRAFT);
    await expect(session.beforeComplete(TASK)).resolves.toBe(false);
    expect(notices).toEqual([{ kind: 'not_stored', taskSid: TASK_SID, reason: 'not_configured' }]);
    expect(store.get(TASK_SID)).toMatchObject({
      draft: DRAFT,
      phase: 'editing',
      reason: 'not_configured',
      storeFailures: 1,
    });
  });

  it('treats a post that throws as a failure, not as a store', async () => {
    const { session, store, notices } = setup([Promise.reject(new Error('socket hang up'))]);
    store.edit(TASK_SID, DRAFT);
    await expect(session.beforeComplete(TASK)).resolves.toBe(false);
    expect(notices).toEqual([{ kind: 'not_stored', taskSid: TASK_SID, reason: 'failed' }]);
  });

  it('lets the second completion in a row through while the Function is unreachable, keeping the wrap-up here', async () => {
    const { session, store, storage, calls, notices } = setup([
      failure('timeout', true),
      failure('network_error', true),
      SAVED,
    ]);
    store.edit(TASK_SID, DRAFT);
    await expect(session.beforeComplete(TASK)).resolves.toBe(false);
    await expect(session.beforeComplete(TASK)).resolves.toBe(true);
    expect(store.get(TASK_SID)).toMatchObject({ phase: 'local', fields: FIELDS, reason: 'network_error' });
    expect(kinds(notices)).toEqual(['not_stored']);
    // It outlives a reload while it waits.
    expect(createWrapUpStore({ storage }).get(TASK_SID)).toMatchObject({ phase: 'local', fields: FIELDS });

    await session.afterComplete(TASK_SID);
    expect(calls.map((call) => [call.action, call.wrapUp])).toEqual([
      ['store', FIELDS],
      ['store', FIELDS],
      ['save', FIELDS],
    ]);
    expect(store.get(TASK_SID).draft).toEqual(EMPTY_DRAFT);
    expect(storage.items.size).toBe(0);
  });

  it('starts counting again after a store that worked', async () => {
    const { session, store } = setup([failure('timeout', true), STORED, failure('timeout', true)]);
    store.edit(TASK_SID, DRAFT);
    await expect(session.beforeComplete(TASK)).resolves.toBe(false);
    await expect(session.beforeComplete(TASK)).resolves.toBe(true);
    // Another listener cancelled that completion; the next one fails once.
    await expect(session.beforeComplete(TASK)).resolves.toBe(false);
    expect(store.get(TASK_SID)).toMatchObject({ phase: 'editing', storeFailures: 1 });
  });
});

describe('beforeComplete: a Function that refuses every store', () => {
  it.each([
    ['not_configured', 503],
    ['forbidden', 403],
    ['unexpected_answer', 200],
  ] as const)(
    'lets the second Complete through when it answers %s, so no agent is held in wrap-up',
    async (reason, status) => {
      const { session, store, notices } = setup([
        failure(reason, false, status),
        failure(reason, false, status),
      ]);
      store.edit(TASK_SID, DRAFT);
      await expect(session.beforeComplete(TASK)).resolves.toBe(false);
      await expect(session.beforeComplete(TASK)).resolves.toBe(true);
      expect(store.get(TASK_SID)).toMatchObject({ phase: 'local', fields: FIELDS });
      expect(kinds(notices)).toEqual(['not_stored']);
    },
  );

  it('holds the completion for as long as the Function names issues the agent can fix', async () => {
    const refused = {
      ok: false,
      reason: 'invalid',
      retryable: false,
      httpStatus: 400,
      attempts: 1,
      issues: [
        {
          path: ['intent_status'],
          message: 'intent_status must be open, resolved or abandoned',
          code: 'status_format',
        },
      ],
    } as const satisfies PostWrapUpResult;
    const { session, store } = setup([refused, refused, refused]);
    store.edit(TASK_SID, DRAFT);
    for (let attempt = 0; attempt < 3; attempt += 1)
      await expect(session.beforeComplete(TASK)).resolves.toBe(false);
    expect(store.get(TASK_SID)).toMatchObject({ phase: 'editing', storeFailures: 0 });
  });

  it('tells the agent when the call was saved before this completion', async () => {
    const { session, store, notices } = setup([ALREADY_SAVED]);
    store.edit(TASK_SID, DRAFT);
    await expect(session.beforeComplete(TASK)).resolves.toBe(true);
    expect(kinds(notices)).toEqual(['already_saved']);
  });

  it('takes an edit made while kept in this browser as a draft again, saved as edited', async () => {
    const { session, store, calls } = setup([failure('timeout', true), failure('timeout', true), SAVED]);
    store.edit(TASK_SID, DRAFT);
    await session.beforeComplete(TASK);
    await session.beforeComplete(TASK);
    store.edit(TASK_SID, { summary: 'edited after' });
    expect(store.get(TASK_SID).phase).toBe('editing');
    await session.completedElsewhere(TASK_SID);
    expect(calls[2]).toMatchObject({ action: 'save', wrapUp: { variables: { summary: 'edited after' } } });
  });
});

describe('saves the page did not ask for', () => {
  it('leaves a draft as it was, quietly, when its task turns out still open', async () => {
    const { session, store, notices } = setup([failure('not_completed', true, 409)]);
    store.edit(TASK_SID, DRAFT);
    await session.completedElsewhere(TASK_SID);
    expect(store.get(TASK_SID)).toMatchObject({ phase: 'editing', draft: DRAFT });
    expect(notices).toEqual([]);
  });

  it('forgets, without a word, a kept save this agent may not make (another agent’s, on a shared browser)', async () => {
    const storage = new MemoryStorage();
    createWrapUpStore({ storage }).set(TASK_SID, { phase: 'failed', fields: FIELDS });
    const { session, notices } = setup([failure('forbidden', false, 403)], {}, storage);
    await session.resume();
    expect(notices).toEqual([]);
    expect(storage.items.size).toBe(0);
  });
});

describe('afterComplete', () => {
  it('saves the stored wrap-up once, marks it saved, then forgets it here and in the storage', async () => {
    const { session, store, storage, calls, notices, phases } = setup([STORED, SAVED]);
    store.edit(TASK_SID, DRAFT);
    await session.beforeComplete(TASK);
    phases.length = 0;
    await session.afterComplete(TASK_SID);
    expect(calls[1]).toEqual({ taskSid: TASK_SID, action: 'save', wrapUp: FIELDS, deadlineMs: 8000 });
    expect(calls).toHaveLength(2);
    // Saving, saved, then gone (a fresh entry).
    expect(phases).toEqual(['saving', 'saved', 'editing']);
    expect(store.get(TASK_SID).draft).toEqual(EMPTY_DRAFT);
    expect(storage.items.size).toBe(0);
    // Every save that worked is confirmed to the agent, the ordinary one too.
    expect(notices.filter((notice) => notice.kind !== 'settled')).toEqual([
      { kind: 'saved', taskSid: TASK_SID },
    ]);
  });

  it('saves what the agent typed after the store, when it checks', async () => {
    const { session, store, calls } = setup([STORED, SAVED]);
    store.edit(TASK_SID, DRAFT);
    await session.beforeComplete(TASK);
    store.edit(TASK_SID, { summary: 'typed while completing' });
    expect(store.get(TASK_SID).phase).toBe('editing');
    await session.afterComplete(TASK_SID);
    expect(calls[1]?.wrapUp).toEqual({ ...FIELDS, variables: { summary: 'typed while completing' } });
  });

  it('saves what was stored when what was typed after does not check', async () => {
    const { session, store, calls } = setup([STORED, SAVED]);
    store.edit(TASK_SID, DRAFT);
    await session.beforeComplete(TASK);
    store.edit(TASK_SID, { variables: [{ name: 'order id!', value: '' }] });
    await session.afterComplete(TASK_SID);
    expect(calls.map((call) => call.action)).toEqual(['store', 'save']);
    expect(calls[1]?.wrapUp).toEqual(FIELDS);
  });

  it('takes the save Function’s saveTimeoutMs', async () => {
    const { session, store, calls } = setup([STORED, SAVED], { saveTimeoutMs: 3000 });
    store.edit(TASK_SID, DRAFT);
    await session.beforeComplete(TASK);
    await session.afterComplete(TASK_SID);
    expect(calls[1]?.deadlineMs).toBe(3000);
  });

  it('forgets a wrap-up that can only stay on the task (nothing names the caller)', async () => {
    const { session, store, notices, phases } = setup([STORED, KEPT]);
    store.edit(TASK_SID, DRAFT);
    await session.beforeComplete(TASK);
    phases.length = 0;
    await session.afterComplete(TASK_SID);
    expect(phases).toEqual(['saving', 'kept', 'editing']);
    // Its own notice: kept on the task, not saved to any caller's memory.
    expect(notices.filter((notice) => notice.kind !== 'settled')).toEqual([
      { kind: 'kept', taskSid: TASK_SID },
    ]);
  });

  it('says kept, not saved, when a Retry or a task completed elsewhere keeps it on the task only', async () => {
    const retried = setup([STORED, failure('failed', true, 502), KEPT]);
    retried.store.edit(TASK_SID, DRAFT);
    await retried.session.beforeComplete(TASK);
    await retried.session.afterComplete(TASK_SID);
    retried.notices.length = 0;
    await retried.session.retry(TASK_SID);
    expect(kinds(retried.notices)).toEqual(['settled', 'kept']);

    const elsewhere = setup([KEPT]);
    elsewhere.store.edit(TASK_SID, DRAFT);
    await elsewhere.session.completedElsewhere(TASK_SID);
    expect(kinds(elsewhere.notices)).toEqual(['settled', 'kept']);
  });

  it('drops what was typed for a task this session did not wrap up, posting nothing', async () => {
    const { session, store, storage, calls } = setup();
    store.edit(TASK_SID, { summary: 'typed but never checked' });
    await session.afterComplete(TASK_SID);
    expect(calls).toEqual([]);
    expect(storage.items.size).toBe(0);
  });
});

describe('a completion another listener cancelled', () => {
  it('never saves: the wrap-up stays stored and the form editable', async () => {
    const { session, store, calls } = setup([STORED, STORED]);
    store.edit(TASK_SID, DRAFT);
    await expect(session.beforeComplete(TASK)).resolves.toBe(true);
    // Flex aborted CompleteTask after every before-listener settled: no afterComplete comes.
    await flush();
    expect(actions(calls)).toEqual(['store']);
    expect(store.get(TASK_SID)).toMatchObject({ phase: 'stored', draft: DRAFT });
    expect(session.busy(TASK_SID)).toBe(false);

    store.edit(TASK_SID, { summary: 'Refund issued, label sent' });
    expect(store.get(TASK_SID).draft.summary).toBe('Refund issued, label sent');
    // The next Complete stores what the agent has now.
    await expect(session.beforeComplete(TASK)).resolves.toBe(true);
    expect(calls.map((call) => [call.action, call.wrapUp.variables?.summary])).toEqual([
      ['store', 'Refund issued'],
      ['store', 'Refund issued, label sent'],
    ]);
  });
});

describe('a save that fails after the completion', () => {
  it('says so, stored on the task; Retry saves it and takes the notice down', async () => {
    const { session, store, storage, calls, notices } = setup([STORED, failure('failed', true, 502), SAVED]);
    store.edit(TASK_SID, DRAFT);
    await session.beforeComplete(TASK);
    await session.afterComplete(TASK_SID);
    expect(notices).toEqual([
      { kind: 'save_failed', taskSid: TASK_SID, reason: 'failed', retryable: true, stored: true },
    ]);
    expect(store.get(TASK_SID)).toMatchObject({ phase: 'failed', reason: 'failed', fields: FIELDS });
    expect(createWrapUpStore({ storage }).get(TASK_SID)).toMatchObject({ phase: 'failed', fields: FIELDS });

    notices.length = 0;
    await session.retry(TASK_SID);
    expect(actions(calls)).toEqual(['store', 'save', 'save']);
    expect(calls[2]?.wrapUp).toEqual(FIELDS);
    expect(notices).toEqual([
      { kind: 'settled', taskSid: TASK_SID },
      { kind: 'saved', taskSid: TASK_SID },
    ]);
    expect(store.get(TASK_SID).draft).toEqual(EMPTY_DRAFT);
    expect(storage.items.size).toBe(0);
  });

  it('says when the wrap-up is only in this browser (not stored on the task)', async () => {
    const { session, store, notices } = setup([
      failure('timeout', true),
      failure('timeout', true),
      failure('network_error', true),
      SAVED,
    ]);
    store.edit(TASK_SID, DRAFT);
    await session.beforeComplete(TASK);
    await session.beforeComplete(TASK);
    notices.length = 0;
    await session.afterComplete(TASK_SID);
    expect(notices).toEqual([
      { kind: 'save_failed', taskSid: TASK_SID, reason: 'network_error', retryable: true, stored: false },
    ]);
    expect(store.get(TASK_SID).phase).toBe('local');
    await session.retry(TASK_SID);
    expect(kinds(notices)).toEqual(['save_failed', 'settled', 'saved']);
  });

  it('keeps saying so while Retry fails, and keeps the wrap-up', async () => {
    const { session, store, notices } = setup([
      STORED,
      failure('timeout', true),
      failure('forbidden', false, 403),
    ]);
    store.edit(TASK_SID, DRAFT);
    await session.beforeComplete(TASK);
    await session.afterComplete(TASK_SID);
    await session.retry(TASK_SID);
    expect(notices[1]).toEqual({
      kind: 'save_failed',
      taskSid: TASK_SID,
      reason: 'forbidden',
      retryable: false,
      stored: true,
    });
    expect(store.get(TASK_SID)).toMatchObject({ phase: 'failed', fields: FIELDS });
  });

  it('Retry posts nothing when there is nothing to retry', async () => {
    const { session, store, calls } = setup([STORED]);
    await session.retry(TASK_SID);
    store.edit(TASK_SID, DRAFT);
    await session.retry(TASK_SID);
    await session.beforeComplete(TASK);
    await session.retry(TASK_SID);
    expect(actions(calls)).toEqual(['store']);
  });

  it('says already_saved when the API kept an earlier save of the call, and forgets the draft', async () => {
    const { session, store, storage, notices } = setup([STORED, ALREADY_SAVED]);
    store.edit(TASK_SID, DRAFT);
    await session.beforeComplete(TASK);
    await session.afterComplete(TASK_SID);
    expect(kinds(notices)).toContain('already_saved');
    expect(kinds(notices)).not.toContain('save_failed');
    expect(storage.items.size).toBe(0);
    expect(store.get(TASK_SID).draft).toEqual(EMPTY_DRAFT);
  });

  it('says task_gone when TaskRouter removed the task, and drops the draft', async () => {
    const { session, store, storage, notices } = setup([STORED, failure('task_gone', false, 410)]);
    store.edit(TASK_SID, DRAFT);
    await session.beforeComplete(TASK);
    await session.afterComplete(TASK_SID);
    expect(kinds(notices)).toContain('task_gone');
    expect(kinds(notices)).not.toContain('save_failed');
    expect(store.get(TASK_SID).draft).toEqual(EMPTY_DRAFT);
    expect(storage.items.size).toBe(0);
  });
});

describe('completedElsewhere', () => {
  it('saves a valid draft once, even when told twice at the same time', async () => {
    const answer = deferred<PostWrapUpResult>();
    const { session, store, storage, calls, notices } = setup([answer.promise]);
    store.edit(TASK_SID, DRAFT);
    const first = session.completedElsewhere(TASK_SID);
    const second = session.completedElsewhere(TASK_SID);
    answer.resolve(SAVED);
    await Promise.all([first, second]);
    await session.completedElsewhere(TASK_SID);
    expect(calls).toEqual([{ taskSid: TASK_SID, action: 'save', wrapUp: FIELDS, deadlineMs: 8000 }]);
    expect(notices).toEqual([
      { kind: 'settled', taskSid: TASK_SID },
      { kind: 'saved', taskSid: TASK_SID },
    ]);
    expect(storage.items.size).toBe(0);
  });

  it('saves a draft without an intent: the rules of the form do not hold once the task is gone', async () => {
    const { session, store, calls } = setup([SAVED]);
    store.edit(TASK_SID, { summary: 'Caller hung up' });
    await session.completedElsewhere(TASK_SID);
    expect(calls[0]?.wrapUp).toEqual({ variables: { summary: 'Caller hung up' } });
  });

  it('saves the stored wrap-up of a cancelled completion', async () => {
    const { session, store, calls } = setup([STORED, SAVED]);
    store.edit(TASK_SID, DRAFT);
    await session.beforeComplete(TASK);
    await session.completedElsewhere(TASK_SID);
    expect(calls.map((call) => [call.action, call.wrapUp])).toEqual([
      ['store', FIELDS],
      ['save', FIELDS],
    ]);
  });

  it('says the wrap-up is only in this browser when the save of a never-stored draft fails', async () => {
    const { session, store, storage, notices, calls } = setup([failure('timeout', true), SAVED]);
    store.edit(TASK_SID, DRAFT);
    await session.completedElsewhere(TASK_SID);
    expect(notices).toEqual([
      { kind: 'save_failed', taskSid: TASK_SID, reason: 'timeout', retryable: true, stored: false },
    ]);
    expect(store.get(TASK_SID)).toMatchObject({ phase: 'local', fields: FIELDS });
    expect(createWrapUpStore({ storage }).get(TASK_SID)).toMatchObject({ phase: 'local', fields: FIELDS });
    await session.retry(TASK_SID);
    expect(actions(calls)).toEqual(['save', 'save']);
    expect(storage.items.size).toBe(0);
  });

  it('says incomplete, posts nothing and keeps a draft that cannot be saved as it is', async () => {
    const { session, store, storage, calls, notices } = setup();
    store.edit(TASK_SID, { intentChoice: 'refund_request', summary: 'no status picked' });
    await session.completedElsewhere(TASK_SID);
    expect(notices).toEqual([{ kind: 'incomplete', taskSid: TASK_SID }]);
    expect(calls).toEqual([]);
    expect(store.get(TASK_SID).draft.summary).toBe('no status picked');
    expect(createWrapUpStore({ storage }).get(TASK_SID).draft.summary).toBe('no status picked');
  });

  it('posts nothing and says nothing for an empty draft', async () => {
    const { session, store, storage, calls, notices } = setup();
    store.edit(TASK_SID, { variables: [{ name: '', value: '' }] });
    await session.completedElsewhere(TASK_SID);
    await session.completedElsewhere(OTHER_TASK_SID);
    expect(calls).toEqual([]);
    expect(notices).toEqual([]);
    expect(storage.items.size).toBe(0);
  });
});

describe('resume', () => {
  /** A storage as a page left it: this task's wrap-up in `phase`. */
  function leftBehind(phase: 'failed' | 'local' | 'stored' | 'editing'): MemoryStorage {
    const storage = new MemoryStorage();
    const store = createWrapUpStore({ storage });
    store.edit(TASK_SID, DRAFT);
    store.set(TASK_SID, { phase, fields: FIELDS });
    return storage;
  }

  it('saves, once, a wrap-up whose save the page did not finish', async () => {
    const answer = deferred<PostWrapUpResult>();
    const { session, calls, notices, storage } = setup([answer.promise], {}, leftBehind('failed'));
    const first = session.resume();
    const second = session.resume();
    answer.resolve(SAVED);
    await Promise.all([first, second]);
    expect(calls).toEqual([{ taskSid: TASK_SID, action: 'save', wrapUp: FIELDS, deadlineMs: 8000 }]);
    expect(kinds(notices)).toEqual(['settled', 'saved']);
    expect(storage.items.size).toBe(0);
  });

  it('picks up a save under way when the page went away', async () => {
    const storage = new MemoryStorage();
    const before = createWrapUpStore({ storage });
    before.edit(TASK_SID, DRAFT);
    before.set(TASK_SID, { phase: 'saving', fields: FIELDS });
    const { session, calls } = setup([SAVED], {}, storage);
    await session.resume();
    expect(actions(calls)).toEqual(['save']);
  });

  it('saves a wrap-up kept only in this browser, and says so when it fails again', async () => {
    const { session, calls, notices } = setup([failure('network_error', true)], {}, leftBehind('local'));
    await session.resume();
    expect(actions(calls)).toEqual(['save']);
    expect(notices).toEqual([
      { kind: 'save_failed', taskSid: TASK_SID, reason: 'network_error', retryable: true, stored: false },
    ]);
  });

  it.each(['stored', 'editing'] as const)(
    'leaves a %s wrap-up alone: its task may still be open',
    async (phase) => {
      const { session, calls, storage } = setup([], {}, leftBehind(phase));
      await session.resume();
      expect(calls).toEqual([]);
      expect(storage.items.size).toBe(1);
    },
  );
});

describe('one store or save per task at a time', () => {
  it('refuses a completion while a save of the task runs, posting nothing more', async () => {
    const answer = deferred<PostWrapUpResult>();
    const { session, store, calls } = setup([STORED, failure('timeout', true), answer.promise, STORED]);
    store.edit(TASK_SID, DRAFT);
    await session.beforeComplete(TASK);
    await session.afterComplete(TASK_SID);
    const retried = session.retry(TASK_SID);
    expect(session.busy(TASK_SID)).toBe(true);
    await expect(session.beforeComplete(TASK)).resolves.toBe(false);
    expect(actions(calls)).toEqual(['store', 'save', 'save']);
    // Another task is not held up.
    store.edit(OTHER_TASK_SID, DRAFT);
    await expect(session.beforeComplete(OTHER_TASK)).resolves.toBe(true);
    answer.resolve(SAVED);
    await retried;
    expect(session.busy(TASK_SID)).toBe(false);
    expect(calls.map((call) => [call.taskSid, call.action])).toEqual([
      [TASK_SID, 'store'],
      [TASK_SID, 'save'],
      [TASK_SID, 'save'],
      [OTHER_TASK_SID, 'store'],
    ]);
  });

  it('refuses a second completion while the first is storing', async () => {
    const answer = deferred<PostWrapUpResult>();
    const { session, store, calls } = setup([answer.promise]);
    store.edit(TASK_SID, DRAFT);
    const first = session.beforeComplete(TASK);
    await expect(session.beforeComplete(TASK)).resolves.toBe(false);
    answer.resolve(STORED);
    await expect(first).resolves.toBe(true);
    expect(calls).toHaveLength(1);
  });

  it('does not save twice when the completion is reported by both Flex and elsewhere', async () => {
    const answer = deferred<PostWrapUpResult>();
    const { session, store, calls } = setup([STORED, answer.promise]);
    store.edit(TASK_SID, DRAFT);
    await session.beforeComplete(TASK);
    const after = session.afterComplete(TASK_SID);
    await session.completedElsewhere(TASK_SID);
    answer.resolve(SAVED);
    await after;
    await session.completedElsewhere(TASK_SID);
    expect(actions(calls)).toEqual(['store', 'save']);
  });
});

describe('the summary note’s limit (maxSummaryLength)', () => {
  const note = (length: number) => 'n'.repeat(length);

  it('refuses a note over the form’s limit, by how many characters, posting nothing', async () => {
    const { session, store, calls, notices } = setup([], { maxSummaryLength: 280 });
    store.edit(TASK_SID, { ...DRAFT, summary: note(300) });
    await expect(session.beforeComplete(TASK)).resolves.toBe(false);
    expect(store.get(TASK_SID).issues).toEqual([
      expect.objectContaining({
        code: 'variable_too_long',
        path: ['variables', 'summary'],
        name: 'summary',
        count: 20,
      }),
    ]);
    expect(kinds(notices)).toEqual(['invalid']);
    expect(calls).toEqual([]);
  });

  it('takes a note at the limit, counted as it is saved (trimmed, line breaks as one)', async () => {
    const { session, store, calls } = setup([STORED], { maxSummaryLength: 280 });
    const summary = `  ${note(139)}\r\n${note(140)}  `;
    expect(savedLength(summary)).toBe(280);
    store.edit(TASK_SID, { ...DRAFT, summary });
    await expect(session.beforeComplete(TASK)).resolves.toBe(true);
    expect(actions(calls)).toEqual(['store']);
  });

  it('names the note once, with the form’s count, when it is over the core’s limit too; after the form’s other issues', async () => {
    const { session, store } = setup([], { maxSummaryLength: 500 });
    store.edit(TASK_SID, { ...DRAFT, status: '', summary: note(5000) });
    await session.beforeComplete(TASK);
    const issues = store.get(TASK_SID).issues;
    expect(issues.map((issue) => [issue.code, issue.path.join('.'), issue.count])).toEqual([
      ['status_required', 'intent_status', undefined],
      ['variable_too_long', 'variables.summary', 4500],
    ]);
  });

  it('is the core’s limit on a value by default: the same count checkDraft gives', async () => {
    const { session, store } = setup();
    store.edit(TASK_SID, { ...DRAFT, summary: note(WRAP_UP_LIMITS.variableValueLength + 7) });
    await expect(session.beforeComplete(TASK)).resolves.toBe(false);
    expect(store.get(TASK_SID).issues).toEqual([
      expect.objectContaining({ code: 'variable_too_long', path: ['variables', 'summary'], count: 7 }),
    ]);
  });

  it('holds for a task completed elsewhere: the draft is not saved as it is', async () => {
    const { session, store, calls, notices } = setup([], { maxSummaryLength: 280 });
    store.edit(TASK_SID, { ...DRAFT, summary: note(281) });
    await session.completedElsewhere(TASK_SID);
    expect(calls).toEqual([]);
    expect(notices).toEqual([{ kind: 'incomplete', taskSid: TASK_SID }]);
  });

  it.each([0, -1, 1.5, Number.NaN, WRAP_UP_LIMITS.variableValueLength + 1])(
    'takes the core’s limit for a maxSummaryLength of %s',
    async (maxSummaryLength) => {
      const { session, store, calls } = setup([STORED], { maxSummaryLength });
      store.edit(TASK_SID, { ...DRAFT, summary: note(WRAP_UP_LIMITS.variableValueLength) });
      await expect(session.beforeComplete(TASK)).resolves.toBe(true);
      expect(actions(calls)).toEqual(['store']);
    },
  );
});

describe('hooks', () => {
  it('tells onSave of each store and save, with the result', async () => {
    const events: WrapUpSaveEvent[] = [];
    const { session, store } = setup([STORED, SAVED], { onSave: (event) => events.push(event) });
    store.edit(TASK_SID, DRAFT);
    await session.beforeComplete(TASK);
    await session.afterComplete(TASK_SID);
    expect(events).toEqual([
      { taskSid: TASK_SID, action: 'store', result: STORED },
      { taskSid: TASK_SID, action: 'save', result: SAVED },
    ]);
  });

  it('does the same when notify and onSave throw', async () => {
    const throwing = () => {
      throw new Error('a broken hook');
    };
    const { session, store, storage, calls } = setup(
      [failure('timeout', true), STORED, failure('failed', true, 502), SAVED],
      { notify: throwing, onSave: throwing },
    );
    store.edit(TASK_SID, { summary: 'Refund issued' });
    await expect(session.beforeComplete(TASK)).resolves.toBe(false);
    expect(store.get(TASK_SID).issues).toHaveLength(1);
    store.edit(TASK_SID, DRAFT);
    await expect(session.beforeComplete(TASK)).resolves.toBe(false);
    await expect(session.beforeComplete(TASK)).resolves.toBe(true);
    await expect(session.afterComplete(TASK_SID)).resolves.toBeUndefined();
    expect(store.get(TASK_SID).phase).toBe('failed');
    await expect(session.retry(TASK_SID)).resolves.toBeUndefined();
    expect(actions(calls)).toEqual(['store', 'store', 'save', 'save']);
    expect(storage.items.size).toBe(0);
  });
});

describe('over the real postWrapUp', () => {
  const URL = 'https://sticky-calls-1234.twil.io/save-context';
  const server = setupServer();
  beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
  afterEach(() => server.resetHandlers());
  afterAll(() => server.close());

  it('stores before the completion and saves after it, with the agent’s token', async () => {
    const received: Record<string, unknown>[] = [];
    server.use(
      http.post(URL, async ({ request }) => {
        const body = (await request.json()) as Record<string, unknown>;
        received.push(body);
        const answer =
          body.action === 'store'
            ? saveAnswer({ status: 'stored', call_id: CALL_SID, saveable: true })
            : saveAnswer({ status: 'saved', call_id: CALL_SID, customer_ref: CUSTOMER_REF });
        return HttpResponse.json(answer.body, { status: answer.status });
      }),
    );
    const store = createWrapUpStore();
    const session = createWrapUpSession({
      store,
      post: (request) => postWrapUp({ url: URL, getToken: () => 'agent-token', backoffMs: 5, ...request }),
    });
    store.edit(TASK_SID, DRAFT);
    await expect(session.beforeComplete(TASK)).resolves.toBe(true);
    expect(store.get(TASK_SID).phase).toBe('stored');
    await session.afterComplete(TASK_SID);
    expect(received).toEqual([
      { TaskSid: TASK_SID, action: 'store', wrap_up: FIELDS, Token: 'agent-token' },
      { TaskSid: TASK_SID, action: 'save', wrap_up: FIELDS, Token: 'agent-token' },
    ]);
    expect(store.get(TASK_SID).draft).toEqual(EMPTY_DRAFT);
  });
});
