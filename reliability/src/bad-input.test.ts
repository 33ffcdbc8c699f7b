/**
 * Bad input, generated (fast-check, fixed seed so a CI failure reproduces): the save
 * Function's body, the caller-context Function's event, and the task-attribute readers.
 * Every Function answer is well-formed JSON of the documented shape (a success or an
 * error), through the callback, once; the readers never throw and say what they read.
 *
 * The save bodies carry the agent's valid token and name the agent's own task in the
 * TaskRouter stand-in (or its call, the vendor guide's way), so what is fuzzed is the
 * wrap-up itself: the Function's answer must be the one validator's verdict (core's
 * `readSaveRequest` and `validateWrapUp`: 400 with the same issues, before TaskRouter is
 * asked), then the binding's (`bindToTask`: 403 with its refusal), and what passes both
 * is stored or saved (or, saved with a status the API does not list, refused by the API).
 */
import {
  ATTRIBUTE_KEY,
  bindToTask,
  readCallerContext,
  readSaveRequest,
  readWrapUp,
  toTaskAttributes,
  validateWrapUp,
  WRAP_UP_ATTRIBUTE_KEY,
} from '@stickycalls/core';
import { createCallerContextHandler, createSaveContextHandler } from '@stickycalls/twilio-function-adapter';
import { FakeResponse, stubTokenValidator } from '@stickycalls/twilio-function-adapter/testing';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type CallTask,
  callTask,
  emulatedApi,
  FLEX_TOKEN,
  handlerOptions,
  routedCall,
  run,
  WORKER_SID,
} from './kit.js';
import { notes } from './notes.js';

const { emulator, taskRouter } = emulatedApi();
const SEED = 20_260_207;
const RUNS = 150;
let generated = 0;
/** Save bodies that reached the wrap-up validator, and those it let on to the task and the API. */
let validated = 0;
let accepted = 0;
afterAll(() => {
  notes.push(
    `${generated} generated inputs, seed ${SEED}; ${validated} save bodies reached the wrap-up validator with a valid token and task, ${accepted} of them stored or saved`,
  );
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
/** Wrap-up fields near what the form sends (the validator's limits, either side), among the hostile ones. */
const intentText = fc.oneof(
  { arbitrary: fc.stringMatching(/^[a-z][a-z0-9_]{0,40}$/), weight: 2 },
  fc.string({ minLength: 1, maxLength: 140 }),
  text,
  value,
);
const statusText = fc.oneof(
  { arbitrary: fc.constantFrom('open', 'resolved', 'closed', 'abandoned', 'escalated', ' Open '), weight: 3 },
  text,
  value,
);
const variableName = fc.oneof(
  { arbitrary: fc.stringMatching(/^[A-Za-z0-9_.-]{1,64}$/), weight: 4 },
  fc.string({ minLength: 1, maxLength: 70 }),
  fc.constantFrom('order-id', 'résumé', '名前', '__proto__', 'constructor', 'a'.repeat(65)),
);
const variableValue = fc.oneof(
  { arbitrary: fc.string({ minLength: 1, maxLength: 100 }), weight: 3 },
  fc.string({ maxLength: 100 }),
  fc.integer(),
  fc.double(),
  fc.boolean(),
);
const variablesOf = fc.oneof(
  { arbitrary: fc.dictionary(variableName, variableValue, { maxKeys: 6 }), weight: 3 },
  fc.dictionary(text, value),
  value,
);
/** Stands for the task's own call (or customer) in a generated body, replaced when the body is sent. */
const OWN_CALL = 'the task’s own call';
const OWN_CUSTOMER = 'the task’s own customer';
const own = (marker: string) => fc.oneof({ arbitrary: fc.constant(marker), weight: 3 }, text, value);

function isJsonRoundTrip(body: unknown): boolean {
  return JSON.stringify(JSON.parse(JSON.stringify(body))) === JSON.stringify(body);
}

// ---------------------------------------------------------------------------

describe('the save Function answers every body with well-formed JSON, and the validator’s verdict', () => {
  // The deadline is the fault matrix's subject, not this file's: a loaded CI machine must not fail it.
  const handler = createSaveContextHandler({
    ...handlerOptions,
    Response: FakeResponse,
    timeoutMs: 5000,
    validateToken: stubTokenValidator({ [FLEX_TOKEN]: { worker_sid: WORKER_SID, roles: ['agent'] } }),
  });
  const STATUSES: Record<number, string[]> = {
    200: ['saved', 'already_saved', 'stored'],
    400: ['invalid'],
    403: ['forbidden'],
    409: ['not_completed'],
    502: ['failed'],
    503: ['not_configured'],
  };

  /** The body with the markers replaced by the task's own call and customer. */
  function bodyFor(generatedBody: Record<string, unknown>, call: CallTask): Record<string, unknown> {
    const swap = (field: unknown) =>
      field === OWN_CALL ? call.callId : field === OWN_CUSTOMER ? call.customerRef : field;
    const body: Record<string, unknown> = {};
    for (const [key, field] of Object.entries(generatedBody)) body[key] = swap(field);
    return body;
  }

  /**
   * Sends the body; checks the answer's shape, then that the answer is what the one
   * validator and the binding say of the body, for the agent's `task`.
   */
  async function check(
    event: Record<string, unknown>,
    task: { taskSid: string; callId: string; attributes: Record<string, unknown> },
  ): Promise<void> {
    generated += 1;
    const asked = taskRouter.requests.length;
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
    // TaskRouter never refused an update as too long: the Function says too_long first.
    expect(taskRouter.requests.slice(asked).filter((request) => request.status === 400)).toEqual([]);

    if (event.Token !== FLEX_TOKEN) {
      expect(answer.statusCode).toBe(403);
      return;
    }
    const errors = (body.errors ?? []) as { path: unknown[]; code?: string }[];
    const read = readSaveRequest(event);
    if (!read.success) {
      expect(answer.statusCode).toBe(400);
      expect(errors.map((error) => error.path)).toEqual(read.issues.map((issue) => issue.path));
      expect(taskRouter.requests.length).toBe(asked);
      return;
    }
    validated += 1;
    const checked = validateWrapUp(read.data.fields);
    if (!checked.ok) {
      expect(answer.statusCode).toBe(400);
      expect(errors.map((error) => [error.path, error.code])).toEqual(
        checked.issues.map((issue) => [issue.path, issue.code]),
      );
      expect(taskRouter.requests.length).toBe(asked);
      return;
    }
    if (answer.statusCode === 200) accepted += 1;
    const { taskSid, claims } = read.data;
    if (taskSid !== task.taskSid && (taskSid !== undefined || claims.call_id !== task.callId)) return;
    // Past the validator, with the agent's task named: the binding decides, then it is stored or saved.
    const bound = bindToTask(task.attributes, claims);
    if (!bound.ok) {
      expect(answer.statusCode).toBe(403);
      expect(body.code).toBe(bound.refusal);
      return;
    }
    // Stored or saved; or too long for the task; or refused by the API itself (it lists three
    // statuses, and the validator passes other words through).
    const refusedByApi = answer.statusCode === 502 && body.code === 'bad_request' && body.retryable === false;
    expect(answer.statusCode === 200 || errors[0]?.code === 'too_long' || refusedByApi).toBe(true);
  }

  it('with the SDK’s field names, any values, a valid token and the agent’s own task', async () => {
    const wrapUp = fc.record(
      { intent: intentText, intent_status: statusText, variables: variablesOf },
      { requiredKeys: [] },
    );
    const event = fc.record(
      {
        action: fc.oneof({ arbitrary: fc.constantFrom('save', 'store'), weight: 4 }, text, value),
        call_id: own(OWN_CALL),
        customer_ref: own(OWN_CUSTOMER),
        intent: intentText,
        intent_status: statusText,
        variables: variablesOf,
        wrap_up: fc.oneof(
          { arbitrary: wrapUp, weight: 3 },
          wrapUp.map((fields) => JSON.stringify(fields) ?? ''),
          value,
        ),
      },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(event, async (generatedBody) => {
        const call = await routedCall(taskRouter, {
          reservation: 'completed',
          assignmentStatus: 'completed',
        });
        await check({ ...bodyFor(generatedBody, call), Token: FLEX_TOKEN, TaskSid: call.taskSid }, call);
      }),
      settings(),
    );
  });

  it('with the vendor guide’s names (the task found from the call), unknown keys and any token', async () => {
    const event = fc.record(
      {
        Token: fc.oneof({ arbitrary: fc.constant(FLEX_TOKEN), weight: 3 }, text, value),
        CallSid: own(OWN_CALL),
        CustomerRef: own(OWN_CUSTOMER),
        Intent: intentText,
        IntentStatus: statusText,
        AgentNotes: fc.oneof(text, value),
        Disposition: fc.oneof(text, value),
        request: value,
        extra: fc.dictionary(text, value),
      },
      { requiredKeys: ['CallSid'] },
    );
    await fc.assert(
      fc.asyncProperty(event, async ({ extra, ...known }) => {
        const call = await routedCall(taskRouter, {
          reservation: 'completed',
          assignmentStatus: 'completed',
        });
        await check({ ...(extra as object), ...bodyFor(known, call) }, call);
      }),
      settings(),
    );
  });

  it('with the task’s own call and customer, and values that only just fit or do not', async () => {
    const call = await callTask();
    // Valid names and values, from a few to TaskRouter's limit and past it; and mixed ones.
    const variables = fc.oneof(
      {
        arbitrary: fc.dictionary(
          fc.stringMatching(/^[a-z][a-z0-9_.-]{0,63}$/),
          fc.string({ maxLength: 600, size: 'max' }).map((text) => `v${text}`),
          { maxKeys: 40, size: 'max' },
        ),
        weight: 3,
      },
      fc.dictionary(
        variableName,
        fc.oneof(fc.string({ maxLength: 600 }), fc.double(), fc.integer(), fc.boolean(), value),
        { maxKeys: 40 },
      ),
    );
    const action = fc.constantFrom('store', 'save');
    await fc.assert(
      fc.asyncProperty(
        variables,
        fc.oneof({ arbitrary: intentText, weight: 3 }, fc.string({ maxLength: 200 }), value),
        action,
        async (vars, intent, act) => {
          // A task of the same call each time, completed, with nothing stored on it yet.
          const taskSid = taskRouter.addTask({
            attributes: call.attributes,
            assignmentStatus: 'completed',
            reservations: [{ workerSid: WORKER_SID, status: 'completed' }],
          });
          await check(
            {
              Token: FLEX_TOKEN,
              TaskSid: taskSid,
              action: act,
              call_id: call.callId,
              customer_ref: call.customerRef,
              intent,
              intent_status: 'open',
              variables: vars,
            },
            { ...call, taskSid },
          );
          const stored = readWrapUp(taskRouter.attributes(taskSid));
          // What is on the task fits TaskRouter's 4,096 characters, and is the task's own call.
          expect(JSON.stringify(taskRouter.attributes(taskSid)).length).toBeLessThanOrEqual(4096);
          if (stored.state === 'ready') expect(stored.wrapUp.call_id).toBe(call.callId);
        },
      ),
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
