/**
 * The save protocol (requests the Function reads, answers the browser reads) and the
 * wrap-up as stored on a task.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  readSaveAnswer,
  readSaveRequest,
  readWrapUp,
  SAVE_ANSWER_HTTP_STATUS,
  type SaveAnswer,
  saveAnswer,
  WRAP_UP_ATTRIBUTE_KEY,
} from '../index.js';
import { CALL_SID, CUSTOMER_REF, TASK_SID } from './wrap-up-kit.js';

describe('readSaveRequest', () => {
  it('reads the SDK’s own body: the task, the action and the wrap-up', () => {
    expect(
      readSaveRequest({
        Token: 'never part of the request it reads',
        TaskSid: TASK_SID,
        action: 'store',
        wrap_up: { intent: 'refund_request', intent_status: 'open', variables: { amount: 12, vip: true } },
      }),
    ).toEqual({
      success: true,
      data: {
        taskSid: TASK_SID,
        action: 'store',
        claims: { call_id: undefined, customer_ref: undefined, identity_hints: undefined },
        fields: { intent: 'refund_request', intent_status: 'open', variables: { amount: 12, vip: true } },
      },
    });
  });

  it('saves by default, and reads the wrap-up sent as JSON text, as a form post sends it', () => {
    const result = readSaveRequest({
      task_sid: TASK_SID,
      wrap_up: '{"intent":"x","variables":{"name":"Jo"}}',
    });
    expect(result).toMatchObject({
      success: true,
      data: { taskSid: TASK_SID, action: 'save', fields: { intent: 'x', variables: { name: 'Jo' } } },
    });
  });

  it("reads the vendor guide's names: the call and the customer are claims, notes and disposition are variables", () => {
    expect(
      readSaveRequest({
        CallSid: CALL_SID,
        CustomerRef: CUSTOMER_REF,
        Intent: 'billing_inquiry',
        IntentStatus: 'closed',
        AgentNotes: 'Explained the invoice',
        Disposition: 'resolved_first_call',
      }),
    ).toEqual({
      success: true,
      data: {
        taskSid: undefined,
        action: 'save',
        claims: { call_id: CALL_SID, customer_ref: CUSTOMER_REF, identity_hints: undefined },
        fields: {
          intent: 'billing_inquiry',
          // Mapped to resolved by the validator, which every saver runs.
          intent_status: 'closed',
          variables: { summary: 'Explained the invoice', disposition: 'resolved_first_call' },
        },
      },
    });
  });

  it('keeps the variables a request names over the guide’s notes', () => {
    const result = readSaveRequest({
      TaskSid: TASK_SID,
      variables: { summary: 'mine' },
      AgentNotes: 'the guide’s',
      Disposition: 'done',
    });
    expect(result).toMatchObject({
      data: { fields: { variables: { summary: 'mine', disposition: 'done' } } },
    });
  });

  it('passes identity hints on as a claim, for the binding to refuse', () => {
    const result = readSaveRequest({ TaskSid: TASK_SID, identity_hints: { ani: '+14155550000' } });
    expect(result).toMatchObject({ data: { claims: { identity_hints: { ani: '+14155550000' } } } });
  });

  it.each([
    ['a malformed TaskSid', { TaskSid: 'WT-1' }, 'TaskSid'],
    ['a TaskSid that is not text', { TaskSid: [TASK_SID] }, 'TaskSid'],
    ['an unknown action', { TaskSid: TASK_SID, action: 'delete' }, 'action'],
    ['a wrap_up that is not an object', { TaskSid: TASK_SID, wrap_up: '[1' }, 'wrap_up'],
    ['variables that are not an object', { TaskSid: TASK_SID, variables: '[1' }, 'variables'],
    ['a body that is not an object', 'CA1', ''],
  ])('names the problem for %s', (_name, body, field) => {
    const result = readSaveRequest(body);
    expect(result.success).toBe(false);
    if (!result.success) expect(result.issues.map((issue) => issue.path.join('.'))).toContain(field);
  });

  it('never throws, and accepts a TaskSid exactly when it is one', () => {
    fc.assert(
      fc.property(fc.anything(), (body) => {
        expect(typeof readSaveRequest(body).success).toBe('boolean');
      }),
    );
    fc.assert(
      fc.property(fc.string(), (taskSid) => {
        const result = readSaveRequest({ TaskSid: taskSid });
        const isSid = /^WT[0-9a-f]{32}$/i.test(taskSid);
        expect(result.success).toBe(taskSid === '' || isSid);
        if (result.success) expect(result.data.taskSid).toBe(isSid ? taskSid : undefined);
      }),
    );
  });
});

/** Every answer the Function can give. */
const anyAnswer: fc.Arbitrary<SaveAnswer> = fc.oneof(
  fc.record({
    status: fc.constantFrom('saved' as const, 'already_saved' as const),
    call_id: fc.string(),
    customer_ref: fc.option(fc.string(), { nil: null }),
  }),
  fc.record({ status: fc.constant('stored' as const), call_id: fc.string(), saveable: fc.boolean() }),
  fc.record({
    status: fc.constant('invalid' as const),
    errors: fc.array(
      fc.record(
        {
          path: fc.array(fc.oneof(fc.string(), fc.nat())),
          message: fc.string(),
          code: fc.constantFrom('too_long', 'variable_name'),
        },
        { requiredKeys: ['path', 'message'] },
      ),
    ),
  }),
  fc.record({
    status: fc.constant('forbidden' as const),
    code: fc.constantFrom('no_reservation', 'other_call', 'invalid_token'),
    message: fc.string(),
  }),
  fc.record({
    status: fc.constantFrom('not_completed' as const, 'task_gone' as const, 'not_configured' as const),
    message: fc.string(),
  }),
  fc.record({
    status: fc.constant('failed' as const),
    retryable: fc.boolean(),
    code: fc.string(),
    message: fc.string(),
  }),
);

describe('saveAnswer and readSaveAnswer', () => {
  it.each<[SaveAnswer, number, boolean]>([
    [{ status: 'saved', call_id: CALL_SID, customer_ref: CUSTOMER_REF }, 200, false],
    [{ status: 'stored', call_id: CALL_SID, saveable: false }, 200, false],
    [{ status: 'invalid', errors: [{ path: ['intent'], message: 'm', code: 'intent_format' }] }, 400, false],
    [{ status: 'forbidden', code: 'no_reservation', message: 'm' }, 403, false],
    [{ status: 'not_completed', message: 'm' }, 409, true],
    [{ status: 'task_gone', message: 'm' }, 410, false],
    [{ status: 'failed', retryable: true, code: 'conflict', message: 'm' }, 502, true],
    [{ status: 'not_configured', message: 'm' }, 503, false],
  ])('answers %j with %i, retryable %s', (answer, status, retryable) => {
    expect(saveAnswer(answer)).toEqual({ status, body: { ...answer, retryable } });
  });

  it('reads every answer back as what it means: done only for saved, already saved and stored', () => {
    fc.assert(
      fc.property(anyAnswer, (answer) => {
        const http = saveAnswer(answer);
        const read = readSaveAnswer(http.status, JSON.parse(JSON.stringify(http.body)));
        expect(read.ok).toBe(['saved', 'already_saved', 'stored'].includes(answer.status));
        if (read.ok && answer.status === 'stored') expect(read.saveable).toBe(answer.saveable);
        if (!read.ok) {
          expect(read.httpStatus).toBe(SAVE_ANSWER_HTTP_STATUS[answer.status]);
          expect(read.retryable).toBe(http.body.retryable);
        }
      }),
    );
  });

  it('never takes a 2xx that is not the Function’s own answer as saved', () => {
    expect(readSaveAnswer(200, { ok: true })).toMatchObject({ ok: false, reason: 'unexpected_answer' });
    expect(readSaveAnswer(200, '<html>')).toMatchObject({ ok: false, reason: 'unexpected_answer' });
    // The right body with the wrong status is not the Function's answer either.
    expect(readSaveAnswer(202, { status: 'saved', call_id: 'CA1', customer_ref: null })).toMatchObject({
      ok: false,
      reason: 'unexpected_answer',
    });
    fc.assert(
      fc.property(fc.integer({ min: 100, max: 599 }), fc.anything(), (status, body) => {
        const read = readSaveAnswer(status, body);
        if (read.ok) expect(SAVE_ANSWER_HTTP_STATUS[read.status]).toBe(status);
      }),
    );
  });

  it.each([
    [401, 'forbidden', false],
    [403, 'forbidden', false],
    [413, 'invalid', false],
    [429, 'failed', true],
    [504, 'failed', true],
    [404, 'failed', false],
  ])('reads a bare %i as %s (retryable %s)', (status, reason, retryable) => {
    expect(readSaveAnswer(status, undefined)).toMatchObject({ ok: false, reason, retryable });
  });
});

describe('readWrapUp', () => {
  const wrapUp = {
    call_id: CALL_SID,
    customer_ref: CUSTOMER_REF,
    intent: 'refund_request',
    intent_status: 'resolved',
    variables: { summary: 'Sent a label' },
    saved: false,
  };

  it('reads the wrap-up from attributes as an object or as JSON', () => {
    const ready = { state: 'ready', wrapUp };
    expect(readWrapUp({ call_sid: CALL_SID, [WRAP_UP_ATTRIBUTE_KEY]: wrapUp })).toEqual(ready);
    expect(readWrapUp(JSON.stringify({ [WRAP_UP_ATTRIBUTE_KEY]: wrapUp }))).toEqual(ready);
    expect(readWrapUp({ [WRAP_UP_ATTRIBUTE_KEY]: JSON.stringify(wrapUp) })).toEqual(ready);
  });

  it('keeps number and boolean variables, as calls.end takes them', () => {
    const state = readWrapUp({
      [WRAP_UP_ATTRIBUTE_KEY]: { call_id: 'CA1', variables: { amount: 42, vip: true } },
    });
    expect(state).toMatchObject({ state: 'ready', wrapUp: { variables: { amount: 42, vip: true } } });
  });

  it.each([undefined, null, {}, { call_sid: 'CA1' }])('says absent for %j', (attributes) => {
    expect(readWrapUp(attributes)).toEqual({ state: 'absent' });
  });

  it.each([
    ['attributes that are not JSON', '{', 'not valid JSON'],
    [
      'a wrap-up without a call id',
      { [WRAP_UP_ATTRIBUTE_KEY]: { intent: 'x' } },
      `${WRAP_UP_ATTRIBUTE_KEY}.call_id`,
    ],
    ['a wrap-up that is not JSON', { [WRAP_UP_ATTRIBUTE_KEY]: '{' }, 'not valid JSON'],
  ])('says invalid for %s, naming the problem', (_name, attributes, problem) => {
    const state = readWrapUp(attributes);
    expect(state.state).toBe('invalid');
    expect(state.state === 'invalid' && state.problem).toContain(problem);
  });

  it('never throws', () => {
    fc.assert(
      fc.property(fc.anything(), (wrapUpValue) => {
        expect(['absent', 'invalid', 'ready']).toContain(
          readWrapUp({ [WRAP_UP_ATTRIBUTE_KEY]: wrapUpValue }).state,
        );
      }),
    );
  });
});
