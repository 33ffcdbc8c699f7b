/**
 * Input limits: what a wrap-up may hold, through the real save Function (the agent's
 * valid token, the agent's own completed task in the TaskRouter stand-in, the emulator
 * behind msw). Each documented limit (`WRAP_UP_LIMITS`) one over is a 400 naming the
 * field, with no `calls.end` reaching the API; exactly at the limit is saved. Intents
 * and names that hide or reorder text (zero-width, bidi overrides, NUL, BEL, line
 * breaks) are refused; values are saved normalised as documented; `__proto__`,
 * `constructor` and `prototype` are refused with a clear error in the SDK's body, the
 * vendor guide's and the client's; an API answer holding a variable of such a name is
 * carried into the task's attributes and read back as an ordinary variable.
 */
import {
  ATTRIBUTE_KEY,
  createStickyCallsClient,
  isStickyCallsError,
  RequestValidationError,
  readCallerContext,
  WRAP_UP_LIMITS,
} from '@stickycalls/core';
import { createSaveContextHandler } from '@stickycalls/twilio-function-adapter';
import { FakeResponse, stubTokenValidator } from '@stickycalls/twilio-function-adapter/testing';
import { HttpResponse, http } from 'msw';
import { afterAll, describe, expect, it } from 'vitest';
import {
  API_KEY,
  BASE_URL,
  callTask,
  emulatedApi,
  FLEX_TOKEN,
  handlerOptions,
  type RoutedCall,
  routedCall,
  run,
  WORKER_SID,
} from './kit.js';
import { notes } from './notes.js';

const { emulator, taskRouter, server } = emulatedApi();
const handler = createSaveContextHandler({
  ...handlerOptions,
  Response: FakeResponse,
  timeoutMs: 5000,
  validateToken: stubTokenValidator({ [FLEX_TOKEN]: { worker_sid: WORKER_SID, roles: ['agent'] } }),
});

let refusedCases = 0;
let savedCases = 0;
afterAll(() => {
  notes.push(
    `limits: intent ${WRAP_UP_LIMITS.intentLength}, name ${WRAP_UP_LIMITS.variableNameLength}, ${WRAP_UP_LIMITS.variableCount} variables, value ${WRAP_UP_LIMITS.variableValueLength}, request ${WRAP_UP_LIMITS.saveRequestLength} characters of JSON; ${refusedCases} saves refused with no calls.end, ${savedCases} saved`,
  );
});

/** The agent's own call, completed: a save is what the agent's browser sends next. */
const completedCall = (): Promise<RoutedCall> =>
  routedCall(taskRouter, { reservation: 'completed', assignmentStatus: 'completed' });

interface Sent {
  readonly status: number;
  readonly body: {
    status?: string;
    errors?: { path: (string | number)[]; message: string; code?: string }[];
  };
  /** The `calls.end` bodies the API received for this save. */
  readonly ends: readonly Record<string, unknown>[];
  /** When the call started, as its task says: the `last_contact_at` the server writes. */
  readonly callStart: unknown;
}

/** Sends a save for the agent's own completed call; `body` is everything but the token and the task. */
async function save(body: Record<string, unknown>, call?: RoutedCall): Promise<Sent> {
  const own = call ?? (await completedCall());
  const baseline = emulator.requests.length;
  const answer = await run(handler, { Token: FLEX_TOKEN, TaskSid: own.taskSid, ...body });
  return {
    status: answer.statusCode,
    body: answer.body as Sent['body'],
    ends: emulator.requests
      .slice(baseline)
      .filter((r) => r.operation === 'end')
      .map((r) => r.body as Record<string, unknown>),
    callStart: (own.attributes[ATTRIBUTE_KEY] as { call_start?: unknown } | undefined)?.call_start,
  };
}

/** A 400 naming the field (and the code), with nothing sent to the API. */
function expectRefused(sent: Sent, path: (string | number)[], code?: string): void {
  expect(sent.status, JSON.stringify(sent.body)).toBe(400);
  expect(sent.body.status).toBe('invalid');
  const named = (sent.body.errors ?? []).filter((e) => JSON.stringify(e.path) === JSON.stringify(path));
  expect(named, JSON.stringify(sent.body.errors)).not.toEqual([]);
  if (code !== undefined) expect(named.map((e) => e.code)).toContain(code);
  expect(sent.ends).toEqual([]);
  refusedCases += 1;
}

/** A save that reached the API once; returns its `calls.end` body with the agent's own variables. */
function expectSaved(sent: Sent): Record<string, unknown> {
  expect(sent.status, JSON.stringify(sent.body)).toBe(200);
  expect(sent.body.status).toBe('saved');
  expect(sent.ends).toHaveLength(1);
  savedCases += 1;
  const end = sent.ends[0] as Record<string, unknown>;
  // The server dates every save with the call's start; the rest is what the agent sent.
  const { last_contact_at: lastContact, ...variables } = (end.variables ?? {}) as Record<string, unknown>;
  expect(lastContact).toBe(sent.callStart);
  expect(typeof sent.callStart).toBe('string');
  return { ...end, variables };
}

const INTENT = { intent: 'refund_request', intent_status: 'open' } as const;
const manyVariables = (count: number) =>
  Object.fromEntries(Array.from({ length: count }, (_, i) => [`v${i}`, `value ${i}`]));

// ---------------------------------------------------------------------------

describe('each limit: one over is refused naming the field, exactly at it is saved', () => {
  it('intent: 129 characters refused, 128 saved', async () => {
    const over = 'i'.repeat(WRAP_UP_LIMITS.intentLength + 1);
    expectRefused(await save({ wrap_up: { ...INTENT, intent: over } }), ['intent'], 'intent_format');
    const at = 'i'.repeat(WRAP_UP_LIMITS.intentLength);
    expect(expectSaved(await save({ wrap_up: { ...INTENT, intent: at } })).intent).toBe(at);
  });

  it('variable name: 65 characters refused, 64 saved', async () => {
    const over = 'n'.repeat(WRAP_UP_LIMITS.variableNameLength + 1);
    expectRefused(
      await save({ wrap_up: { ...INTENT, variables: { [over]: 'x' } } }),
      ['variables', over],
      'variable_name',
    );
    const at = 'n'.repeat(WRAP_UP_LIMITS.variableNameLength);
    expect(expectSaved(await save({ wrap_up: { ...INTENT, variables: { [at]: 'x' } } })).variables).toEqual({
      [at]: 'x',
    });
  });

  it('variables: 51 refused (and 10,000), 50 saved', async () => {
    const over = await save({
      wrap_up: { ...INTENT, variables: manyVariables(WRAP_UP_LIMITS.variableCount + 1) },
    });
    expectRefused(over, ['variables'], 'too_many_variables');
    expectRefused(await save({ wrap_up: { ...INTENT, variables: manyVariables(10_000) } }), [
      'wrap_up',
      'variables',
    ]);
    const at = manyVariables(WRAP_UP_LIMITS.variableCount);
    expect(expectSaved(await save({ wrap_up: { ...INTENT, variables: at } })).variables).toEqual(at);
  });

  it('variable value: 1,001 characters refused (and a megabyte), 1,000 saved', async () => {
    const over = await save({
      wrap_up: { ...INTENT, variables: { note: 'x'.repeat(WRAP_UP_LIMITS.variableValueLength + 1) } },
    });
    expectRefused(over, ['variables', 'note'], 'variable_too_long');
    expect(over.body.errors?.[0]?.message).toContain(String(WRAP_UP_LIMITS.variableValueLength));
    const megabyte = await save({ wrap_up: { ...INTENT, variables: { note: 'x'.repeat(1_000_000) } } });
    expectRefused(megabyte, ['wrap_up', 'variables', 'note']);
    expect(megabyte.body.errors?.[0]?.message).toMatch(/characters of JSON.*16,384/);
    const at = 'x'.repeat(WRAP_UP_LIMITS.variableValueLength);
    expect(expectSaved(await save({ wrap_up: { ...INTENT, variables: { note: at } } })).variables).toEqual({
      note: at,
    });
  });

  it('the whole request: 16,385 characters of JSON refused, 16,384 saved (headers and cookies not counted)', async () => {
    const call = await completedCall();
    // Values of up to 1,000 characters, the last one making up the size.
    const body = (size: number) => {
      const event = (last: string) => ({
        Token: FLEX_TOKEN,
        TaskSid: call.taskSid,
        wrap_up: {
          ...INTENT,
          variables: {
            ...Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`n${i}`, 'x'.repeat(1000)])),
            last,
          },
        },
      });
      const fixed = JSON.stringify(event('')).length;
      return {
        ...event('y'.repeat(size - fixed)),
        request: {
          // As the runtime gives them: a JSON body, and large cookies that are no part of it.
          headers: {
            'content-type': 'application/json',
            'content-length': String(size),
            cookie: 'c'.repeat(20_000),
          },
          cookies: { session: 's'.repeat(1000) },
        },
      };
    };
    const sizeOf = (event: Record<string, unknown>) => {
      const { request: _runtime, ...rest } = event;
      return JSON.stringify(rest).length;
    };
    const over = body(WRAP_UP_LIMITS.saveRequestLength + 1);
    expect(sizeOf(over)).toBe(16_385);
    const refused = await save(over, call);
    expectRefused(refused, ['wrap_up', 'variables']);
    expect(refused.body.errors?.[0]?.message).toMatch(/16,385.*16,384/);
    const at = body(WRAP_UP_LIMITS.saveRequestLength);
    expect(sizeOf(at)).toBe(16_384);
    expectSaved(await save(at, call));
  });
});

describe('intents and names that hide or reorder text are refused', () => {
  const HIDDEN = [
    ['zero-width characters only', '\u200B\u200C\u200D'],
    ['a bidi override', 'refund\u202Erequest'],
    ['bidi isolates only', '\u2066\u2069'],
    ['NUL', 'refund\u0000'],
    ['BEL', 're\u0007fund'],
    ['a line break', 'refund\nrequest'],
    ['a soft hyphen only', '\u00AD'],
    ['a Hangul filler only', '\u3164'],
  ] as const;

  it.each(HIDDEN)('an intent of %s', async (_name, intent) => {
    expectRefused(await save({ wrap_up: { ...INTENT, intent } }), ['intent'], 'intent_format');
  });

  it.each(HIDDEN)('a variable name of %s', async (_name, name) => {
    expectRefused(
      await save({ wrap_up: { ...INTENT, variables: { [name]: 'x' } } }),
      ['variables', name],
      'variable_name',
    );
  });

  it.each(HIDDEN)('the vendor guide’s Intent of %s', async (_name, intent) => {
    const call = await completedCall();
    const sent = await save(
      { TaskSid: undefined, CallSid: call.callId, Intent: intent, IntentStatus: 'closed' },
      call,
    );
    expectRefused(sent, ['intent'], 'intent_format');
  });
});

describe('values are saved normalised, as documented', () => {
  it('line breaks as LF, other controls but tab removed, bidi embeddings, overrides and isolates removed, joiners kept', async () => {
    const saved = expectSaved(
      await save({
        wrap_up: {
          ...INTENT,
          variables: {
            note: ' Paid\r\nin full\rtoday\u0000\u0007\u001B[2J\tdone ',
            bidi: 'invoice \u202Egnp.exe\u202C \u2066x\u2069',
            kept: '👩\u200D💻 می\u200Cخواهم \u200Fשלום',
          },
        },
      }),
    );
    expect(saved.variables).toEqual({
      note: 'Paid\nin full\ntoday[2J\tdone',
      bidi: 'invoice gnp.exe x',
      kept: '👩\u200D💻 می\u200Cخواهم \u200Fשלום',
    });
  });

  it.each([
    ['only controls', '\u0000\u0007\u001B'],
    ['only bidi overrides', '\u202E\u202D'],
    ['only zero-width characters', '\u200B\u2060'],
  ])('a value of %s is refused as empty', async (_name, value) => {
    expectRefused(
      await save({ wrap_up: { ...INTENT, variables: { note: value } } }),
      ['variables', 'note'],
      'variable_value',
    );
  });
});

describe('reserved names: refused with a clear error on the way in', () => {
  const RESERVED = ['__proto__', 'constructor', 'prototype'] as const;
  const clear = (sent: Sent, name: string) => {
    const issue = sent.body.errors?.find((e) => e.path[1] === name);
    expect(issue?.message).toContain('reserved');
  };

  it.each(RESERVED)('the SDK’s body, parsed from JSON: %s', async (name) => {
    const call = await completedCall();
    const body = JSON.parse(
      `{"wrap_up":{"intent":"refund_request","intent_status":"open","variables":{"${name}":"x","a":"1"}}}`,
    );
    const sent = await save(body, call);
    expectRefused(sent, ['variables', name], 'variable_name');
    clear(sent, name);
  });

  it.each(RESERVED)('the SDK’s body, its wrap-up as JSON text (a form post): %s', async (name) => {
    const sent = await save({ wrap_up: `{"intent":"x","intent_status":"open","variables":{"${name}":"x"}}` });
    expectRefused(sent, ['variables', name], 'variable_name');
    clear(sent, name);
  });

  it.each(RESERVED)('the vendor guide’s body, its Variables as JSON text: %s', async (name) => {
    const call = await completedCall();
    const sent = await save(
      {
        TaskSid: undefined,
        CallSid: call.callId,
        Intent: 'x',
        IntentStatus: 'closed',
        Variables: `{"${name}":"x"}`,
      },
      call,
    );
    expectRefused(sent, ['variables', name], 'variable_name');
    clear(sent, name);
  });

  it('a body or wrap-up with a __proto__ field, whose wrap-up would otherwise be lost', async () => {
    const call = await completedCall();
    const wrapUp = '{"intent":"refund_request","intent_status":"open","variables":{"summary":"lost?"}}';
    expectRefused(await save(JSON.parse(`{"__proto__":{"wrap_up":${wrapUp}}}`), call), ['__proto__']);
    expectRefused(await save(JSON.parse(`{"wrap_up":{"__proto__":${wrapUp}}}`), call), [
      'wrap_up',
      '__proto__',
    ]);
  });

  it.each(RESERVED)('the client’s calls.end: %s, and nothing sent', async (name) => {
    const call = await completedCall();
    const client = createStickyCallsClient({ apiKey: API_KEY, baseUrl: BASE_URL, retry: false });
    const baseline = emulator.requests.length;
    let error: unknown;
    try {
      await client.calls.end({
        call_id: call.callId,
        customer_ref: call.customerRef ?? undefined,
        intent: 'refund_request',
        intent_status: 'open',
        variables: JSON.parse(`{"${name}":"x"}`),
      });
    } catch (caught) {
      error = caught;
    }
    expect(isStickyCallsError(error, RequestValidationError)).toBe(true);
    expect((error as RequestValidationError).issues).toContainEqual(
      expect.objectContaining({ path: ['variables', name] }),
    );
    expect(emulator.requests.slice(baseline)).toEqual([]);
    refusedCases += 1;
  });
});

describe('reserved names: carried on the way out', () => {
  it('an API answer with a __proto__ variable reaches the task’s attributes and is read back as a variable', async () => {
    server.use(
      http.post(
        `${BASE_URL}/v1/calls/start`,
        () =>
          new HttpResponse(
            '{"call_id":"CA1","customer_ref":"cust_proto","identity":{"confidence":0.9},"open_intents":[],"variables":{"__proto__":{"value":"kept","source":null,"ttl_seconds":60},"constructor":"c","name":"Ada"}}',
            { status: 200, headers: { 'content-type': 'application/json' } },
          ),
      ),
    );
    const call = await callTask();
    const text = JSON.stringify(call.attributes);
    expect(text).toContain('"__proto__":"kept"');
    // Into TaskRouter and back, as Flex and the Functions read the task.
    const taskSid = taskRouter.addTask({
      attributes: call.attributes,
      assignmentStatus: 'wrapping',
      reservations: [{ workerSid: WORKER_SID, status: 'wrapping' }],
    });
    for (const attributes of [call.attributes, text, taskRouter.attributes(taskSid)]) {
      const read = readCallerContext(attributes);
      expect(read.state).toBe('ready');
      if (read.state !== 'ready') return;
      expect(Object.keys(read.context.vars)).toEqual(['__proto__', 'constructor', 'name']);
      expect(Object.getOwnPropertyDescriptor(read.context.vars, '__proto__')?.value).toBe('kept');
      expect(Object.getPrototypeOf(read.context.vars)).toBe(Object.prototype);
    }
    expect(call.attributes[ATTRIBUTE_KEY]).toMatchObject({ customer_ref: 'cust_proto' });
  });
});
