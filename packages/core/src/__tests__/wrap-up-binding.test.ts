/** A save is bound to its task: the call and the customer come from the task, never from the request. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  bindToTask,
  degradedTaskAttributes,
  endCallFor,
  readWrapUp,
  TASK_ATTRIBUTES_LIMIT,
  type TaskCall,
  taskAttributes,
  WRAP_UP_ATTRIBUTE_KEY,
  withWrapUp,
  wrapUpFor,
} from '../index.js';
import { CALL_SID, CUSTOMER_REF, callTaskAttributes } from './wrap-up-kit.js';

const CALL: TaskCall = {
  call_id: CALL_SID,
  customer_ref: CUSTOMER_REF,
  ani: null,
  call_start: '2026-02-07T10:30:00.000Z',
};

describe('bindToTask', () => {
  it('binds to the task’s call and customer, from its attributes as an object or as JSON', () => {
    const bound = { ok: true, call: CALL };
    expect(bindToTask(callTaskAttributes())).toEqual(bound);
    expect(bindToTask(JSON.stringify(callTaskAttributes()))).toEqual(bound);
    expect(bindToTask(callTaskAttributes(), { call_id: CALL_SID, customer_ref: CUSTOMER_REF })).toEqual(
      bound,
    );
    // The guide's empty CustomerRef (its failed lookup) claims nothing.
    expect(bindToTask(callTaskAttributes(), { call_id: CALL_SID, customer_ref: '' })).toEqual(bound);
  });

  it('reads the vendor guide’s flat attributes too', () => {
    const flat = {
      call_sid: CALL_SID,
      from: '+14155551234',
      customer_ref: CUSTOMER_REF,
      identity_confidence: 0.9,
      identity_level: 'very_high',
      variables: '{}',
      open_intents: '[]',
    };
    // The guide's layout without its call_start: when the call started is unknown.
    expect(bindToTask(flat)).toEqual({ ok: true, call: { ...CALL, call_start: null } });
  });

  it('binds a call whose lookup failed to the caller’s number, when it is one', () => {
    const degraded = { call_sid: CALL_SID, from: '+1 (415) 555-1234', ...degradedTaskAttributes('timeout') };
    expect(bindToTask(degraded)).toEqual({
      ok: true,
      call: { call_id: CALL_SID, customer_ref: null, ani: '+14155551234', call_start: null },
    });
    const withheld = { ...degraded, from: 'anonymous' };
    expect(bindToTask(withheld)).toEqual({
      ok: true,
      call: { call_id: CALL_SID, customer_ref: null, ani: null, call_start: null },
    });
  });

  it.each([
    ['a chat task (no call_sid)', { channelType: 'web' }, {}, 'not_sticky_call'],
    [
      'a call task without caller context',
      { call_sid: CALL_SID, from: '+14155551234' },
      {},
      'not_sticky_call',
    ],
    ['an empty call_sid', callTaskAttributes({ call_sid: '' }), {}, 'not_sticky_call'],
    [
      'a call task whose only customer_ref is a CRM’s',
      { call_sid: CALL_SID, from: '+14155551234', customer_ref: 'ACME-00042' },
      {},
      'not_sticky_call',
    ],
    [
      'a call task with another plugin’s variables',
      { call_sid: CALL_SID, from: '+14155551234', variables: { crm: 'x' } },
      {},
      'not_sticky_call',
    ],
    ['attributes that are not JSON', '{', {}, 'not_sticky_call'],
    ['another call', callTaskAttributes(), { call_id: 'CA99' }, 'other_call'],
    ['another customer', callTaskAttributes(), { customer_ref: 'cust_other' }, 'other_customer'],
    [
      'a customer where the task has none',
      degradedTaskAttributes('timeout'),
      { customer_ref: 'cust_other' },
      'not_sticky_call',
    ],
    ['identity hints', callTaskAttributes(), { identity_hints: { ani: '+14155550000' } }, 'other_customer'],
    ['identity hints, even empty', callTaskAttributes(), { identity_hints: {} }, 'other_customer'],
  ])('refuses %s', (_name, attributes, claims, refusal) => {
    const bound = bindToTask(attributes, claims);
    expect(bound).toMatchObject({ ok: false, refusal });
    expect(!bound.ok && bound.message.length > 0).toBe(true);
  });

  it('refuses a customer claim on a task whose lookup failed', () => {
    const degraded = { call_sid: CALL_SID, from: '+14155551234', ...degradedTaskAttributes('timeout') };
    expect(bindToTask(degraded, { customer_ref: CUSTOMER_REF })).toMatchObject({
      ok: false,
      refusal: 'other_customer',
    });
  });

  it('refuses every claim that differs from the task, whatever it is', () => {
    const claim = fc.oneof(fc.string({ minLength: 1 }), fc.integer(), fc.boolean(), fc.object());
    fc.assert(
      fc.property(claim, claim, (callId, customerRef) => {
        const call = bindToTask(callTaskAttributes(), { call_id: callId });
        expect(call.ok).toBe(callId === CALL_SID);
        const customer = bindToTask(callTaskAttributes(), { customer_ref: customerRef });
        expect(customer.ok).toBe(customerRef === CUSTOMER_REF);
      }),
    );
  });

  it('never throws, and only ever binds to the task’s own call_sid', () => {
    const claims = fc.record(
      { call_id: fc.anything(), customer_ref: fc.anything(), identity_hints: fc.anything() },
      { requiredKeys: [] },
    );
    const attributes = fc.oneof(
      fc.anything(),
      fc.constant(callTaskAttributes()),
      fc.constant(JSON.stringify(callTaskAttributes())),
      fc.dictionary(fc.string(), fc.anything()).map((extra) => ({ ...extra, ...callTaskAttributes() })),
    );
    fc.assert(
      fc.property(attributes, claims, (task, claim) => {
        const bound = bindToTask(task, claim);
        if (bound.ok) expect(bound.call.call_id).toBe(taskAttributes(task)?.call_sid);
      }),
    );
  });
});

describe('endCallFor and wrapUpFor', () => {
  const fields = { intent: 'refund_request', intent_status: 'open', variables: { summary: 'Label sent' } };

  it('names the customer when the task has one, else the caller’s number', () => {
    // Beside the fields, when the contact happened: the call's start, else the save's time.
    expect(endCallFor(CALL, fields)).toEqual({
      call_id: CALL_SID,
      customer_ref: CUSTOMER_REF,
      ...fields,
      variables: { ...fields.variables, last_contact_at: CALL.call_start },
    });
    const now = Date.parse('2026-02-07T10:45:00.000Z');
    expect(
      endCallFor(
        { call_id: CALL_SID, customer_ref: null, ani: '+14155551234', call_start: null },
        {},
        { now },
      ),
    ).toEqual({
      call_id: CALL_SID,
      identity_hints: { ani: '+14155551234' },
      variables: { last_contact_at: '2026-02-07T10:45:00.000Z' },
    });
  });

  it('gives nothing to save when nothing names the caller', () => {
    expect(
      endCallFor({ call_id: CALL_SID, customer_ref: null, ani: null, call_start: null }, fields),
    ).toBeNull();
  });

  it('stores the task’s call and customer with the fields, and whether it was saved', () => {
    expect(wrapUpFor(CALL, fields, false)).toEqual({
      call_id: CALL_SID,
      customer_ref: CUSTOMER_REF,
      ...fields,
      saved: false,
    });
    expect(
      wrapUpFor({ call_id: CALL_SID, customer_ref: null, ani: '+14155551234', call_start: null }, {}, true),
    ).toEqual({
      call_id: CALL_SID,
      customer_ref: null,
      saved: true,
    });
  });
});

describe('withWrapUp', () => {
  const wrapUp = wrapUpFor(CALL, { intent: 'x', intent_status: 'open' }, false);

  it('merges the wrap-up and keeps everything else on the task', () => {
    const attributes = callTaskAttributes({ transfer_note: 'kept', [WRAP_UP_ATTRIBUTE_KEY]: { old: true } });
    const merged = withWrapUp(JSON.stringify(attributes), wrapUp);
    expect(merged).toEqual({ ok: true, attributes: { ...attributes, [WRAP_UP_ATTRIBUTE_KEY]: wrapUp } });
    if (merged.ok) expect(readWrapUp(merged.attributes)).toEqual({ state: 'ready', wrapUp });
  });

  it('refuses a wrap-up that would pass 4,096 characters, saying by how much', () => {
    const big = wrapUpFor(CALL, { variables: { summary: 'x'.repeat(4000) } }, false);
    const merged = withWrapUp(callTaskAttributes(), big);
    expect(merged).toMatchObject({ ok: false, issue: { code: 'too_long', path: ['variables'] } });
    if (!merged.ok) {
      const size = JSON.stringify({ ...callTaskAttributes(), [WRAP_UP_ATTRIBUTE_KEY]: big }).length;
      expect(merged.issue.count).toBe(size - TASK_ATTRIBUTES_LIMIT);
    }
  });

  it('measures the unsaved form, so marking it saved never makes it too long', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 3000 }),
        fc.dictionary(fc.string(), fc.string(), { maxKeys: 5 }),
        (summary, extra) => {
          const attributes = { ...extra, ...callTaskAttributes() };
          const unsaved = withWrapUp(attributes, wrapUpFor(CALL, { variables: { summary } }, false));
          const saved = withWrapUp(attributes, wrapUpFor(CALL, { variables: { summary } }, true));
          expect(saved.ok).toBe(unsaved.ok);
          if (saved.ok) {
            expect(JSON.stringify(saved.attributes).length).toBeLessThanOrEqual(TASK_ATTRIBUTES_LIMIT);
            for (const key of Object.keys(attributes))
              if (key !== WRAP_UP_ATTRIBUTE_KEY) expect(saved.attributes[key]).toEqual(attributes[key]);
          }
        },
      ),
    );
  });
});
