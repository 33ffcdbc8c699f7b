/**
 * Never throws: every core function documented so holds under hostile values, generated
 * (fast-check, a fixed seed and number of runs per property, so a CI failure
 * reproduces): objects whose getters throw (own and inherited), proxies whose `get`,
 * `ownKeys`, `getOwnPropertyDescriptor`, `has` or `getPrototypeOf` traps throw, revoked
 * proxies, cycles, values 100 to 10,000 levels deep, a 5 MB string and an object of
 * 100,000 keys, alone or placed inside a realistic save request, task attributes or
 * TaskRouter event. Each call answers within two seconds, in its documented shape; and
 * what cannot be read whole is refused (invalid, not saved, `[]`), never taken for a
 * shorter value that reads.
 *
 * Values are generated as descriptions and built inside the property, so that a failing
 * case prints (a proxy whose traps throw cannot be printed).
 */
import {
  bindToTask,
  callStartParams,
  createStickyCallsClient,
  type EndCallParams,
  endWrapUp,
  postWrapUp,
  readCallerContext,
  readSaveAnswer,
  readSaveRequest,
  readTaskRouterEvents,
  readWrapUp,
  selectWrapUpsToSave,
  taskAttributes,
  toTaskAttributes,
  validateWrapUp,
  WRAP_UP_ATTRIBUTE_KEY,
  WRAP_UP_ISSUE_CODES,
  type WrapUpFields,
} from '@stickycalls/core';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { FLEX_TOKEN } from './kit.js';
import { notes } from './notes.js';

const SEED = 20_260_311;
const RUNS = 250;
const settings = { seed: SEED, numRuns: RUNS, endOnFailure: true } as const;
let generated = 0;
let unreadable = 0;
/** How many generated values held each kind of hostility. */
const kinds = new Map<string, number>();
afterAll(() => {
  const held = [...kinds.entries()].map(([kind, count]) => `${kind} ${count}`).join(', ');
  notes.push(
    `${generated} generated hostile inputs (seed ${SEED}, ${RUNS} runs per property), ${unreadable} of them unreadable whole and refused; holding: ${held}; slowest answer ${Math.round(slowestMs)} ms`,
  );
});

// ---------------------------------------------------------------------------
// Hostile values, as descriptions

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
const TRAPS = ['get', 'ownKeys', 'getOwnPropertyDescriptor', 'has', 'getPrototypeOf'] as const;
type Trap = (typeof TRAPS)[number];

type Spec =
  | { readonly kind: 'json'; readonly value: Json }
  | {
      readonly kind: 'getter';
      readonly key: string;
      readonly inherited: boolean;
      readonly base: Record<string, Json>;
    }
  | { readonly kind: 'proxy'; readonly traps: readonly Trap[]; readonly target: Spec }
  | { readonly kind: 'revoked' }
  | {
      readonly kind: 'cycle';
      readonly key: string;
      readonly base: Record<string, Json>;
      readonly viaArray: boolean;
    }
  | { readonly kind: 'deep'; readonly levels: number; readonly array: boolean; readonly text: boolean }
  | { readonly kind: 'hugeString' }
  | { readonly kind: 'manyKeys' }
  | { readonly kind: 'in'; readonly base: Base; readonly path: readonly string[]; readonly inner: Spec };

type Base = 'save' | 'guide' | 'attributes' | 'wrapUp' | 'event' | 'cloudEvents' | 'answer' | 'empty';

const WT = `WT${'a'.repeat(32)}`;
const CA = `CA${'b'.repeat(32)}`;
const ATTRIBUTES = {
  call_sid: CA,
  from: '+14155551234',
  ...toTaskAttributes({
    call_id: CA,
    customer_ref: 'cust_1',
    call_start: null,
    identity: { confidence: 0.9, level: 'high', sources: ['ani:mobile'], recommendation: 'reuse' },
    open_intents: [{ intent: 'refund_request', status: 'open', attempt_count: 1 }],
    variables: { name: { value: 'Ada', source: null, ttl_seconds: 60 } },
  }),
};
const WRAP_UP = { intent: 'refund_request', intent_status: 'open', variables: { summary: 'Label sent' } };
/** Realistic values a hostile one is placed inside, as each reader gets them. */
const BASES: Readonly<Record<Base, () => unknown>> = {
  save: () => ({ Token: FLEX_TOKEN, TaskSid: WT, action: 'save', wrap_up: structuredClone(WRAP_UP) }),
  guide: () => ({
    Token: FLEX_TOKEN,
    CallSid: CA,
    Intent: 'billing',
    IntentStatus: 'closed',
    AgentNotes: 'ok',
  }),
  attributes: () => structuredClone(ATTRIBUTES),
  wrapUp: () => ({
    ...structuredClone(ATTRIBUTES),
    [WRAP_UP_ATTRIBUTE_KEY]: {
      call_id: CA,
      customer_ref: 'cust_1',
      ...structuredClone(WRAP_UP),
      saved: false,
    },
  }),
  event: () => ({ EventType: 'task.completed', TaskSid: WT, TaskAttributes: JSON.stringify(ATTRIBUTES) }),
  cloudEvents: () => [
    {
      type: 'com.twilio.taskrouter.task.completed',
      data: { payload: { task_sid: WT, task_attributes: JSON.stringify(ATTRIBUTES) } },
    },
  ],
  answer: () => ({ status: 'saved', call_id: CA, customer_ref: 'cust_1', retryable: false }),
  empty: () => ({}),
};
const KEYS = [
  'wrap_up',
  'variables',
  'Variables',
  'intent',
  'Intent',
  'intent_status',
  'TaskSid',
  'AgentNotes',
  'summary',
  'sticky_calls',
  'sticky_calls_wrapup',
  'vars',
  'call_sid',
  'TaskAttributes',
  'data',
  'payload',
  'task_attributes',
  'errors',
  'status',
  '0',
  '__proto__',
  'toJSON',
];

const jsonValue = fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<Json>;
const jsonRecord = fc.dictionary(fc.oneof(fc.constantFrom(...KEYS), fc.string({ maxLength: 8 })), jsonValue, {
  maxKeys: 4,
}) as fc.Arbitrary<Record<string, Json>>;

const spec: fc.Arbitrary<Spec> = fc.letrec<{ spec: Spec; leaf: Spec }>((tie) => ({
  leaf: fc.oneof(
    { weight: 4, arbitrary: jsonValue.map((value): Spec => ({ kind: 'json', value })) },
    {
      weight: 4,
      arbitrary: fc.record({
        kind: fc.constant('getter' as const),
        key: fc.constantFrom(...KEYS),
        inherited: fc.boolean(),
        base: jsonRecord,
      }),
    },
    { weight: 1, arbitrary: fc.constant<Spec>({ kind: 'revoked' }) },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant('cycle' as const),
        key: fc.constantFrom(...KEYS),
        base: jsonRecord,
        viaArray: fc.boolean(),
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant('deep' as const),
        // Either side of the readers' depth budget (64), never on it.
        levels: fc.oneof(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 100, max: 10_000 })),
        array: fc.boolean(),
        text: fc.boolean(),
      }),
    },
    { weight: 1, arbitrary: fc.constantFrom<Spec>({ kind: 'hugeString' }, { kind: 'manyKeys' }) },
  ),
  spec: fc.oneof(
    { weight: 3, arbitrary: tie('leaf') },
    {
      weight: 3,
      arbitrary: fc.record({
        kind: fc.constant('proxy' as const),
        traps: fc.subarray([...TRAPS], { minLength: 1 }),
        target: tie('leaf'),
      }),
    },
    {
      weight: 4,
      arbitrary: fc.record({
        kind: fc.constant('in' as const),
        base: fc.constantFrom<Base>(
          'save',
          'guide',
          'attributes',
          'wrapUp',
          'event',
          'cloudEvents',
          'answer',
          'empty',
        ),
        path: fc.array(fc.constantFrom(...KEYS), { minLength: 1, maxLength: 3 }),
        inner: tie('spec'),
      }),
    },
  ),
})).spec;

// ---------------------------------------------------------------------------
// Building them

const boom = (): never => {
  throw new Error('hostile');
};
let hugeString: string | undefined;
let manyKeys: Record<string, number> | undefined;

function deep(levels: number, array: boolean): unknown {
  let value: unknown = array ? [] : {};
  for (let i = 0; i < levels; i += 1) value = array ? [value] : { a: value };
  return value;
}

function build(s: Spec): unknown {
  switch (s.kind) {
    case 'json':
      return structuredClone(s.value);
    case 'getter': {
      const descriptor = { get: boom, enumerable: true, configurable: true };
      if (s.inherited) return Object.create(Object.defineProperty({}, s.key, descriptor), copyOwn(s.base));
      return Object.defineProperty(structuredClone(s.base), s.key, descriptor);
    }
    case 'proxy': {
      const built = build(s.target);
      const target = typeof built === 'object' && built !== null ? built : { value: built };
      return new Proxy(target, Object.fromEntries(s.traps.map((trap) => [trap, boom])));
    }
    case 'revoked': {
      const revocable = Proxy.revocable({}, {});
      revocable.revoke();
      return revocable.proxy;
    }
    case 'cycle': {
      const value = structuredClone(s.base) as Record<string, unknown>;
      Object.defineProperty(value, s.key, {
        value: s.viaArray ? [1, value] : value,
        enumerable: true,
        writable: true,
        configurable: true,
      });
      return value;
    }
    case 'deep': {
      if (!s.text) return deep(s.levels, s.array);
      const [open, close] = s.array ? ['[', ']'] : ['{"a":', '}'];
      return `${open.repeat(s.levels)}${s.array ? '[]' : '{}'}${close.repeat(s.levels)}`;
    }
    case 'hugeString':
      hugeString ??= 'x'.repeat(5_000_000);
      return hugeString;
    case 'manyKeys':
      manyKeys ??= Object.fromEntries(Array.from({ length: 100_000 }, (_, i) => [`k${i}`, i]));
      return manyKeys;
    case 'in': {
      const root = BASES[s.base]();
      let holder = root as Record<string, unknown>;
      s.path.forEach((key, index) => {
        const last = index === s.path.length - 1;
        const value = last ? build(s.inner) : {};
        Object.defineProperty(holder, key, { value, enumerable: true, writable: true, configurable: true });
        holder = value as Record<string, unknown>;
      });
      return root;
    }
  }
}

function copyOwn(base: Record<string, Json>): PropertyDescriptorMap {
  return Object.fromEntries(
    Object.keys(base).map((key) => [
      key,
      { value: base[key], enumerable: true, writable: true, configurable: true },
    ]),
  );
}

/**
 * Whether the built value cannot be read whole, as the readers copy it (JSON's view: an
 * object's `toJSON` read first, own enumerable keys, array items; at most 64 levels).
 */
function hides(s: Spec, depth = 0): boolean {
  switch (s.kind) {
    case 'json':
    case 'hugeString':
    case 'manyKeys':
      return false;
    case 'getter':
      // An inherited getter is read only as JSON reads it: `toJSON`, first of all.
      return !s.inherited || (s.key === 'toJSON' && !Object.hasOwn(s.base, 'toJSON'));
    case 'proxy': {
      const built = build(s.target);
      const target = typeof built === 'object' && built !== null ? built : { value: built };
      if (s.traps.includes('get') || s.target.kind === 'revoked') return true;
      if (!Array.isArray(target)) {
        if (s.traps.includes('ownKeys')) return true;
        if (s.traps.includes('getOwnPropertyDescriptor') && Object.keys(target).length > 0) return true;
      }
      return hides(s.target, depth);
    }
    case 'revoked':
    case 'cycle':
      return true;
    case 'deep':
      return !s.text && depth + s.levels + 1 > 64;
    case 'in':
      // An array's named properties are no part of it, as JSON sees it.
      if (s.base === 'cloudEvents' && s.path[0] !== '0') return false;
      return hides(s.inner, depth + s.path.length);
  }
}

/** Counts the kinds of hostility a generated value holds. */
function tally(s: Spec): void {
  generated += 1;
  if (hides(s)) unreadable += 1;
  const seen = new Set<string>();
  const visit = (part: Spec): void => {
    if (part.kind === 'proxy') {
      seen.add('proxies');
      visit(part.target);
    } else if (part.kind === 'in') visit(part.inner);
    else if (part.kind === 'deep') seen.add(part.levels >= 100 ? 'values 100+ deep' : 'shallow nesting');
    else if (part.kind === 'getter') seen.add(part.inherited ? 'inherited getters' : 'own getters');
    else if (part.kind !== 'json')
      seen.add(
        { revoked: 'revoked proxies', cycle: 'cycles', hugeString: '5 MB strings', manyKeys: '100,000 keys' }[
          part.kind
        ],
      );
  };
  visit(s);
  for (const kind of seen) kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
}

/** The slowest answer to one hostile value, in ms: a figure for the note, never a pass mark (machines differ). */
let slowestMs = 0;

/** Runs `work` on a built value: it must answer (return, not throw). */
function answers<T>(work: () => T): T {
  const started = performance.now();
  const result = work();
  slowestMs = Math.max(slowestMs, performance.now() - started);
  return result;
}

/** A property over hostile values: `check` gets the built value and whether it hides anything. */
function property(check: (value: unknown, hidden: boolean) => void): void {
  fc.assert(
    fc.property(spec, (s) => {
      tally(s);
      check(build(s), hides(s));
    }),
    settings,
  );
}

const LONG = { timeout: 120_000 };

// ---------------------------------------------------------------------------

describe('the save Function’s readers', () => {
  it('readSaveRequest answers, and refuses what it cannot read whole', LONG, () => {
    property((value, hidden) => {
      const result = answers(() => readSaveRequest(value));
      if (hidden) expect(result.success).toBe(false);
      if (!result.success) for (const issue of result.issues) expect(issue.message).not.toBe('');
    });
  });

  it('validateWrapUp answers with known codes, and refuses what it cannot read whole', LONG, () => {
    property((value, hidden) => {
      for (const input of [value, { intent: 'x', intent_status: 'open', variables: value }]) {
        const result = answers(() => validateWrapUp(input, { requireIntent: true }));
        if (hidden) expect(result.ok).toBe(false);
        if (!result.ok) for (const issue of result.issues) expect(WRAP_UP_ISSUE_CODES).toContain(issue.code);
      }
    });
  });

  it('bindToTask answers, and binds nothing it cannot read whole', LONG, () => {
    property((value, hidden) => {
      const onTask = answers(() => bindToTask(value));
      const claimed = answers(() => bindToTask(ATTRIBUTES, value as object));
      if (hidden) {
        expect(onTask.ok).toBe(false);
        expect(claimed.ok).toBe(false);
      }
    });
  });
});

describe('the task-attribute readers', () => {
  it('readWrapUp answers absent, invalid or ready; invalid what it cannot read whole', LONG, () => {
    property((value, hidden) => {
      const stored = answers(() => readWrapUp(value));
      expect(['absent', 'invalid', 'ready']).toContain(stored.state);
      if (hidden) expect(stored.state).toBe('invalid');
    });
  });

  it('readCallerContext answers a state the UI can render; invalid what it cannot read whole', LONG, () => {
    property((value, hidden) => {
      const caller = answers(() => readCallerContext(value));
      expect(['absent', 'invalid', 'degraded', 'ready']).toContain(caller.state);
      if (hidden) expect(caller.state).toBe('invalid');
    });
  });

  it('taskAttributes answers a record or undefined; undefined for what it cannot read whole', LONG, () => {
    property((value, hidden) => {
      const record = answers(() => taskAttributes(value));
      expect(record === undefined || (typeof record === 'object' && !Array.isArray(record))).toBe(true);
      if (hidden) expect(record).toBeUndefined();
    });
  });
});

describe('the safety net and the call-start webhook', () => {
  it('readTaskRouterEvents answers events; none from what it cannot read whole', LONG, () => {
    property((value, hidden) => {
      const events = answers(() => readTaskRouterEvents(value));
      expect(Array.isArray(events)).toBe(true);
      for (const event of events) expect(typeof event.type).toBe('string');
      if (hidden) expect(events).toEqual([]);
    });
  });

  it('selectWrapUpsToSave answers, and saves nothing it cannot read whole', LONG, () => {
    property((value, hidden) => {
      const events = [
        ...readTaskRouterEvents(value),
        { type: 'task.completed', taskSid: WT, attributes: value },
      ];
      const selected = answers(() =>
        selectWrapUpsToSave(events, { eventTypes: new Set(['task.completed']) }),
      );
      expect(Array.isArray(selected.saves)).toBe(true);
      if (hidden) expect(selected.saves).toEqual([]);
    });
  });

  it('callStartParams answers params or a reason; a reason for what it cannot read whole', LONG, () => {
    property((value, hidden) => {
      const whole = answers(() => callStartParams(value as Parameters<typeof callStartParams>[0]));
      const fields = answers(() =>
        callStartParams({ callId: CA, from: value, to: value, externalIds: value }),
      );
      if (hidden) {
        expect(whole.ok).toBe(false);
        expect(fields).toEqual({ ok: false, reason: 'invalid_request' });
      }
    });
  });
});

describe('the browser’s and the savers’ answers', () => {
  it('readSaveAnswer answers an outcome; never done for what it cannot read whole', LONG, () => {
    property((value, hidden) => {
      for (const status of [200, 400, 502]) {
        const outcome = answers(() => readSaveAnswer(status, value));
        expect(typeof outcome.ok).toBe('boolean');
        if (hidden) expect(outcome.ok).toBe(false);
      }
      expect(answers(() => readSaveAnswer(value as number, { status: 'saved' })).ok).toBe(false);
    });
  });

  it('endWrapUp never rejects, and sends nothing it cannot read whole', LONG, async () => {
    let sent = 0;
    const client = createStickyCallsClient({
      apiKey: 'sk_test_never_throws',
      baseUrl: 'https://api.stickycalls.test',
      retry: false,
      fetch: async () => {
        sent += 1;
        return Response.json({}, { status: 200 });
      },
    });
    await fc.assert(
      fc.asyncProperty(spec, async (s) => {
        tally(s);
        const hidden = hides(s);
        const before = sent;
        const outcome = await endWrapUp(client, build(s) as EndCallParams);
        expect(['saved', 'already_saved', 'failed']).toContain(outcome.status);
        if (hidden) {
          expect(outcome.status).toBe('failed');
          expect(sent).toBe(before);
        }
      }),
      settings,
    );
  });

  it('postWrapUp never rejects, whatever the wrap-up and the token getter', LONG, async () => {
    await fc.assert(
      fc.asyncProperty(spec, fc.boolean(), async (s, throwingToken) => {
        tally(s);
        const result = await postWrapUp({
          url: 'https://save.example.test/save-context',
          taskSid: WT,
          action: 'save',
          wrapUp: build(s) as WrapUpFields,
          getToken: throwingToken ? boom : () => FLEX_TOKEN,
          deadlineMs: 500,
          fetch: async () =>
            Response.json({ status: 'invalid', errors: [], retryable: false }, { status: 400 }),
        });
        expect(typeof result.ok).toBe('boolean');
      }),
      settings,
    );
  });
});
