import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ATTRIBUTE_KEY,
  type CallerContextState,
  degradedTaskAttributes,
  readCallerContext,
  startCallResponseSchema,
  toTaskAttributes,
} from '../index.js';

const STATES = ['absent', 'invalid', 'degraded', 'ready'];

function isWellFormed(state: CallerContextState): boolean {
  if (!STATES.includes(state.state)) return false;
  if (state.state === 'invalid') return typeof state.problem === 'string' && state.problem.length > 0;
  if (state.state === 'degraded') return typeof state.reason === 'string';
  if (state.state === 'ready') return typeof state.context.customer_ref === 'string';
  return true;
}

/** Start responses as the API might send them: documented shapes, odd values, missing fields. */
const apiVariable = fc.oneof(
  fc.record({
    value: fc.string({ maxLength: 120 }),
    source: fc.option(fc.string({ maxLength: 10 })),
    ttl_seconds: fc.nat(),
  }),
  fc.string({ maxLength: 80 }),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
);
const apiResponse = fc.record(
  {
    call_id: fc.string({ minLength: 1, maxLength: 40 }),
    customer_ref: fc.oneof(fc.uuid(), fc.string({ minLength: 1, maxLength: 40 })),
    call_start: fc.option(fc.date({ noInvalidDate: true }).map((d) => d.toISOString())),
    identity: fc.record(
      {
        confidence: fc.option(fc.double({ min: -1, max: 2, noNaN: true })),
        level: fc.option(fc.constantFrom('very_high', 'high', 'medium', 'low', 'something_new')),
        sources: fc.array(fc.string({ maxLength: 20 }), { maxLength: 8 }),
        recommendation: fc.option(fc.constantFrom('reuse', 'confirm', 'ignore', 'escalate')),
      },
      { requiredKeys: [] },
    ),
    open_intents: fc.array(
      fc.record(
        {
          intent: fc.string({ minLength: 1, maxLength: 40 }),
          status: fc.constantFrom('open', 'pending'),
          attempt_count: fc.nat(50),
        },
        { requiredKeys: ['intent'] },
      ),
      { maxLength: 30 },
    ),
    variables: fc.dictionary(fc.string({ minLength: 1, maxLength: 24 }), apiVariable, { maxKeys: 120 }),
  },
  { requiredKeys: ['customer_ref'] },
);

const writerOptions = fc.integer({ min: 512, max: 3072 }).chain((budget) =>
  fc.record({
    budget: fc.constant(budget),
    flatBudget: fc.integer({ min: 512, max: 3584 - budget }),
    maxValueLength: fc.integer({ min: 16, max: 400 }),
  }),
);

function startResponse(raw: unknown) {
  const parsed = startCallResponseSchema.parse(raw);
  return { ...parsed, call_id: parsed.call_id ?? 'CA1' };
}

describe('readCallerContext never throws', () => {
  it('on anything at all', () => {
    fc.assert(
      fc.property(
        fc.anything({ withNullPrototype: true, withMap: true, withSet: true, withBigInt: true }),
        (value) => {
          expect(isWellFormed(readCallerContext(value))).toBe(true);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('on any JSON text', () => {
    fc.assert(
      fc.property(fc.oneof(fc.json(), fc.string()), (text) => {
        expect(isWellFormed(readCallerContext(text))).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });

  it('on attribute objects whose Sticky Calls keys hold garbage', () => {
    const garbage = fc.oneof(fc.anything(), fc.json(), fc.string());
    fc.assert(
      fc.property(
        fc.record(
          {
            [ATTRIBUTE_KEY]: fc.oneof(
              garbage,
              fc.dictionary(
                fc.constantFrom('v', 'status', 'vars', 'intents', 'confidence', 'customer_ref'),
                garbage,
              ),
            ),
            customer_ref: garbage,
            identity_confidence: garbage,
            identity_level: garbage,
            variables: garbage,
            open_intents: garbage,
          },
          { requiredKeys: [] },
        ),
        (attributes) => {
          expect(isWellFormed(readCallerContext(attributes))).toBe(true);
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe('writer → reader', () => {
  it('round-trips the namespaced object, as objects and through JSON', () => {
    fc.assert(
      fc.property(apiResponse, writerOptions, (raw, options) => {
        const attributes = toTaskAttributes(startResponse(raw), options);
        const namespaced = attributes[ATTRIBUTE_KEY];
        const expected =
          namespaced.status === 'ok'
            ? { state: 'ready', layout: 'namespaced', context: namespaced }
            : { state: 'degraded', reason: namespaced.reason };
        expect(readCallerContext(attributes)).toEqual(expected);
        expect(readCallerContext(JSON.stringify(attributes))).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });

  it('round-trips the flat layout to the same customer, confidence, variables and intents', () => {
    fc.assert(
      fc.property(apiResponse, (raw) => {
        const response = startResponse(raw);
        const { [ATTRIBUTE_KEY]: _namespaced, ...flat } = toTaskAttributes(response, {
          budget: 1792,
          flatBudget: 1792,
        });
        const state = readCallerContext(flat);
        if (flat.customer_ref === '') {
          expect(state).toEqual({ state: 'degraded', reason: 'unknown' });
          return;
        }
        expect(state.state).toBe('ready');
        if (state.state !== 'ready') return;
        expect(state.context.customer_ref).toBe(response.customer_ref);
        expect(state.context.confidence).toBe(response.identity.confidence);
        const keptVariables = JSON.parse(flat.variables) as Record<string, { value: string }>;
        expect(state.context.vars).toEqual(
          Object.fromEntries(Object.entries(keptVariables).map(([name, variable]) => [name, variable.value])),
        );
        expect(state.context.intents.map((intent) => intent.intent)).toEqual(
          (JSON.parse(flat.open_intents) as { intent: string }[]).map((intent) => intent.intent),
        );
      }),
      { numRuns: 300 },
    );
  });

  it('always fits the budgets and always writes the same key set', () => {
    const okKeys = Object.keys(degradedTaskAttributes('unknown')).sort();
    const namespacedKeys = Object.keys(degradedTaskAttributes('unknown')[ATTRIBUTE_KEY]).sort();
    fc.assert(
      fc.property(apiResponse, writerOptions, (raw, options) => {
        const { [ATTRIBUTE_KEY]: namespaced, ...flat } = toTaskAttributes(startResponse(raw), options);
        expect(JSON.stringify(namespaced).length).toBeLessThanOrEqual(options.budget);
        expect(JSON.stringify(flat).length).toBeLessThanOrEqual(options.flatBudget);
        expect(Object.keys({ ...flat, [ATTRIBUTE_KEY]: namespaced }).sort()).toEqual(okKeys);
        expect(Object.keys(namespaced).sort()).toEqual(namespacedKeys);
      }),
      { numRuns: 300 },
    );
  });
});
