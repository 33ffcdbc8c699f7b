/**
 * Fixtures for the flex-react tests: task attributes as they reach Flex, built with
 * the core's writer (what the Studio flow or the start Function puts on the task) plus
 * the keys Flex sets itself on a voice task.
 */
import {
  ATTRIBUTE_KEY,
  type AttributeWriterOptions,
  degradedTaskAttributes,
  type StartCallResponse,
  startCallResponseSchema,
  toTaskAttributes,
} from '@stickycalls/core';
import type { FlexTask } from '../flex-types.js';

export const CALL_SID = 'CA5f1e2d3c4b5a69788796a5b4c3d2e1f0';
export const TASK_SID = 'WT0123456789abcdef0123456789abcdef';
export const RESERVATION_SID = 'WR0123456789abcdef0123456789abcdef';
export const CUSTOMER_REF = 'a1b2c3d4-e5f6-7890-abcd-ef1234567890';
export const CALLER = '+14155551234';
export const CALL_START = '2026-02-07T10:30:00.000Z';
const TTL = 2_592_000;

/** The keys Flex puts on an inbound voice task. */
export function flexVoiceKeys(from: string = CALLER): Record<string, unknown> {
  return {
    from,
    to: '+14155550100',
    caller: from,
    called: '+14155550100',
    name: from,
    direction: 'inbound',
    type: 'inbound',
    call_sid: CALL_SID,
    account_sid: 'AC00000000000000000000000000000000',
    conversations: { conversation_id: 'WT0123456789abcdef0123456789abcdef' },
  };
}

/** A `calls.start` response as the client returns it (normalised by the core's schema). */
export function startResponse(overrides: Record<string, unknown> = {}): StartCallResponse {
  const parsed = startCallResponseSchema.parse({
    call_id: CALL_SID,
    customer_ref: CUSTOMER_REF,
    call_start: CALL_START,
    identity: {
      confidence: 0.92,
      level: 'very_high',
      sources: ['ani:mobile', 'recency:7days'],
      recommendation: 'reuse',
    },
    open_intents: [
      { intent: 'refund_request', status: 'open', attempt_count: 2 },
      { intent: 'address_change', status: 'open', attempt_count: 1 },
    ],
    variables: {
      name: { value: 'Dana Scully', source: 'agent', ttl_seconds: TTL },
      plan: { value: 'Premium', source: 'crm', ttl_seconds: TTL },
      last_order: { value: 'ORD-1042', source: 'agent', ttl_seconds: null },
    },
    ...overrides,
  });
  return { ...parsed, call_id: parsed.call_id ?? CALL_SID };
}

/** Writer output (both layouts) plus Flex's voice keys. */
export function withFlexKeys(
  response: StartCallResponse,
  options?: AttributeWriterOptions,
  from: string = CALLER,
): Record<string, unknown> {
  return { ...flexVoiceKeys(from), ...toTaskAttributes(response, options) };
}

/** A returning caller: reuse tier, three variables, two open intents, one a repeat (attempt 2). */
export function returningCaller(): Record<string, unknown> {
  return withFlexKeys(startResponse());
}

/** A match to confirm: confidence 0.42, the API recommends `confirm`. */
export function confirmMatch(): Record<string, unknown> {
  return withFlexKeys(
    startResponse({
      identity: { confidence: 0.42, level: 'low', sources: ['ani:landline'], recommendation: 'confirm' },
      open_intents: [{ intent: 'delivery_delay', status: 'open', attempt_count: 1 }],
      variables: { name: { value: 'Fox Mulder', source: 'agent', ttl_seconds: TTL } },
    }),
  );
}

/**
 * A new caller: the API matched weakly (`ignore`) and still returned a variable and an
 * intent, which may be someone else's.
 */
export function newCaller(): Record<string, unknown> {
  return withFlexKeys(
    startResponse({
      customer_ref: 'f0e1d2c3-b4a5-6789-0abc-def123456789',
      identity: { confidence: 0.12, level: 'low', sources: [], recommendation: 'ignore' },
      open_intents: [{ intent: 'lost_card', status: 'open', attempt_count: 3 }],
      variables: { name: { value: 'Someone Else', source: 'agent', ttl_seconds: TTL } },
    }),
    undefined,
    '+14155559876',
  );
}

/** The lookup at call start failed (timed out, by default). */
export function degraded(reason: unknown = 'timeout', from: string = CALLER): Record<string, unknown> {
  return { ...flexVoiceKeys(from), ...degradedTaskAttributes(reason) };
}

/** How many variables {@link truncated} starts from. */
export const TRUNCATED_VARIABLES = 40;

/** A context too large for the namespaced budget: the writer cut variables and intents. */
export function truncated(): Record<string, unknown> {
  const variables = Object.fromEntries(
    Array.from({ length: TRUNCATED_VARIABLES }, (_, i) => [
      `note_${String(i).padStart(2, '0')}`,
      { value: `Detail ${i}: ${'x'.repeat(90)}`, source: 'agent', ttl_seconds: TTL },
    ]),
  );
  const intents = Array.from({ length: 6 }, (_, i) => ({
    intent: `topic_${i}`,
    status: 'open',
    attempt_count: 1,
  }));
  return withFlexKeys(startResponse({ variables, open_intents: intents }));
}

/** The vendor guide's flat keys only, as an older Studio flow writes them. */
export function flatLayout(): Record<string, unknown> {
  const { [ATTRIBUTE_KEY]: _namespaced, ...flat } = returningCaller();
  return flat;
}

/** Attributes that are there but unreadable, each with a note of what is wrong. */
export const GARBAGE: readonly (readonly [string, unknown])[] = [
  ['not JSON', '{"sticky_calls": '],
  ['a number', 42],
  ['an array', [1, 2, 3]],
  ['sticky_calls not JSON', { ...flexVoiceKeys(), [ATTRIBUTE_KEY]: '{nope' }],
  ['sticky_calls of a newer version', { ...flexVoiceKeys(), [ATTRIBUTE_KEY]: { v: 2, status: 'ok' } }],
  ['sticky_calls missing fields', { ...flexVoiceKeys(), [ATTRIBUTE_KEY]: { v: 1, status: 'ok' } }],
  ['customer_ref not a string (flat)', { ...flexVoiceKeys(), customer_ref: 42, identity_confidence: 0.9 }],
  ['variables not JSON (flat)', { ...flexVoiceKeys(), customer_ref: CUSTOMER_REF, variables: '{' }],
];

/** A Flex task (voice, wrapping) with these attributes. */
export function task(attributes: unknown, extra: Partial<FlexTask> = {}): FlexTask {
  return {
    sid: RESERVATION_SID,
    taskSid: TASK_SID,
    status: 'wrapping',
    taskChannelUniqueName: 'voice',
    attributes,
    ...extra,
  };
}
