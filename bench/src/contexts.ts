/**
 * Caller contexts of three sizes, as `calls.start` answers them: the same objects feed
 * the SDK's attribute writer and the guide's stringified layout.
 */
import type { StartCallResponse } from '@stickycalls/core';

const TTL = 2_592_000;
const variable = (value: string) => ({ value, source: null, ttl_seconds: TTL });

export function startResponse(variables: Record<string, string>, intents: number): StartCallResponse {
  const returning = Object.keys(variables).length > 0 || intents > 0;
  return {
    call_id: `CA${'1'.repeat(32)}`,
    customer_ref: 'a1b2c3d4-e5f6-7890-abcd-ef1234567890',
    call_start: '2026-02-07T10:30:00.000Z',
    identity: returning
      ? {
          confidence: 0.9,
          level: 'very_high',
          sources: ['ani:mobile', 'external_id', 'recency:1day'],
          recommendation: 'reuse',
        }
      : { confidence: 0, level: 'low', sources: [], recommendation: 'ignore' },
    open_intents: Array.from({ length: intents }, (_, i) => ({
      intent:
        ['refund_request', 'billing_inquiry', 'delivery_issue', 'account_update', 'cancellation'][i % 5] ??
        'other',
      status: 'open',
      attempt_count: (i % 3) + 1,
    })),
    variables: Object.fromEntries(Object.entries(variables).map(([name, value]) => [name, variable(value)])),
  } as StartCallResponse;
}

/** A new caller: nothing stored. */
export const SMALL = startResponse({}, 0);

/** The guide's example screen pop: a summary, an amount, a status, and one open intent. */
export const TYPICAL = startResponse(
  {
    name: 'John Doe',
    summary: 'Kettle arrived broken; refund promised within 5 days.',
    amount: '49.99',
    status: 'refund_pending',
    disposition: 'callback_requested',
  },
  1,
);

/** A long-standing customer: twelve notes of about 120 characters and four open intents. */
export const LARGE = startResponse(
  Object.fromEntries(
    Array.from({ length: 12 }, (_, i) => [
      `note_${i + 1}`,
      `Call ${i + 1}: customer asked about order 44${i}1, the delivery window and the refund; agent promised a follow-up.`,
    ]),
  ),
  4,
);

/** A context of `n` notes of about 80 characters and two open intents: the growing context of the limit search. */
export const growing = (n: number): StartCallResponse =>
  startResponse(
    Object.fromEntries(
      Array.from({ length: n }, (_, i) => [
        `note_${i + 1}`,
        `Call ${i + 1}: asked about the delivery of order 44${i}1; refund promised within 5 days.`,
      ]),
    ),
    2,
  );

/** The guide's task attributes for a start response: its Function's flat keys, nested values stringified. */
export function guideAttributes(data: StartCallResponse): Record<string, unknown> {
  return {
    customer_ref: data.customer_ref,
    identity_confidence: data.identity.confidence,
    identity_level: data.identity.level,
    variables: JSON.stringify(data.variables),
    open_intents: JSON.stringify(data.open_intents),
    call_start: data.call_start,
  };
}
