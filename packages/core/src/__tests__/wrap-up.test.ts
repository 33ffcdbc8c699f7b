import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseSaveRequest, readWrapUp, WRAP_UP_ATTRIBUTE_KEY, wrapUpToEndCall } from '../index.js';

describe('parseSaveRequest', () => {
  it('reads the SDK’s own names', () => {
    expect(
      parseSaveRequest({
        call_id: 'CA1',
        customer_ref: 'cust_1',
        intent: 'refund_request',
        intent_status: 'open',
        variables: { amount: 12, vip: true },
      }),
    ).toEqual({
      success: true,
      data: {
        call_id: 'CA1',
        customer_ref: 'cust_1',
        intent: 'refund_request',
        intent_status: 'open',
        variables: { amount: '12', vip: 'true' },
      },
    });
  });

  it("reads the vendor guide's names: closed means resolved, notes and disposition become variables", () => {
    expect(
      parseSaveRequest({
        CallSid: 'CA2',
        CustomerRef: 'cust_2',
        Intent: 'billing_inquiry',
        IntentStatus: 'closed',
        AgentNotes: 'Explained the invoice',
        Disposition: 'resolved_first_call',
        Token: 'ignored here',
      }),
    ).toEqual({
      success: true,
      data: {
        call_id: 'CA2',
        customer_ref: 'cust_2',
        intent: 'billing_inquiry',
        intent_status: 'resolved',
        variables: { summary: 'Explained the invoice', disposition: 'resolved_first_call' },
      },
    });
  });

  it('reads variables sent as JSON text, as a form post would', () => {
    const result = parseSaveRequest({ call_id: 'CA3', customer_ref: 'c', variables: '{"name":"Jo"}' });
    expect(result).toMatchObject({ success: true, data: { variables: { name: 'Jo' } } });
  });

  it.each([
    ['no call id', { CustomerRef: 'c' }, 'call_id'],
    ['no customer', { CallSid: 'CA1' }, 'customer_ref'],
    ['variables that are not an object', { CallSid: 'CA1', CustomerRef: 'c', variables: '[1' }, 'variables'],
    [
      'a variable that is an object',
      { CallSid: 'CA1', CustomerRef: 'c', variables: { a: { b: 1 } } },
      'variables.a',
    ],
    ['not an object', 'CA1', ''],
  ])('names the problem for %s', (_name, body, field) => {
    const result = parseSaveRequest(body);
    expect(result.success).toBe(false);
    if (!result.success) expect(result.issues.map((issue) => issue.path.join('.'))).toContain(field);
  });

  it('never throws', () => {
    fc.assert(
      fc.property(fc.anything(), (body) => {
        expect(typeof parseSaveRequest(body).success).toBe('boolean');
      }),
    );
  });
});

describe('readWrapUp and wrapUpToEndCall', () => {
  it('saves a wrap-up whose start failed against the caller’s number', () => {
    expect(
      wrapUpToEndCall({ call_id: 'CA1', customer_ref: null, intent: 'x' }, { from: '+14155551234' }),
    ).toEqual({
      call_id: 'CA1',
      identity_hints: { ani: '+14155551234' },
      intent: 'x',
    });
    // A withheld caller gives no hint: the save is then refused, by name, when sent.
    expect(wrapUpToEndCall({ call_id: 'CA1', intent: 'x' }, { from: 'anonymous' })).toEqual({
      call_id: 'CA1',
      intent: 'x',
    });
  });

  const wrapUp = {
    call_id: 'CA1',
    customer_ref: 'cust_1',
    intent: 'refund_request',
    intent_status: 'closed',
    variables: { summary: 'Sent a label' },
    saved: false,
  };

  it('reads the wrap-up from attributes as an object or as JSON', () => {
    const ready = { state: 'ready', wrapUp };
    expect(readWrapUp({ call_sid: 'CA1', [WRAP_UP_ATTRIBUTE_KEY]: wrapUp })).toEqual(ready);
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

  it('turns a stored wrap-up into calls.end params', () => {
    expect(wrapUpToEndCall(wrapUp)).toEqual({
      call_id: 'CA1',
      customer_ref: 'cust_1',
      intent: 'refund_request',
      intent_status: 'resolved',
      variables: { summary: 'Sent a label' },
    });
  });
});
