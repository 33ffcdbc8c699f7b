/**
 * The core's readers documented "Never throws" hold under hostile values: throwing
 * getters (own and inherited), proxies whose traps throw, cycles, very deep and very
 * large values. What they cannot read they say so (invalid, refused, `[]`): never a
 * quiet success that dropped what it could not read.
 */
import { describe, expect, it } from 'vitest';
import { callStartParams } from '../call-start.js';
import {
  bindToTask,
  readCallerContext,
  readSaveAnswer,
  readSaveRequest,
  readTaskRouterEvents,
  readWrapUp,
  selectWrapUpsToSave,
  taskAttributes,
  validateWrapUp,
  WRAP_UP_ATTRIBUTE_KEY,
} from '../index.js';
import { snapshot } from '../objects.js';
import { TASK_SID } from './wrap-up-kit.js';

const boom = () => {
  throw new Error('hostile');
};

function deep(levels: number): Record<string, unknown> {
  let value: Record<string, unknown> = { leaf: 'x' };
  for (let i = 0; i < levels; i += 1) value = { a: value };
  return value;
}

function cyclic(): Record<string, unknown> {
  const value: Record<string, unknown> = { intent: 'x' };
  value.self = value;
  return value;
}

const trapNames = ['get', 'ownKeys', 'getOwnPropertyDescriptor', 'has', 'getPrototypeOf'] as const;

/**
 * Values no reader may throw on, by name, and whether they hide data: a value that cannot
 * be read whole (a getter or a trap that throws, a cycle, too deep, too large) must be
 * refused wherever it is. Inherited properties are not read at all, and proxies whose
 * `has` or `getPrototypeOf` traps throw read like their targets.
 */
const HOSTILE: readonly (readonly [string, () => unknown, boolean])[] = [
  [
    'an own getter that throws',
    () => Object.defineProperty({}, 'intent', { get: boom, enumerable: true }),
    true,
  ],
  [
    'an inherited getter that throws',
    () =>
      Object.create(Object.defineProperty({}, 'intent', { get: boom, enumerable: true }), {
        variables: { value: { a: '1' }, enumerable: true },
      }),
    false,
  ],
  ...trapNames.map(
    (trap) =>
      [
        `a proxy whose ${trap} trap throws`,
        () => new Proxy({ intent: 'x', variables: { a: '1' } }, { [trap]: boom }),
        trap !== 'has' && trap !== 'getPrototypeOf',
      ] as const,
  ),
  [
    'a proxy whose every trap throws',
    () => new Proxy({}, Object.fromEntries(trapNames.map((t) => [t, boom]))),
    true,
  ],
  [
    'a revoked proxy',
    () => {
      const revocable = Proxy.revocable({}, {});
      revocable.revoke();
      return revocable.proxy;
    },
    true,
  ],
  ['a cycle', cyclic, true],
  [
    'an array holding itself',
    () => {
      const list: unknown[] = [];
      list.push(list);
      return list;
    },
    true,
  ],
  ['10,000 levels', () => deep(10_000), true],
  ['10,000 levels of JSON text', () => `${'{"a":'.repeat(10_000)}{}${'}'.repeat(10_000)}`, false],
  ['a 5 MB string', () => 'x'.repeat(5_000_000), false],
  ['100,000 keys', () => Object.fromEntries(Array.from({ length: 100_000 }, (_, i) => [`k${i}`, i])), false],
  ['an array of length 2^32 - 1', () => new Array(2 ** 32 - 1), true],
];

/** Each value alone, and where each reader looks: a field, a wrap-up, variables, a payload. */
function placements(make: () => unknown): readonly unknown[] {
  return [
    make(),
    { intent: make(), intent_status: 'open' },
    { variables: make() },
    { variables: { a: make() } },
    { TaskSid: TASK_SID, wrap_up: make() },
    { TaskSid: TASK_SID, wrap_up: { intent: 'x', intent_status: 'open', variables: make() } },
    { [WRAP_UP_ATTRIBUTE_KEY]: make() },
    { [WRAP_UP_ATTRIBUTE_KEY]: { call_id: 'CA1', variables: make() } },
    { call_sid: 'CA1', sticky_calls: make() },
    { EventType: 'task.completed', TaskSid: make(), TaskAttributes: make() },
    [{ type: 'com.twilio.taskrouter.task.completed', data: make() }],
    { status: 'invalid', errors: make() },
    make(),
  ];
}

/** Runs `work` on a built value: it must answer (how fast is the benchmark's business, not a test's). */
const timed = <T>(work: () => T): T => work();

// The large values take a while to build and copy, thirteen placements each.
describe.each(HOSTILE)('%s', { timeout: 60_000 }, (_name, make, unreadable) => {
  it('readSaveRequest answers, and refuses what it cannot read whole', () => {
    for (const value of placements(make)) {
      const result = timed(() => readSaveRequest(value));
      if (unreadable) expect(result.success).toBe(false);
      else if (result.success) expect(() => validateWrapUp(result.data.fields)).not.toThrow();
    }
  });

  it('validateWrapUp refuses it wherever it is a field', () => {
    for (const value of placements(make).slice(1, 4))
      expect(timed(() => validateWrapUp(value)).ok).toBe(false);
    expect(() => validateWrapUp(make())).not.toThrow();
  });

  it('readWrapUp, readCallerContext and taskAttributes answer, and say invalid what they cannot read', () => {
    for (const value of placements(make)) {
      const stored = timed(() => readWrapUp(value));
      const caller = timed(() => readCallerContext(value));
      const record = timed(() => taskAttributes(value));
      if (unreadable) {
        expect(stored.state).toBe('invalid');
        expect(caller.state).toBe('invalid');
        expect(record).toBeUndefined();
      } else {
        expect(['absent', 'invalid', 'ready']).toContain(stored.state);
        expect(['absent', 'invalid', 'degraded', 'ready']).toContain(caller.state);
      }
    }
  });

  it('readTaskRouterEvents, selectWrapUpsToSave, bindToTask, readSaveAnswer and callStartParams answer', () => {
    for (const value of placements(make)) {
      const events = timed(() => readTaskRouterEvents(value));
      if (unreadable) expect(events).toEqual([]);
      expect(Array.isArray(events)).toBe(true);
      const attributes = events.map((event) => ({ ...event, attributes: value }));
      expect(() =>
        timed(() =>
          selectWrapUpsToSave([...events, ...attributes], { eventTypes: new Set(['task.completed']) }),
        ),
      ).not.toThrow();
      const bound = timed(() => bindToTask(value));
      if (unreadable) expect(bound.ok).toBe(false);
      const claimed = timed(() => bindToTask({ call_sid: 'CA1', sticky_calls: {} }, value as object));
      if (unreadable) expect(claimed.ok).toBe(false);
      expect(timed(() => readSaveAnswer(200, value)).ok).toBe(false);
      expect(() =>
        timed(() => callStartParams({ callId: 'CA1', from: value, externalIds: value })),
      ).not.toThrow();
    }
  });
});

describe('snapshot', () => {
  it('copies plain JSON-like data exactly, own __proto__ keys included, never a prototype', () => {
    const value = JSON.parse('{"a":[1,"x",null,true,{"b":{}}],"__proto__":{"polluted":1},"c":"é"}');
    const copy = snapshot(value);
    expect(copy).toEqual({ ok: true, value });
    if (!copy.ok) return;
    expect(copy.value).not.toBe(value);
    expect(Object.keys(copy.value as object)).toEqual(['a', '__proto__', 'c']);
    expect(Object.getPrototypeOf(copy.value)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('keeps a key whose value is not data, as undefined (never silently drops it)', () => {
    const copy = snapshot({ f: () => 1, s: Symbol('s'), n: 1n, u: undefined });
    expect(copy.ok && Object.keys(copy.value as object)).toEqual(['f', 's', 'n', 'u']);
    expect(copy.ok && Object.values(copy.value as object)).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
  });

  it('copies what JSON would send: a Date as its text', () => {
    expect(snapshot({ at: new Date(0) })).toEqual({ ok: true, value: { at: '1970-01-01T00:00:00.000Z' } });
  });

  it('copies a shared (acyclic) value twice', () => {
    const shared = { x: 1 };
    expect(snapshot({ a: shared, b: [shared, shared] })).toEqual({
      ok: true,
      value: { a: { x: 1 }, b: [{ x: 1 }, { x: 1 }] },
    });
  });

  it.each([
    ['unreadable', () => Object.defineProperty({}, 'x', { get: boom, enumerable: true })],
    ['cycle', cyclic],
    ['too_deep', () => deep(10_000)],
    ['too_large', () => Object.fromEntries(Array.from({ length: 300_000 }, (_, i) => [`k${i}`, i]))],
    ['too_large', () => new Array(2 ** 32 - 1)],
  ])('says %s', (problem, make) => {
    expect(snapshot(make())).toEqual({ ok: false, problem });
  });

  it('spends its budget as told', () => {
    expect(snapshot(deep(3), { depth: 3 })).toEqual({ ok: false, problem: 'too_deep' });
    expect(snapshot(deep(3), { depth: 4 }).ok).toBe(true);
    expect(snapshot({ a: 'xx', b: 'yy' }, { characters: 5 })).toEqual({ ok: false, problem: 'too_large' });
    expect(snapshot([1, 2, 3], { entries: 2 })).toEqual({ ok: false, problem: 'too_large' });
  });
});
