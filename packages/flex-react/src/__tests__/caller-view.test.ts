import { ATTRIBUTE_KEY, DEGRADED_REASONS, SERVER_VARIABLE_NAMES } from '@stickycalls/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type CallerContextView,
  callerContextView,
  callerName,
  formatPhoneNumber,
  humanize,
  suggestNextStep,
} from '../caller-view.js';
import {
  CALL_START,
  CALLER,
  CUSTOMER_REF,
  confirmMatch,
  degraded,
  flatLayout,
  flexVoiceKeys,
  GARBAGE,
  newCaller,
  returningCaller,
  startResponse,
  TRUNCATED_VARIABLES,
  truncated,
  withFlexKeys,
} from './kit.js';

type Ready = Extract<CallerContextView, { state: 'ready' }>;

function ready(attributes: unknown, options?: Parameters<typeof callerContextView>[1]): Ready {
  const view = callerContextView(attributes, options);
  if (view.state !== 'ready') throw new Error(`expected a ready view, got ${JSON.stringify(view)}`);
  return view;
}

/** A reuse-tier caller with these open intents and API match sources. */
function callerWith(overrides: Record<string, unknown>): Record<string, unknown> {
  return withFlexKeys(startResponse(overrides));
}

describe('callerContextView: states', () => {
  it.each([
    ['undefined', undefined],
    ['null', null],
    ['an empty string', ''],
    ['an empty object', {}],
  ])('is absent for %s', (_label, attributes) => {
    expect(callerContextView(attributes)).toEqual({ state: 'absent', tier: null, caller: null });
  });

  it("is absent on a voice task without caller context, and still reads the caller's number", () => {
    expect(callerContextView(flexVoiceKeys())).toEqual({
      state: 'absent',
      tier: null,
      caller: { kind: 'phone', e164: CALLER },
    });
  });

  it.each(GARBAGE)('is invalid, with the problem, for %s', (_label, attributes) => {
    const view = callerContextView(attributes);
    expect(view.state).toBe('invalid');
    expect(view.tier).toBeNull();
    if (view.state === 'invalid') expect(view.problem).not.toBe('');
  });

  it('names the layout version it does not know', () => {
    const view = callerContextView({ [ATTRIBUTE_KEY]: { v: 2, status: 'ok' } });
    expect(view).toMatchObject({ state: 'invalid', problem: expect.stringContaining('version 2') });
  });

  it('is degraded with the reason the writer recorded', () => {
    expect(callerContextView(degraded('timeout'))).toEqual({
      state: 'degraded',
      tier: null,
      caller: { kind: 'phone', e164: CALLER },
      reason: 'timeout',
    });
    expect(callerContextView(degraded('no_identity_hints', 'anonymous'))).toMatchObject({
      state: 'degraded',
      reason: 'no_identity_hints',
      caller: { kind: 'withheld', raw: 'anonymous' },
    });
  });

  it('reads a foreign error recorded as degraded as the reason unknown', () => {
    expect(callerContextView(degraded(new Error('socket hang up')))).toMatchObject({
      state: 'degraded',
      reason: 'unknown',
    });
  });

  it("reads the flat keys of a degraded context (customer_ref '') as degraded", () => {
    const { [ATTRIBUTE_KEY]: _namespaced, ...flat } = degraded('rate_limited');
    expect(callerContextView(flat)).toMatchObject({ state: 'degraded', reason: 'unknown' });
  });

  it('is ready from the namespaced object', () => {
    const view = ready(returningCaller());
    expect(view).toMatchObject({
      layout: 'namespaced',
      tier: 'reuse',
      customerRef: CUSTOMER_REF,
      confidence: 0.92,
      level: 'very_high',
      caller: { kind: 'phone', e164: CALLER },
      truncated: false,
      omitted: { variables: 0, intents: 0 },
    });
    expect(view.callStart?.toISOString()).toBe(CALL_START);
    expect(view.variables).toEqual([
      { name: 'name', value: 'Dana Scully' },
      { name: 'plan', value: 'Premium' },
      { name: 'last_order', value: 'ORD-1042' },
    ]);
    expect(view.intents).toEqual([
      { intent: 'refund_request', status: 'open', attempts: 2, repeat: true },
      { intent: 'address_change', status: 'open', attempts: 1, repeat: false },
    ]);
  });

  it("is ready from the vendor guide's flat keys alone, with the same variables and intents", () => {
    const flat = ready(flatLayout());
    const namespaced = ready(returningCaller());
    expect(flat.layout).toBe('flat');
    expect(flat.customerRef).toBe(CUSTOMER_REF);
    expect(flat.tier).toBe('reuse');
    expect(flat.callStart?.toISOString()).toBe(CALL_START);
    expect(flat.variables).toEqual(namespaced.variables);
    expect(flat.intents).toEqual(namespaced.intents);
  });

  it('reads attributes given as JSON, as some sources give them', () => {
    const view = ready(JSON.stringify(returningCaller()));
    expect(view.customerRef).toBe(CUSTOMER_REF);
    expect(view.caller).toEqual({ kind: 'phone', e164: CALLER });
  });

  it('prefers the namespaced object over the flat keys when both are there', () => {
    const attributes = { ...returningCaller(), customer_ref: 'someone-else' };
    expect(ready(attributes).layout).toBe('namespaced');
    expect(ready(attributes).customerRef).toBe(CUSTOMER_REF);
  });

  it('falls back to the flat keys when the namespaced object is unreadable', () => {
    const attributes = { ...returningCaller(), [ATTRIBUTE_KEY]: '{broken' };
    expect(ready(attributes).layout).toBe('flat');
  });

  it('says what was left out of a truncated context', () => {
    const view = ready(truncated());
    expect(view.truncated).toBe(true);
    expect(view.omitted.variables).toBeGreaterThan(0);
    expect(view.variables.length + view.omitted.variables).toBe(TRUNCATED_VARIABLES);
    expect(view.intents.length + view.omitted.intents).toBe(6);
  });

  it('reads a call start it cannot parse as no call start', () => {
    const attributes = callerWith({ call_start: 'yesterday-ish' });
    expect(ready(attributes).callStart).toBeNull();
  });
});

describe('callerContextView: identity tiers', () => {
  it.each([
    ['returning caller', returningCaller, 'reuse'],
    ['confirm-tier match', confirmMatch, 'confirm'],
    ['new caller', newCaller, 'ignore'],
  ] as const)('gives the %s the tier %s', (_label, fixture, tier) => {
    expect(ready(fixture()).tier).toBe(tier);
  });

  it("follows the API's recommendation before thresholds, as documented", () => {
    // The API said reuse at 0.92: a stricter reuse line does not overrule it.
    expect(ready(returningCaller(), { tiers: { reuseAt: 0.95 } }).tier).toBe('reuse');
  });

  it('applies custom thresholds when told not to trust the recommendation', () => {
    const options = { tiers: { reuseAt: 0.95, confirmAt: 0.9, trustRecommendation: false } };
    expect(ready(returningCaller(), options).tier).toBe('confirm');
    expect(ready(returningCaller(), { tiers: { ...options.tiers, confirmAt: 0.93 } }).tier).toBe('ignore');
    // A lower reuse line makes the 0.42 match one to reuse.
    expect(ready(confirmMatch(), { tiers: { reuseAt: 0.4, trustRecommendation: false } }).tier).toBe('reuse');
  });

  it('applies custom thresholds to the flat layout, which carries no recommendation', () => {
    expect(ready(flatLayout()).tier).toBe('reuse');
    expect(ready(flatLayout(), { tiers: { reuseAt: 0.95 } }).tier).toBe('confirm');
    expect(ready(flatLayout(), { tiers: { reuseAt: 0.95, confirmAt: 0.95 } }).tier).toBe('ignore');
  });

  it('hides the variables and intents of an ignore-tier match, which may be someone else', () => {
    const attributes = newCaller();
    const stored = attributes[ATTRIBUTE_KEY] as { vars: object; intents: unknown[] };
    expect(Object.keys(stored.vars)).toHaveLength(1);
    expect(stored.intents).toHaveLength(1);

    const view = ready(attributes);
    expect(view.variables).toEqual([]);
    expect(view.intents).toEqual([]);
    expect(view.suggestion).toEqual({ kind: 'new_caller' });
  });

  it('hides them too when custom thresholds make a match ignore-tier', () => {
    const view = ready(flatLayout(), { tiers: { reuseAt: 0.99, confirmAt: 0.98 } });
    expect(view.tier).toBe('ignore');
    expect(view.variables).toEqual([]);
    expect(view.intents).toEqual([]);
  });
});

describe('callerContextView: last contact', () => {
  it.each([
    [['ani:mobile', 'recency:1day'], 'day'],
    [['recency:7days'], 'week'],
    [['recency:30days', 'external_id'], 'month'],
    [['recency:12h'], 'day'],
    [['recency:2weeks'], 'month'],
  ] as const)('reads %j as %s', (sources, lastContact) => {
    const attributes = callerWith({
      identity: { confidence: 0.9, level: 'very_high', sources, recommendation: 'reuse' },
    });
    expect(ready(attributes).lastContact).toBe(lastContact);
  });

  it('takes the most recent of several recency sources', () => {
    const attributes = callerWith({
      identity: {
        confidence: 0.9,
        level: 'very_high',
        sources: ['recency:30days', 'recency:1day', 'recency:7days'],
        recommendation: 'reuse',
      },
    });
    expect(ready(attributes).lastContact).toBe('day');
  });

  it('is unknown without a recency source', () => {
    const attributes = callerWith({
      identity: { confidence: 0.9, level: 'very_high', sources: ['ani:mobile'], recommendation: 'reuse' },
    });
    expect(ready(attributes).lastContact).toBeNull();
    expect(ready(flatLayout()).lastContact).toBeNull();
  });
});

describe('callerContextView: what the save Function recorded', () => {
  const TTL = 2_592_000;
  const stored = (value: string) => ({ value, source: 'system', ttl_seconds: TTL });
  const recorded = (vars: Record<string, string>, identity?: Record<string, unknown>) =>
    callerWith({
      variables: {
        name: stored('Dana Scully'),
        ...Object.fromEntries(Object.entries(vars).map(([name, value]) => [name, stored(value)])),
      },
      ...(identity === undefined ? {} : { identity }),
    });

  it('reads when the caller last called, and when their identity was last verified', () => {
    const view = ready(
      recorded({
        last_contact_at: '2026-02-06T14:05:00.000Z',
        identity_verified_at: '2025-12-03T09:30:00.000Z',
        identity_verified_by: 'WK0123456789abcdef0123456789abcdef',
        identity_verified_how: 'agent',
      }),
    );
    expect(view.lastContactAt?.toISOString()).toBe('2026-02-06T14:05:00.000Z');
    expect(view.identityVerifiedAt?.toISOString()).toBe('2025-12-03T09:30:00.000Z');
  });

  it('keeps the variables only the server writes out of the rows', () => {
    const view = ready(
      recorded({
        last_contact_at: '2026-02-06T14:05:00.000Z',
        identity_verified_at: '2025-12-03T09:30:00.000Z',
        identity_verified_by: 'WK0123456789abcdef0123456789abcdef',
        identity_verified_how: 'agent',
        plan: 'Premium',
      }),
    );
    expect(view.variables.map((row) => row.name)).toEqual(['name', 'plan']);
    for (const name of SERVER_VARIABLE_NAMES) expect(Object.keys(view.context.vars)).toContain(name);
  });

  it.each([
    ['not a time', 'yesterday'],
    ['a date without a time', '2026-02-06'],
    ['an impossible time', '2026-02-31T25:99:00Z'],
    ['empty', ''],
  ])('reads a last contact that is %s as none, keeping the recency words', (_label, value) => {
    const view = ready(recorded({ last_contact_at: value }));
    expect(view.lastContactAt).toBeNull();
    expect(view.lastContact).toBe('week');
  });

  it('has neither without the variables', () => {
    const view = ready(returningCaller());
    expect(view.lastContactAt).toBeNull();
    expect(view.identityVerifiedAt).toBeNull();
  });

  it("reads neither for an ignore-tier match, which may be someone else's", () => {
    const view = ready(
      recorded(
        { last_contact_at: '2026-02-06T14:05:00.000Z', identity_verified_at: '2025-12-03T09:30:00.000Z' },
        { confidence: 0.1, level: 'low', sources: [], recommendation: 'ignore' },
      ),
    );
    expect(view.lastContactAt).toBeNull();
    expect(view.identityVerifiedAt).toBeNull();
  });
});

describe('callerName', () => {
  const withVars = (vars: Record<string, string>, recommendation = 'reuse') =>
    callerContextView(
      callerWith({
        identity: { confidence: 0.9, level: 'very_high', sources: [], recommendation },
        variables: Object.fromEntries(
          Object.entries(vars).map(([name, value]) => [name, { value, source: null, ttl_seconds: 60 }]),
        ),
      }),
    );

  it('is the stored name, trimmed', () => {
    expect(callerName(callerContextView(returningCaller()))).toBe('Dana Scully');
    expect(callerName(withVars({ name: '  Fox Mulder \n' }))).toBe('Fox Mulder');
  });

  it('reads the variable the admin maps', () => {
    const view = withVars({ name: 'Nickname', full_name: 'Dana Katherine Scully' });
    expect(callerName(view, 'full_name')).toBe('Dana Katherine Scully');
    expect(callerName(view, 'surname')).toBeNull();
  });

  it('is none when blank, inherited, not ready, or an ignore-tier match', () => {
    expect(callerName(withVars({ name: '   ' }))).toBeNull();
    expect(callerName(withVars({ plan: 'Premium' }), 'constructor')).toBeNull();
    expect(callerName(withVars({ plan: 'Premium' }), '__proto__')).toBeNull();
    expect(callerName(callerContextView(degraded()))).toBeNull();
    expect(callerName(callerContextView(newCaller()))).toBeNull();
    expect(callerName(withVars({ name: 'Someone Else' }, 'ignore'))).toBeNull();
  });
});

describe('suggestNextStep', () => {
  it('suggests for a verified confirm-tier caller as for a match to reuse', () => {
    const view = ready(confirmMatch());
    expect(view.suggestion.kind).toBe('verify');
    expect(suggestNextStep('reuse', view.intents)).toEqual({ kind: 'ask_open', intent: 'delivery_delay' });
    expect(suggestNextStep('ignore', view.intents)).toEqual({ kind: 'new_caller' });
  });
});

describe('callerContextView: suggestions', () => {
  const reuse = (intents: unknown[]) => callerWith({ open_intents: intents });

  it('asks a confirm-tier match to be verified, naming the open intent to pick up after', () => {
    expect(ready(confirmMatch()).suggestion).toEqual({ kind: 'verify', intent: 'delivery_delay' });
  });

  it('asks to verify without an intent when none is open', () => {
    const attributes = callerWith({
      identity: { confidence: 0.4, level: 'low', sources: [], recommendation: 'confirm' },
      open_intents: [],
    });
    expect(ready(attributes).suggestion).toEqual({ kind: 'verify', intent: null });
  });

  it('follows up a repeat intent first, counting this call as the next contact', () => {
    expect(ready(returningCaller()).suggestion).toEqual({
      kind: 'follow_up',
      intent: 'refund_request',
      attempts: 3,
    });
  });

  it('picks the most-raised open intent, wherever it is in the list', () => {
    const attributes = reuse([
      { intent: 'address_change', status: 'open', attempt_count: 1 },
      { intent: 'broken_router', status: 'open', attempt_count: 4 },
      { intent: 'refund_request', status: 'open', attempt_count: 2 },
    ]);
    expect(ready(attributes).suggestion).toEqual({ kind: 'follow_up', intent: 'broken_router', attempts: 5 });
  });

  it('passes over intents that are no longer open', () => {
    const attributes = reuse([
      { intent: 'refund_request', status: 'resolved', attempt_count: 5 },
      { intent: 'address_change', status: 'open', attempt_count: 1 },
    ]);
    expect(ready(attributes).suggestion).toEqual({ kind: 'ask_open', intent: 'address_change' });
    // The resolved one is still listed; it is only not suggested.
    expect(ready(attributes).intents.map((intent) => intent.intent)).toEqual([
      'refund_request',
      'address_change',
    ]);
  });

  it('asks whether a first-attempt intent is still open', () => {
    const attributes = reuse([{ intent: 'address_change', status: 'open', attempt_count: 1 }]);
    expect(ready(attributes).suggestion).toEqual({ kind: 'ask_open', intent: 'address_change' });
  });

  it('treats an intent without an attempt count as a first attempt', () => {
    const attributes = reuse([{ intent: 'address_change', status: 'open', attempt_count: null }]);
    const view = ready(attributes);
    expect(view.intents).toEqual([
      { intent: 'address_change', status: 'open', attempts: null, repeat: false },
    ]);
    expect(view.suggestion).toEqual({ kind: 'ask_open', intent: 'address_change' });
  });

  it('welcomes a known caller back when nothing is open', () => {
    expect(ready(reuse([])).suggestion).toEqual({ kind: 'welcome_back' });
    const resolved = reuse([{ intent: 'refund_request', status: 'resolved', attempt_count: 2 }]);
    expect(ready(resolved).suggestion).toEqual({ kind: 'welcome_back' });
  });

  it('greets an ignore-tier match as a new caller', () => {
    expect(ready(newCaller()).suggestion).toEqual({ kind: 'new_caller' });
  });

  it('marks intents raised on two or more calls as repeats', () => {
    const attributes = reuse([
      { intent: 'a', status: 'open', attempt_count: 1 },
      { intent: 'b', status: 'open', attempt_count: 2 },
      { intent: 'c', status: 'open', attempt_count: 7 },
    ]);
    expect(ready(attributes).intents.map((intent) => intent.repeat)).toEqual([false, true, true]);
  });
});

describe('callerContextView: caller number', () => {
  const callerOf = (from: string) => callerContextView(degraded('timeout', from)).caller;

  it('reads a phone number as E.164, and formats North American numbers for reading', () => {
    expect(callerOf('+1 (415) 555-1234')).toEqual({ kind: 'phone', e164: '+14155551234' });
    expect(formatPhoneNumber('+14155551234')).toBe('+1 415-555-1234');
  });

  it('keeps other countries in E.164', () => {
    expect(callerOf('+44 20 7183 8750')).toEqual({ kind: 'phone', e164: '+442071838750' });
    expect(formatPhoneNumber('+442071838750')).toBe('+442071838750');
  });

  it.each(['anonymous', 'Restricted', '+266696687'])('reads %s as withheld', (from) => {
    expect(callerOf(from)).toEqual({ kind: 'withheld', raw: from });
  });

  it('reads Twilio Client and SIP callers', () => {
    expect(callerOf('client:agent_alice')).toEqual({ kind: 'client', identity: 'agent_alice' });
    expect(callerOf('sip:alice@example.com')).toEqual({ kind: 'sip', uri: 'sip:alice@example.com' });
  });

  it('reads the number from own properties only: a `from` on the prototype is not the caller', () => {
    const inherited = Object.assign(Object.create({ from: '+14155550000' }) as object, {
      caller: CALLER,
    });
    expect(callerContextView(inherited).caller).toEqual({ kind: 'phone', e164: CALLER });
    const onlyInherited = Object.create({ from: '+14155550000', caller: '+14155550000' }) as object;
    expect(callerContextView(onlyInherited).caller).toBeNull();
  });

  it('reads the number in a browser without Object.hasOwn (ES2019)', () => {
    const objectWithHasOwn = Object as { hasOwn?: unknown };
    const hasOwn = objectWithHasOwn.hasOwn;
    expect(typeof hasOwn).toBe('function');
    let views: CallerContextView[];
    delete objectWithHasOwn.hasOwn;
    try {
      views = [callerContextView(flexVoiceKeys()), callerContextView(returningCaller())];
    } finally {
      // Restored before asserting: Vitest's own matchers use Object.hasOwn.
      objectWithHasOwn.hasOwn = hasOwn;
    }
    expect(views.map((view) => view.caller)).toEqual([
      { kind: 'phone', e164: CALLER },
      { kind: 'phone', e164: CALLER },
    ]);
    expect(views.map((view) => view.state)).toEqual(['absent', 'ready']);
  });

  it('falls back to the `caller` key, and has no caller without either', () => {
    const { from: _from, ...rest } = degraded();
    expect(callerContextView(rest).caller).toEqual({ kind: 'phone', e164: CALLER });
    const { caller: _caller, ...neither } = rest;
    expect(callerContextView(neither).caller).toBeNull();
  });
});

describe('humanize', () => {
  it('turns slugs into words for reading', () => {
    expect(humanize('refund_request')).toBe('Refund request');
    expect(humanize('billing.late-fee')).toBe('Billing late fee');
    expect(humanize('___')).toBe('___');
  });
});

describe('callerContextView never throws', () => {
  const anything = fc.anything({
    withBigInt: true,
    withBoxedValues: true,
    withDate: true,
    withMap: true,
    withNullPrototype: true,
    withObjectString: true,
    withSet: true,
    withSparseArray: true,
    withTypedArray: true,
  });
  const states = new Set(['absent', 'invalid', 'degraded', 'ready']);
  const wellFormed = (view: CallerContextView) => {
    expect(states.has(view.state)).toBe(true);
    if (view.state === 'ready') {
      expect(typeof view.customerRef).toBe('string');
      expect(['reuse', 'confirm', 'ignore']).toContain(view.tier);
    } else if (view.state === 'degraded') {
      expect(DEGRADED_REASONS).toContain(view.reason);
    }
  };

  it('for anything as the attributes', () => {
    fc.assert(fc.property(anything, (attributes) => wellFormed(callerContextView(attributes))));
  });

  it('for anything as the sticky_calls value, alone or beside the flat keys', () => {
    const { [ATTRIBUTE_KEY]: _namespaced, ...flat } = returningCaller();
    fc.assert(
      fc.property(anything, fc.boolean(), (value, withFlat) => {
        const view = callerContextView({ ...(withFlat ? flat : flexVoiceKeys()), [ATTRIBUTE_KEY]: value });
        wellFormed(view);
        if (withFlat) expect(view.state).toBe('ready');
      }),
    );
  });

  it('for anything in the flat keys', () => {
    fc.assert(
      fc.property(
        fc.record({
          customer_ref: fc.oneof(fc.string(), anything),
          identity_confidence: anything,
          identity_level: anything,
          variables: fc.oneof(
            anything,
            fc.jsonValue().map((value) => JSON.stringify(value)),
          ),
          open_intents: fc.oneof(
            anything,
            fc.jsonValue().map((value) => JSON.stringify(value)),
          ),
          call_start: anything,
          from: anything,
        }),
        (attributes) => wellFormed(callerContextView(attributes)),
      ),
    );
  });

  it('for objects whose properties throw', () => {
    const hostile = new Proxy(
      {},
      {
        get: () => {
          throw new Error('no');
        },
        has: () => {
          throw new Error('no');
        },
        getOwnPropertyDescriptor: () => {
          throw new Error('no');
        },
        ownKeys: () => {
          throw new Error('no');
        },
      },
    );
    expect(callerContextView(hostile)).toMatchObject({ state: 'invalid', caller: null });
  });
});
