import { describe, expect, it } from 'vitest';
import {
  APITimeoutError,
  ATTRIBUTE_KEY,
  type AttributeWriterOptions,
  ConfigurationError,
  callerContextAttributesSchema,
  degradedTaskAttributes,
  FLEX_ATTRIBUTES_RESERVE,
  readCallerContext,
  type StartCallResponse,
  startCallResponseSchema,
  TASK_ATTRIBUTES_LIMIT,
  taskAttributes,
  toTaskAttributes,
} from '../index.js';

const TTL = 2_592_000;

function response(overrides: Record<string, unknown> = {}): StartCallResponse {
  const parsed = startCallResponseSchema.parse({
    call_id: 'CA1',
    customer_ref: 'a1b2c3d4-e5f6-7890-abcd-ef1234567890',
    call_start: '2026-02-07T10:30:00.000Z',
    identity: {
      confidence: 0.9,
      level: 'very_high',
      sources: ['ani:mobile', 'external_id', 'recency:1day'],
      recommendation: 'reuse',
    },
    open_intents: [{ intent: 'refund_request', status: 'open', attempt_count: 2 }],
    variables: { name: { value: 'John Doe', source: null, ttl_seconds: TTL } },
    ...overrides,
  });
  return { ...parsed, call_id: parsed.call_id ?? 'CA1' };
}

function manyVariables(count: number, valueLength = 20): Record<string, unknown> {
  return Object.fromEntries(
    Array.from({ length: count }, (_, i) => [
      `var_${i}`,
      { value: 'v'.repeat(valueLength), source: null, ttl_seconds: TTL },
    ]),
  );
}

const size = (value: unknown): number => JSON.stringify(value).length;

describe('toTaskAttributes', () => {
  it("writes the vendor guide's flat keys, with variables and open_intents as JSON strings", () => {
    const attributes = toTaskAttributes(response());
    expect(attributes).toMatchObject({
      customer_ref: 'a1b2c3d4-e5f6-7890-abcd-ef1234567890',
      identity_confidence: 0.9,
      identity_level: 'very_high',
      call_start: '2026-02-07T10:30:00.000Z',
    });
    expect(JSON.parse(attributes.variables)).toEqual({
      name: { value: 'John Doe', source: null, ttl_seconds: TTL },
    });
    expect(JSON.parse(attributes.open_intents)).toEqual([
      { intent: 'refund_request', status: 'open', attempt_count: 2 },
    ]);
  });

  it('writes a compact namespaced object without per-variable bookkeeping', () => {
    expect(toTaskAttributes(response())[ATTRIBUTE_KEY]).toEqual({
      v: 1,
      status: 'ok',
      reason: null,
      customer_ref: 'a1b2c3d4-e5f6-7890-abcd-ef1234567890',
      confidence: 0.9,
      level: 'very_high',
      tier: 'reuse',
      sources: ['ani:mobile', 'external_id', 'recency:1day'],
      call_start: '2026-02-07T10:30:00.000Z',
      intents: [{ intent: 'refund_request', status: 'open', attempts: 2 }],
      vars: { name: 'John Doe' },
      truncated: false,
      omitted: { variables: 0, intents: 0 },
    });
  });

  it('writes a new caller as tier ignore with empty collections', () => {
    const attributes = toTaskAttributes(
      response({
        identity: { confidence: 0, level: 'low', sources: [], recommendation: 'ignore' },
        open_intents: [],
        variables: {},
      }),
    );
    expect(attributes[ATTRIBUTE_KEY]).toMatchObject({ status: 'ok', tier: 'ignore', intents: [], vars: {} });
    expect(attributes.variables).toBe('{}');
    expect(attributes.open_intents).toBe('[]');
  });

  it('computes the tier with the configured thresholds when the API gives no recommendation', () => {
    const confirm = response({ identity: { confidence: 0.6 } });
    expect(toTaskAttributes(confirm)[ATTRIBUTE_KEY].tier).toBe('reuse');
    expect(
      toTaskAttributes(confirm, { tiers: { reuseAt: 0.8, trustRecommendation: false } })[ATTRIBUTE_KEY].tier,
    ).toBe('confirm');
  });

  it('is valid against its own schema', () => {
    expect(callerContextAttributesSchema.safeParse(toTaskAttributes(response())).success).toBe(true);
    expect(callerContextAttributesSchema.safeParse(degradedTaskAttributes('timeout')).success).toBe(true);
  });
});

describe('degraded attributes', () => {
  it('have the same key set as a successful lookup, at both levels', () => {
    const ok = toTaskAttributes(response());
    const degraded = degradedTaskAttributes(new APITimeoutError('start', 5000, 2));
    expect(Object.keys(degraded).sort()).toEqual(Object.keys(ok).sort());
    expect(Object.keys(degraded[ATTRIBUTE_KEY]).sort()).toEqual(Object.keys(ok[ATTRIBUTE_KEY]).sort());
  });

  it("carry the reason code, and the guide's fallback values in the flat keys", () => {
    const degraded = degradedTaskAttributes(new APITimeoutError('start', 5000, 2));
    expect(degraded).toMatchObject({
      customer_ref: '',
      identity_confidence: 0,
      identity_level: 'none',
      variables: '{}',
      open_intents: '[]',
      call_start: '',
    });
    expect(degraded[ATTRIBUTE_KEY]).toMatchObject({
      status: 'degraded',
      reason: 'timeout',
      customer_ref: null,
      tier: 'ignore',
    });
  });

  it.each([
    ['a reason code', 'no_identity_hints', 'no_identity_hints'],
    ['a foreign error', new Error('boom'), 'unknown'],
    ['free text', 'caller +14155551234 hung up', 'unknown'],
    ['nothing', undefined, 'unknown'],
  ])('take %s', (_name, reason, code) => {
    expect(degradedTaskAttributes(reason)[ATTRIBUTE_KEY].reason).toBe(code);
  });
});

describe('the attribute budget', () => {
  it('keeps the namespaced object and the flat keys within their budgets, whatever the context', () => {
    const big = response({
      identity: { confidence: 0.95, sources: Array.from({ length: 50 }, (_, i) => `source:${i}`) },
      open_intents: Array.from({ length: 40 }, (_, i) => ({
        intent: `intent_${i}`,
        status: 'open',
        attempt_count: i,
      })),
      variables: manyVariables(300, 80),
    });
    for (const [budget, flatBudget] of [
      [512, 512],
      [1000, 1000],
      [2048, 1024],
      [1536, 2048],
      [3072, 512],
    ] as const) {
      const attributes = toTaskAttributes(big, { budget, flatBudget });
      const { [ATTRIBUTE_KEY]: namespaced, ...flat } = attributes;
      expect(size(namespaced)).toBeLessThanOrEqual(budget);
      expect(size(flat)).toBeLessThanOrEqual(flatBudget);
      // Both layouts together, as a flow copying both would put them on the task.
      expect(size(attributes)).toBeLessThanOrEqual(TASK_ATTRIBUTES_LIMIT - FLEX_ATTRIBUTES_RESERVE + 16);
      expect(namespaced.truncated).toBe(true);
      expect(namespaced.omitted.variables).toBe(300 - Object.keys(namespaced.vars).length);
      expect(namespaced.omitted.intents).toBe(40 - namespaced.intents.length);
    }
  });

  it('leaves room for Flex inside TaskRouter’s 4,096 characters by default', () => {
    const attributes = toTaskAttributes(response({ variables: manyVariables(500) }));
    expect(size(attributes[ATTRIBUTE_KEY])).toBeLessThanOrEqual(2048);
  });

  it('drops match sources first, then other variables, keeping the priority variables and the first intent', () => {
    const context = response({
      identity: { confidence: 0.9, sources: ['ani:mobile', 'external_id'] },
      open_intents: [
        { intent: 'refund_request', status: 'open', attempt_count: 3 },
        { intent: 'address_change', status: 'open', attempt_count: 1 },
      ],
      variables: {
        ...manyVariables(60),
        name: 'Ada Lovelace',
        summary: 'Asked about the March invoice',
      },
    });
    const namespaced = toTaskAttributes(context, { budget: 800 })[ATTRIBUTE_KEY];
    expect(namespaced.sources).toEqual([]);
    expect(namespaced.vars.name).toBe('Ada Lovelace');
    expect(namespaced.vars.summary).toBe('Asked about the March invoice');
    expect(namespaced.intents.map((i) => i.intent)).toEqual(['refund_request', 'address_change']);
    expect(Object.keys(namespaced.vars).length).toBeLessThan(62);
    // What is kept of the other variables is the first ones, in the API's order.
    const kept = Object.keys(namespaced.vars).filter((name) => name.startsWith('var_'));
    expect(kept).toEqual(kept.map((_, i) => `var_${i}`));
  });

  it('only drops sources when that is enough', () => {
    const context = response({
      identity: { confidence: 0.9, sources: Array.from({ length: 100 }, (_, i) => `s${i}`) },
    });
    const namespaced = toTaskAttributes(context, { budget: 600 })[ATTRIBUTE_KEY];
    expect(namespaced.sources).toEqual([]);
    expect(namespaced.vars).toEqual({ name: 'John Doe' });
    expect(namespaced).toMatchObject({ truncated: true, omitted: { variables: 0, intents: 0 } });
  });

  it('cuts a very long value before dropping variables', () => {
    const context = response({ variables: { name: 'Jo', summary: 'x'.repeat(5000), status: 'gold' } });
    const namespaced = toTaskAttributes(context, { maxValueLength: 100 })[ATTRIBUTE_KEY];
    expect(namespaced.vars.summary).toHaveLength(100);
    expect(namespaced.vars.summary?.endsWith('…')).toBe(true);
    expect(namespaced.vars).toMatchObject({ name: 'Jo', status: 'gold' });
    expect(namespaced.truncated).toBe(true);
  });

  it('degrades with too_large when not even the bare context fits', () => {
    const attributes = toTaskAttributes(response({ customer_ref: 'c'.repeat(3000) }));
    expect(attributes[ATTRIBUTE_KEY]).toMatchObject({ status: 'degraded', reason: 'too_large' });
    expect(attributes.customer_ref).toBe('');
  });

  it('holds at least twice as many variables as the guide’s stringified layout in the same budget', () => {
    // Values of up to 32 characters (names, amounts, statuses, short notes). The gain
    // shrinks as values grow, since the values themselves take the room.
    for (const budget of [1024, 1536]) {
      for (const valueLength of [4, 8, 20, 32]) {
        const context = response({ variables: manyVariables(400, valueLength), open_intents: [] });
        const attributes = toTaskAttributes(context, { budget, flatBudget: budget });
        const inGuideLayout = Object.keys(JSON.parse(attributes.variables)).length;
        const inNamespaced = Object.keys(attributes[ATTRIBUTE_KEY].vars).length;
        expect(inGuideLayout).toBeGreaterThan(0);
        expect(inNamespaced).toBeGreaterThanOrEqual(2 * inGuideLayout);
      }
    }
  });

  it.each<[string, AttributeWriterOptions, string]>([
    ['a budget under 512', { budget: 100 }, 'budget'],
    ['a budget over 4,096', { budget: 5000 }, 'budget'],
    ['budgets that leave Flex no room', { budget: 3000, flatBudget: 1000 }, 'budget + flatBudget'],
    ['a fractional flat budget', { flatBudget: 1000.5 }, 'flatBudget'],
    ['a tiny maxValueLength', { maxValueLength: 2 }, 'maxValueLength'],
  ])('refuses %s', (_name, options, field) => {
    expect(() => toTaskAttributes(response(), options)).toThrow(ConfigurationError);
    expect(() => toTaskAttributes(response(), options)).toThrow(field);
  });
});

describe('taskAttributes', () => {
  it('gives the record of an object or of its JSON text', () => {
    expect(taskAttributes({ call_sid: 'CA1' })).toEqual({ call_sid: 'CA1' });
    expect(taskAttributes('{"call_sid":"CA1"}')).toEqual({ call_sid: 'CA1' });
  });

  it('gives undefined for anything that is not a record, and never throws', () => {
    const revoked = Proxy.revocable({}, {});
    revoked.revoke();
    for (const value of [undefined, null, '', 'not json', '[1]', '"text"', 42, [], revoked.proxy]) {
      expect(taskAttributes(value)).toBeUndefined();
    }
  });
});

describe('readCallerContext', () => {
  it('reads back what the writer wrote, as an object or as JSON', () => {
    const attributes = { call_sid: 'CA1', from: '+14155551234', ...toTaskAttributes(response()) };
    const expected = { state: 'ready', layout: 'namespaced', context: attributes[ATTRIBUTE_KEY] };
    expect(readCallerContext(attributes)).toEqual(expected);
    expect(readCallerContext(JSON.stringify(attributes))).toEqual(expected);
    expect(readCallerContext({ [ATTRIBUTE_KEY]: JSON.stringify(attributes[ATTRIBUTE_KEY]) })).toEqual(
      expected,
    );
  });

  it("reads the vendor guide's flat layout, strings or objects", () => {
    const { [ATTRIBUTE_KEY]: namespaced, ...flat } = toTaskAttributes(response());
    const fromStrings = readCallerContext(flat);
    expect(fromStrings).toEqual({
      state: 'ready',
      layout: 'flat',
      context: { ...namespaced, sources: [] },
    });
    const fromObjects = readCallerContext({
      ...flat,
      variables: JSON.parse(flat.variables),
      open_intents: JSON.parse(flat.open_intents),
    });
    expect(fromObjects).toEqual(fromStrings);
  });

  it('reads plain-string variables and a numeric-string confidence in the flat layout', () => {
    const state = readCallerContext({
      customer_ref: 'cust_1',
      identity_confidence: '0.35',
      variables: '{"name":"Jo"}',
    });
    expect(state).toMatchObject({
      state: 'ready',
      context: { confidence: 0.35, level: 'low', tier: 'confirm', vars: { name: 'Jo' }, intents: [] },
    });
  });

  it('reads degraded contexts with their reason, in both layouts', () => {
    expect(readCallerContext(degradedTaskAttributes('rate_limited'))).toEqual({
      state: 'degraded',
      reason: 'rate_limited',
    });
    // The vendor guide's own fallback.
    expect(
      readCallerContext({
        customer_ref: '',
        identity_confidence: 0,
        identity_level: 'none',
        variables: '{}',
      }),
    ).toEqual({ state: 'degraded', reason: 'unknown' });
  });

  it.each([undefined, null, '', {}, { call_sid: 'CA1', from: '+14155551234' }])(
    'says absent for %j',
    (attributes) => {
      expect(readCallerContext(attributes)).toEqual({ state: 'absent' });
    },
  );

  it.each([
    ['attributes that are not JSON', '{"customer_ref":', 'not valid JSON'],
    ['attributes that are an array', [1, 2], 'not an object'],
    ['a namespaced object that is not JSON', { sticky_calls: '{oops' }, 'sticky_calls is not valid JSON'],
    ['a namespaced object of a newer layout', { sticky_calls: { v: 2 } }, 'version 2'],
    [
      'a namespaced object with a wrong type',
      { sticky_calls: { ...okNamespaced(), confidence: 'high' } },
      'sticky_calls.confidence',
    ],
    [
      'flat variables that are not JSON',
      { customer_ref: 'c', variables: '{' },
      'variables is not valid JSON',
    ],
    [
      'flat open_intents that are not JSON',
      { customer_ref: 'c', open_intents: '[' },
      'open_intents is not valid JSON',
    ],
    ['a flat customer_ref that is a number', { customer_ref: 7, identity_confidence: 1 }, 'customer_ref'],
  ])('says invalid for %s, naming the problem', (_name, attributes, problem) => {
    const state = readCallerContext(attributes);
    expect(state.state).toBe('invalid');
    expect(state.state === 'invalid' && state.problem).toContain(problem);
  });

  it('reads a reason code it does not know as unknown', () => {
    const namespaced = { ...degradedTaskAttributes('timeout')[ATTRIBUTE_KEY], reason: 'something_newer' };
    expect(readCallerContext({ [ATTRIBUTE_KEY]: namespaced })).toEqual({
      state: 'degraded',
      reason: 'unknown',
    });
  });

  it('falls back to the flat keys when the namespaced object is unreadable', () => {
    const attributes = { ...toTaskAttributes(response()), [ATTRIBUTE_KEY]: 'garbage' };
    expect(readCallerContext(attributes)).toMatchObject({ state: 'ready', layout: 'flat' });
  });

  it('never throws, even on hostile objects', () => {
    const hostile = new Proxy(
      {},
      {
        get() {
          throw new Error('no');
        },
        has() {
          throw new Error('no');
        },
        getOwnPropertyDescriptor() {
          throw new Error('no');
        },
      },
    );
    expect(readCallerContext(hostile)).toEqual({
      state: 'invalid',
      problem: 'the task attributes could not be read',
    });
  });
});

function okNamespaced() {
  return toTaskAttributes(response())[ATTRIBUTE_KEY];
}
