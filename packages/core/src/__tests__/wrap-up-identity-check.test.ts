/**
 * The agent's identity check and the variables the server writes: the check travels with
 * the wrap-up (validator, draft, stored wrap-up, save request), a rejected one keeps the
 * wrap-up out of the customer's memory, and `calls.end` carries when the contact happened
 * and who verified the caller, in names only the server writes.
 */
import { HttpResponse, http } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  bindToTask,
  checkDraft,
  type DraftCheck,
  degradedTaskAttributes,
  EMPTY_DRAFT,
  endCallFor,
  endCallParamsSchema,
  fieldOf,
  NEW_INTENT,
  postWrapUp,
  readSaveRequest,
  readWrapUp,
  recordIdentityCheck,
  SERVER_VARIABLES,
  sameWrapUp,
  saveAnswer,
  selectWrapUpsToSave,
  TASK_ATTRIBUTES_LIMIT,
  type TaskCall,
  validateWrapUp,
  WRAP_UP_ATTRIBUTE_KEY,
  WRAP_UP_LIMITS,
  type WrapUpDraft,
  type WrapUpFields,
  withWrapUp,
  wrapUpFor,
} from '../index.js';
import { CALL_SID, CUSTOMER_REF, callTaskAttributes, TASK_SID } from './wrap-up-kit.js';

const CALL_START = '2026-02-07T10:30:00.000Z';
const CALL: TaskCall = { call_id: CALL_SID, customer_ref: CUSTOMER_REF, ani: null, call_start: CALL_START };
const WORKER = `WK${'a'.repeat(32)}`;
const VERIFIED_AT = '2026-02-07T10:31:05.000Z';
const verified = { outcome: 'verified', at: VERIFIED_AT } as const;
const rejected = { outcome: 'rejected', at: VERIFIED_AT } as const;
/** The verified check as the save Function records it: by the token's worker, by the agent. */
const RECORDED = { ...verified, by: WORKER, method: 'agent' } as const;
const FIELDS = { intent: 'refund_request', intent_status: 'open', variables: { summary: 'Label sent' } };

const draft = (change: Partial<WrapUpDraft>): WrapUpDraft => ({ ...EMPTY_DRAFT, ...change });
function fieldsOf(result: DraftCheck): WrapUpFields {
  if (!result.ok) throw new Error(`expected ok, got ${JSON.stringify(result.issues)}`);
  return result.fields;
}
const issuesOf = (result: DraftCheck) => (result.ok ? [] : result.issues);

describe('the identity check in the one validator', () => {
  it('accepts an identity check and normalises its time', () => {
    expect(
      validateWrapUp({ ...FIELDS, identity_check: { outcome: 'verified', at: '2026-02-07T11:31:05+01:00' } }),
    ).toEqual({ ok: true, fields: { ...FIELDS, identity_check: verified } });
    expect(validateWrapUp({ identity_check: rejected })).toEqual({
      ok: true,
      fields: { identity_check: rejected },
    });
    // Who and how, as the save Function recorded them on the task.
    const recorded = RECORDED;
    expect(validateWrapUp({ identity_check: recorded })).toEqual({
      ok: true,
      fields: { identity_check: recorded },
    });
  });

  it.each<[string, unknown]>([
    ['text', 'verified'],
    ['an array', [verified]],
    ['an unknown outcome', { outcome: 'maybe', at: VERIFIED_AT }],
    ['no time', { outcome: 'verified' }],
    ['a time that is not one', { outcome: 'verified', at: 'yesterday-ish' }],
    ['a worker that is not a worker sid', { ...verified, by: 'ada@example.com' }],
    ['an unknown method', { ...verified, method: 'psychic' }],
  ])('refuses %s as the identity check, naming the field, without throwing', (_label, check) => {
    const result = validateWrapUp({ ...FIELDS, identity_check: check });
    expect(result).toEqual({
      ok: false,
      issues: [expect.objectContaining({ code: 'other', path: ['identity_check'] })],
    });
    if (!result.ok) expect(result.issues[0]?.message).toMatch(/identity_check/);
  });

  it('refuses a hostile identity check (a throwing getter) as unreadable, never throwing', () => {
    const hostile = {
      outcome: 'verified',
      get at(): string {
        throw new Error('boom');
      },
    };
    expect(validateWrapUp({ identity_check: hostile }).ok).toBe(false);
  });

  it.each(Object.values(SERVER_VARIABLES))('refuses %s: the server writes it', (name) => {
    const result = validateWrapUp({ variables: { [name]: '2020-01-01T00:00:00.000Z' } });
    expect(result).toEqual({
      ok: false,
      issues: [expect.objectContaining({ code: 'variable_name', path: ['variables', name], name })],
    });
    if (!result.ok) expect(result.issues[0]?.message).toContain('written by Sticky Calls');
  });
});

describe('checkDraft: the identity check and detail names', () => {
  it('carries the agent’s identity check into the checked fields', () => {
    const checked = checkDraft(
      draft({ intentChoice: 'refund_request', status: 'open', identityCheck: verified }),
      callTaskAttributes(),
    );
    expect(fieldsOf(checked)).toEqual({
      intent: 'refund_request',
      intent_status: 'open',
      identity_check: verified,
    });
    expect(fieldsOf(checkDraft(draft({ identityCheck: null }), callTaskAttributes()))).toEqual({});
  });

  it('refuses a malformed identity check with an issue naming it', () => {
    const bad = draft({
      identityCheck: { outcome: 'unsure', at: 'now' } as unknown as WrapUpDraft['identityCheck'],
    });
    expect(issuesOf(checkDraft(bad, callTaskAttributes()))).toEqual([
      expect.objectContaining({ code: 'other', path: ['identity_check'] }),
    ]);
  });

  it('makes each typed detail name a slug, as the intent ("New postcode" → new_postcode)', () => {
    const checked = checkDraft(
      draft({
        variables: [
          { name: 'New postcode', value: 'LS1 4AP' },
          { name: '  Callback Time ', value: 'after 5' },
          { name: 'Rückruf: Montag!', value: 'ja' },
        ],
      }),
      callTaskAttributes(),
    );
    expect(fieldsOf(checked).variables).toEqual({
      new_postcode: 'LS1 4AP',
      callback_time: 'after 5',
      rückruf_montag: 'ja',
    });
  });

  it('keeps marks in a slugged name (vowels of many scripts are marks)', () => {
    const checked = checkDraft(draft({ variables: [{ name: 'नया पता', value: 'x' }] }), callTaskAttributes());
    expect(fieldsOf(checked).variables).toEqual({ नया_पता: 'x' });
  });

  it('names a typed name that makes no slug, and two names with one slug, by their rows', () => {
    const checked = checkDraft(
      draft({
        variables: [
          { name: '!!!', value: 'x' },
          { name: 'New postcode', value: 'LS1' },
          { name: 'new_postcode', value: 'LS2' },
        ],
      }),
      callTaskAttributes(),
    );
    expect(issuesOf(checked).map(({ code, path }) => ({ code, path }))).toEqual([
      { code: 'variable_name', path: ['variables', 0] },
      { code: 'variable_duplicate', path: ['variables', 2] },
    ]);
  });

  it('refuses a detail named like a variable the server writes, saying Sticky Calls writes it', () => {
    const checked = checkDraft(
      draft({ variables: [{ name: 'Last contact at', value: 'Monday' }] }),
      callTaskAttributes(),
    );
    expect(issuesOf(checked)).toEqual([
      expect.objectContaining({ code: 'variable_name', path: ['variables', 0], name: 'last_contact_at' }),
    ]);
    expect(issuesOf(checked)[0]?.message).toContain('written by Sticky Calls');
  });

  it('finds the row of a Function issue that names the slug', () => {
    const rows = [
      { name: 'Order', value: '1' },
      { name: 'New postcode', value: '' },
    ];
    expect(fieldOf({ code: 'variable_value', path: ['variables', 'new_postcode'], message: 'm' }, rows)).toBe(
      'variables.1',
    );
    expect(fieldOf({ code: 'other', path: ['identity_check'], message: 'm' }, rows)).toBe('identity_check');
  });

  it('counts who verified and how in the 4,096 characters, before the server adds them', () => {
    // The longest note that fits with the check as the browser has it must still fit as stored.
    const busy = callTaskAttributes({ transfer_note: 'p'.repeat(2600) });
    const withNote = (length: number) =>
      checkDraft(draft({ summary: 'n'.repeat(length), identityCheck: verified }), busy);
    let low = 0;
    let high = TASK_ATTRIBUTES_LIMIT;
    while (high - low > 1) {
      const middle = Math.floor((low + high) / 2);
      if (withNote(middle).ok) low = middle;
      else high = middle;
    }
    const fields = fieldsOf(withNote(low));
    const recorded = {
      ...fields,
      identity_check: recordIdentityCheck(verified, WORKER, { now: Date.now() }),
    };
    const bound = bindToTask(busy);
    if (!bound.ok) throw new Error(bound.message);
    const stored = withWrapUp(busy, wrapUpFor(bound.call, recorded, false));
    expect(stored.ok).toBe(true);
    if (stored.ok) expect(JSON.stringify(stored.attributes).length).toBe(TASK_ATTRIBUTES_LIMIT);
  });
});

describe('recordIdentityCheck: the server’s record of the check', () => {
  const now = Date.parse('2026-02-07T10:40:00.000Z');

  it('names the worker and the method, whatever the request said', () => {
    expect(
      recordIdentityCheck({ ...verified, by: 'WKforged', method: 'x' } as never, WORKER, { now }),
    ).toEqual({ ...verified, by: WORKER, method: 'agent' });
  });

  it('takes a time in the future as the server’s now, and one before the call as the call’s start', () => {
    const future = { outcome: 'verified', at: '2027-01-01T00:00:00.000Z' } as const;
    expect(recordIdentityCheck(future, WORKER, { now, callStart: CALL_START }).at).toBe(
      '2026-02-07T10:40:00.000Z',
    );
    const early = { outcome: 'rejected', at: '2026-02-07T09:00:00.000Z' } as const;
    expect(recordIdentityCheck(early, WORKER, { now, callStart: CALL_START }).at).toBe(CALL_START);
    // Without a call start, an early time is kept.
    expect(recordIdentityCheck(early, WORKER, { now, callStart: null }).at).toBe(early.at);
    expect(recordIdentityCheck(verified, WORKER, { now, callStart: CALL_START }).at).toBe(VERIFIED_AT);
  });
});

describe('the stored wrap-up', () => {
  it('holds the identity check, read back by the schema', () => {
    const recorded = { ...FIELDS, identity_check: RECORDED };
    const wrapUp = wrapUpFor(CALL, recorded, false);
    expect(wrapUp).toEqual({
      call_id: CALL_SID,
      customer_ref: CUSTOMER_REF,
      ...recorded,
      saved: false,
    });
    const merged = withWrapUp(callTaskAttributes(), wrapUp);
    if (!merged.ok) throw new Error('too long');
    expect(readWrapUp(merged.attributes)).toEqual({ state: 'ready', wrapUp });
  });

  it('is the same wrap-up only with the same identity check', () => {
    const stored = wrapUpFor(CALL, { ...FIELDS, identity_check: RECORDED }, true);
    expect(sameWrapUp(stored, { ...FIELDS, identity_check: verified })).toBe(true);
    expect(sameWrapUp(stored, { ...FIELDS, identity_check: rejected })).toBe(false);
    expect(sameWrapUp(stored, FIELDS)).toBe(false);
    expect(sameWrapUp(wrapUpFor(CALL, FIELDS, true), { ...FIELDS, identity_check: verified })).toBe(false);
    expect(
      sameWrapUp(stored, { ...FIELDS, identity_check: { ...verified, at: '2026-02-07T10:35:00.000Z' } }),
    ).toBe(false);
  });

  it('merges Flex Insights’ conversations attributes into the task’s own, counting them in the 4,096', () => {
    const wrapUp = wrapUpFor(CALL, FIELDS, false);
    const attributes = callTaskAttributes({
      conversations: { conversation_label_1: 'kept', outcome: 'old' },
    });
    const merged = withWrapUp(attributes, wrapUp, {
      outcome: 'refunded',
      conversation_attribute_2: 'refund',
    });
    expect(merged).toEqual({
      ok: true,
      attributes: {
        ...attributes,
        conversations: {
          conversation_label_1: 'kept',
          outcome: 'refunded',
          conversation_attribute_2: 'refund',
        },
        [WRAP_UP_ATTRIBUTE_KEY]: wrapUp,
      },
    });
    // Without a conversations object on the task, one is made.
    const plain = withWrapUp(callTaskAttributes(), wrapUp, { outcome: 'refunded' });
    expect(plain.ok && plain.attributes.conversations).toEqual({ outcome: 'refunded' });
    // What fits without them may not fit with them.
    const alone = withWrapUp(attributes, wrapUp);
    if (!alone.ok) throw new Error('too long');
    // `,"conversation_attribute_9":""` is 30 characters.
    const room = TASK_ATTRIBUTES_LIMIT - JSON.stringify(alone.attributes).length - 30;
    const filler = (length: number) => ({ conversation_attribute_9: 'x'.repeat(length) });
    const full = withWrapUp(attributes, wrapUp, filler(room));
    expect(full.ok && JSON.stringify(full.attributes).length).toBe(TASK_ATTRIBUTES_LIMIT);
    expect(withWrapUp(attributes, wrapUp, filler(room + 1))).toMatchObject({
      ok: false,
      issue: { code: 'too_long', count: 1 },
    });
  });
});

describe('endCallFor: what calls.end carries', () => {
  it('adds when the contact happened: the call’s start, else the save’s time', () => {
    expect(endCallFor(CALL, FIELDS)).toEqual({
      call_id: CALL_SID,
      customer_ref: CUSTOMER_REF,
      ...FIELDS,
      variables: { summary: 'Label sent', last_contact_at: CALL_START },
    });
    const now = Date.parse('2026-02-07T10:45:00.000Z');
    expect(endCallFor({ ...CALL, call_start: null }, {}, { now })).toEqual({
      call_id: CALL_SID,
      customer_ref: CUSTOMER_REF,
      variables: { last_contact_at: '2026-02-07T10:45:00.000Z' },
    });
  });

  it('adds who verified the caller, when and how, for a verified check', () => {
    const params = endCallFor(CALL, {
      ...FIELDS,
      identity_check: RECORDED,
    });
    expect(params?.variables).toEqual({
      summary: 'Label sent',
      last_contact_at: CALL_START,
      identity_verified_at: VERIFIED_AT,
      identity_verified_by: WORKER,
      identity_verified_how: 'agent',
    });
    // Who is left out when nothing recorded it.
    expect(endCallFor(CALL, { identity_check: verified })?.variables).toEqual({
      last_contact_at: CALL_START,
      identity_verified_at: VERIFIED_AT,
      identity_verified_how: 'agent',
    });
  });

  it('gives nothing to save for a rejected check: the wrap-up stays on the task', () => {
    expect(endCallFor(CALL, { ...FIELDS, identity_check: rejected })).toBeNull();
    expect(
      endCallFor({ ...CALL, customer_ref: null, ani: '+14155551234' }, { identity_check: rejected }),
    ).toBeNull();
  });

  it('overwrites the server’s names when a wrap-up holds them', () => {
    const forged = {
      variables: {
        summary: 'x',
        last_contact_at: '1999-01-01T00:00:00.000Z',
        identity_verified_by: WORKER,
        identity_verified_at: '1999-01-01T00:00:00.000Z',
        identity_verified_how: 'agent',
      },
    };
    expect(endCallFor(CALL, forged)?.variables).toEqual({ summary: 'x', last_contact_at: CALL_START });
  });

  it('binds the call’s start from the task', () => {
    const bound = bindToTask(callTaskAttributes());
    expect(bound).toEqual({ ok: true, call: CALL });
    const degraded = bindToTask({
      call_sid: CALL_SID,
      from: '+14155551234',
      ...degradedTaskAttributes('timeout'),
    });
    expect(degraded.ok && degraded.call.call_start).toBeNull();
    // The guide's flat layout, with a call start that is no time.
    const { sticky_calls: _namespaced, ...flat } = callTaskAttributes({ call_start: 'soon' });
    const garbled = bindToTask(flat);
    expect(garbled.ok).toBe(true);
    expect(garbled.ok && garbled.call.call_start).toBeNull();
  });
});

describe('calls.end takes a full wrap-up and the server’s variables', () => {
  const variables = (count: number) =>
    Object.fromEntries(Array.from({ length: count }, (_, i) => [`v${i}`, 'x']));

  it(`accepts ${WRAP_UP_LIMITS.variableCount} of the agent’s and the 4 the server adds, refusing one more`, () => {
    const full = endCallFor(CALL, {
      variables: variables(WRAP_UP_LIMITS.variableCount),
      identity_check: RECORDED,
    });
    expect(Object.keys(full?.variables ?? {})).toHaveLength(WRAP_UP_LIMITS.variableCount + 4);
    expect(endCallParamsSchema.safeParse(full).success).toBe(true);
    const over = { ...full, variables: variables(WRAP_UP_LIMITS.variableCount + 5) };
    expect(endCallParamsSchema.safeParse(over).success).toBe(false);
  });
});

describe('the safety net', () => {
  const event = (wrapUp: Record<string, unknown>, attributes = callTaskAttributes()) => ({
    type: 'task.completed',
    taskSid: TASK_SID,
    attributes: JSON.stringify({
      ...attributes,
      [WRAP_UP_ATTRIBUTE_KEY]: { call_id: CALL_SID, customer_ref: CUSTOMER_REF, saved: false, ...wrapUp },
    }),
  });
  const selection = { eventTypes: new Set(['task.completed']) };

  it('saves nothing of a rejected check, and refuses nothing either', () => {
    expect(selectWrapUpsToSave([event({ ...FIELDS, identity_check: rejected })], selection)).toEqual({
      saves: [],
      refused: [],
    });
  });

  it('saves a verified check with the worker the save Function recorded, and the call’s start', () => {
    const check = RECORDED;
    const { saves } = selectWrapUpsToSave([event({ ...FIELDS, identity_check: check })], selection);
    expect(saves).toEqual([
      {
        taskSid: TASK_SID,
        callId: CALL_SID,
        fields: { ...FIELDS, identity_check: check },
        params: {
          call_id: CALL_SID,
          customer_ref: CUSTOMER_REF,
          ...FIELDS,
          variables: {
            summary: 'Label sent',
            last_contact_at: CALL_START,
            identity_verified_at: VERIFIED_AT,
            identity_verified_by: WORKER,
            identity_verified_how: 'agent',
          },
        },
      },
    ]);
  });

  it('refuses a stored wrap-up holding a server variable, as invalid', () => {
    const { saves, refused } = selectWrapUpsToSave(
      [event({ variables: { last_contact_at: '1999-01-01' } })],
      selection,
    );
    expect(saves).toEqual([]);
    expect(refused).toEqual([{ taskSid: TASK_SID, reason: expect.stringContaining('variable_name') }]);
  });
});

describe('the save request and the browser’s poster carry the check', () => {
  it('reads identity_check from wrap_up, as an object or its JSON', () => {
    for (const identity_check of [verified, JSON.stringify(verified)]) {
      const read = readSaveRequest({
        TaskSid: TASK_SID,
        action: 'store',
        wrap_up: { ...FIELDS, identity_check },
      });
      if (!read.success) throw new Error('refused');
      expect(validateWrapUp(read.data.fields)).toEqual({
        ok: true,
        fields: { ...FIELDS, identity_check: verified },
      });
    }
    const bad = readSaveRequest({ TaskSid: TASK_SID, wrap_up: { identity_check: '{not json' } });
    if (!bad.success) throw new Error('refused');
    expect(validateWrapUp(bad.data.fields)).toMatchObject({
      ok: false,
      issues: [{ code: 'other', path: ['identity_check'] }],
    });
  });

  describe('postWrapUp', () => {
    const URL = 'https://sticky-calls-1234.twil.io/save-context';
    const server = setupServer();
    beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
    afterEach(() => server.resetHandlers());
    afterAll(() => server.close());

    it('sends the identity check in wrap_up', async () => {
      const bodies: unknown[] = [];
      server.use(
        http.post(URL, async ({ request }) => {
          bodies.push(await request.json());
          const answer = saveAnswer({ status: 'stored', call_id: CALL_SID, saveable: false });
          return HttpResponse.json(answer.body, { status: answer.status });
        }),
      );
      const result = await postWrapUp({
        url: URL,
        taskSid: TASK_SID,
        action: 'store',
        wrapUp: { ...FIELDS, identity_check: rejected },
        getToken: () => 'token',
      });
      expect(result).toMatchObject({ ok: true, status: 'stored', saveable: false });
      expect(bodies).toEqual([expect.objectContaining({ wrap_up: { ...FIELDS, identity_check: rejected } })]);
    });
  });
});

// A typed intent draft with the check, end to end through the one validator.
it('a typed intent and a verified check make one wrap-up', () => {
  const checked = checkDraft(
    draft({
      intentChoice: NEW_INTENT,
      customIntent: 'Address change',
      status: 'open',
      identityCheck: verified,
    }),
    callTaskAttributes(),
  );
  expect(fieldsOf(checked)).toEqual({
    intent: 'address_change',
    intent_status: 'open',
    identity_check: verified,
  });
});
