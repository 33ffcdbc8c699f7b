import { describe, expect, it } from 'vitest';
import { callStartParams, readTaskRouterEvents } from '../index.js';

describe('callStartParams', () => {
  it('builds start params from a Twilio call', () => {
    expect(
      callStartParams({
        callId: 'CA1',
        from: '+14155551234',
        to: '+18005550100',
        externalIds: '{"crm":"C-1","x":""}',
        lineType: 'mobile',
      }),
    ).toEqual({
      ok: true,
      params: {
        call_id: 'CA1',
        identity_hints: { ani: '+14155551234', dnis: '+18005550100', external_ids: { crm: 'C-1' } },
        telco: { line_type: 'mobile' },
      },
    });
  });

  it.each([
    ['a withheld caller with no ids', { callId: 'CA1', from: 'anonymous' }, 'no_identity_hints'],
    ['a SIP caller with no ids', { callId: 'CA1', from: 'sip:a@b.c' }, 'no_identity_hints'],
    ['no call id', { callId: undefined, from: '+14155551234' }, 'invalid_request'],
    ['a call id over 128 characters', { callId: 'x'.repeat(129), from: '+14155551234' }, 'invalid_request'],
  ])('refuses %s', (_name, input, reason) => {
    expect(callStartParams(input)).toEqual({ ok: false, reason });
  });

  it('looks a withheld caller up by external ids alone', () => {
    expect(
      callStartParams({
        callId: 'CA1',
        from: 'anonymous',
        externalIds: { crm: 'C-1' },
        lineType: 'satellite',
      }),
    ).toEqual({
      ok: true,
      params: { call_id: 'CA1', identity_hints: { external_ids: { crm: 'C-1' } } },
    });
  });
});

describe('readTaskRouterEvents', () => {
  it('reads a workspace event callback', () => {
    expect(
      readTaskRouterEvents({ EventType: 'task.completed', TaskSid: 'WT1', TaskAttributes: '{}' }),
    ).toEqual([{ type: 'task.completed', taskSid: 'WT1', attributes: '{}' }]);
  });

  it('reads Event Streams CloudEvents, as an array or spread by index', () => {
    const cloudEvent = {
      type: 'com.twilio.taskrouter.reservation.wrapup',
      data: { payload: { task_sid: 'WT2', task_attributes: '{"a":1}' } },
    };
    const expected = [{ type: 'reservation.wrapup', taskSid: 'WT2', attributes: '{"a":1}' }];
    expect(readTaskRouterEvents([cloudEvent])).toEqual(expected);
    expect(readTaskRouterEvents({ 0: cloudEvent })).toEqual(expected);
    expect(readTaskRouterEvents(cloudEvent)).toEqual(expected);
  });

  it.each([undefined, null, 'x', {}, [1, null, { type: 'x' }]])('gives no events for %j', (body) => {
    expect(readTaskRouterEvents(body)).toEqual([]);
  });
});
