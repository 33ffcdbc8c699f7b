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
  const wrapUp = {
    call_id: 'CA1',
    customer_ref: 'cust_1',
    intent: 'refund_request',
    intent_status: 'closed',
    variables: { summary: 'Sent a label' },
    saved: false,
  };

  it('reads the wrap-up from attributes as an object or as JSON', () => {
    expect(readWrapUp({ call_sid: 'CA1', [WRAP_UP_ATTRIBUTE_KEY]: wrapUp })).toEqual(wrapUp);
    expect(readWrapUp(JSON.stringify({ [WRAP_UP_ATTRIBUTE_KEY]: wrapUp }))).toEqual(wrapUp);
    expect(readWrapUp({ [WRAP_UP_ATTRIBUTE_KEY]: JSON.stringify(wrapUp) })).toEqual(wrapUp);
  });

  it.each([
    undefined,
    null,
    '{',
    {},
    { [WRAP_UP_ATTRIBUTE_KEY]: { intent: 'x' } },
    { [WRAP_UP_ATTRIBUTE_KEY]: '{' },
  ])('gives undefined for %j', (attributes) => {
    expect(readWrapUp(attributes)).toBeUndefined();
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
