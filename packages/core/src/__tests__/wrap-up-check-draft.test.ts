/**
 * `checkDraft`: the agent's wrap-up form checked with the one validator and against its
 * task (a Sticky Calls call, room in the attributes), as the session does before a task
 * may complete. Issues are asserted by code and path: the UI words them.
 */
import { describe, expect, it } from 'vitest';
import {
  bindToTask,
  checkDraft,
  type DraftCheck,
  degradedTaskAttributes,
  EMPTY_DRAFT,
  endCallFor,
  NEW_INTENT,
  startCallResponseSchema,
  TASK_ATTRIBUTES_LIMIT,
  toTaskAttributes,
  WRAP_UP_ATTRIBUTE_KEY,
  WRAP_UP_LIMITS,
  type WrapUpDraft,
  type WrapUpFields,
  type WrapUpIssue,
  wrapUpFor,
} from '../index.js';

const CALL_SID = 'CA5f1e2d3c4b5a69788796a5b4c3d2e1f0';
const CUSTOMER_REF = 'a1b2c3d4-e5f6-7890-abcd-ef1234567890';
const CALLER = '+14155551234';
const TTL = 2_592_000;
const REQUIRED = { requireIntent: true } as const;

/** The keys Flex puts on an inbound voice task. */
function flexVoiceKeys(from: string = CALLER): Record<string, unknown> {
  return { from, to: '+14155550100', direction: 'inbound', call_sid: CALL_SID };
}

/** A returning caller's task: the call-start lookup named the customer. */
function returningCaller(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const response = startCallResponseSchema.parse({
    call_id: CALL_SID,
    customer_ref: CUSTOMER_REF,
    call_start: '2026-02-07T10:30:00.000Z',
    identity: {
      confidence: 0.92,
      level: 'very_high',
      sources: ['ani:mobile'],
      recommendation: 'reuse',
    },
    open_intents: [{ intent: 'refund_request', status: 'open', attempt_count: 2 }],
    variables: { name: { value: 'Dana Scully', source: 'agent', ttl_seconds: TTL } },
    ...overrides,
  });
  return { ...flexVoiceKeys(), ...toTaskAttributes({ ...response, call_id: CALL_SID }) };
}

/** A task whose context is already large: forty long variables, six intents. */
function largeContext(): Record<string, unknown> {
  return returningCaller({
    variables: Object.fromEntries(
      Array.from({ length: 40 }, (_, i) => [
        `note_${String(i).padStart(2, '0')}`,
        { value: `Detail ${i}: ${'x'.repeat(90)}`, source: 'agent', ttl_seconds: TTL },
      ]),
    ),
    open_intents: Array.from({ length: 6 }, (_, i) => ({
      intent: `topic_${i}`,
      status: 'open',
      attempt_count: 1,
    })),
  });
}

/** The lookup at call start failed. */
function degraded(from: string = CALLER): Record<string, unknown> {
  return { ...flexVoiceKeys(from), ...degradedTaskAttributes('timeout') };
}

const draft = (change: Partial<WrapUpDraft>): WrapUpDraft => ({ ...EMPTY_DRAFT, ...change });

function fieldsOf(result: DraftCheck): WrapUpFields {
  if (!result.ok) throw new Error(`expected ok, got ${JSON.stringify(result.issues)}`);
  return result.fields;
}

function issuesOf(result: DraftCheck): readonly WrapUpIssue[] {
  if (result.ok) throw new Error(`expected issues, got ${JSON.stringify(result.fields)}`);
  return result.issues;
}

/** Each issue as its code and path, in the order found. */
const located = (result: DraftCheck) => issuesOf(result).map(({ code, path }) => ({ code, path }));

describe('checkDraft: the intent and its status', () => {
  it('needs an intent when the rules require one, and not by default', () => {
    expect(located(checkDraft(EMPTY_DRAFT, returningCaller(), REQUIRED))).toEqual([
      { code: 'intent_required', path: ['intent'] },
    ]);
    const blank = draft({ intentChoice: NEW_INTENT, customIntent: '   ', status: 'open' });
    expect(located(checkDraft(blank, returningCaller(), REQUIRED))).toEqual([
      { code: 'intent_required', path: ['intent'] },
    ]);
    expect(fieldsOf(checkDraft(EMPTY_DRAFT, returningCaller()))).toEqual({});
  });

  it('calls typed text that makes no slug (only punctuation) a format issue, not a missing intent', () => {
    for (const status of ['open', ''] as const) {
      const punctuation = draft({ intentChoice: NEW_INTENT, customIntent: ' !!! ', status });
      expect(located(checkDraft(punctuation, returningCaller(), REQUIRED))).toEqual([
        { code: 'intent_format', path: ['intent'] },
      ]);
    }
    // Even when no intent is required: the agent typed one.
    const optional = draft({ intentChoice: NEW_INTENT, customIntent: '¿?', status: 'open' });
    expect(located(checkDraft(optional, returningCaller(), { requireIntent: false }))).toEqual([
      { code: 'intent_format', path: ['intent'] },
    ]);
  });

  it('does without an intent when told to, keeping only the note', () => {
    const result = checkDraft(draft({ summary: 'Wrong number' }), returningCaller(), {
      requireIntent: false,
    });
    expect(fieldsOf(result)).toEqual({ variables: { summary: 'Wrong number' } });
    // A status without an intent is left out, not refused.
    const statusOnly = draft({ summary: 'Wrong number', status: 'resolved' });
    expect(fieldsOf(checkDraft(statusOnly, returningCaller()))).toEqual({
      variables: { summary: 'Wrong number' },
    });
  });

  it('needs a status once there is an intent', () => {
    expect(
      located(checkDraft(draft({ intentChoice: 'refund_request' }), returningCaller(), REQUIRED)),
    ).toEqual([{ code: 'status_required', path: ['intent_status'] }]);
    const typed = draft({ intentChoice: NEW_INTENT, customIntent: 'Lost card' });
    expect(located(checkDraft(typed, returningCaller()))).toEqual([
      { code: 'status_required', path: ['intent_status'] },
    ]);
  });

  it('saves a typed intent as its slug, with its status', () => {
    const typed = draft({ intentChoice: NEW_INTENT, customIntent: 'Billing Question', status: 'open' });
    expect(fieldsOf(checkDraft(typed, returningCaller(), REQUIRED))).toEqual({
      intent: 'billing_question',
      intent_status: 'open',
    });
  });

  it.each([
    ['返金 申請', '返金_申請'],
    ['Ünïcödé Çafé', 'ünïcödé_çafé'],
    ['  Rückruf: Montag! ', 'rückruf_montag'],
    ['v2.1-beta', 'v2.1-beta'],
  ])('saves the typed intent %s as the Unicode slug %s', (typed, slug) => {
    const result = checkDraft(
      draft({ intentChoice: NEW_INTENT, customIntent: typed, status: 'open' }),
      returningCaller(),
      REQUIRED,
    );
    expect(fieldsOf(result).intent).toBe(slug);
  });

  it('refuses an intent longer than 128 characters', () => {
    const longest = draft({ intentChoice: NEW_INTENT, customIntent: 'a'.repeat(128), status: 'open' });
    expect(fieldsOf(checkDraft(longest, returningCaller(), REQUIRED)).intent).toBe('a'.repeat(128));
    const typed = draft({ intentChoice: NEW_INTENT, customIntent: 'a'.repeat(129), status: 'open' });
    expect(located(checkDraft(typed, returningCaller(), REQUIRED))).toEqual([
      { code: 'intent_format', path: ['intent'] },
    ]);
    const picked = draft({ intentChoice: 'x'.repeat(129), status: 'open' });
    expect(located(checkDraft(picked, returningCaller(), REQUIRED))).toEqual([
      { code: 'intent_format', path: ['intent'] },
    ]);
  });

  it("takes the caller's own open intent as the API gave it, with no slug made", () => {
    // Whatever the API called it is what the API knows it by.
    for (const intent of ['refund request', 'Refund_Request', 'x'.repeat(80)]) {
      const result = checkDraft(draft({ intentChoice: intent, status: 'open' }), returningCaller(), REQUIRED);
      expect(fieldsOf(result)).toEqual({ intent, intent_status: 'open' });
    }
    const padded = draft({ intentChoice: ' refund_request ', status: 'open' });
    expect(fieldsOf(checkDraft(padded, returningCaller(), REQUIRED)).intent).toBe('refund_request');
  });
});

describe('checkDraft: the note, the disposition and the extra details', () => {
  it('names each bad extra detail by its row', () => {
    const result = checkDraft(
      draft({
        intentChoice: 'refund_request',
        status: 'resolved',
        variables: [
          { name: '#!', value: 'ORD-1' },
          { name: 'order_id', value: 'ORD-1' },
          { name: '', value: '' },
          { name: 'order_id', value: 'ORD-2' },
          { name: 'summary', value: 'x' },
          { name: 'disposition', value: 'y' },
          { name: 'callback_time', value: '   ' },
          { name: 'x'.repeat(65), value: 'z' },
          { name: 'constructor', value: 'z' },
          { name: '', value: 'a value without a name' },
        ],
      }),
      returningCaller(),
      REQUIRED,
    );
    expect(issuesOf(result).map(({ code, path, name }) => ({ code, path, name }))).toEqual([
      { code: 'variable_name', path: ['variables', 0], name: '' },
      { code: 'variable_duplicate', path: ['variables', 3], name: 'order_id' },
      { code: 'variable_duplicate', path: ['variables', 4], name: 'summary' },
      { code: 'variable_duplicate', path: ['variables', 5], name: 'disposition' },
      { code: 'variable_value', path: ['variables', 6], name: 'callback_time' },
      { code: 'variable_name', path: ['variables', 7], name: 'x'.repeat(65) },
      { code: 'variable_name', path: ['variables', 8], name: 'constructor' },
      { code: 'variable_name', path: ['variables', 9], name: '' },
    ]);
  });

  it('takes names of letters, digits, _, . and -, in any script', () => {
    const result = checkDraft(
      draft({
        intentChoice: 'refund_request',
        status: 'resolved',
        variables: [
          { name: 'order-id', value: 'ORD-1' },
          { name: 'plan.v2', value: 'Basic' },
          { name: '注文', value: '42' },
          { name: 'x'.repeat(64), value: 'longest name' },
        ],
      }),
      returningCaller(),
      REQUIRED,
    );
    expect(fieldsOf(result).variables).toEqual({
      'order-id': 'ORD-1',
      'plan.v2': 'Basic',
      注文: '42',
      ['x'.repeat(64)]: 'longest name',
    });
  });

  it('trims what was typed and leaves out empty fields', () => {
    const result = checkDraft(
      draft({
        intentChoice: 'address_change',
        status: 'open',
        summary: '  Moving in May \n',
        disposition: '   ',
        variables: [
          { name: ' new_city ', value: ' Leeds ' },
          { name: '', value: '' },
        ],
      }),
      returningCaller(),
      REQUIRED,
    );
    expect(fieldsOf(result)).toEqual({
      intent: 'address_change',
      intent_status: 'open',
      variables: { summary: 'Moving in May', new_city: 'Leeds' },
    });
  });

  it('keeps the note and the disposition as the summary and disposition variables', () => {
    const result = checkDraft(
      draft({
        intentChoice: 'refund_request',
        status: 'resolved',
        summary: 'Refund approved.',
        disposition: 'refund_issued',
        variables: [{ name: 'refund_amount', value: '42.50' }],
      }),
      returningCaller(),
      REQUIRED,
    );
    expect(fieldsOf(result)).toEqual({
      intent: 'refund_request',
      intent_status: 'resolved',
      variables: { summary: 'Refund approved.', disposition: 'refund_issued', refund_amount: '42.50' },
    });
  });
});

describe('checkDraft: the task', () => {
  const complete = draft({ intentChoice: 'refund_request', status: 'resolved' });

  it('names the missing call when the task has no call_sid, or never went through Sticky Calls', () => {
    const { call_sid: _callSid, ...noCallSid } = returningCaller();
    expect(located(checkDraft(complete, noCallSid, REQUIRED))).toEqual([
      { code: 'no_call', path: ['call_id'] },
    ]);
    expect(located(checkDraft(complete, flexVoiceKeys(), REQUIRED))).toEqual([
      { code: 'no_call', path: ['call_id'] },
    ]);
  });

  it('reports every problem at once, the missing call too', () => {
    const { call_sid: _callSid, ...noCallSid } = returningCaller();
    const result = checkDraft(
      draft({ intentChoice: 'refund_request', variables: [{ name: '?!', value: '1' }] }),
      noCallSid,
      REQUIRED,
    );
    const issues = located(result);
    expect(issues).toHaveLength(3);
    expect(issues).toEqual(
      expect.arrayContaining([
        { code: 'status_required', path: ['intent_status'] },
        { code: 'variable_name', path: ['variables', 0] },
        { code: 'no_call', path: ['call_id'] },
      ]),
    );
  });

  it('checks only the fields without attributes (the task is gone)', () => {
    expect(fieldsOf(checkDraft(complete, undefined, REQUIRED))).toEqual({
      intent: 'refund_request',
      intent_status: 'resolved',
    });
    expect(located(checkDraft(EMPTY_DRAFT, undefined, REQUIRED))).toEqual([
      { code: 'intent_required', path: ['intent'] },
    ]);
  });

  it('reads attributes given as JSON', () => {
    expect(fieldsOf(checkDraft(complete, JSON.stringify(returningCaller()), REQUIRED))).toEqual({
      intent: 'refund_request',
      intent_status: 'resolved',
    });
    expect(located(checkDraft(complete, JSON.stringify(flexVoiceKeys()), REQUIRED))).toEqual([
      { code: 'no_call', path: ['call_id'] },
    ]);
  });

  it('accepts a call whose lookup failed, which is saved against the caller’s number', () => {
    const attributes = degraded('+1 (415) 555-1234');
    const typed = draft({ intentChoice: NEW_INTENT, customIntent: 'lost card', status: 'open' });
    const fields = fieldsOf(checkDraft(typed, attributes, REQUIRED));
    expect(fields).toEqual({ intent: 'lost_card', intent_status: 'open' });
    const bound = bindToTask(attributes);
    if (!bound.ok) throw new Error(bound.message);
    expect(endCallFor(bound.call, fields, { now: Date.parse('2026-02-07T10:45:00.000Z') })).toEqual({
      call_id: CALL_SID,
      identity_hints: { ani: '+14155551234' },
      intent: 'lost_card',
      intent_status: 'open',
      // The failed lookup gave no call start: the contact is dated by the save.
      variables: { last_contact_at: '2026-02-07T10:45:00.000Z' },
    });
  });

  it.each([
    ['withheld', 'anonymous'],
    ['a Twilio Client', 'client:agent_alice'],
  ])('accepts a call whose caller is %s and unknown: it is kept on the task only', (_label, from) => {
    const attributes = degraded(from);
    const fields = fieldsOf(checkDraft(draft({ intentChoice: 'x', status: 'open' }), attributes, REQUIRED));
    expect(fields).toEqual({ intent: 'x', intent_status: 'open' });
    const bound = bindToTask(attributes);
    if (!bound.ok) throw new Error(bound.message);
    expect(endCallFor(bound.call, fields)).toBeNull();
  });
});

describe('checkDraft: the 4,096-character task attribute limit', () => {
  const withSummary = (attributes: unknown, length: number) =>
    checkDraft(
      draft({ intentChoice: 'topic_0', status: 'open', summary: 'n'.repeat(length) }),
      attributes,
      REQUIRED,
    );

  /** The longest summary that still fits on the task, found through checkDraft itself. */
  function longestFitting(attributes: unknown): number {
    let low = 0;
    let high = TASK_ATTRIBUTES_LIMIT;
    expect(withSummary(attributes, low).ok).toBe(true);
    expect(withSummary(attributes, high).ok).toBe(false);
    while (high - low > 1) {
      const middle = Math.floor((low + high) / 2);
      if (withSummary(attributes, middle).ok) low = middle;
      else high = middle;
    }
    return low;
  }

  it('counts how many characters too long the wrap-up is', () => {
    const attributes = largeContext();
    const longest = longestFitting(attributes);
    const fields = fieldsOf(withSummary(attributes, longest));
    const bound = bindToTask(attributes);
    if (!bound.ok) throw new Error(bound.message);
    // At the limit exactly: the attributes with the wrap-up as first written (saved: false)…
    const written = (saved: boolean) =>
      JSON.stringify({ ...attributes, [WRAP_UP_ATTRIBUTE_KEY]: wrapUpFor(bound.call, fields, saved) }).length;
    expect(written(false)).toBe(TASK_ATTRIBUTES_LIMIT);
    // …so marking it saved (`true` is one character shorter) fits too.
    expect(written(true)).toBe(TASK_ATTRIBUTES_LIMIT - 1);

    for (const over of [1, 37]) {
      expect(issuesOf(withSummary(attributes, longest + over))).toEqual([
        expect.objectContaining({ code: 'too_long', path: ['variables'], count: over }),
      ]);
    }
  });

  it('is reached by a typed note on a task already carrying a large context', () => {
    const attributes = largeContext();
    expect(JSON.stringify(attributes).length).toBeGreaterThan(3000);
    expect(longestFitting(attributes)).toBeLessThan(1000);
    // The same note fits beside a small context.
    expect(withSummary(returningCaller(), 999).ok).toBe(true);
  });

  it('is not measured before the fields are right', () => {
    const result = checkDraft(
      // The longest note a value may be, too long for this task: still not measured.
      draft({ intentChoice: 'topic_0', summary: 'n'.repeat(WRAP_UP_LIMITS.variableValueLength) }),
      largeContext(),
      REQUIRED,
    );
    expect(located(result)).toEqual([{ code: 'status_required', path: ['intent_status'] }]);
  });
});
