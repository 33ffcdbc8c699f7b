/**
 * What a wrap-up may hold, wherever it enters: the one validator (the form and the save
 * Function), the save request as the Function reads it, the form's rows, and the
 * client's `calls.end` and `calls.start` schemas. Limits, invisible and control
 * characters, values as they are normalised, and names an object cannot carry. On the
 * way out, an API answer's variable of such a name is carried into the task and read back.
 */
import { describe, expect, it } from 'vitest';
import { callStartParams } from '../call-start.js';
import {
  ATTRIBUTE_KEY,
  createStickyCallsClient,
  type EndCallParams,
  isStickyCallsError,
  RequestValidationError,
  readCallerContext,
  readSaveRequest,
  readWrapUp,
  startCallParamsSchema,
  startCallResponseSchema,
  toSlug,
  toTaskAttributes,
  validateWrapUp,
  variablesFromRows,
  WRAP_UP_ATTRIBUTE_KEY,
  WRAP_UP_LIMITS,
  type WrapUpIssue,
} from '../index.js';
import { TASK_SID } from './wrap-up-kit.js';

const OK_INTENT = { intent: 'refund_request', intent_status: 'open' } as const;

function variables(count: number, value = 'v'): Record<string, string> {
  return Object.fromEntries(Array.from({ length: count }, (_, i) => [`v${i}`, value]));
}

function issuesOf(input: unknown): readonly WrapUpIssue[] {
  const result = validateWrapUp(input);
  return result.ok ? [] : result.issues;
}

/** A client whose fetch counts what reached it: nothing must, for a refused request. */
function countingClient() {
  const sent: unknown[] = [];
  const client = createStickyCallsClient({
    apiKey: 'sk_test_limits',
    baseUrl: 'https://api.stickycalls.test',
    retry: false,
    fetch: async (_url, init) => {
      sent.push(init?.body);
      return new Response(JSON.stringify({ customer_ref: 'cust_1' }), {
        status: 200,
        headers: { 'content-type': 'application/json' },
      });
    },
  });
  return { client, sent };
}

async function refusal(promise: Promise<unknown>): Promise<RequestValidationError> {
  try {
    await promise;
  } catch (error) {
    if (isStickyCallsError(error, RequestValidationError)) return error;
    throw error;
  }
  throw new Error('the request was not refused');
}

const END = { call_id: 'CA1', customer_ref: 'cust_1' } as const;

describe('limits, documented in WRAP_UP_LIMITS', () => {
  it('are the documented figures', () => {
    expect(WRAP_UP_LIMITS).toEqual({
      intentLength: 128,
      variableNameLength: 64,
      variableCount: 50,
      variableValueLength: 1000,
      saveRequestLength: 16_384,
    });
  });

  it('accepts each at its limit', () => {
    expect(
      validateWrapUp({
        intent: 'i'.repeat(128),
        intent_status: 'open',
        variables: { ...variables(49), ['n'.repeat(64)]: 'x'.repeat(1000) },
      }).ok,
    ).toBe(true);
  });

  it('refuses 51 variables, naming the field and how many too many', () => {
    expect(issuesOf({ variables: variables(51) })).toEqual([
      expect.objectContaining({ code: 'too_many_variables', path: ['variables'], count: 1 }),
    ]);
    // 10,000 variables are one issue, not 10,000.
    expect(issuesOf({ variables: variables(10_000) })).toEqual([
      expect.objectContaining({ code: 'too_many_variables', path: ['variables'], count: 9_950 }),
    ]);
  });

  it('refuses a value one character too long, naming the variable and the characters over', () => {
    expect(issuesOf({ variables: { note: 'x'.repeat(1001) } })).toEqual([
      expect.objectContaining({
        code: 'variable_too_long',
        path: ['variables', 'note'],
        name: 'note',
        count: 1,
      }),
    ]);
    const megabyte = issuesOf({ variables: { note: 'x'.repeat(1_000_000) } });
    expect(megabyte).toEqual([expect.objectContaining({ code: 'variable_too_long', count: 999_000 })]);
    expect(megabyte[0]?.message).toContain('1000');
  });

  it('refuses an intent one character too long, and a name one character too long', () => {
    expect(issuesOf({ intent: 'i'.repeat(129), intent_status: 'open' })).toEqual([
      expect.objectContaining({ code: 'intent_format', path: ['intent'] }),
    ]);
    expect(issuesOf({ intent: 'i'.repeat(10_000), intent_status: 'open' })).toHaveLength(1);
    expect(issuesOf({ variables: { ['n'.repeat(65)]: 'x' } })).toEqual([
      expect.objectContaining({ code: 'variable_name', path: ['variables', 'n'.repeat(65)] }),
    ]);
  });

  it('applies the value and count limits to the form’s rows', () => {
    const long = variablesFromRows([{ name: 'note', value: 'x'.repeat(1001) }]);
    expect(long.variables).toEqual({});
    expect(long.issues).toEqual([
      expect.objectContaining({ code: 'variable_too_long', path: ['variables', 0], name: 'note', count: 1 }),
    ]);
    const rows = Array.from({ length: 51 }, (_, i) => ({ name: `v${i}`, value: 'x' }));
    const many = variablesFromRows(rows);
    expect(many.issues).toEqual([
      expect.objectContaining({ code: 'too_many_variables', path: ['variables'], count: 1 }),
    ]);
    expect(Object.keys(many.variables)).toHaveLength(50);
    expect(validateWrapUp({ variables: many.variables }).ok).toBe(true);
    expect(variablesFromRows(rows.slice(0, 50)).issues).toEqual([]);
  });
});

describe('the save request’s size', () => {
  const body = (padding: number) => ({
    Token: 't',
    TaskSid: TASK_SID,
    wrap_up: { ...OK_INTENT, variables: { note: 'x'.repeat(padding) } },
    request: { headers: { cookie: 'c'.repeat(50_000) }, cookies: {} },
  });
  const sizeOf = (padding: number) => {
    const { request: _runtime, ...rest } = body(padding);
    return JSON.stringify(rest).length;
  };
  const atLimit = WRAP_UP_LIMITS.saveRequestLength - sizeOf(0);

  it('reads a request of exactly 16,384 characters of JSON (the runtime’s request is not counted)', () => {
    expect(sizeOf(atLimit)).toBe(16_384);
    expect(readSaveRequest(body(atLimit)).success).toBe(true);
  });

  it('refuses one character more, naming the largest field, the size and the limit', () => {
    const result = readSaveRequest(body(atLimit + 1));
    expect(result.success).toBe(false);
    if (result.success) return;
    expect(result.issues).toHaveLength(1);
    expect(result.issues[0]?.path).toEqual(['wrap_up', 'variables', 'note']);
    expect(result.issues[0]?.message).toMatch(/16,385.*16,384/);
  });

  it('refuses a megabyte, and 10,000 variables, before anything reads them', () => {
    const huge = readSaveRequest({ TaskSid: TASK_SID, Intent: 'x'.repeat(1_000_000) });
    expect(huge).toMatchObject({ success: false, issues: [{ path: ['Intent'] }] });
    const many = readSaveRequest({ TaskSid: TASK_SID, wrap_up: { variables: variables(10_000) } });
    expect(many).toMatchObject({ success: false, issues: [{ path: ['wrap_up', 'variables'] }] });
  });
});

describe('calls.end refuses what the validator refuses, and sends nothing', () => {
  it.each<[string, EndCallParams, (string | number)[]]>([
    ['an intent of 129 characters', { ...END, intent: 'i'.repeat(129) }, ['intent']],
    // A wrap-up's 50 and the 4 the server writes beside them (last_contact_at, identity_verified_*).
    ['55 variables', { ...END, variables: variables(55) }, ['variables']],
    ['a value of 1,001 characters', { ...END, variables: { note: 'x'.repeat(1001) } }, ['variables', 'note']],
    [
      'a name of 65 characters',
      { ...END, variables: { ['n'.repeat(65)]: 'x' } },
      ['variables', 'n'.repeat(65)],
    ],
    ['a zero-width intent', { ...END, intent: '\u200B\u200C' }, ['intent']],
    ['a bidi-override intent', { ...END, intent: '\u202Erefund' }, ['intent']],
    ['an intent with NUL', { ...END, intent: 'refund\u0000' }, ['intent']],
    ['an intent with a line break', { ...END, intent: 'refund\nrequest' }, ['intent']],
    ['a zero-width variable name', { ...END, variables: { '\u200B': 'x' } }, ['variables', '\u200B']],
    ['a variable name with BEL', { ...END, variables: { 'a\u0007': 'x' } }, ['variables', 'a\u0007']],
    [
      'a value that is only controls',
      { ...END, variables: { note: '\u0000\u0007\u202E' } },
      ['variables', 'note'],
    ],
    [
      'a variable named __proto__',
      { ...END, variables: JSON.parse('{"__proto__":"x"}') },
      ['variables', '__proto__'],
    ],
    [
      'a variable named constructor',
      { ...END, variables: { constructor: 'x' } },
      ['variables', 'constructor'],
    ],
    ['a variable named prototype', { ...END, variables: { prototype: 'x' } }, ['variables', 'prototype']],
  ])('%s', async (_name, params, path) => {
    const { client, sent } = countingClient();
    const error = await refusal(client.calls.end(params));
    expect(error.issues.map((issue) => issue.path)).toContainEqual(path);
    expect(sent).toEqual([]);
  });

  it('sends each limit exactly, and values normalised as the validator does', async () => {
    const { client, sent } = countingClient();
    await client.calls.end({
      ...END,
      intent: 'i'.repeat(128),
      variables: { ...variables(48), ['n'.repeat(64)]: 'x'.repeat(1000), note: 'a\r\nb\u0000\u202Ec\u200Dd' },
    });
    const body = JSON.parse(String(sent[0])) as { variables: Record<string, string> };
    expect(Object.keys(body.variables)).toHaveLength(50);
    expect(body.variables.note).toBe('a\nbc\u200Dd');
  });
});

describe('invisible and control characters in intents and names', () => {
  const INVISIBLE = [
    ['zero-width spaces', '\u200B\u200B'],
    ['zero-width joiners', '\u200D\u200C'],
    ['a bidi override', '\u202E'],
    ['bidi isolates', '\u2066\u2069'],
    ['a soft hyphen', '\u00AD'],
    ['a Hangul filler', '\u3164'],
    ['a byte order mark', '\uFEFF'],
    ['NUL', '\u0000'],
    ['BEL', '\u0007'],
    ['a line feed', '\n'],
    ['a line separator', '\u2028'],
  ] as const;

  it.each(INVISIBLE)('refuses an intent made only of %s', (_name, text) => {
    expect(issuesOf({ intent: text, intent_status: 'open' })).toContainEqual(
      expect.objectContaining({ code: 'intent_format', path: ['intent'] }),
    );
  });

  it.each(INVISIBLE)('refuses a variable name made only of %s', (_name, text) => {
    expect(issuesOf({ variables: { [text]: 'x' } })).toContainEqual(
      expect.objectContaining({ code: 'variable_name' }),
    );
  });

  it.each([
    ['a bidi override', 'refund\u202Erequest'],
    ['NUL', 'refund\u0000'],
    ['BEL', 're\u0007fund'],
    ['a carriage return', 're\rfund'],
    ['a line feed', 'refund\nrequest'],
    ['a zero-width space', 'refund\u200Brequest'],
  ])('refuses an intent holding %s', (_name, intent) => {
    expect(issuesOf({ intent, intent_status: 'open' })).toContainEqual(
      expect.objectContaining({ code: 'intent_format' }),
    );
  });

  it.each(INVISIBLE)('makes no slug of %s', (_name, text) => {
    expect(toSlug(text)).toBe('');
    expect(toSlug(`Refund${text}request`)).toMatch(/^refund_?request$/);
  });

  it('keeps letters with their marks in slugs (scripts whose vowels are marks)', () => {
    expect(toSlug('हिन्दी सहायता')).toBe('हिन्दी_सहायता');
    expect(toSlug('Cafe\u0301 order')).toBe('café_order');
  });

  it.each([
    ['a zero-width name', { '\u200B': 'C-7' }],
    ['a bidi-override name', { 'crm\u202E': 'C-7' }],
    ['a name with NUL', { 'crm\u0000': 'C-7' }],
    ['__proto__', JSON.parse('{"__proto__":"C-7"}')],
  ])('calls.start refuses an external id with %s, and sends nothing', async (_name, externalIds) => {
    const params = { call_id: 'CA1', identity_hints: { ani: '+14155551234', external_ids: externalIds } };
    expect(startCallParamsSchema.safeParse(params).success).toBe(false);
    const { client, sent } = countingClient();
    await refusal(client.calls.start(params));
    expect(sent).toEqual([]);
  });

  it('callStartParams leaves such external ids out, keeping the good ones', () => {
    const result = callStartParams({
      callId: 'CA1',
      from: 'anonymous',
      externalIds: '{"__proto__":"x","\\u200b":"y","crm\\u202e":"z","crm_id":"C-7"}',
    });
    expect(result).toEqual({
      ok: true,
      params: { call_id: 'CA1', identity_hints: { external_ids: { crm_id: 'C-7' } } },
    });
  });
});

describe('values, normalised', () => {
  it('removes controls but tab and line feed, turns CR LF and CR into LF, removes bidi embeddings, overrides and isolates', () => {
    const result = validateWrapUp({
      variables: {
        note: ' line 1\r\nline 2\rline 3\u0000\u0007\u001B[31m\u0085\tend ',
        bidi: 'a\u202Ab\u202Bc\u202Cd\u202De\u202Ef\u2066g\u2067h\u2068i\u2069j',
        kept: 'ﾀ\u200D👩\u200D💻 کتاب\u200Cها \u200Fשלום\u200E',
      },
    });
    expect(result).toEqual({
      ok: true,
      fields: {
        variables: {
          note: 'line 1\nline 2\nline 3[31m\n\tend',
          bidi: 'abcdefghij',
          kept: 'ﾀ\u200D👩\u200D💻 کتاب\u200Cها \u200Fשלום\u200E',
        },
      },
    });
  });

  it.each([
    ['only controls', '\u0000\u0007\u001B'],
    ['only bidi overrides', '\u202E\u202D\u2066'],
    ['only zero-width characters', '\u200B\u200D\u2060'],
    ['only line breaks', '\r\n\r\n'],
  ])('refuses a value of %s as empty', (_name, value) => {
    expect(issuesOf({ variables: { note: value } })).toEqual([
      expect.objectContaining({ code: 'variable_value', path: ['variables', 'note'] }),
    ]);
  });

  it('normalises the form’s rows the same way', () => {
    expect(variablesFromRows([{ name: 'note', value: 'a\r\nb\u202E' }]).variables).toEqual({ note: 'a\nb' });
    expect(variablesFromRows([{ name: 'note', value: '\u202E\u0000' }]).issues).toEqual([
      expect.objectContaining({ code: 'variable_value', path: ['variables', 0] }),
    ]);
  });

  it('measures a value once normalised', () => {
    expect(validateWrapUp({ variables: { note: `${'x'.repeat(1000)}\u202E\u0000` } }).ok).toBe(true);
  });
});

describe('reserved names on the way in: refused, never dropped', () => {
  const refusedAsVariableName = (result: ReturnType<typeof readSaveRequest>, name: string) => {
    expect(result.success).toBe(true);
    if (!result.success) return;
    expect(issuesOf(result.data.fields)).toContainEqual(
      expect.objectContaining({ code: 'variable_name', path: ['variables', name] }),
    );
  };

  it.each(['__proto__', 'constructor', 'prototype'])(
    'the SDK body, as an object from JSON.parse: %s',
    (name) => {
      const body = JSON.parse(`{"TaskSid":"${TASK_SID}","wrap_up":{"variables":{"${name}":"x","a":"1"}}}`);
      refusedAsVariableName(readSaveRequest(body), name);
    },
  );

  it.each(['__proto__', 'constructor', 'prototype'])(
    'the SDK body, with its wrap-up as JSON text: %s',
    (name) => {
      refusedAsVariableName(
        readSaveRequest({ TaskSid: TASK_SID, wrap_up: `{"variables":{"${name}":"x"}}` }),
        name,
      );
    },
  );

  it.each(['__proto__', 'constructor', 'prototype'])('the guide’s flat body: %s', (name) => {
    refusedAsVariableName(
      readSaveRequest({ CallSid: 'CA1', Intent: 'x', IntentStatus: 'open', Variables: `{"${name}":"x"}` }),
      name,
    );
  });

  it('a body or wrap-up holding a __proto__ field is refused, not read through', () => {
    for (const body of [
      `{"TaskSid":"${TASK_SID}","__proto__":{"wrap_up":{"intent":"x","intent_status":"open"}}}`,
      `{"TaskSid":"${TASK_SID}","wrap_up":{"__proto__":{"intent":"x","intent_status":"open"}}}`,
    ]) {
      const result = readSaveRequest(JSON.parse(body));
      expect(result.success).toBe(false);
      if (!result.success) expect(result.issues.map((issue) => issue.message).join()).toContain('__proto__');
    }
  });

  it('a stored wrap-up holding a __proto__ variable is read with it, so the validator refuses it', () => {
    const attributes = JSON.stringify({
      [WRAP_UP_ATTRIBUTE_KEY]: JSON.parse('{"call_id":"CA1","variables":{"__proto__":"x","a":"1"}}'),
    });
    const stored = readWrapUp(attributes);
    expect(stored.state).toBe('ready');
    if (stored.state !== 'ready') return;
    expect(Object.keys(stored.wrapUp.variables ?? {})).toEqual(['__proto__', 'a']);
    expect(validateWrapUp(stored.wrapUp).ok).toBe(false);
  });
});

describe('reserved names on the way out: carried as ordinary variables', () => {
  const answer = JSON.parse(
    '{"customer_ref":"cust_1","variables":{"__proto__":{"value":"kept"},"constructor":"c","prototype":{"value":"p"},"name":"Ada"}}',
  );

  it('the start response keeps them as own variables, and no prototype changes', () => {
    const parsed = startCallResponseSchema.parse(answer);
    expect(Object.keys(parsed.variables)).toEqual(['__proto__', 'constructor', 'prototype', 'name']);
    expect(Object.getPrototypeOf(parsed.variables)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(parsed.variables, '__proto__')?.value).toMatchObject({
      value: 'kept',
    });
  });

  it('the task attributes carry them, and the reader reads them back, in both layouts', () => {
    const parsed = startCallResponseSchema.parse(answer);
    const attributes = toTaskAttributes({ ...parsed, call_id: 'CA1' });
    const text = JSON.stringify(attributes);
    expect(text).toContain('"__proto__":"kept"');
    const read = readCallerContext(text);
    expect(read.state).toBe('ready');
    if (read.state !== 'ready') return;
    expect(Object.keys(read.context.vars)).toEqual(['__proto__', 'constructor', 'prototype', 'name']);
    expect(Object.getOwnPropertyDescriptor(read.context.vars, '__proto__')?.value).toBe('kept');
    expect(Object.getPrototypeOf(read.context.vars)).toBe(Object.prototype);

    const { [ATTRIBUTE_KEY]: _namespaced, ...flat } = JSON.parse(text) as Record<string, unknown>;
    const flatRead = readCallerContext(flat);
    expect(
      flatRead.state === 'ready' &&
        Object.getOwnPropertyDescriptor(flatRead.context.vars, '__proto__')?.value,
    ).toBe('kept');
    expect(({} as Record<string, unknown>).value).toBeUndefined();
  });
});
