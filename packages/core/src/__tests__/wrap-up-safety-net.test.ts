/** selectWrapUpsToSave: what the TaskRouter safety net saves, and what it refuses. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  degradedTaskAttributes,
  selectWrapUpsToSave,
  type TaskRouterEvent,
  WRAP_UP_ATTRIBUTE_KEY,
} from '../index.js';
import { CALL_SID, CUSTOMER_REF, callTaskAttributes, OTHER_TASK_SID, TASK_SID } from './wrap-up-kit.js';

const COMPLETED = new Set(['task.completed']);
const WRAP_UP = {
  call_id: CALL_SID,
  customer_ref: CUSTOMER_REF,
  intent: 'refund_request',
  intent_status: 'open',
};

const event = (
  wrapUp: unknown,
  extra: Record<string, unknown> = {},
  type = 'task.completed',
): TaskRouterEvent => ({
  type,
  taskSid: TASK_SID,
  attributes: JSON.stringify(callTaskAttributes({ ...extra, [WRAP_UP_ATTRIBUTE_KEY]: wrapUp })),
});

describe('selectWrapUpsToSave', () => {
  it('saves an unsaved wrap-up for its task’s call and customer', () => {
    expect(selectWrapUpsToSave([event({ ...WRAP_UP, saved: false })], { eventTypes: COMPLETED })).toEqual({
      saves: [
        {
          taskSid: TASK_SID,
          callId: CALL_SID,
          fields: { intent: 'refund_request', intent_status: 'open' },
          params: {
            call_id: CALL_SID,
            customer_ref: CUSTOMER_REF,
            intent: 'refund_request',
            intent_status: 'open',
            // When the contact happened: the call's start, from the task.
            variables: { last_contact_at: '2026-02-07T10:30:00.000Z' },
          },
        },
      ],
      refused: [],
    });
  });

  it('checks the wrap-up with the one validator (closed is resolved, numbers are text)', () => {
    const { saves } = selectWrapUpsToSave(
      [event({ ...WRAP_UP, intent_status: 'closed', variables: { amount: 42, vip: true } })],
      { eventTypes: COMPLETED },
    );
    expect(saves[0]?.params).toMatchObject({
      intent_status: 'resolved',
      variables: { amount: '42', vip: 'true' },
    });
  });

  it('saves against the task’s caller number when the lookup failed, ignoring hints stored in the wrap-up', () => {
    const attributes = {
      call_sid: CALL_SID,
      from: '+14155551234',
      ...degradedTaskAttributes('timeout'),
      [WRAP_UP_ATTRIBUTE_KEY]: {
        call_id: CALL_SID,
        identity_hints: { ani: '+14155550000' },
        intent: 'x',
        intent_status: 'open',
      },
    };
    const now = Date.parse('2026-02-07T10:45:00.000Z');
    const { saves } = selectWrapUpsToSave([{ type: 'task.completed', taskSid: TASK_SID, attributes }], {
      eventTypes: COMPLETED,
      now,
    });
    expect(saves[0]?.params).toEqual({
      call_id: CALL_SID,
      identity_hints: { ani: '+14155551234' },
      intent: 'x',
      intent_status: 'open',
      // No call start from a failed lookup: the contact is dated by the save.
      variables: { last_contact_at: '2026-02-07T10:45:00.000Z' },
    });
  });

  it('leaves alone wrap-ups marked saved, tasks without one, other events, calls saved recently, and callers nothing names', () => {
    const withheld = {
      call_sid: CALL_SID,
      from: 'anonymous',
      ...degradedTaskAttributes('no_identity_hints'),
      [WRAP_UP_ATTRIBUTE_KEY]: { call_id: CALL_SID, intent: 'x', intent_status: 'open' },
    };
    const result = selectWrapUpsToSave(
      [
        event({ ...WRAP_UP, saved: true }),
        { type: 'task.completed', taskSid: TASK_SID, attributes: JSON.stringify(callTaskAttributes()) },
        event(WRAP_UP, {}, 'task.created'),
        { type: 'task.completed', taskSid: TASK_SID, attributes: withheld },
      ],
      { eventTypes: COMPLETED },
    );
    expect(result).toEqual({ saves: [], refused: [] });
    expect(
      selectWrapUpsToSave([event(WRAP_UP)], {
        eventTypes: COMPLETED,
        savedRecently: (id) => id === CALL_SID,
      }),
    ).toEqual({ saves: [], refused: [] });
  });

  it('saves one per call when a batch names it twice', () => {
    const second = { ...event(WRAP_UP), taskSid: OTHER_TASK_SID };
    expect(selectWrapUpsToSave([event(WRAP_UP), second], { eventTypes: COMPLETED }).saves).toHaveLength(1);
  });

  it.each([
    [
      'another call',
      callTaskAttributes({ [WRAP_UP_ATTRIBUTE_KEY]: { ...WRAP_UP, call_id: 'CA_another' } }),
      /another call/,
    ],
    [
      'another customer',
      callTaskAttributes({ [WRAP_UP_ATTRIBUTE_KEY]: { ...WRAP_UP, customer_ref: 'cust_other' } }),
      /another customer/,
    ],
    [
      'a task without caller context',
      { call_sid: CALL_SID, from: '+14155551234', [WRAP_UP_ATTRIBUTE_KEY]: WRAP_UP },
      /not a call that went through Sticky Calls/,
    ],
    ['a chat task', { channelType: 'web', [WRAP_UP_ATTRIBUTE_KEY]: WRAP_UP }, /not a call/],
    ['an unreadable wrap-up', callTaskAttributes({ [WRAP_UP_ATTRIBUTE_KEY]: { intent: 'x' } }), /unreadable/],
    [
      'an invalid wrap-up',
      callTaskAttributes({ [WRAP_UP_ATTRIBUTE_KEY]: { ...WRAP_UP, variables: { 'bad name': 'v' } } }),
      /invalid \(variable_name\)/,
    ],
  ])('refuses %s, saying why, and saves nothing for it', (_name, attributes, reason) => {
    const result = selectWrapUpsToSave([{ type: 'task.completed', taskSid: TASK_SID, attributes }], {
      eventTypes: COMPLETED,
    });
    expect(result.saves).toEqual([]);
    expect(result.refused).toEqual([{ taskSid: TASK_SID, reason: expect.stringMatching(reason) }]);
  });

  it('never throws, and saves only for the call and customer of the wrap-up’s own task', () => {
    const wrapUp = fc.record(
      {
        call_id: fc.oneof(fc.constant(CALL_SID), fc.string()),
        customer_ref: fc.oneof(fc.constant(CUSTOMER_REF), fc.string(), fc.constant(null)),
        intent: fc.string(),
        intent_status: fc.constantFrom('open', 'resolved', 'Nope'),
        variables: fc.dictionary(fc.string(), fc.oneof(fc.string(), fc.integer())),
        saved: fc.boolean(),
      },
      { requiredKeys: [] },
    );
    const anyEvent = fc.oneof(
      wrapUp.map((w) => event(w)),
      fc.record({
        type: fc.constant('task.completed'),
        taskSid: fc.constant(TASK_SID),
        attributes: fc.anything(),
      }),
    );
    fc.assert(
      fc.property(fc.array(anyEvent, { maxLength: 6 }), (events) => {
        const { saves, refused } = selectWrapUpsToSave(events, { eventTypes: COMPLETED });
        expect(new Set(saves.map((save) => save.callId)).size).toBe(saves.length);
        for (const save of saves) {
          expect(save.params.call_id).toBe(CALL_SID);
          expect(save.params.customer_ref).toBe(CUSTOMER_REF);
          expect(save.params.identity_hints).toBeUndefined();
        }
        for (const refusal of refused) expect(refusal.reason.length).toBeGreaterThan(0);
      }),
    );
  });
});
