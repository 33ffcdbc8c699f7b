/**
 * The agent's wrap-up draft: its check against the one validator and the task, the store
 * that keeps it (in memory, and across a reload through a `Storage`), and which form field
 * an issue belongs to.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  checkDraft,
  createWrapUpStore,
  EMPTY_DRAFT,
  fieldOf,
  NEW_INTENT,
  type WrapUpDraft,
  type WrapUpIssue,
} from '../index.js';
import {
  BrokenStorage,
  CALL_SID,
  callTaskAttributes,
  MemoryStorage,
  OTHER_TASK_SID,
  TASK_SID,
} from './wrap-up-kit.js';

afterEach(() => {
  vi.useRealTimers();
});

const draft = (change: Partial<WrapUpDraft> = {}): WrapUpDraft => ({
  ...EMPTY_DRAFT,
  intentChoice: 'refund_request',
  status: 'resolved',
  summary: 'Refund issued',
  disposition: 'refunded',
  ...change,
});

const issue = (
  code: WrapUpIssue['code'],
  path: WrapUpIssue['path'],
  extra: Partial<WrapUpIssue> = {},
): WrapUpIssue => ({
  code,
  path,
  message: `${code} at ${path.join('.')}`,
  ...extra,
});

describe('checkDraft', () => {
  it('gives the fields to save: the intent, its status, and the note, disposition and rows as variables', () => {
    const checked = checkDraft(
      draft({ variables: [{ name: ' order-id ', value: ' A1 ' }] }),
      callTaskAttributes(),
      { requireIntent: true },
    );
    expect(checked).toEqual({
      ok: true,
      fields: {
        intent: 'refund_request',
        intent_status: 'resolved',
        variables: { 'order-id': 'A1', summary: 'Refund issued', disposition: 'refunded' },
      },
    });
  });

  it('reads the task attributes as JSON too', () => {
    expect(checkDraft(draft(), JSON.stringify(callTaskAttributes()))).toMatchObject({ ok: true });
  });

  it('makes a typed intent a slug, and keeps a chosen one as the API gave it', () => {
    const typed = checkDraft(
      draft({ intentChoice: NEW_INTENT, customIntent: '  Billing Question ' }),
      undefined,
    );
    expect(typed).toMatchObject({ ok: true, fields: { intent: 'billing_question' } });
    const chosen = checkDraft(draft({ intentChoice: 'Refund.Request' }), undefined);
    expect(chosen).toMatchObject({ ok: true, fields: { intent: 'Refund.Request' } });
  });

  it('calls typed text that makes no slug a format problem, not a missing intent', () => {
    const checked = checkDraft(draft({ intentChoice: NEW_INTENT, customIntent: '!!!' }), undefined, {
      requireIntent: true,
    });
    expect(checked).toEqual({
      ok: false,
      issues: [expect.objectContaining({ code: 'intent_format', path: ['intent'] })],
    });
  });

  it('requires an intent when the rules say so, and a status with every intent', () => {
    const none = checkDraft(draft({ intentChoice: '', status: '' }), undefined, { requireIntent: true });
    expect(none).toEqual({
      ok: false,
      issues: [expect.objectContaining({ code: 'intent_required', path: ['intent'] })],
    });
    expect(checkDraft(draft({ intentChoice: '', status: '' }), undefined)).toMatchObject({ ok: true });

    const noStatus = checkDraft(draft({ status: '' }), undefined);
    expect(noStatus).toEqual({
      ok: false,
      issues: [expect.objectContaining({ code: 'status_required', path: ['intent_status'] })],
    });
  });

  it('saves no status without an intent', () => {
    const checked = checkDraft(draft({ intentChoice: '', status: 'open' }), undefined);
    expect(checked).toEqual({
      ok: true,
      fields: { variables: { summary: 'Refund issued', disposition: 'refunded' } },
    });
  });

  it('leaves out a blank note and disposition, and empty rows', () => {
    const checked = checkDraft(
      draft({ summary: '   ', disposition: '', variables: [{ name: ' ', value: '' }] }),
      undefined,
    );
    expect(checked).toEqual({ ok: true, fields: { intent: 'refund_request', intent_status: 'resolved' } });
  });

  it('names each bad row by its index', () => {
    const checked = checkDraft(
      draft({
        variables: [
          { name: 'order-id', value: 'A1' },
          { name: 'summary', value: 'a second note' },
          { name: 'plan', value: '  ' },
          { name: '?!', value: 'x' },
          { name: 'order-id', value: 'A2' },
        ],
      }),
      undefined,
    );
    expect(checked.ok).toBe(false);
    if (checked.ok) return;
    expect(checked.issues.map((found) => [found.code, found.path])).toEqual([
      ['variable_duplicate', ['variables', 1]],
      ['variable_value', ['variables', 2]],
      ['variable_name', ['variables', 3]],
      ['variable_duplicate', ['variables', 4]],
    ]);
  });

  it('refuses a task that is not a Sticky Calls call', () => {
    for (const attributes of [{}, { call_sid: CALL_SID }, 'not json']) {
      const checked = checkDraft(draft(), attributes);
      expect(checked).toEqual({
        ok: false,
        issues: [expect.objectContaining({ code: 'no_call', path: ['call_id'] })],
      });
    }
  });

  it('checks only the fields when the task is gone (no attributes)', () => {
    expect(checkDraft(draft(), undefined)).toMatchObject({ ok: true });
  });

  it('refuses a wrap-up that would not fit in the task attributes, saying by how much', () => {
    // Every value within its 1,000 characters: together they do not fit beside the caller context.
    const long = (last: number) =>
      draft({
        summary: 'x'.repeat(1000),
        disposition: 'y'.repeat(1000),
        variables: [
          { name: 'a', value: 'z'.repeat(1000) },
          { name: 'b', value: 'w'.repeat(last) },
        ],
      });
    const checked = checkDraft(long(1000), callTaskAttributes());
    expect(checked).toEqual({
      ok: false,
      issues: [expect.objectContaining({ code: 'too_long', path: ['variables'], count: expect.any(Number) })],
    });
    if (checked.ok) return;
    const over = checked.issues[0]?.count ?? 0;
    expect(over).toBeGreaterThan(0);
    expect(over).toBeLessThan(1000);
    // Exactly that many characters fewer fits.
    expect(checkDraft(long(1000 - over), callTaskAttributes())).toMatchObject({ ok: true });
    // Without the task there is nothing to measure against.
    expect(checkDraft(long(1000), undefined)).toMatchObject({ ok: true });
  });
});

describe('fieldOf', () => {
  it.each([
    [issue('intent_required', ['intent']), 'intent'],
    [issue('status_format', ['intent_status']), 'intent_status'],
    [issue('no_call', ['call_id']), 'call_id'],
    [issue('variable_value', ['variables', 2]), 'variables.2'],
    [issue('variable_value', ['variables', 'summary']), 'summary'],
    [issue('variable_value', ['variables', 'disposition']), 'disposition'],
    [issue('too_long', ['variables'], { count: 12 }), 'summary'],
    [issue('variables_format', ['variables']), 'variables'],
    [issue('other', []), ''],
  ])('puts %j at %s', (given, field) => {
    expect(fieldOf(given)).toBe(field);
  });

  it("finds the row of a variable the Function named, by the row's trimmed name", () => {
    const rows = [
      { name: 'plan', value: 'gold' },
      { name: ' order-id ', value: '' },
    ];
    expect(fieldOf(issue('variable_value', ['variables', 'order-id']), rows)).toBe('variables.1');
    expect(fieldOf(issue('variable_value', ['variables', 'missing']), rows)).toBe('variables');
  });
});

describe('createWrapUpStore: in memory', () => {
  it('starts every task empty, editing, with no issues', () => {
    const store = createWrapUpStore();
    expect(store.get(TASK_SID)).toEqual({
      draft: EMPTY_DRAFT,
      issues: [],
      phase: 'editing',
      refusals: 0,
      storeFailures: 0,
    });
  });

  it('keeps each task’s draft apart, merging edits', () => {
    const store = createWrapUpStore();
    store.edit(TASK_SID, { summary: 'Called about the invoice' });
    store.edit(TASK_SID, { status: 'open' });
    store.edit(OTHER_TASK_SID, { summary: 'Another caller' });
    expect(store.get(TASK_SID).draft).toEqual({
      ...EMPTY_DRAFT,
      summary: 'Called about the invoice',
      status: 'open',
    });
    expect(store.get(OTHER_TASK_SID).draft).toEqual({ ...EMPTY_DRAFT, summary: 'Another caller' });
  });

  it('sets the phase and the rest without touching the draft', () => {
    const store = createWrapUpStore();
    store.edit(TASK_SID, { summary: 'note' });
    store.set(TASK_SID, { phase: 'stored', fields: { intent: 'x', intent_status: 'open' }, refusals: 2 });
    expect(store.get(TASK_SID)).toMatchObject({
      draft: { summary: 'note' },
      phase: 'stored',
      fields: { intent: 'x', intent_status: 'open' },
      refusals: 2,
    });
  });

  describe('an edit clears the issues of the fields it changes, and only those', () => {
    const issues = [
      issue('intent_required', ['intent']),
      issue('status_required', ['intent_status']),
      issue('variable_value', ['variables', 0], { name: 'plan' }),
      // As the Function names it: by the variable's name.
      issue('variable_name', ['variables', 'bad name'], { name: 'bad name' }),
      issue('too_long', ['variables'], { count: 20 }),
      issue('no_call', ['call_id']),
    ];
    const codesAfter = (change: Partial<WrapUpDraft>) => {
      const store = createWrapUpStore();
      store.set(TASK_SID, { issues });
      store.edit(TASK_SID, change);
      return store.get(TASK_SID).issues.map((left) => left.code);
    };

    it.each<[string, Partial<WrapUpDraft>, string[]]>([
      ['the chosen intent', { intentChoice: 'refund_request' }, ['intent_required']],
      ['the typed intent', { customIntent: 'refund' }, ['intent_required']],
      ['the status', { status: 'open' }, ['status_required']],
      ['the rows', { variables: [{ name: 'plan', value: 'gold' }] }, ['variable_value', 'variable_name']],
      ['the note', { summary: 'shorter' }, ['too_long']],
      ['the disposition', { disposition: 'refunded' }, []],
    ])('editing %s', (_name, change, cleared) => {
      const all = issues.map((given) => given.code);
      expect(codesAfter(change)).toEqual(all.filter((code) => !cleared.includes(code)));
    });
  });

  it('tells subscribers of each change until they unsubscribe', () => {
    const store = createWrapUpStore();
    const seen: string[] = [];
    const unsubscribe = store.subscribe(() => seen.push(store.get(TASK_SID).phase));
    store.edit(TASK_SID, { summary: 'a' });
    store.set(TASK_SID, { phase: 'storing' });
    store.delete(TASK_SID);
    unsubscribe();
    store.edit(TASK_SID, { summary: 'b' });
    expect(seen).toEqual(['editing', 'storing', 'editing']);
  });

  it('forgets a deleted task', () => {
    const store = createWrapUpStore();
    store.edit(TASK_SID, { summary: 'a' });
    store.delete(TASK_SID);
    expect(store.get(TASK_SID).draft).toEqual(EMPTY_DRAFT);
  });

  it('keeps nothing without a storage', () => {
    const store = createWrapUpStore();
    store.edit(TASK_SID, { summary: 'a' });
    expect(store.kept()).toEqual([]);
    expect(createWrapUpStore().get(TASK_SID).draft).toEqual(EMPTY_DRAFT);
  });
});

describe('createWrapUpStore: across a reload', () => {
  const FIELDS = {
    intent: 'refund_request',
    intent_status: 'resolved',
    variables: { summary: 'Refund issued' },
  };

  it('restores the draft, the phase and the checked fields in a new store over the same storage', () => {
    const storage = new MemoryStorage();
    const before = createWrapUpStore({ storage });
    before.edit(TASK_SID, draft());
    before.set(TASK_SID, { phase: 'stored', fields: FIELDS });
    before.edit(OTHER_TASK_SID, { summary: 'only typed' });

    const after = createWrapUpStore({ storage });
    expect(after.get(TASK_SID)).toEqual({
      draft: draft(),
      issues: [],
      phase: 'stored',
      refusals: 0,
      storeFailures: 0,
      fields: FIELDS,
    });
    expect(after.get(OTHER_TASK_SID)).toMatchObject({ draft: { summary: 'only typed' }, phase: 'editing' });
  });

  it.each([
    ['saving', true, 'failed'],
    // A store under way served a completion that did not happen here: a draft again.
    ['storing', true, 'editing'],
    ['saving', false, 'editing'],
    ['storing', false, 'editing'],
  ] as const)('restores a page that went away while %s (fields: %s) as %s', (phase, withFields, restored) => {
    const storage = new MemoryStorage();
    const before = createWrapUpStore({ storage });
    before.edit(TASK_SID, draft());
    before.set(TASK_SID, { phase, ...(withFields ? { fields: FIELDS } : {}) });
    expect(before.get(TASK_SID).phase).toBe(phase);
    expect(createWrapUpStore({ storage }).get(TASK_SID)).toMatchObject({ draft: draft(), phase: restored });
  });

  it.each(['local', 'failed', 'saved', 'kept'] as const)('restores the %s phase', (phase) => {
    const storage = new MemoryStorage();
    createWrapUpStore({ storage }).set(TASK_SID, { phase, fields: FIELDS });
    expect(createWrapUpStore({ storage }).get(TASK_SID)).toMatchObject({ phase, fields: FIELDS });
  });

  it('keeps neither the issues nor the counters: a reload starts them again', () => {
    const storage = new MemoryStorage();
    createWrapUpStore({ storage }).set(TASK_SID, {
      issues: [issue('status_required', ['intent_status'])],
      refusals: 3,
      storeFailures: 1,
      reason: 'timeout',
    });
    expect(createWrapUpStore({ storage }).get(TASK_SID)).toMatchObject({
      issues: [],
      refusals: 0,
      storeFailures: 0,
    });
    expect([...storage.items.values()].join()).not.toContain('status_required at');
  });

  it('drops a record older than maxAgeMs, from the storage too', () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-02-07T10:00:00Z'));
    const storage = new MemoryStorage();
    createWrapUpStore({ storage, maxAgeMs: 60_000 }).edit(TASK_SID, { summary: 'caller notes' });
    createWrapUpStore({ storage, maxAgeMs: 60_000 }).edit(OTHER_TASK_SID, { summary: 'caller notes' });

    vi.setSystemTime(new Date('2026-02-07T10:01:00Z'));
    expect(createWrapUpStore({ storage, maxAgeMs: 60_000 }).get(TASK_SID).draft.summary).toBe('caller notes');

    vi.setSystemTime(new Date('2026-02-07T10:01:00.001Z'));
    const later = createWrapUpStore({ storage, maxAgeMs: 60_000 });
    expect(later.get(OTHER_TASK_SID).draft).toEqual(EMPTY_DRAFT);
    expect(later.kept()).toEqual([]);
    expect(storage.items.size).toBe(0);
  });

  it('keeps a record 12 hours by default', () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-02-07T10:00:00Z'));
    const storage = new MemoryStorage();
    createWrapUpStore({ storage }).edit(TASK_SID, { summary: 'caller notes' });
    createWrapUpStore({ storage }).edit(OTHER_TASK_SID, { summary: 'caller notes' });
    vi.setSystemTime(new Date('2026-02-07T22:00:00Z'));
    expect(createWrapUpStore({ storage }).get(TASK_SID).draft.summary).toBe('caller notes');
    vi.setSystemTime(new Date('2026-02-07T22:00:00.001Z'));
    expect(createWrapUpStore({ storage }).get(OTHER_TASK_SID).draft).toEqual(EMPTY_DRAFT);
  });

  it.each([
    ['JSON that does not parse', '{"v":1,"at":'],
    ['JSON that is not an object', '"a draft"'],
    ['another version', JSON.stringify({ v: 2, at: Date.now(), draft: {}, phase: 'editing' })],
    ['no draft', JSON.stringify({ v: 1, at: Date.now(), phase: 'failed' })],
    ['no time', JSON.stringify({ v: 1, draft: {}, phase: 'editing' })],
  ])('drops a record with %s, and throws nothing', (_name, text) => {
    const storage = new MemoryStorage();
    createWrapUpStore({ storage }).edit(TASK_SID, { summary: 'a' });
    const [key] = [...storage.items.keys()];
    storage.items.set(key as string, text);
    const store = createWrapUpStore({ storage });
    expect(store.get(TASK_SID)).toMatchObject({ draft: EMPTY_DRAFT, phase: 'editing' });
    expect(store.kept()).toEqual([]);
    expect(storage.items.size).toBe(0);
  });

  it('reads what it can of a damaged record: nothing unchecked is taken as fields to save', () => {
    const storage = new MemoryStorage();
    createWrapUpStore({ storage }).set(TASK_SID, { phase: 'failed', fields: FIELDS });
    const [key] = [...storage.items.keys()];
    const record = JSON.parse(storage.items.get(key as string) as string);
    storage.items.set(
      key as string,
      JSON.stringify({
        ...record,
        phase: 'failed',
        draft: { summary: 42, status: 'closed-ish', variables: [{ name: 'plan', value: 7 }, 'junk'] },
        // An intent without its status: the validator refuses it.
        fields: { intent: 'refund_request' },
      }),
    );
    expect(createWrapUpStore({ storage }).get(TASK_SID)).toEqual({
      draft: { ...EMPTY_DRAFT, variables: [{ name: 'plan', value: '' }] },
      issues: [],
      phase: 'editing',
      refusals: 0,
      storeFailures: 0,
    });
  });

  it('lists the tasks it keeps in the storage, not other keys nor dropped records', () => {
    const storage = new MemoryStorage();
    storage.setItem('another.app.setting', 'on');
    const store = createWrapUpStore({ storage });
    store.edit(TASK_SID, { summary: 'a' });
    store.edit(OTHER_TASK_SID, { summary: 'b' });
    expect(createWrapUpStore({ storage }).kept().sort()).toEqual([TASK_SID, OTHER_TASK_SID].sort());
    store.delete(OTHER_TASK_SID);
    expect(createWrapUpStore({ storage }).kept()).toEqual([TASK_SID]);
    expect(storage.getItem('another.app.setting')).toBe('on');
  });

  it('forgets a deleted task in the storage too', () => {
    const storage = new MemoryStorage();
    const store = createWrapUpStore({ storage });
    store.edit(TASK_SID, { summary: 'a' });
    store.delete(TASK_SID);
    expect(storage.items.size).toBe(0);
    expect(createWrapUpStore({ storage }).get(TASK_SID).draft).toEqual(EMPTY_DRAFT);
  });

  it('works in memory, and throws nothing, when every call to the storage throws', () => {
    const storage = new BrokenStorage();
    const store = createWrapUpStore({ storage });
    const seen: string[] = [];
    store.subscribe(() => seen.push('changed'));
    expect(() => {
      store.edit(TASK_SID, { summary: 'kept in memory' });
      store.set(TASK_SID, { phase: 'stored' });
    }).not.toThrow();
    expect(store.get(TASK_SID)).toMatchObject({ draft: { summary: 'kept in memory' }, phase: 'stored' });
    expect(store.kept()).toEqual([]);
    expect(() => store.delete(TASK_SID)).not.toThrow();
    expect(store.get(TASK_SID).draft).toEqual(EMPTY_DRAFT);
    expect(createWrapUpStore({ storage }).get(OTHER_TASK_SID).draft).toEqual(EMPTY_DRAFT);
    expect(seen).toEqual(['changed', 'changed', 'changed']);
    expect(storage.calls).toBeGreaterThan(0);
  });

  it('keeps working in memory when the storage is full', () => {
    const storage = new MemoryStorage();
    const store = createWrapUpStore({ storage });
    store.edit(TASK_SID, { summary: 'first' });
    vi.spyOn(storage, 'setItem').mockImplementation(() => {
      throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
    });
    expect(() => store.edit(TASK_SID, { summary: 'second' })).not.toThrow();
    expect(store.get(TASK_SID).draft.summary).toBe('second');
    // What the storage last took is what a reload finds.
    expect(createWrapUpStore({ storage }).get(TASK_SID).draft.summary).toBe('first');
  });
});
