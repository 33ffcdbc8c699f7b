/**
 * Bad input, generated (fast-check, fixed seed so a CI failure reproduces): the save
 * Function's body, the caller-context Function's event, and the task-attribute readers.
 * Every Function answer is well-formed JSON of the documented shape (a success or an
 * error), through the callback, once; the readers never throw and say what they read.
 */
import {
  ATTRIBUTE_KEY,
  readCallerContext,
  readWrapUp,
  toTaskAttributes,
  WRAP_UP_ATTRIBUTE_KEY,
} from '@stickycalls/core';
import { createCallerContextHandler, createSaveContextHandler } from '@stickycalls/twilio-function-adapter';
import { FakeResponse, stubTokenValidator } from '@stickycalls/twilio-function-adapter/testing';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { emulatedApi, FLEX_TOKEN, handlerOptions, run, startedCall, WORKER_SID } from './kit.js';
import { notes } from './notes.js';

const { emulator } = emulatedApi();
const SEED = 20_260_207;
const RUNS = 150;
let generated = 0;
afterAll(() => {
  notes.push(`${generated} generated inputs, seed ${SEED}`);
});
const settings = (numRuns = RUNS) => ({ seed: SEED, numRuns, endOnFailure: true });

/** Values as hostile as fast-check makes them, and as a form-encoded or JSON body makes them. */
const value = fc.oneof(
  fc.jsonValue(),
  fc.anything({ withNullPrototype: true, withBoxedValues: true }),
  fc.string(),
);
const text = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.constantFrom('', ' ', '\u0000', '__proto__', '{}'),
);

function isJsonRoundTrip(body: unknown): boolean {
  return JSON.stringify(JSON.parse(JSON.stringify(body))) === JSON.stringify(body);
}

// ---------------------------------------------------------------------------

describe('the save Function answers every body with well-formed JSON', () => {
  const handler = createSaveContextHandler({
    ...handlerOptions,
    Response: FakeResponse,
    timeoutMs: 1000,
    validateToken: stubTokenValidator({ [FLEX_TOKEN]: { worker_sid: WORKER_SID, roles: ['agent'] } }),
    canActOnTask: () => true,
  });
  const STATUSES: Record<number, string[]> = {
    200: ['saved', 'already_saved'],
    400: ['invalid'],
    403: ['forbidden'],
    502: ['failed'],
    503: ['not_configured'],
  };

  async function check(event: Record<string, unknown>): Promise<void> {
    generated += 1;
    const answer = await run(handler, event);
    expect(answer.error ?? null).toBeNull();
    expect(answer.callbackCalls).toBe(1);
    expect(Object.keys(STATUSES)).toContain(String(answer.statusCode));
    const body = answer.body as Record<string, unknown>;
    expect(typeof body).toBe('object');
    expect(STATUSES[answer.statusCode]).toContain(body.status);
    expect(isJsonRoundTrip(body)).toBe(true);
    if (answer.statusCode !== 200) expect(typeof body.retryable).toBe('boolean');
    if (answer.statusCode === 400) expect(Array.isArray(body.errors)).toBe(true);
  }

  it('with the SDK’s field names, any values, and a valid token', async () => {
    const event = fc.record(
      {
        Token: fc.constant(FLEX_TOKEN),
        call_id: fc.oneof(text, value),
        customer_ref: fc.oneof(text, value),
        intent: fc.oneof(text, value),
        intent_status: fc.oneof(fc.constantFrom('open', 'resolved', 'closed', 'escalated'), text, value),
        variables: fc.oneof(fc.dictionary(text, value), value),
        TaskSid: fc.oneof(fc.constant(`WT${'a'.repeat(32)}`), text, value),
      },
      { requiredKeys: ['Token'] },
    );
    await fc.assert(fc.asyncProperty(event, check), settings());
  });

  it('with the vendor guide’s names, unknown keys and any token', async () => {
    const event = fc.record(
      {
        Token: fc.oneof(fc.constant(FLEX_TOKEN), text, value),
        CallSid: fc.oneof(text, value),
        CustomerRef: fc.oneof(text, value),
        Intent: fc.oneof(text, value),
        IntentStatus: fc.oneof(text, value),
        AgentNotes: fc.oneof(text, value),
        Disposition: fc.oneof(text, value),
        request: value,
        extra: fc.dictionary(text, value),
      },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(event, ({ extra, ...known }) => check({ ...(extra as object), ...known })),
      settings(),
    );
  });

  it('with a real call and customer, and values that only just fit or do not', async () => {
    const { callId, customerRef } = await startedCall();
    const variables = fc.dictionary(
      fc.string({ minLength: 1, maxLength: 64 }),
      fc.oneof(fc.string({ maxLength: 600 }), fc.double(), fc.integer(), fc.boolean(), value),
      { maxKeys: 40 },
    );
    await fc.assert(
      fc.asyncProperty(variables, fc.oneof(fc.string({ maxLength: 200 }), value), async (vars, intent) => {
        await check({
          Token: FLEX_TOKEN,
          call_id: callId,
          customer_ref: customerRef,
          intent,
          variables: vars,
        });
      }),
      settings(),
    );
    // Whatever was saved reached the API once at most: the rest answered already_saved or an error.
    expect(emulator.usage.end).toBeLessThanOrEqual(1);
  });
});

// ---------------------------------------------------------------------------

describe('the caller-context Function answers every event with the full degraded-or-ready key set', () => {
  const handler = createCallerContextHandler({ ...handlerOptions, Response: FakeResponse, timeoutMs: 500 });
  it('any From, CallSid, To, external_ids and line_type', async () => {
    const event = fc.record(
      {
        CallSid: fc.oneof(fc.constant(`CA${'1'.repeat(32)}`), text, value),
        From: fc.oneof(fc.constantFrom('+14155551234', 'anonymous', 'client:ada', '+266696687'), text, value),
        To: fc.oneof(text, value),
        external_ids: fc.oneof(fc.dictionary(text, value), fc.json(), value),
        line_type: fc.oneof(fc.constantFrom('mobile', 'landline', 'voip'), text, value),
      },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(event, async (e) => {
        generated += 1;
        emulator.reset();
        const answer = await run(handler, e);
        expect(answer.error ?? null).toBeNull();
        expect(answer).toMatchObject({ statusCode: 200, callbackCalls: 1 });
        const body = answer.body as Record<string, unknown>;
        expect(body[ATTRIBUTE_KEY]).toMatchObject({ status: expect.stringMatching(/^(ok|degraded)$/) });
        expect(isJsonRoundTrip(body)).toBe(true);
        expect(JSON.stringify(body).length).toBeLessThanOrEqual(4096);
      }),
      settings(),
    );
  });
});

// ---------------------------------------------------------------------------

describe('the attribute readers never throw', () => {
  const valid = JSON.stringify({
    call_sid: 'CA1',
    ...toTaskAttributes({
      call_id: 'CA1',
      customer_ref: 'a1b2c3d4',
      call_start: '2026-02-07T10:30:00.000Z',
      identity: { confidence: 0.9, level: 'very_high', sources: ['ani:mobile'], recommendation: 'reuse' },
      open_intents: [{ intent: 'refund_request', status: 'open', attempt_count: 2 }],
      variables: { name: { value: 'Ada', source: 'agent', ttl_seconds: 60 } },
    }),
    [WRAP_UP_ATTRIBUTE_KEY]: { call_id: 'CA1', customer_ref: 'a1b2c3d4', intent: 'x', saved: false },
  });
  /** The valid attributes' JSON with a slice cut out or replaced: what a broken writer leaves. */
  const mangled = fc
    .tuple(fc.nat(valid.length), fc.nat(40), fc.string({ maxLength: 8 }))
    .map(([at, cut, insert]) => `${valid.slice(0, at)}${insert}${valid.slice(at + cut)}`);
  const structured = fc.record(
    {
      [ATTRIBUTE_KEY]: fc.oneof(
        value,
        fc.record({ v: fc.oneof(fc.constant(1), value), status: value, vars: value, intents: value }),
      ),
      customer_ref: value,
      identity_confidence: value,
      identity_level: value,
      variables: fc.oneof(value, fc.json()),
      open_intents: fc.oneof(value, fc.json()),
      [WRAP_UP_ATTRIBUTE_KEY]: fc.oneof(
        value,
        fc.record({ call_id: value, customer_ref: value, intent: value, saved: value }),
      ),
    },
    { requiredKeys: [] },
  );
  const attributes = fc.oneof(
    value,
    mangled,
    structured,
    structured.map((s) => JSON.stringify(s) ?? ''),
  );

  it('readCallerContext reads any attributes as absent, invalid, degraded or ready', () => {
    fc.assert(
      fc.property(attributes, (input) => {
        generated += 1;
        const state = readCallerContext(input);
        expect(['absent', 'invalid', 'degraded', 'ready']).toContain(state.state);
        expect(isJsonRoundTrip(state)).toBe(true);
      }),
      settings(400),
    );
  });

  it('readWrapUp reads any attributes as absent, invalid or ready', () => {
    fc.assert(
      fc.property(attributes, (input) => {
        generated += 1;
        const state = readWrapUp(input);
        expect(['absent', 'invalid', 'ready']).toContain(state.state);
        expect(isJsonRoundTrip(state)).toBe(true);
      }),
      settings(400),
    );
  });

  it('reads the valid attributes as ready (the control case)', () => {
    expect(readCallerContext(valid).state).toBe('ready');
    expect(readWrapUp(valid).state).toBe('ready');
  });
});
